package upstream

import (
	"errors"
	"strings"
	"testing"
)

// TestAtomOnlyAlternateLinkIsURL: RFC 4287 section 4.2.7.2: the
// "alternate" relation (also what a link without rel means, and its IANA
// IRI) names an alternate version of the entry, the page a reader opens;
// "self" is the Atom entry document itself, "edit" its AtomPub member URI
// (RFC 5023), "enclosure" a related file, "replies" its comments (RFC
// 4685), "via", "related" and "license" other resources. Article.URL is
// "the absolute http(s) address of the article page": an entry without an
// alternate link has none (ErrMissingLink), unless its id is a permalink.
func TestAtomOnlyAlternateLinkIsURL(t *testing.T) {
	for _, tc := range []struct{ name, id, links, want string }{
		{"enclosure", "", `<link rel="enclosure" type="audio/mpeg" length="100" href="https://site.example/e.mp3"/>`, ""},
		{"self", "", `<link rel="self" type="application/atom+xml" href="https://site.example/api/entries/e.atom"/>`, ""},
		{"edit", "", `<link rel="edit" href="https://site.example/wp-app.php/posts/7"/>`, ""},
		{"replies", "", `<link rel="replies" type="application/atom+xml" href="https://site.example/feeds/7/comments"/>`, ""},
		{"via", "", `<link rel="via" href="https://other.example/original"/>`, ""},
		{"related", "", `<link rel="related" href="https://other.example/background"/>`, ""},
		{"license", "", `<link rel="license" href="https://creativecommons.org/licenses/by/4.0/"/>`, ""},
		{"self, then alternate", "", `<link rel="self" href="https://site.example/api/entries/e.atom"/><link href="https://site.example/7"/>`, "https://site.example/7"},
		{"alternate by IRI", "", `<link rel="http://www.iana.org/assignments/relation/alternate" href="https://site.example/7"/>`, "https://site.example/7"},
		{"self, permalink id", "https://site.example/p/7", `<link rel="self" href="https://site.example/api/entries/e.atom"/>`, "https://site.example/p/7"},
	} {
		id := tc.id
		if id == "" {
			id = "tag:site.example,2024:7"
		}
		doc := `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id><updated>2024-06-10T09:41:01Z</updated>
<entry><title>E</title><id>` + id + `</id><updated>2024-06-10T09:41:01Z</updated>` + tc.links + `
<summary>s</summary></entry></feed>`
		var p Parser
		f, err := p.Parse([]byte(doc), "https://site.example/feed.atom", "application/atom+xml")
		if f == nil || len(f.Articles) != 1 {
			t.Fatalf("%s: no article", tc.name)
		}
		if got := f.Articles[0].URL; got != tc.want {
			t.Errorf("%s: URL = %q, want %q (only an alternate link is the article page)", tc.name, got, tc.want)
		}
		if missing := errors.Is(err, ErrMissingLink); missing != (tc.want == "") {
			t.Errorf("%s: err %v, want ErrMissingLink exactly when there is no URL", tc.name, err)
		}
	}
}

