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
