package upstream

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/khabar/khabar"
	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/text/language"
)

// Parser reads upstream feed documents (RSS 0.9x–2.0, RSS 1.0, Atom
// 0.3/1.0, JSON Feed 1.0/1.1) into khabar articles. It uses gofeed
// underneath and covers what gofeed leaves to its callers: charsets,
// Indian dates, relative URLs, tracking parameters, sanitizing, images,
// dedupe keys and partial results.
//
// The zero value is ready to use. A Parser is safe for concurrent use once
// its fields are no longer changed.
type Parser struct {
	// Location is the time zone of dates written without one. Nil means
	// UTC.
	Location *time.Location
	// IFrameHosts lists the hosts whose https iframes (video players and
	// similar embeds) survive sanitizing. Nil means DefaultIFrameHosts; an
	// empty, non-nil slice removes every iframe.
	IFrameHosts []string
	// KeepTracking keeps tracking parameters (utm_*, fbclid, gclid, …) in
	// item links. False strips them.
	KeepTracking bool

	once sync.Once
	san  *sanitizer
}

// Feed is one parsed upstream document.
type Feed struct {
	// URL is the address the document was fetched from (as given to Parse).
	URL string
	// Format is "rss", "atom" or "json"; Version is the format's version
	// as gofeed reports it ("2.0", "1.0", …).
	Format  string
	Version string
	// Title is the feed's title as plain text; Description likewise.
	Title       string
	Description string
	// Link is the site's home page, absolute.
	Link string
	// Language is the feed's BCP 47 language tag, or "".
	Language string
	// Updated is when the feed says it last changed; zero when it does not.
	Updated time.Time
	// TTL is the RSS <ttl> (minutes, converted); zero when absent.
	TTL time.Duration
	// UpdatePeriod is the interval sy:updatePeriod and
	// sy:updateFrequency describe; zero when absent.
	UpdatePeriod time.Duration
	// Articles holds one article per item read, in document order. An
	// article whose item had problems (see ItemError) is still here with
	// what could be read, so it may not pass khabar's Validate: a missing
	// date stays zero.
	Articles []*khabar.Article
}

// Parse reads one feed document. feedURL is the address it came from (the
// base of last resort for relative links, and the namespace of article
// IDs); contentType is the HTTP Content-Type, or "" when unknown.
//
// The returned Feed holds everything that could be read. The error, when
// not nil, is a *ParseError: document-level problems (ErrTruncated,
// ErrMalformed) and one *ItemError per item problem. The Feed is nil only
// when nothing at all could be read.
func (p *Parser) Parse(data []byte, feedURL, contentType string) (*Feed, error) {
	return p.parse(data, feedURL, feedURL, contentType)
}

// ParseResult parses the body of a Fetch result for the feed subscribed to
// at feedURL. Relative links are resolved against the address the body
// was finally fetched from (res.URL, after redirects), while article IDs
// stay namespaced by feedURL, so that a redirected feed keeps its IDs.
func (p *Parser) ParseResult(res *Result, feedURL string) (*Feed, error) {
	base := res.URL
	if absHTTP(base) == nil {
		base = feedURL
	}
	return p.parse(res.Body, feedURL, base, res.ContentType)
}