// TestAtomRelCaseInsensitive: registered link relation names compare
// case-insensitively (RFC 5988 section 4.1, which updates RFC 4287's
// registry; RFC 8288 section 2.1.1), and white space around one is no
// part of it; feedparser reads rel="Alternate" as the entry's link and
// rel="Enclosure" as an enclosure. gofeed compares them as written, and
// so, since d82a4a8 kept only the links isAlternate accepted, did this
// package: an entry whose page link was written rel="Alternate" beside a
// self link had no URL at all (ErrMissingLink; Validate rejects it).
// The same holds for the feed's own link, an image enclosure, an entry's
// source (its self link names it) and an RSS item's atom:link.
func TestAtomRelCaseInsensitive(t *testing.T) {
	atomDoc := func(feedLinks, entryLinks, source string) string {
		return `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>x</id><updated>2026-11-24T10:00:00Z</updated>` + feedLinks + `
<entry><title>E</title><id>urn:x:1</id>` + entryLinks + `<updated>2026-11-24T10:00:00Z</updated>` + source + `</entry></feed>`
	}
	const self = `<link rel="self" href="https://api.example.org/e/1"/>`
	for _, tc := range []struct {
		name, doc                            string
		url, feedLink, image, origin, reject string
	}{
		{name: "Alternate beside self", doc: atomDoc("", self+`<link rel="Alternate" type="text/html" href="https://example.org/post"/>`, ""), url: "https://example.org/post"},
		{name: "ALTERNATE first", doc: atomDoc("", `<link rel="ALTERNATE" href="https://example.org/post"/><link rel="alternate" href="https://example.org/other"/>`, ""), url: "https://example.org/post"},
		{name: "alternate in white space", doc: atomDoc("", self+`<link rel=" alternate
" href="https://example.org/post"/>`, ""), url: "https://example.org/post"},
		{name: "Alternate PDF, then HTML", doc: atomDoc("", `<link rel="Alternate" type="application/pdf" href="https://example.org/post.pdf"/><link rel="ALTERNATE" type="Text/HTML" href="https://example.org/post"/>`, ""), url: "https://example.org/post"},
		{name: "SELF is no page", doc: atomDoc("", `<link rel="SELF" href="https://api.example.org/e/1"/><link rel="Self" href="https://api.example.org/e/2"/>`, ""), reject: "https://api.example.org"},
		{name: "feed link", doc: atomDoc(`<link rel="Self" href="https://example.org/feed.atom"/><link rel="Alternate" href="https://example.org/"/>`, `<link href="https://example.org/post"/>`, ""), url: "https://example.org/post", feedLink: "https://example.org/"},
		{name: "Enclosure image", doc: atomDoc("", `<link href="https://example.org/post"/><link rel="Enclosure" type="image/jpeg" length="5000" href="https://example.org/a.jpg"/>`, ""), url: "https://example.org/post", image: "https://example.org/a.jpg"},
		{name: "source's Self link", doc: atomDoc("", `<link href="https://example.org/post"/>`, `<source><title>S</title><link rel="Alternate" href="https://src.example/"/><link rel="Self" href="https://src.example/feed"/></source>`), url: "https://example.org/post", origin: "https://src.example/feed"},
		{name: "rss atom:link", doc: `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title><link>https://example.org/</link><description>d</description>
<item><title>E</title><atom:link rel="Self" href="https://api.example.org/e/1"/><atom:link rel="Alternate" href="https://example.org/post"/><pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>`, url: "https://example.org/post"},
	} {
		f, err := (&Parser{}).Parse([]byte(tc.doc), "https://example.org/feed", "")
		if f == nil || len(f.Articles) != 1 {
			t.Fatalf("%s: no article (err %v)", tc.name, err)
		}
		a := f.Articles[0]
		if a.URL != tc.url {
			t.Errorf("%s: URL %q, want %q", tc.name, a.URL, tc.url)
		}
		if missing := errors.Is(err, ErrMissingLink); missing != (tc.url == "") {
			t.Errorf("%s: err %v, want ErrMissingLink exactly when there is no URL", tc.name, err)
		}
		if tc.reject != "" && strings.Contains(a.URL, tc.reject) {
			t.Errorf("%s: URL %q is a self link", tc.name, a.URL)
		}
		if tc.feedLink != "" && f.Link != tc.feedLink {
			t.Errorf("%s: feed Link %q, want %q", tc.name, f.Link, tc.feedLink)
		}
		if tc.image != "" && (a.Image == nil || a.Image.URL != tc.image || a.Image.Type != "image/jpeg" || a.Image.Length != 5000) {
			t.Errorf("%s: Image %+v, want the enclosure %s (image/jpeg, 5000 bytes)", tc.name, a.Image, tc.image)
		}
		if tc.origin != "" && a.Source.OriginURL != tc.origin {
			t.Errorf("%s: Source.OriginURL %q, want %q (the source's self link)", tc.name, a.Source.OriginURL, tc.origin)
		}
	}
}

// TestRelIs: relation names compare case-insensitively and trimmed; IANA
// IRIs as written.
func TestRelIs(t *testing.T) {
	for _, tc := range []struct {
		rel, name string
		want      bool
	}{
		{"alternate", "alternate", true},
		{"Alternate", "alternate", true},
		{" ENCLOSURE\t", "enclosure", true},
		{"http://www.iana.org/assignments/relation/self", "self", true},
		{" http://www.iana.org/assignments/relation/alternate ", "alternate", true},
		{"self", "alternate", false},
		{"alternates", "alternate", false},
		{"alternate self", "alternate", false},
		{"", "alternate", false},
	} {
		if got := relIs(tc.rel, tc.name); got != tc.want {
			t.Errorf("relIs(%q, %q) = %v, want %v", tc.rel, tc.name, got, tc.want)
		}
	}
	for rel, want := range map[string]bool{"": true, "  ": true, "Alternate": true, "self": false} {
		if got := isAlternate(rel); got != want {
			t.Errorf("isAlternate(%q) = %v, want %v", rel, got, want)
		}
	}
}
