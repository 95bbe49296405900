package feed

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// TestGorillaAppliesContentPolicy: Config.ContentPolicy "says what
// happens to article bodies on their way into the feeds"; its zero value,
// SafeContent, removes scripts and event handlers and resolves relative
// URLs. Renderer.Gorilla, the Renderer's own conversion for sites still
// rendering with gorilla/feeds, copied ContentHTML as stored, so the feed
// that gorilla/feeds then writes (ToRss, ToAtom, ToJSON) carried the
// script, the onclick handler and the unresolvable relative link that the
// Renderer's own writers remove. Its bodies are now the writers' own,
// whether the item cache holds them (in any format) or not.
func TestGorillaAppliesContentPolicy(t *testing.T) {
	body := `<p onclick="steal()">हाल<script>alert(1)</script> <a href="/rel">r</a> "]]>" &amp; ok</p>`
	article := func() *khabar.Article {
		return &khabar.Article{ID: "g-1", Title: "G", ContentHTML: body, URL: "https://news.example.in/2026/11/g/",
			Published: time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC)}
	}
	for _, tt := range []struct {
		name   string
		policy ContentPolicy
		warm   []Format // rendered before converting: the cache holds the body
	}{
		{"cold", SafeContent, nil},
		{"after RSS", SafeContent, []Format{RSS}},
		{"after JSON", SafeContent, []Format{JSON}}, // the cache holds it JSON-escaped
		{"after all", SafeContent, Formats[:]},
		{"raw", RawContent, nil},
		{"raw after Atom", RawContent, []Format{Atom}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := khabar.NewCatalog()
			a := article()
			if err := c.Upsert(a); err != nil {
				t.Fatal(err)
			}
			cfg := testConfig()
			cfg.ContentPolicy = tt.policy
			r, err := NewRenderer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range tt.warm {
				if err := r.Render(io.Discard, c, khabar.SiteKey(), f, 1); err != nil {
					t.Fatal(err)
				}
			}
			p, err := r.Page(c, khabar.SiteKey(), 1)
			if err != nil {
				t.Fatal(err)
			}
			want := body
			if tt.policy == SafeContent {
				want = SafeHTML(body, a.URL)
			}
			if got := r.Gorilla(p).Items[0].Content; got != want {
				t.Errorf("Gorilla content = %q, want the body after %v %q", got, tt.policy, want)
			}
			if tt.policy != SafeContent {
				return
			}
			rss, err := r.Gorilla(p).ToRss()
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"<script", "onclick", `href="/rel"`} {
				if strings.Contains(rss, bad) {
					t.Errorf("gorilla/feeds RSS of Renderer.Gorilla holds %s, which SafeContent removes", bad)
				}
			}
		})
	}

	// A page built by hand, its body not clean, and a later snapshot of
	// a cached article (same body, new title): the writers' body still.
	r, _ := NewRenderer(testConfig())
	a := article()
	a.ContentHTML = "<p>a\x00b<script>x</script></p>"
	p := &Page{Key: khabar.SiteKey(), Title: "t", Items: []*khabar.Article{a}, Updated: a.Published}
	if got, want := r.Gorilla(p).Items[0].Content, SafeHTML(a.ContentHTML, a.URL); got != want {
		t.Errorf("hand-built page: Gorilla content = %q, want %q", got, want)
	}
	if err := r.Write(io.Discard, p, RSS); err != nil {
		t.Fatal(err)
	}
	b := *a
	b.Title = "new title"
	p.Items[0] = &b
	if got, want := r.Gorilla(p).Items[0].Content, SafeHTML(a.ContentHTML, a.URL); got != want {
		t.Errorf("later snapshot: Gorilla content = %q, want %q", got, want)
	}
}