func (p *Parser) parse(data []byte, feedURL, baseURL, contentType string) (*Feed, error) {
	p.once.Do(func() { p.san = newSanitizer(p.IFrameHosts) })
	perr := &ParseError{FeedURL: feedURL}
	utf8Data, _ := ToUTF8(data, contentType)
	if len(utf8Data) >= chunkThreshold {
		if f, ok := p.parseChunked(utf8Data, feedURL, baseURL, perr); ok {
			if len(perr.Items) == 0 {
				return f, nil
			}
			return f, perr
		}
		perr.Items = nil
	}
	gf, err := parseGofeed(utf8Data)
	var dropped []int
	if err != nil {
		fixed, docErr, ok := []byte(nil), error(nil), false
		switch firstByte(utf8Data) {
		case '<':
			fixed, dropped, docErr, ok = repairXML(utf8Data)
		case '{', '[':
			fixed, docErr, ok = repairJSON(utf8Data)
		}
		if ok {
			gf, err = parseGofeed(fixed)
		}
		if err != nil || gf == nil {
			if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
				perr.Err = ErrUnknownFormat
			} else {
				perr.Err = fmt.Errorf("%w: %v", ErrMalformed, err)
			}
			return nil, perr
		}
		perr.Err = docErr
		for _, i := range dropped {
			perr.Items = append(perr.Items, &ItemError{FeedURL: feedURL, Index: i, Field: "xml", Err: ErrMalformed})
		}
	}
	if gf.FeedType == "json" && gf.FeedVersion == "" {
		// JSON, but without JSON Feed's required "version": not a feed.
		perr.Err = ErrUnknownFormat
		return nil, perr
	}
	f := p.convert(gf, utf8Data, feedURL, baseURL, dropped, perr)
	if perr.Err == nil && len(perr.Items) == 0 {
		return f, nil
	}
	sortItemErrors(perr.Items)
	return f, perr
}

func firstByte(data []byte) byte {
	t := bytes.TrimLeft(data[:min(len(data), 1024)], " \t\r\n")
	if len(t) == 0 {
		return 0
	}
	return t[0]
}

func sortItemErrors(errs []*ItemError) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Index < errs[j].Index })
}

// rssTranslator keeps what gofeed's universal feed drops: the RSS ttl.
type rssTranslator struct{ gofeed.DefaultRSSTranslator }

func (t *rssTranslator) Translate(feed any) (*gofeed.Feed, error) {
	f, err := t.DefaultRSSTranslator.Translate(feed)
	if err != nil {
		return nil, err
	}
	if rf, ok := feed.(*rss.Feed); ok && rf.TTL != "" {
		if f.Custom == nil {
			f.Custom = map[string]string{}
		}
		f.Custom["ttl"] = rf.TTL
	}
	return f, nil
}

// jsonTranslator marks JSON Feed content_text as text: gofeed puts it
// where HTML goes, so "<" in it would be read as markup.
type jsonTranslator struct{ gofeed.DefaultJSONTranslator }

func (t *jsonTranslator) Translate(feed any) (*gofeed.Feed, error) {
	f, err := t.DefaultJSONTranslator.Translate(feed)
	if err != nil {
		return nil, err
	}
	if jf, ok := feed.(*jsonfeed.Feed); ok && len(jf.Items) == len(f.Items) {
		for i, it := range jf.Items {
			if it != nil && it.ContentHTML == "" && it.ContentText != "" && f.Items[i] != nil {
				f.Items[i].Content = textToHTML(it.ContentText)
			}
		}
	}
	return f, nil
}

// textToHTML escapes plain text and turns its blank-line separated
// paragraphs into <p> elements.
func textToHTML(s string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			b.WriteString("<p>")
			b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
			b.WriteString("</p>")
		}
	}
	return b.String()
}

func parseGofeed(data []byte) (f *gofeed.Feed, err error) {
	defer func() {
		// gofeed is not expected to panic, but a feed reader takes input
		// from anyone: a panic in it must not take the poller down.
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("gofeed panicked: %v", r)
		}
	}()
	gp := gofeed.NewParser()
	gp.RSSTranslator = &rssTranslator{gofeed.DefaultRSSTranslator{DisableContentImageScan: true}}
	gp.JSONTranslator = &jsonTranslator{}
	return gp.Parse(bytes.NewReader(data))
}

func (p *Parser) loc() *time.Location {
	if p.Location != nil {
		return p.Location
	}
	return time.UTC
}

// convert turns gofeed's feed into ours, item by item; gofeed's items are
// released as they are converted to keep peak memory down.
func (p *Parser) convert(gf *gofeed.Feed, data []byte, feedURL, baseURL string, dropped []int, perr *ParseError) *Feed {
	f, base := p.feedInfo(gf, feedURL, baseURL)
	f.Articles = make([]*khabar.Article, 0, len(gf.Items))
	ds := &docState{}
	ds.setup(gf, f, data, base)
	p.convertItems(gf, f, base, 0, dropped, ds, perr)
	return f
}

