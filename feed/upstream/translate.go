package upstream

import (
	"cmp"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/khabar/khabar"
	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
	"golang.org/x/text/language"
)

// The translate stage turns gofeed's feed into ours: the feed's metadata,
// then each item, one small function per article field. Text constructs
// are read in text.go, dates in dates.go, images in images.go.

// translator converts one document, chunk after chunk.
type translator struct {
	p      *Parser
	f      *Feed
	base   *url.URL // the document's base URL
	scan   *docScan
	perr   *ParseError
	dedupe docDedupe
}

// translate returns a translator whose Feed holds gf's metadata and room
// for items articles; base is the document's base URL, known (may be nil)
// reports the articles already stored.
func (p *Parser) translate(gf *gofeed.Feed, feedURL string, base *url.URL, scan *docScan, perr *ParseError, items int, known storedLink) *translator {
	f := &Feed{
		URL:          feedURL,
		Format:       gf.FeedType,
		Version:      gf.FeedVersion,
		Title:        scan.feedLine(fieldTitle, gf.Title, gf.FeedType != "rss"),
		Description:  scan.feedLine(fieldSubtitle, gf.Description, gf.FeedType == "json"),
		Rights:       scan.feedLine(fieldRights, gf.Copyright, false),
		Link:         resolve(gf.Link, base),
		Language:     normLanguage(cmp.Or(strings.TrimSpace(gf.Language), scan.lang)),
		Updated:      p.feedUpdated(gf),
		TTL:          rssTTL(gf.Custom["ttl"]),
		UpdatePeriod: syndicationPeriod(gf.Extensions),
		Articles:     make([]*khabar.Article, 0, items),
	}
	return &translator{p: p, f: f, base: base, scan: scan, perr: perr, dedupe: docDedupe{known: known}}
}

// items appends gf's items to the Feed's articles, dropping repeats;
// first is the document index of gf's first item, and dropped the
// document indexes of items cut out before gofeed saw them. gofeed's items
// are released as they are converted to keep peak memory down.
func (t *translator) items(gf *gofeed.Feed, first int, dropped []int) {
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
		if a := t.article(it, index); t.dedupe.keep(a, index, t.perr) {
			t.f.Articles = append(t.f.Articles, a)
		}
		gf.Items[i] = nil
	}
}

// article converts the item at document index index.
func (t *translator) article(it *gofeed.Item, index int) *khabar.Article {
	f := t.f
	guid := strings.TrimSpace(it.GUID)
	report := func(field string, err error) {
		t.perr.addItem(&ItemError{FeedURL: f.URL, Index: index, GUID: guid, Field: field, Err: err})
	}
	a := &khabar.Article{Source: &khabar.Source{FeedURL: f.URL, GUID: guid, Title: f.Title}}
	if lang, own := itemLanguage(it, t.scan, index); own {
		a.Language = lang
	} else {
		a.Language = f.Language
	}
	var long bool
	if a.URL, long = itemLink(it, guid, t.base, t.p.KeepTracking); a.URL == "" && long {
		report("url", &LimitError{Limit: "MaxURLBytes", Value: MaxURLBytes})
	} else if a.URL == "" {
		report("url", ErrMissingLink)
	}
	content, desc, xmlBase := t.scan.bodies(it, index)
	if len(content) > MaxContentBytes || len(desc) > MaxContentBytes {
		content, desc = cutUTF8(content, MaxContentBytes), cutUTF8(desc, MaxContentBytes)
		report("content", &LimitError{Limit: "MaxContentBytes", Value: MaxContentBytes})
	}
	if xmlBase == nil {
		xmlBase = t.scan.base(index)
	}
	base := contentBase(xmlBase, a.URL, t.base, f.Format == "atom")
	raw, contentHTML, summary, firstImg := t.p.body(content, desc, base)
	a.ContentHTML, a.Summary = contentHTML, summary
	if a.Title = itemTitle(t.scan.itemLine(index, fieldTitle, it.Title, f.Format != "rss"), a.Summary); a.Title == "" {
		report("title", ErrMissingTitle)
	} else if len(a.Title) > MaxTitleRunes {
		if cut := khabar.Truncate(a.Title, MaxTitleRunes); cut != a.Title {
			a.Title = cut
			report("title", &LimitError{Limit: "MaxTitleRunes", Value: MaxTitleRunes})
		}
	}
	fillDates(it, t.scan, index)
	a.Published, a.Updated = t.p.itemDates(it, report)
	if a.Authors, long = authors(it); long {
		report("authors", &LimitError{Limit: "MaxAuthors", Value: khabar.MaxAuthors})
	}
	if src := it.Extensions[atomExt]["source"]; len(src) > 0 {
		a.Source.OriginTitle = t.scan.itemLine(index, fieldOrigin, src[0].Attrs["title"], true)
		if u := absHTTP(src[0].Attrs["url"]); u != nil {
			a.Source.OriginURL = u.String()
		}
	}
	var overCats, overTags bool
	if a.Categories, a.Tags, overCats, overTags = taxonomy(it, f.Format == "json"); overCats {
		report("categories", &LimitError{Limit: "MaxCategories", Value: khabar.MaxCategories})
	}
	if overTags {
		report("tags", &LimitError{Limit: "MaxTags", Value: khabar.MaxTags})
	}
	a.Image = itemImage(it, base, firstImg)
	a.ID = articleID(f.URL, guid, a.URL, a.Title, raw)
	return a
}

