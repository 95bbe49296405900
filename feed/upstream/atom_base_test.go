package upstream

import (
	"strings"
	"testing"
)

// TestAtomContentBaseIsDocumentURI: RFC 4287 section 2 resolves relative
// references in Atom by XML Base (xml:base in scope) and RFC 3986
// section 5.1: without xml:base, the base URI is the one of the
// encapsulating entity, the retrieval URI of the document — its
// Content-Location, else the address it was fetched from (ParseResult's
// godoc) — never the entry's link. xml:base on the feed, the entry or the
// content still wins, the innermost first. RSS defines no base: an RSS
// item's content keeps resolving against the item's link.
func TestAtomContentBaseIsDocumentURI(t *testing.T) {
	entry := func(attrs, contentAttrs string) string {
		return `<entry` + attrs + `>
  <title>E</title>
  <link href="https://example.com/2024/06/story.html"/>
  <id>urn:e</id><updated>2024-06-10T09:41:01Z</updated>
  <content type="html"` + contentAttrs + `>&lt;p&gt;&lt;img src="images/a.jpg"&gt;&lt;/p&gt;</content>
</entry>`
	}
	atom := func(feedAttrs, entry string) string {
		return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"` + feedAttrs + `>
<title>T</title><id>urn:t</id><updated>2024-06-10T09:41:01Z</updated>
` + entry + `
</feed>`
	}
	rss := `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://example.com/</link><description>d</description>
<item><title>x</title><link>https://example.com/2024/06/story.html</link><description>&lt;p&gt;&lt;img src="images/a.jpg"&gt;&lt;/p&gt;</description><pubDate>Mon, 10 Jun 2024 09:41:01 +0530</pubDate></item></channel></rss>`
	for _, tc := range []struct {
		name, doc, ct, contentLocation, want string
	}{
		{"Content-Location", atom("", entry("", "")), "application/atom+xml", "https://example.com/feeds/atom.xml", "https://example.com/feeds/images/a.jpg"},
		{"relative Content-Location", atom("", entry("", "")), "application/atom+xml", "/static/atom.xml", "https://example.com/static/images/a.jpg"},
		{"fetched address", atom("", entry("", "")), "application/atom+xml", "", "https://example.com/feeds/images/a.jpg"},
		{"feed xml:base", atom(` xml:base="https://cdn.example/f/"`, entry("", "")), "application/atom+xml", "https://example.com/feeds/atom.xml", "https://cdn.example/f/images/a.jpg"},
		{"entry xml:base", atom(` xml:base="https://cdn.example/f/"`, entry(` xml:base="https://cdn.example/e/"`, "")), "application/atom+xml", "", "https://cdn.example/e/images/a.jpg"},
		{"content xml:base", atom("", entry(` xml:base="https://cdn.example/e/"`, ` xml:base="https://img.example/c/"`)), "application/atom+xml", "", "https://img.example/c/images/a.jpg"},
		{"rss: the item link", rss, "application/rss+xml", "https://example.com/feeds/rss.xml", "https://example.com/2024/06/images/a.jpg"},
	} {
		var p Parser
		res := &Result{URL: "https://example.com/feeds/atom", ContentLocation: tc.contentLocation, Body: []byte(tc.doc), ContentType: tc.ct}
		f, err := p.ParseResult(res, "https://example.com/feeds/atom")
		if f == nil || len(f.Articles) != 1 {
			t.Fatalf("%s: feed %v, err %v", tc.name, f, err)
		}
		a := f.Articles[0]
		if want := `src="` + tc.want + `"`; !strings.Contains(a.ContentHTML, want) {
			t.Errorf("%s: ContentHTML = %s, want it to hold %s", tc.name, a.ContentHTML, want)
		}
		if a.Image == nil || a.Image.URL != tc.want {
			t.Errorf("%s: Image = %+v, want %s", tc.name, a.Image, tc.want)
		}
	}
}

// TestAtomEntryBaseWithoutContent: the xml:base in scope of an Atom entry
// (its own, else the feed's, each resolved against the one around it)
// is what its media elements resolve against, also when the entry has no
// content or summary to carry it. The text stage used to learn the base
// only from the content or summary element, so such an entry's
// media:thumbnail resolved against the document's address, another host:
// contentBase promises "the xml:base in scope ... else, in Atom, the
// document's base", and ParseResult resolves against the fetch address
// only what "the document gives no base for".
func TestAtomEntryBaseWithoutContent(t *testing.T) {
	doc := func(feedBase, entries string) string {
		return `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"` + feedBase + `><title>T</title><id>x</id><updated>2026-11-24T10:00:00Z</updated>
` + entries + `</feed>`
	}
	entry := func(attrs, id, media string) string {
		return `<entry` + attrs + `><title>E</title><id>` + id + `</id><link href="2026/post"/><updated>2026-11-24T10:00:00Z</updated>` + media + `</entry>
`
	}
	thumb := `<media:thumbnail url="thumb.jpg"/>`
	for _, tc := range []struct {
		name, doc       string
		image, url, alt string // of the first article
		html            string // in its ContentHTML
	}{
		{name: "entry", doc: doc("", entry(` xml:base="https://example.org/blog/"`, "e1", thumb)),
			image: "https://example.org/blog/thumb.jpg", url: "https://example.org/blog/2026/post"},
		{name: "feed", doc: doc(` xml:base="https://example.org/blog/"`, entry("", "e1", thumb)),
			image: "https://example.org/blog/thumb.jpg", url: "https://example.org/blog/2026/post"},
		{name: "entry within feed", doc: doc(` xml:base="https://example.org/"`, entry(` xml:base="blog/"`, "e1", thumb)),
			image: "https://example.org/blog/thumb.jpg", url: "https://example.org/blog/2026/post"},
		{name: "feed within the document", doc: doc(` xml:base="/blog/"`, entry("", "e1", thumb)),
			image: "https://feeds.example.net/blog/thumb.jpg", url: "https://feeds.example.net/blog/2026/post"},
		{name: "none: the document", doc: doc("", entry("", "e1", thumb)),
			image: "https://feeds.example.net/thumb.jpg", url: "https://feeds.example.net/2026/post"},
		{name: "media:content in a group", doc: doc("", entry(` xml:base="https://example.org/blog/"`, "e1", `<media:group><media:content url="big.jpg" medium="image" width="800"/></media:group>`)),
			image: "https://example.org/blog/big.jpg", url: "https://example.org/blog/2026/post"},
		{name: "media:description", doc: doc("", entry(` xml:base="https://example.org/blog/"`, "e1", `<media:description type="html">&lt;p&gt;&lt;img src="inline.jpg" alt="a"&gt; &lt;a href="more"&gt;more&lt;/a&gt;&lt;/p&gt;</media:description>`)),
			image: "https://example.org/blog/inline.jpg", url: "https://example.org/blog/2026/post", html: `href="https://example.org/blog/more"`},
	} {
		f, err := (&Parser{}).ParseResult(&Result{URL: "https://feeds.example.net/atom.xml", Body: []byte(tc.doc)}, "https://feeds.example.net/atom.xml")
		if f == nil || len(f.Articles) == 0 {
			t.Fatalf("%s: no article (err %v)", tc.name, err)
		}
		a := f.Articles[0]
		if a.Image == nil || a.Image.URL != tc.image {
			t.Errorf("%s: Image %+v, want %s (the xml:base in scope)", tc.name, a.Image, tc.image)
		}
		if a.URL != tc.url {
			t.Errorf("%s: URL %q, want %q", tc.name, a.URL, tc.url)
		}
		if !strings.Contains(a.ContentHTML, tc.html) {
			t.Errorf("%s: ContentHTML %s, want it to hold %s", tc.name, a.ContentHTML, tc.html)
		}
	}
	// Each entry of the last document resolves against its own base.
	f, _ := (&Parser{}).ParseResult(&Result{URL: "https://feeds.example.net/atom.xml", Body: []byte(doc(` xml:base="https://example.org/blog/"`,
		entry(` xml:base="https://cdn.example.com/a/"`, "e0", thumb)+entry("", "e1", thumb)+entry(` xml:base="https://cdn.example.com/c/"`, "e2", thumb)))}, "https://feeds.example.net/atom.xml")
	for i, want := range []string{"https://cdn.example.com/a/thumb.jpg", "https://example.org/blog/thumb.jpg", "https://cdn.example.com/c/thumb.jpg"} {
		if f == nil || len(f.Articles) != 3 {
			t.Fatalf("feed %v, want 3 articles", f)
		}
		if im := f.Articles[i].Image; im == nil || im.URL != want {
			t.Errorf("entry %d: Image %+v, want %s", i, im, want)
		}
	}
}