// feedInfo returns the Feed with the document's metadata and no articles,
// and the base URL for its items.
func (p *Parser) feedInfo(gf *gofeed.Feed, feedURL, baseURL string) (*Feed, *url.URL) {
	base := absHTTP(baseURL)
	if base == nil {
		base = absHTTP(feedURL)
	}
	f := &Feed{
		URL:         feedURL,
		Format:      gf.FeedType,
		Version:     gf.FeedVersion,
		Title:       plainLine(gf.Title),
		Description: plainLine(gf.Description),
		Link:        resolve(gf.Link, base),
		Language:    normLanguage(gf.Language),
	}
	if gf.UpdatedParsed != nil {
		f.Updated = *gf.UpdatedParsed
	}
	if t, ok := parseDate(gf.Updated, p.loc()); ok {
		f.Updated = t
	}
	if ttl, err := strconv.Atoi(strings.TrimSpace(gf.Custom["ttl"])); err == nil && ttl > 0 && ttl < 60*24*365 {
		f.TTL = time.Duration(ttl) * time.Minute
	}
	f.UpdatePeriod = syndicationPeriod(gf.Extensions)
	return f, base
}

// convertItems appends gf's items to f.Articles; first is the document
// index of gf's first item, and dropped the document indexes of items cut
// out before gofeed saw them.
func (p *Parser) convertItems(gf *gofeed.Feed, f *Feed, base *url.URL, first int, dropped []int, ds *docState, perr *ParseError) {
	var feedAuthors []*gofeed.Person
	if gf.FeedType == "atom" || gf.FeedType == "json" {
		// Atom entries and JSON Feed items inherit the feed's authors.
		feedAuthors = gf.Authors
	}
	skip := 0 // dropped items before the current one shift indexes
	for i, it := range gf.Items {
		for skip < len(dropped) && dropped[skip] <= i+skip {
			skip++
		}
		if it == nil {
			continue
		}
		if len(it.Authors) == 0 {
			it.Authors = feedAuthors
		}
		index := first + i + skip
		var xmlBase *url.URL
		if index < len(ds.bases) {
			xmlBase = ds.bases[index]
		}
		if a := p.article(it, f, base, xmlBase, ds.textTitle(index), index, perr); ds.dedupe.keep(a, index, perr) {
			f.Articles = append(f.Articles, a)
		}
		gf.Items[i] = nil
	}
}

// oneLine folds runs of white space to one space and trims the ends. It
// returns s itself when it is already folded.
func oneLine(s string) string {
	prevSpace := true // a leading space needs folding
	for _, r := range s {
		sp := unicode.IsSpace(r)
		if sp && (prevSpace || r != ' ') {
			return strings.Join(strings.Fields(s), " ")
		}
		prevSpace = sp
	}
	if prevSpace && s != "" {
		return strings.TrimRight(s, " ")
	}
	return s
}

// plainLine returns the text of an HTML fragment on one line. Text without
// markup or entities (most titles, categories and names) skips the HTML
// tokenizer.
func plainLine(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return oneLine(khabar.CleanText(s))
	}
	return oneLine(khabar.PlainText(s))
}

// textLine returns plain text (an Atom type="text" or JSON Feed title,
// where "<b>" is text) cleaned and on one line.
func textLine(s string) string {
	return oneLine(khabar.CleanText(s))
}

// excerpt is khabar.Excerpt with the same shortcut as plainLine.
func excerpt(s string, max int) string {
	if !strings.ContainsAny(s, "<&") {
		return khabar.Truncate(oneLine(khabar.CleanText(s)), max)
	}
	return khabar.Excerpt(s, max)
}

func normLanguage(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	tag, err := language.Parse(s)
	if err != nil {
		return ""
	}
	return tag.String()
}

