package feed

import (
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// TestGUIDHostCanonical: GUID promises an id that "changes only if the
// ID, the publication date or the site's host does", and IDHost is
// lowercased when given. The host taken from HomeURL must be too: the
// same site configured as "https://News.Example.in/",
// "https://news.example.in/" or "https://news.example.in./" is one host
// (RFC 3986 3.2.2 and 6.2.2.1: host names are case-insensitive; the
// trailing dot only marks the name as fully qualified), but feed readers
// compare ids character by character (RFC 4151 2.4, RFC 4287 4.2.6.1)
// and would show every story again as new.
func TestGUIDHostCanonical(t *testing.T) {
	a := &khabar.Article{ID: "a-1042", Published: time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC)}
	guid := func(home string) string {
		cfg := testConfig()
		cfg.HomeURL = home
		r, err := NewRenderer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return r.GUID(a)
	}
	const want = "tag:news.example.in,2026-11-20:a-1042"
	for _, home := range []string{"https://news.example.in/", "https://News.Example.IN/", "https://news.example.in./", "http://NEWS.example.in.:8080/x/"} {
		if got := guid(home); got != want {
			t.Errorf("HomeURL %q: GUID = %q, want %q (the host's one form, as IDHost would give it)", home, got, want)
		}
	}
}
