package upstream

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/khabar/khabar"
	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
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
	// UTC, as feed readers read such dates; unlike package feed and
	// digest, which default to khabar.DefaultLocation (Asia/Kolkata), the
	// parser does not assume where an upstream feed is from. Set it to
	// khabar.DefaultLocation() for Indian feeds that leave out the zone.
	Location *time.Location
	// IFrameHosts lists the hosts whose https iframes (video players and
	// similar embeds) survive sanitizing. Nil means DefaultIFrameHosts; an
	// empty, non-nil slice removes every iframe.
	IFrameHosts []string
	// KeepTracking keeps tracking parameters (utm_*, fbclid, gclid, …) in
	// item links. False strips them.
	KeepTracking bool
	// MaxItems is the most items read from one document; the rest are
	// cut before parsing and the error names the limit (*LimitError).
	// Zero means DefaultMaxItems.
	MaxItems int
	// MaxItemErrors is the most item problems a *ParseError lists; it
	// counts the rest in Omitted. Zero means DefaultMaxItemErrors.
	MaxItemErrors int

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
	// Title is the feed's title as plain text; Description (RSS
	// description, Atom subtitle, JSON Feed description) and Rights (RSS
	// copyright, Atom rights) likewise.
	Title       string
	Description string
	Rights      string
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
	return p.parse(data, feedURL, feedURL, contentType, "", nil)
}

// ParseResult parses the body of a Fetch result for the feed subscribed to
// at feedURL. Relative links the document gives no base for (no xml:base
// in scope) are resolved against its Content-Location, else the address
// the body was finally fetched from (res.URL, after redirects), as RFC
// 3986 section 5.1 and, for Atom, RFC 4287 section 2 say; only the
// content of an RSS or JSON Feed item, formats that define no base, is
// resolved against the item's link first, the page it comes from. Article
// IDs stay namespaced by feedURL, so that a redirected feed keeps its
// IDs. A document that names no language gets the first of
// Content-Language.
func (p *Parser) ParseResult(res *Result, feedURL string) (*Feed, error) {
	return p.parseResult(res, feedURL, nil)
}

// parseResult is ParseResult; known, when not nil, reports the articles
// already stored (see storedLink).
func (p *Parser) parseResult(res *Result, feedURL string, known storedLink) (*Feed, error) {
	base := res.URL
	if absHTTP(base) == nil {
		base = feedURL
	}
	if loc := strings.TrimSpace(res.ContentLocation); loc != "" {
		if u := absHTTP(resolve(loc, absHTTP(base))); u != nil {
			base = u.String()
		}
	}
	lang, _, _ := strings.Cut(res.ContentLanguage, ",")
	return p.parse(res.Body, feedURL, base, res.ContentType, lang, known)
}

// parse runs the stages: decode the charset, pre-scan the XML, parse
// with gofeed (in chunks for a large document, repairing a broken one),
// translate each item, pick its images and drop repeated items. lang is
// the language of last resort; known, when not nil, reports the articles
// already stored, for the IDs of items sharing a GUID (see DedupeKey).
func (p *Parser) parse(data []byte, feedURL, baseURL, contentType, lang string, known storedLink) (*Feed, error) {
	p.once.Do(func() { p.san = newSanitizer(p.IFrameHosts) })
	perr := &ParseError{FeedURL: feedURL, max: p.maxItemErrors()}
	base := absHTTP(baseURL)
	if base == nil {
		base = absHTTP(feedURL)
	}
	utf8Data, _ := toUTF8(data, contentType)
	utf8Data, cut := cutItems(utf8Data, p.maxItems())
	if cut {
		perr.Err = &LimitError{Limit: "MaxItems", Value: p.maxItems()}
	}
	if d, flood := cutElementFloods(utf8Data); flood != nil {
		utf8Data = d
		perr.addDoc(flood)
	}
	scan := prescan(utf8Data, base)
	scan.lang = lang
	if len(scan.items) >= 2 {
		if f, ok := p.parseChunked(utf8Data, feedURL, base, scan, perr, known); ok {
			if perr.Err == nil && len(perr.Items) == 0 {
				return f, nil
			}
			return f, perr
		}
		perr.Items, perr.Omitted = nil, 0
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
				perr.addDoc(ErrUnknownFormat)
			} else {
				perr.addDoc(fmt.Errorf("%w: %v", ErrMalformed, err))
			}
			return nil, perr
		}
		if docErr != nil {
			perr.addDoc(docErr)
		}
		for _, i := range dropped {
			perr.addItem(&ItemError{FeedURL: feedURL, Index: i, Field: "xml", Err: ErrMalformed})
		}
	}
	if gf.FeedType == "json" && gf.FeedVersion == "" {
		// JSON, but without JSON Feed's required "version": not a feed.
		perr.Err = ErrUnknownFormat
		return nil, perr
	}
	t := p.translate(gf, feedURL, base, scan, perr, len(gf.Items), known)
	t.items(gf, 0, dropped)
	if perr.Err == nil && len(perr.Items) == 0 {
		return t.f, nil
	}
	sortItemErrors(perr.Items)
	return t.f, perr
}