// syndicationPeriod reads sy:updatePeriod and sy:updateFrequency.
func syndicationPeriod(e ext.Extensions) time.Duration {
	sy := e["sy"]
	if sy == nil {
		return 0
	}
	var period time.Duration
	switch strings.ToLower(strings.TrimSpace(extValue(sy["updatePeriod"]))) {
	case "hourly":
		period = time.Hour
	case "daily", "":
		period = 24 * time.Hour
	case "weekly":
		period = 7 * 24 * time.Hour
	case "monthly":
		period = 30 * 24 * time.Hour
	case "yearly":
		period = 365 * 24 * time.Hour
	default:
		return 0
	}
	if sy["updatePeriod"] == nil && sy["updateFrequency"] == nil {
		return 0
	}
	freq := 1
	if v := strings.TrimSpace(extValue(sy["updateFrequency"])); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return period
		}
		freq = n
	}
	return period / time.Duration(freq)
}

func extValue(es []ext.Extension) string {
	if len(es) == 0 {
		return ""
	}
	return es[0].Value
}

// article converts one item.
func (p *Parser) article(it *gofeed.Item, f *Feed, feedBase, xmlBase *url.URL, textTitle bool, index int, perr *ParseError) *khabar.Article {
	guid := strings.TrimSpace(it.GUID)
	report := func(field string, err error) {
		perr.Items = append(perr.Items, &ItemError{FeedURL: f.URL, Index: index, GUID: guid, Field: field, Err: err})
	}
	a := &khabar.Article{
		Language: f.Language,
		Source:   &khabar.Source{FeedURL: f.URL, GUID: guid, Title: f.Title},
	}

	// Link: the item's, made absolute against the feed URL (gofeed has
	// already applied xml:base), else a permalink GUID.
	link := ""
	for _, l := range append([]string{it.Link}, it.Links...) {
		if u := absHTTP(resolve(l, feedBase)); u != nil {
			link = u.String()
			break
		}
	}
	if link == "" {
		if u := absHTTP(guid); u != nil {
			link = u.String()
		}
	}
	if link != "" && !p.KeepTracking {
		link = StripTracking(link)
	}
	a.URL = link
	if link == "" {
		report("url", ErrMissingLink)
	}
	// Relative URLs in the content and images resolve against the
	// xml:base in scope (which gofeed applies to RSS links only), else
	// the item link, else the feed URL.
	itemBase := xmlBase
	if itemBase == nil {
		itemBase = absHTTP(link)
	}
	if itemBase == nil {
		itemBase = feedBase
	}

	// Body and summary.
	content, desc := it.Content, it.Description
	if strings.TrimSpace(content) == "" {
		content, desc = desc, ""
	}
	var firstImg *khabar.Image
	a.ContentHTML, firstImg = p.san.clean(content, itemBase)
	if strings.TrimSpace(desc) != "" {
		a.Summary = excerpt(desc, 400)
	} else {
		a.Summary = excerpt(a.ContentHTML, 300)
	}

	if textTitle {
		a.Title = textLine(it.Title)
	} else {
		a.Title = plainLine(it.Title)
	}
	if a.Title == "" {
		if a.Title = khabar.Truncate(a.Summary, 100); a.Title == "" {
			report("title", ErrMissingTitle)
		}
	}

	// Dates.
	pub, pubErr := p.date(it.Published, it.PublishedParsed)
	upd, updErr := p.date(it.Updated, it.UpdatedParsed)
	if pubErr != nil {
		report("published", pubErr)
	}
	if updErr != nil {
		report("updated", updErr)
	}
	if pub.IsZero() {
		pub = upd
		if pub.IsZero() && pubErr == nil && updErr == nil {
			report("published", ErrMissingDate)
		}
	}
	if !upd.After(pub) {
		upd = time.Time{}
	}
	a.Published, a.Updated = pub, upd

	a.Authors = authors(it)
	a.Categories, a.Tags = taxonomy(it, f.Format == "json")
	a.Image = p.image(it, itemBase, firstImg)
	a.ID = articleID(f.URL, guid, link, a.Title, content)
	return a
}

