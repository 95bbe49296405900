package feed

// From an adversarial review of the Handler: each of these failed before
// its fix.

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

func TestHandlerINMPerEncoding(t *testing.T) {
	h := newTestHandler(t, fixture(t), nil)
	id := do(h, "GET", "/feed/").Header().Get("Etag")
	gz := do(h, "GET", "/feed/", "Accept-Encoding", "gzip").Header().Get("Etag")
	for _, tt := range []struct{ held, ae string }{{id, "gzip"}, {gz, ""}} {
		w := do(h, "GET", "/feed/", "If-None-Match", tt.held, "Accept-Encoding", tt.ae)
		if w.Code == http.StatusNotModified {
			t.Errorf("If-None-Match %s, Accept-Encoding %q: 304 with ETag %s (the selected representation's tag does not match)", tt.held, tt.ae, w.Header().Get("Etag"))
		}
	}
}

func TestHandlerAcceptEncodingLines(t *testing.T) {
	h := newTestHandler(t, fixture(t), nil)
	req, _ := http.NewRequest("GET", "/feed/", nil)
	req.Header["Accept-Encoding"] = []string{"*", "gzip;q=0"}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Header().Get("Content-Encoding") == "gzip" {
		t.Errorf("Accept-Encoding %q (two lines): served gzip, which has q=0", req.Header["Accept-Encoding"])
	}
}

func TestDotSegmentSlugRefused(t *testing.T) {
	c := fixture(t)
	a, _ := c.Get("a-1004")
	for i, slug := range []string{"..", "."} {
		b := a.Clone()
		b.ID = "a-dot" + string(rune('0'+i))
		b.Tags = []khabar.Tag{{Name: "dots" + slug, Slug: slug}}
		if err := c.Upsert(b); err == nil || !strings.Contains(err.Error(), `tags[0].slug: "`+slug+`" is a dot segment`) {
			t.Errorf("slug %q: Upsert gave %v, want the slug refused as a dot segment", slug, err)
		}
	}
	h := newTestHandler(t, c, nil)
	home, _ := url.Parse("https://news.example.in/")
	for _, slug := range []string{"..", "."} {
		k := khabar.TagKey(slug)
		if _, ok := c.Tag(slug); !ok {
			continue
		}
		raw := h.Renderer().FeedURL(k, RSS, 1)
		ref, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		resolved := home.ResolveReference(ref) // what a reader or browser requests
		w := do(h, "GET", resolved.RequestURI())
		self := ""
		if w.Code == 200 {
			self = w.Header().Get("Link")
		}
		if w.Code != 200 || !strings.Contains(self, "/tag/") {
			t.Errorf("tag %q: feed address %s resolves to %s: %d, Link %q (not the tag's feed)", slug, raw, resolved, w.Code, self)
		}
	}
}

// TestNFDSlugReachable: a tag or author slug given in decomposed form
// ("cafe" + U+0301) is filed in NFC, so its feed's own address, the one
// FeedURL and Discovery advertise, answers 200 at once. Before, the list
// was filed under the decomposed slug while the Handler reads every
// requested slug back in NFC: the address redirected to an NFC spelling
// that answered 404.
func TestNFDSlugReachable(t *testing.T) {
	c := fixture(t)
	a, _ := c.Get("a-1004")
	b := a.Clone()
	b.ID = "a-nfd"
	b.Tags = []khabar.Tag{{Name: "Café", Slug: "cafe\u0301"}}
	b.Authors = []khabar.Author{{Name: "Zoë", Slug: "zoe\u0308"}}
	if err := c.Upsert(b); err != nil {
		t.Fatal(err)
	}
	h := newTestHandler(t, c, nil)
	for _, k := range []khabar.Key{khabar.TagKey("cafe\u0301"), khabar.AuthorKey("zoe\u0308"), khabar.TagKey("caf\u00e9")} {
		if _, err := h.Discovery(k); err != nil {
			t.Fatalf("%v has no feed: %v", k, err)
		}
		raw := h.Renderer().FeedURL(k, RSS, 1)
		path := strings.TrimPrefix(raw, "https://news.example.in")
		if w := do(h, "GET", path); w.Code != 200 {
			t.Errorf("%v: its own feed address %s answers %d (Location %q)", k, path, w.Code, w.Header().Get("Location"))
		}
	}
	if got := h.Renderer().FeedURL(khabar.TagKey("cafe\u0301"), RSS, 1); got != h.Renderer().FeedURL(khabar.TagKey("caf\u00e9"), RSS, 1) {
		t.Errorf("the two spellings of one slug have two addresses: %s", got)
	}
}

// TestHandlerIMSSeesEveryChange: a client that revalidates with
// If-Modified-Since alone gets the page again after every change of its
// bytes, also when the change leaves the newest date where it was or
// moves it back: an article added with an older date, the newest one
// deleted, a date ahead of the clock corrected. Before, each got 304
// with the Last-Modified the client already had.
func TestHandlerIMSSeesEveryChange(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before func(c *khabar.Catalog)
		change func(c *khabar.Catalog)
	}{
		{"older article added", nil, func(c *khabar.Catalog) {
			a, _ := c.Get("a-1004")
			b := a.Clone()
			b.ID, b.Title, b.Updated = "a-late", "देर से आई ख़बर", time.Time{}
			b.Published = time.Date(2026, 11, 24, 12, 0, 0, 0, ist)
			mustUpsert(t, c, b)
		}},
		{"newest deleted", nil, func(c *khabar.Catalog) {
			if !c.Delete("a 1005/ü?#") {
				t.Fatal("delete")
			}
		}},
		{"future date corrected", func(c *khabar.Catalog) {
			a, _ := c.Get("a-1004")
			b := a.Clone()
			b.Updated = time.Now().Add(10 * time.Hour)
			mustUpsert(t, c, b)
		}, func(c *khabar.Catalog) {
			a, _ := c.Get("a-1004")
			b := a.Clone()
			b.Updated, b.Title = time.Time{}, a.Title+" (सुधार)"
			mustUpsert(t, c, b)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fixture(t)
			if tc.before != nil {
				tc.before(c)
			}
			h := newTestHandler(t, c, nil)
			clock := time.Now()
			h.now = func() time.Time { return clock }
			first := do(h, "GET", "/feed/")
			lm := first.Header().Get("Last-Modified")
			tc.change(c)
			changed := do(h, "GET", "/feed/") // rendered at the change
			if changed.Header().Get("Etag") == first.Header().Get("Etag") {
				t.Fatal("setup: the page did not change")
			}
			// Later (past the corrected date's old value, too): what the
			// client then gets, it can revalidate.
			clock = clock.Add(11 * time.Hour)
			now := do(h, "GET", "/feed/")
			if w := do(h, "GET", "/feed/", "If-Modified-Since", lm); w.Code != 200 {
				t.Errorf("page changed, If-Modified-Since %s (what the client was sent): %d, want 200; Last-Modified now %s", lm, w.Code, now.Header().Get("Last-Modified"))
			}
			if w := do(h, "GET", "/feed/", "If-Modified-Since", now.Header().Get("Last-Modified")); w.Code != http.StatusNotModified {
				t.Errorf("If-Modified-Since the new Last-Modified %s: %d, want 304", now.Header().Get("Last-Modified"), w.Code)
			}
		})
	}
}

func mustUpsert(t *testing.T, c *khabar.Catalog, a *khabar.Article) {
	t.Helper()
	if err := c.Upsert(a); err != nil {
		t.Fatal(err)
	}
}