// itemLink returns an item's link: the first of its links that is, or
// resolves against base to, an absolute http(s) URL (gofeed has already
// applied xml:base), else a permalink GUID; tracking parameters are
// stripped unless keepTracking. A link longer than MaxURLBytes is passed
// over; long says one was.
func itemLink(it *gofeed.Item, guid string, base *url.URL, keepTracking bool) (link string, long bool) {
	try := func(abs string) {
		if link != "" {
			return
		}
		if u := absHTTP(abs); u != nil {
			if s := u.String(); len(s) <= MaxURLBytes {
				link = s
			} else {
				long = true
			}
		}
	}
	try(resolve(it.Link, base))
	for i := 0; link == "" && i < len(it.Links); i++ {
		try(resolve(it.Links[i], base))
	}
	try(guid)
	if link != "" && !keepTracking {
		link = StripTracking(link)
	}
	return link, long
}

// contentBase returns what relative URLs in an item's content and images
// resolve against: the xml:base in scope (which gofeed applies to RSS
// links only); else, in Atom, the document's base (RFC 4287 section 2
// and RFC 3986 section 5.1: without xml:base, the base URI is that of the
// encapsulating entity, the document, and so its retrieval URI), never
// the entry's link; else, in RSS and JSON Feed, which define no base, the
// item link (the page the item's HTML comes from), else the document's
// base.
func contentBase(xmlBase *url.URL, link string, docBase *url.URL, atom bool) *url.URL {
	if xmlBase != nil {
		return xmlBase
	}
	if atom && docBase != nil {
		return docBase
	}
	if u := absHTTP(link); u != nil {
		return u
	}
	return docBase
}

// body returns an item's raw body (its content, else its description),
// that body sanitized with relative URLs resolved against base, the first
// image in it, and the item's summary: its description when it has both,
// else the start of its body.
func (p *Parser) body(content, desc string, base *url.URL) (raw, contentHTML, summary string, firstImg *khabar.Image) {
	if strings.TrimSpace(content) == "" {
		content, desc = desc, ""
	}
	contentHTML, firstImg = p.san.clean(content, base)
	if strings.TrimSpace(desc) != "" {
		summary = excerpt(desc, 400)
	} else {
		summary = excerpt(contentHTML, 300)
	}
	return content, contentHTML, summary, firstImg
}

// itemTitle returns an item's title (plain text on one line), else the
// start of its summary.
func itemTitle(title string, summary string) string {
	if title != "" {
		return title
	}
	return khabar.Truncate(summary, 100)
}