// date returns the date raw names, preferring this package's reading
// (IST, AM/PM, zone-less in Location) over gofeed's.
func (p *Parser) date(raw string, parsed *time.Time) (time.Time, error) {
	if strings.TrimSpace(raw) == "" {
		if parsed != nil {
			return *parsed, nil
		}
		return time.Time{}, nil
	}
	if t, ok := parseDate(raw, p.loc()); ok {
		return t, nil
	}
	if parsed != nil {
		if _, off := parsed.Zone(); !mentionsIST(raw) || off == 5*3600+30*60 {
			return *parsed, nil
		}
	}
	return time.Time{}, &DateError{Raw: raw}
}

// DedupeKey returns the key that identifies an item within its feed: its
// GUID, else its canonical link (CanonicalLink of link), else a hash of
// its title and content.
//
// Within one document, an item that repeats an earlier item's key is
// dropped (reported as ErrDuplicateItem), and items with different links
// that share a GUID (reported as ErrDuplicateGUID) are keyed by
// GUIDLinkKey instead, so that a feed giving every item the same guid
// loses none of them.
func DedupeKey(guid, link, title, content string) string {
	switch {
	case strings.TrimSpace(guid) != "":
		return "guid:" + strings.TrimSpace(guid)
	case link != "":
		return "link:" + CanonicalLink(link)
	}
	h := sha256.New()
	h.Write([]byte(title))
	h.Write([]byte{0})
	h.Write([]byte(content))
	return "hash:" + hex.EncodeToString(h.Sum(nil))
}

// GUIDLinkKey is the dedupe key of an item whose GUID is shared by items
// with other links in the same document: the GUID and the canonical link.
func GUIDLinkKey(guid, link string) string {
	return "guid:" + strings.TrimSpace(guid) + "\nlink:" + CanonicalLink(link)
}

// docState is what converting one document's items needs to know about
// the whole document.
type docState struct {
	dedupe docDedupe
	// bases holds the xml:base in scope of each RSS item, by document
	// index (see rssItemBases); nil when the document has none.
	bases []*url.URL
	// textTitles says, by document index, which Atom entries have plain
	// text titles (see atomTextTitles); allText that every title is
	// plain text (JSON Feed).
	textTitles []bool
	allText    bool
}

// setup fills in what the document's format needs.
func (ds *docState) setup(gf *gofeed.Feed, f *Feed, data []byte, base *url.URL) {
	switch gf.FeedType {
	case "rss":
		ds.bases = rssItemBases(data, base)
	case "json":
		ds.allText = true
		f.Title = textLine(gf.Title)
	case "atom":
		var feedText bool
		feedText, ds.textTitles = atomTextTitles(data)
		if feedText {
			f.Title = textLine(gf.Title)
		}
	}
}

// textTitle reports whether the title of the item at index is plain text.
func (ds *docState) textTitle(index int) bool {
	return ds.allText || (index < len(ds.textTitles) && ds.textTitles[index])
}

// docDedupe finds repeated items within one document.
type docDedupe struct {
	ids   map[string]bool
	guids map[string]*guidGroup
}

// guidGroup is the items seen with one GUID.
type guidGroup struct {
	first *khabar.Article // the first item with the GUID, keyed by it alone until split
	split bool            // the GUID has been seen with different links
}

// keep reports whether a, the item at index, is new in its document. It
// re-keys items whose GUID turns out to be shared by different links.
func (d *docDedupe) keep(a *khabar.Article, index int, perr *ParseError) bool {
	if d.ids == nil {
		d.ids, d.guids = map[string]bool{}, map[string]*guidGroup{}
	}
	guid := ""
	if a.Source != nil {
		guid = strings.TrimSpace(a.Source.GUID)
	}
	report := func(err error) {
		perr.Items = append(perr.Items, &ItemError{FeedURL: perr.FeedURL, Index: index, GUID: guid, Field: "guid", Err: err})
	}
	if guid != "" {
		g := d.guids[guid]
		switch {
		case g == nil:
			d.guids[guid] = &guidGroup{first: a}
		case !g.split && CanonicalLink(g.first.URL) == CanonicalLink(a.URL):
			report(ErrDuplicateItem)
			return false
		default:
			if !g.split {
				g.split = true
				delete(d.ids, g.first.ID)
				g.first.ID = ArticleID(perr.FeedURL, GUIDLinkKey(guid, g.first.URL))
				d.ids[g.first.ID] = true
			}
			a.ID = ArticleID(perr.FeedURL, GUIDLinkKey(guid, a.URL))
			if d.ids[a.ID] {
				report(ErrDuplicateItem)
				return false
			}
			report(ErrDuplicateGUID)
		}
	}
	if d.ids[a.ID] {
		report(ErrDuplicateItem)
		return false
	}
	d.ids[a.ID] = true
	return true
}

