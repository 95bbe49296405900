package feed

import (
	"regexp"
	"strings"
	"testing"

	"github.com/khabar/khabar"
)

// TestAtomFeedIDStableWithIDHost: RFC 4287 4.2.6 says "When an Atom
// Document is relocated, migrated, syndicated, republished, exported, or
// imported, the content of its atom:id element MUST NOT change." The
// feed-level atom:id was the feed's address (BaseURL + "feed/atom/"), so
// serving the same feed from another address (Config.BaseURL, "where the
// feeds are served", or a temporary HomeURL) changed it, even with IDHost
// set, whose doc says it is there "to keep ids stable when the feeds are
// served from another or a temporary address". With IDHost set the id is
// the feed's address on the IDHost; with IDHost empty it is the feed's
// address, as it always was. Renderer.Gorilla's feed Id is the same.
func TestAtomFeedIDStableWithIDHost(t *testing.T) {
	c := fixture(t)
	keys := []khabar.Key{khabar.SiteKey(), khabar.CategoryKey("उत्तर-प्रदेश/कानपुर")}
	ids := func(home, base, idHost string) []string {
		cfg := testConfig()
		cfg.HomeURL, cfg.BaseURL, cfg.IDHost = home, base, idHost
		r, err := NewRenderer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range keys {
			var b strings.Builder
			if err := r.Render(&b, c, k, Atom, 1); err != nil {
				t.Fatal(err)
			}
			m := regexp.MustCompile(`<id>([^<]*)</id>`).FindStringSubmatch(b.String())
			if m == nil {
				t.Fatal("no atom:id")
			}
			p, err := r.Page(c, k, 1)
			if err != nil {
				t.Fatal(err)
			}
			if g := r.Gorilla(p).Id; g != m[1] {
				t.Errorf("%v: Gorilla feed Id %q, Atom id %q", k, g, m[1])
			}
			if idHost == "" && m[1] != r.FeedURL(k, Atom, 1) {
				t.Errorf("%v without IDHost: atom:id %q, want the feed's address %q", k, m[1], r.FeedURL(k, Atom, 1))
			}
			out = append(out, m[1])
		}
		return out
	}
	want := ids("https://news.example.in/", "", "")
	if want[0] != "https://news.example.in/feed/atom/" {
		t.Fatalf("site feed id %q", want[0])
	}
	for _, tt := range []struct{ home, base string }{
		{"https://news.example.in/", ""}, // IDHost set on a site already served from its host: the id it had
		{"https://news.example.in/", "https://feeds.example-cdn.net/news/"},
		{"http://127.0.0.1:8080/", ""}, // a temporary address
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/feeds/"},
	} {
		got := ids(tt.home, tt.base, "news.example.in")
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("HomeURL %q, BaseURL %q, IDHost set: %v feed id %q, want %q", tt.home, tt.base, keys[i], got[i], want[i])
			}
		}
	}
	// Without IDHost the id is the address: that is what IDHost is for.
	if got := ids("https://news.example.in/", "https://feeds.example-cdn.net/news/", ""); got[0] != "https://feeds.example-cdn.net/news/feed/atom/" {
		t.Errorf("without IDHost: site feed id %q", got[0])
	}
}
