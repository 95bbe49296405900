package upstream

import (
	"errors"
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