// CanonicalLink returns the form of an item link used to recognise the
// same item again: tracking parameters removed, scheme and host in lower
// case, the default port and the fragment dropped. A link that does not
// parse is returned trimmed.
func CanonicalLink(link string) string {
	link = strings.TrimSpace(StripTracking(strings.TrimSpace(link)))
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return link
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if p := u.Port(); (p == "80" && u.Scheme == "http") || (p == "443" && u.Scheme == "https") {
		u.Host = u.Hostname()
		if strings.Contains(u.Host, ":") {
			u.Host = "[" + u.Host + "]"
		}
	}
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}

// ArticleID returns the stable article ID of an item of the feed at
// feedURL with the given dedupe key: the same item polled again gets the
// same ID, so it updates its article instead of adding one.
func ArticleID(feedURL, key string) string {
	h := sha256.New()
	h.Write([]byte(feedURL))
	h.Write([]byte{'\n'})
	h.Write([]byte(key))
	return "up-" + hex.EncodeToString(h.Sum(nil)[:16])
}

func articleID(feedURL, guid, link, title, content string) string {
	return ArticleID(feedURL, DedupeKey(guid, link, title, content))
}

func authors(it *gofeed.Item) []khabar.Author {
	var out []khabar.Author
	seen := map[string]bool{}
	add := func(name, email string) {
		name = plainLine(name)
		email = strings.TrimSpace(email)
		if !strings.Contains(email, "@") {
			email = ""
		}
		if name == "" {
			name = email
		}
		if name == "" || khabar.Slugify(name) == "" {
			return
		}
		k := khabar.Slugify(name)
		if seen[k] {
			return
		}
		seen[k] = true
		out = append(out, khabar.Author{Name: name, Email: email})
	}
	for _, p := range it.Authors {
		if p != nil {
			add(p.Name, p.Email)
		}
	}
	if dc := it.DublinCoreExt; dc != nil {
		for _, n := range dc.Creator {
			add(n, "")
		}
		for _, n := range dc.Author {
			add(n, "")
		}
	}
	if itn := it.ITunesExt; itn != nil {
		add(itn.Author, "")
	}
	return out
}

// taxonomy sorts an item's labels: RSS category, dc:subject and Atom
// category become categories; JSON Feed tags and iTunes keywords, which
// are keywords rather than sections, become tags. gofeed merges them all
// into Item.Categories, so keywords are taken back out.
func taxonomy(it *gofeed.Item, jsonFeed bool) ([]khabar.Category, []khabar.Tag) {
	var cats []khabar.Category
	var tags []khabar.Tag
	seenCat, seenTag := map[string]bool{}, map[string]bool{}
	keyword := map[string]bool{}
	if itn := it.ITunesExt; itn != nil && itn.Keywords != "" {
		for _, k := range strings.Split(itn.Keywords, ",") {
			keyword[k] = true
		}
	}
	// fresh cleans a label and reports whether its slug is new to seen.
	fresh := func(seen map[string]bool, name string) (string, bool) {
		name = plainLine(name)
		k := khabar.Slugify(name)
		if k == "" || seen[k] {
			return name, false
		}
		seen[k] = true
		return name, true
	}
	addTag := func(name string) {
		if name, ok := fresh(seenTag, name); ok {
			tags = append(tags, khabar.Tag{Name: name})
		}
	}
	addCat := func(name string) {
		if name, ok := fresh(seenCat, name); ok {
			cats = append(cats, khabar.Category{Name: name})
		}
	}
	for _, c := range it.Categories {
		if jsonFeed || keyword[c] {
			addTag(c)
		} else {
			addCat(c)
		}
	}
	if dc := it.DublinCoreExt; dc != nil {
		for _, s := range dc.Subject {
			addCat(s)
		}
	}
	return cats, tags
}