// parseChunked parses a large XML document a chunk of items at a time:
// gofeed builds its whole result before returning, so on a feed of tens
// of megabytes its items and this package's articles would otherwise be
// alive at once. Each chunk is a small document: everything before the
// first item (the root element, its namespaces and xml:base, the channel
// metadata), a run of items, and everything after the last item (the
// closing tags). ok is false when a chunk fails; the caller then parses
// the document whole (and repairs it if need be).
func (p *Parser) parseChunked(data []byte, feedURL string, base *url.URL, scan *docScan, perr *ParseError, known storedLink) (*Feed, bool) {
	bounds := scan.items
	head, tail := data[:bounds[0][0]], data[bounds[len(bounds)-1][1]:]
	var t *translator
	buf := make([]byte, 0, len(head)+len(tail)+chunkBytes+chunkBytes/4)
	for first := 0; first < len(bounds); {
		last := first
		for last < len(bounds) && (last == first || bounds[last][1]-bounds[first][0] <= chunkBytes) {
			last++
		}
		buf = append(buf[:0], head...)
		buf = append(buf, data[bounds[first][0]:bounds[last-1][1]]...)
		buf = append(buf, tail...)
		gf, err := parseGofeed(buf)
		if err != nil || len(gf.Items) != last-first {
			return nil, false
		}
		if t == nil {
			t = p.translate(gf, feedURL, base, scan, perr, len(bounds), known)
		}
		t.items(gf, first, nil)
		first = last
	}
	return t.f, true
}

func sortItemErrors(errs []*ItemError) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Index < errs[j].Index })
}

// parseGofeed parses a whole UTF-8 document with gofeed.
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
	gp.AtomTranslator = &atomTranslator{}
	return gp.Parse(bytes.NewReader(data))
}

// atomLinkOf returns the address an RSS item gives as an atom:link (some
// generators write it instead of <link>): its first alternate link (rel
// "alternate" or none) whose type is HTML or not given, else "".
func atomLinkOf(exts ext.Extensions) string {
	for _, l := range exts["atom"]["link"] {
		if href := strings.TrimSpace(l.Attrs["href"]); href != "" && isAlternate(l.Attrs["rel"]) && isPageType(l.Attrs["type"]) {
			return href
		}
	}
	return ""
}

// isAlternate reports whether an Atom link relation is "alternate" (the
// default, when none is given; see relIs): the only relation that names
// the entry's page.
func isAlternate(rel string) bool {
	return strings.TrimSpace(rel) == "" || relIs(rel, "alternate")
}

// relIs reports whether the link relation rel is the registered relation
// name: by name, compared case-insensitively (RFC 8288 section 2.1.1;
// gofeed compares them as written), or by its IANA IRI (RFC 4287 section
// 4.2.7.2), white space around either ignored.
func relIs(rel, name string) bool {
	rel = strings.TrimSpace(rel)
	return strings.EqualFold(rel, name) || rel == "http://www.iana.org/assignments/relation/"+name
}