// authors returns the distinct authors an item names, in the order its
// author elements, dc:creator, dc:author and itunes:author list them, and
// then its Atom contributors: at most khabar.MaxAuthors of them, over
// saying there were more.
func authors(it *gofeed.Item) (out []khabar.Author, over bool) {
	seen := map[string]bool{}
	add := func(name, email string) {
		if over {
			return
		}
		email = strings.TrimSpace(email)
		if strings.IndexByte(email, '<') >= 0 {
			// "Name <address>": gofeed splits only "address (Name)".
			if a, err := mail.ParseAddress(email); err == nil && a.Address != email {
				name, email = cmp.Or(strings.TrimSpace(name), a.Name), a.Address
			}
		}
		name = plainLine(name)
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
		if len(out) == khabar.MaxAuthors { // a new one past the limit
			over = true
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
	for _, c := range it.Extensions[atomExt]["contributor"] {
		add(c.Attrs["name"], c.Attrs["email"])
	}
	return out, over
}

// taxonomy sorts an item's labels: RSS category, dc:subject and Atom
// category become categories; JSON Feed tags, iTunes keywords and media
// RSS keywords (media:keywords, comma-separated, as YouTube and video
// sites write them), which are keywords rather than sections, become
// tags. gofeed merges the first ones into Item.Categories, so keywords
// are taken back out. At most
// khabar.MaxCategories and MaxTags are kept, the first ones; overCats and
// overTags say there were more.
func taxonomy(it *gofeed.Item, jsonFeed bool) (cats []khabar.Category, tags []khabar.Tag, overCats, overTags bool) {
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
	// A label new past the limit ends the list.
	addTag := func(name string) {
		if overTags {
			return
		}
		if name, ok := fresh(seenTag, name); ok {
			if overTags = len(tags) == khabar.MaxTags; !overTags {
				tags = append(tags, khabar.Tag{Name: name})
			}
		}
	}
	addCat := func(name string) {
		if overCats {
			return
		}
		if name, ok := fresh(seenCat, name); ok {
			if overCats = len(cats) == khabar.MaxCategories; !overCats {
				cats = append(cats, khabar.Category{Name: name})
			}
		}
	}
	for _, c := range it.Categories {
		if overCats && overTags {
			break
		}
		if jsonFeed || keyword[c] {
			addTag(c)
		} else {
			addCat(c)
		}
	}
	if dc := it.DublinCoreExt; dc != nil {
		for _, s := range dc.Subject[:min(len(dc.Subject), khabar.MaxCategories+1)] {
			addCat(s)
		}
	}
	for _, k := range mediaElems(it.Extensions["media"], "keywords") {
		for kw := range strings.SplitSeq(k.Value, ",") {
			if overTags {
				break
			}
			addTag(kw)
		}
	}
	return cats, tags, overCats, overTags
}

// itemLanguage returns the language an item gives itself, which wins
// over its feed's, as a BCP 47 tag: a JSON Feed 1.1 item's language
// ("can be different than the primary language for the feed"), an Atom
// entry's xml:lang (RFC 4287 section 2: the language of the element and
// its descendants), else the item's dc:language; one that is no BCP 47
// tag is passed over. own says the item speaks for itself: it is also
// true, with lang "", for an entry that writes xml:lang="" and no
// dc:language, which says that its language is not known (XML 1.0
// section 2.12) and so is not its feed's.
func itemLanguage(it *gofeed.Item, ds *docScan, index int) (lang string, own bool) {
	xmlLang, written := ds.entryLang(index)
	candidates := []string{it.Custom[customLanguage], xmlLang}
	if dc := it.DublinCoreExt; dc != nil && len(dc.Language) > 0 {
		candidates = append(candidates, dc.Language[0])
	}
	for _, c := range candidates {
		if lang := normLanguage(c); lang != "" {
			return lang, true
		}
	}
	return "", written && strings.TrimSpace(xmlLang) == ""
}

// normLanguage returns a language as a BCP 47 tag, or "".
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

// rssTTL reads the RSS ttl (minutes), or returns zero.
func rssTTL(s string) time.Duration {
	if ttl, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && ttl > 0 && ttl < 60*24*365 {
		return time.Duration(ttl) * time.Minute
	}
	return 0
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

// extValue returns the value of the first of es, or "".
func extValue(es []ext.Extension) string {
	if len(es) == 0 {
		return ""
	}
	return es[0].Value
}