// image picks the featured image: media:content, media:thumbnail (also
// inside media:group), an image enclosure, itunes:image, the feed format's
// own image field (JSON Feed), else the first img of the content.
func (p *Parser) image(it *gofeed.Item, base *url.URL, firstImg *khabar.Image) *khabar.Image {
	mk := func(raw string, attrs map[string]string) *khabar.Image {
		u := absHTTP(resolve(raw, base))
		if u == nil {
			return nil
		}
		im := &khabar.Image{URL: u.String()}
		if attrs != nil {
			im.Width, _ = strconv.Atoi(attrs["width"])
			im.Height, _ = strconv.Atoi(attrs["height"])
			im.Width, im.Height = max(im.Width, 0), max(im.Height, 0)
			if t := attrs["type"]; strings.HasPrefix(t, "image/") {
				im.Type = t
			}
			if n, err := strconv.ParseInt(attrs["fileSize"], 10, 64); err == nil && n > 0 {
				im.Length = n
			}
		}
		return im
	}
	if media := it.Extensions["media"]; media != nil {
		groups := []map[string][]ext.Extension{media}
		for _, g := range media["group"] {
			groups = append(groups, g.Children)
		}
		// Of several images (sizes of one picture, usually), the one
		// marked isDefault, else the widest, else the first.
		var best *khabar.Image
		bestDefault := false
		for _, g := range groups {
			for _, c := range g["content"] {
				t, medium := c.Attrs["type"], c.Attrs["medium"]
				if strings.HasPrefix(t, "image/") || medium == "image" || (t == "" && medium == "" && looksLikeImage(c.Attrs["url"])) {
					if im := mk(c.Attrs["url"], c.Attrs); im != nil {
						// media:title and media:description, on the
						// content or on its group, describe the image.
						im.Alt = plainLine(firstNonEmpty(extValue(c.Children["title"]), extValue(g["title"])))
						im.Caption = plainLine(firstNonEmpty(extValue(c.Children["description"]), extValue(g["description"])))
						isDefault := strings.EqualFold(strings.TrimSpace(c.Attrs["isDefault"]), "true")
						if best == nil || (isDefault && !bestDefault) || (isDefault == bestDefault && im.Width > best.Width) {
							best, bestDefault = im, isDefault
						}
					}
				}
			}
		}
		if best != nil {
			return best
		}
		// Thumbnails: of the item or a group, then those inside a
		// media:content (a video's poster frame), in document order.
		for _, g := range groups {
			for _, c := range g["thumbnail"] {
				if im := mk(c.Attrs["url"], c.Attrs); im != nil {
					return im
				}
			}
		}
		for _, g := range groups {
			for _, c := range g["content"] {
				for _, th := range c.Children["thumbnail"] {
					if im := mk(th.Attrs["url"], th.Attrs); im != nil {
						im.Alt = plainLine(firstNonEmpty(extValue(c.Children["title"]), extValue(g["title"])))
						return im
					}
				}
			}
		}
	}
	for _, e := range it.Enclosures {
		if e != nil && strings.HasPrefix(e.Type, "image/") {
			if im := mk(e.URL, map[string]string{"type": e.Type, "fileSize": e.Length}); im != nil {
				return im
			}
		}
	}
	if it.ITunesExt != nil && it.ITunesExt.Image != "" {
		if im := mk(it.ITunesExt.Image, nil); im != nil {
			return im
		}
	}
	if it.Image != nil {
		if im := mk(it.Image.URL, nil); im != nil {
			return im
		}
	}
	return firstImg
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func looksLikeImage(u string) bool {
	u = strings.ToLower(u)
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	for _, s := range []string{".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif"} {
		if strings.HasSuffix(u, s) {
			return true
		}
	}
	return false
}