// isPageType reports whether an Atom link's type is a web page's (HTML or
// XHTML, parameters aside) or not given.
func isPageType(typ string) bool {
	t, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(typ)), ";")
	switch strings.TrimSpace(t) {
	case "", "text/html", "application/xhtml+xml":
		return true
	}
	return false
}

// rssTranslator keeps what gofeed's universal feed drops: the RSS ttl,
// an item's atom:link when it has no <link> (atomLinkOf), and each item's
// source element (the channel it came from, which Google
// News and other aggregators use to name the publisher), kept as an Atom
// entry's source is (Extensions[atomExt]["source"], title and url).
type rssTranslator struct{ gofeed.DefaultRSSTranslator }

func (t *rssTranslator) Translate(feed any) (*gofeed.Feed, error) {
	f, err := t.DefaultRSSTranslator.Translate(feed)
	if err != nil {
		return nil, err
	}
	rf, ok := feed.(*rss.Feed)
	if !ok {
		return f, nil
	}
	if rf.TTL != "" {
		if f.Custom == nil {
			f.Custom = map[string]string{}
		}
		f.Custom["ttl"] = rf.TTL
	}
	if len(rf.Items) != len(f.Items) {
		return f, nil
	}
	for i, ri := range rf.Items {
		it := f.Items[i]
		if ri == nil || it == nil {
			continue
		}
		if strings.TrimSpace(it.Link) == "" {
			it.Link = atomLinkOf(ri.Extensions)
		}
		if ri.Source == nil || (ri.Source.Title == "" && ri.Source.URL == "") {
			continue
		}
		if it.Extensions == nil {
			it.Extensions = ext.Extensions{}
		}
		it.Extensions[atomExt] = map[string][]ext.Extension{"source": {{Name: "source",
			Attrs: map[string]string{"title": ri.Source.Title, "url": ri.Source.URL}}}}
	}
	return f, nil
}

// atomExt is the key under which atomTranslator (and rssTranslator, for
// an item's source) keeps, in an item's Extensions, what gofeed's
// universal item has no field for. No XML prefix can collide with it.
const atomExt = "\x00atom"

// atomTranslator keeps what gofeed's universal item drops from an Atom
// entry: its contributors (as Extensions[atomExt]["contributor"], name and
// email in Attrs) and its source feed (["source"], title and url). An
// entry without authors gets its source's, which RFC 4287 (section 4.2.1)
// puts before the feed's. Of several alternate links, the entry's link
// is its HTML page (pageLink); the item's Links keep only alternate
// ones (RFC 4287 section 4.2.7.2: self, edit, enclosure, replies, via,
// related and the rest name other resources than the entry's page). The
// feed's link, the entry's and its enclosures are chosen again, since
// gofeed compares relations case-sensitively (see relIs).
type atomTranslator struct{ gofeed.DefaultAtomTranslator }

