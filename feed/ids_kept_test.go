package feed

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// TestSafeHTMLKeepsProtocolRelativeIPv6: a network-path reference to an
// IPv6 host ("//[2001:db8::1]/a") keeps its brackets in URI, so the
// sanitizer resolves it instead of dropping the link or image.
func TestSafeHTMLKeepsProtocolRelativeIPv6(t *testing.T) {
	const base = "https://news.example.in/2026/11/20/story/"
	for in, want := range map[string]string{
		`<a href="//[2001:db8::1]/a">x</a>`:      `<a href="https://[2001:db8::1]/a">x</a>`,
		`<img src="//[2001:db8::1]:8080/a.png">`: `<img src="https://[2001:db8::1]:8080/a.png">`,
	} {
		if got := SafeHTML(in, base); got != want {
			t.Errorf("SafeHTML(%q) = %q, want %q (as before 2d2a9c3)", in, got, want)
		}
	}
}

// TestAtomFeedIDKeptWithOwnIDHost: a site that sets IDHost to its own
// host (the usual way to pin ids) keeps the Atom feed id it had, scheme
// and port included; only a HomeURL on another host (a temporary
// address) gives https://{IDHost}/….
func TestAtomFeedIDKeptWithOwnIDHost(t *testing.T) {
	c := fixture(t)
	idre := regexp.MustCompile(`<id>([^<]*)</id>`)
	for _, home := range []string{"http://news.example.in/", "https://news.example.in:8443/"} {
		cfg := testConfig()
		cfg.HomeURL, cfg.IDHost = home, "news.example.in"
		r, err := NewRenderer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := r.Render(&b, c, khabar.SiteKey(), Atom, 1); err != nil {
			t.Fatal(err)
		}
		want := home + "feed/atom/" // the id before 0afe829, byte for byte
		if m := idre.FindStringSubmatch(b.String()); m == nil || m[1] != want {
			t.Errorf("HomeURL %q, IDHost news.example.in (its own host): atom:id %v, want the id it had, %q", home, m, want)
		}
	}
}

// TestGUIDKeptForMixedCaseHomeURL: a site configured as
// "https://News.Example.in/" (or with an upper-case punycode "XN--"
// label) has published "tag:News.Example.in,…" ids, valid tag: URIs
// (RFC 4151's DNScomp allows upper case) that its readers hold; they stay
// as they were (lower-casing them, tried this stop, made every reader
// show every item again). IDHost gives the lower-case form.
func TestGUIDKeptForMixedCaseHomeURL(t *testing.T) {
	a := &khabar.Article{ID: "a-1042", Published: time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC)}
	for home, want := range map[string]string{
		"https://News.Example.in/":          "tag:News.Example.in,2026-11-20:a-1042",
		"https://XN--21B8BM0C.xn--h2brj9c/": "tag:XN--21B8BM0C.xn--h2brj9c,2026-11-20:a-1042",
	} {
		cfg := testConfig()
		cfg.HomeURL = home
		r, err := NewRenderer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.GUID(a); got != want {
			t.Errorf("HomeURL %q: GUID %q, want the id published before 44b2e83, %q", home, got, want)
		}
	}
}