func (t *atomTranslator) Translate(feed any) (*gofeed.Feed, error) {
	f, err := t.DefaultAtomTranslator.Translate(feed)
	if err != nil {
		return nil, err
	}
	af, ok := feed.(*atom.Feed)
	if !ok || len(af.Entries) != len(f.Items) {
		return f, nil
	}
	if href, ok := pageLink(af.Links); ok {
		f.Link = href
	}
	for i, e := range af.Entries {
		it := f.Items[i]
		if e == nil || it == nil {
			continue
		}
		if href, ok := pageLink(e.Links); ok {
			it.Link = href
		}
		it.Enclosures = it.Enclosures[:0]
		for _, l := range e.Links {
			if l != nil && relIs(l.Rel, "enclosure") {
				it.Enclosures = append(it.Enclosures, &gofeed.Enclosure{URL: l.Href, Length: l.Length, Type: l.Type})
			}
		}
		// gofeed lists rel="self" links too: the entry document's own
		// address (an API URL) is no page of the article.
		it.Links = it.Links[:0]
		for _, l := range e.Links {
			if l != nil && isAlternate(l.Rel) {
				it.Links = append(it.Links, l.Href)
			}
		}
		if len(e.Contributors) == 0 && e.Source == nil {
			continue
		}
		if len(it.Authors) == 0 && e.Source != nil {
			for _, a := range e.Source.Authors {
				if a != nil {
					it.Authors = append(it.Authors, &gofeed.Person{Name: a.Name, Email: a.Email})
				}
			}
		}
		var kept []ext.Extension
		for _, c := range e.Contributors {
			if c != nil {
				kept = append(kept, ext.Extension{Name: "contributor", Attrs: map[string]string{"name": c.Name, "email": c.Email}})
			}
		}
		if src := e.Source; src != nil {
			kept = append(kept, ext.Extension{Name: "source", Attrs: map[string]string{"title": src.Title, "url": sourceURL(src)}})
		}
		if it.Extensions == nil {
			it.Extensions = ext.Extensions{}
		}
		m := map[string][]ext.Extension{}
		for _, k := range kept {
			m[k.Name] = append(m[k.Name], k)
		}
		it.Extensions[atomExt] = m
	}
	return f, nil
}

// pageLink returns the page an entry's or a feed's links name: of its
// alternate links (rel "alternate" or none; RFC 4287 allows one for each
// type and language), the first whose type is HTML or XHTML or not given,
// as feed readers take the entry's page, else the first. gofeed takes the
// first alternate, which may be a PDF or an audio file, and only one
// written rel="alternate" or without rel. It returns false when there is
// no alternate link.
func pageLink(links []*atom.Link) (string, bool) {
	first, found := "", false
	for _, l := range links {
		if l == nil || !isAlternate(l.Rel) {
			continue
		}
		if isPageType(l.Type) {
			return l.Href, true
		}
		if !found {
			first, found = l.Href, true
		}
	}
	return first, found
}

// sourceURL returns the address of an Atom source feed: its self link,
// else its alternate link, else its id when that is a URL.
func sourceURL(src *atom.Source) string {
	for _, rel := range []func(string) bool{
		func(rel string) bool { return relIs(rel, "self") },
		isAlternate,
	} {
		for _, l := range src.Links {
			if l != nil && rel(l.Rel) && absHTTP(l.Href) != nil {
				return l.Href
			}
		}
	}
	if absHTTP(src.ID) != nil {
		return src.ID
	}
	return ""
}

// jsonTranslator marks JSON Feed content_text and summary as text
// (JSON Feed 1.1: summary "is a plain text sentence or two"): gofeed puts
// them where HTML goes, so "<" and "&amp;" in them would be read as
// markup. It keeps what gofeed's universal item drops: an item's
// language, as Custom[customLanguage].
type jsonTranslator struct{ gofeed.DefaultJSONTranslator }

// customLanguage is the key of an item's Custom map under which
// jsonTranslator keeps a JSON Feed item's language.
const customLanguage = "language"

func (t *jsonTranslator) Translate(feed any) (*gofeed.Feed, error) {
	f, err := t.DefaultJSONTranslator.Translate(feed)
	if err != nil {
		return nil, err
	}
	if jf, ok := feed.(*jsonfeed.Feed); ok && len(jf.Items) == len(f.Items) {
		for i, it := range jf.Items {
			if it == nil || f.Items[i] == nil {
				continue
			}
			if it.ContentHTML == "" && it.ContentText != "" {
				f.Items[i].Content = textToHTML(it.ContentText)
			}
			if it.Summary != "" {
				f.Items[i].Description = textToHTML(it.Summary)
			}
			if it.Language != "" {
				if f.Items[i].Custom == nil {
					f.Items[i].Custom = map[string]string{}
				}
				f.Items[i].Custom[customLanguage] = it.Language
			}
		}
	}
	return f, nil
}
