package feed

// From an adversarial review of Last-Modified moving on with every change
// of a page's bytes (b0dd0e2): TestIMSClockBack, and TestIMSForgottenPage
// in the form the review wrote it, failed before their fixes.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// olderArticle adds an article dated before everything in the fixture:
// the page's bytes change, its newest date does not.
func olderArticle(t *testing.T, c *khabar.Catalog, id string) {
	t.Helper()
	a, _ := c.Get("a-1004")
	b := a.Clone()
	b.ID, b.Title, b.Updated = id, "पुरानी ख़बर "+id, time.Time{}
	b.Published = time.Date(2026, 11, 24, 12, 0, 0, 0, ist)
	mustUpsert(t, c, b)
}

// TestIMSClockBack: a page's bytes change without a newer
// date, so Last-Modified becomes the render's time T (sent as such: T is
// not ahead of the clock). The clock then steps back an hour (NTP
// correcting a fast clock, a VM restored) and the bytes change again.
// lastModified clamps the previous Last-Modified to the clock ("a date
// ahead of the clock was sent as the response's time") — but T was sent
// as is, and clients hold it. The new Last-Modified is now−1h+1s, before
// T: a client revalidating with If-Modified-Since T gets 304 for a page
// it does not have (RFC 9110 13.1.3), what the commit set out to end.
//
// Expected: 200 for If-Modified-Since T. Fix: remember the latest
// Last-Modified actually sent for the page (min(modified, response time))
// and move past that, whatever the clock says, e.g. next =
// max(sent+1s, now).
func TestIMSClockBack(t *testing.T) {
	c := fixture(t)
	h := newTestHandler(t, c, nil)
	clock := time.Now()
	h.now = func() time.Time { return clock }
	do(h, "GET", "/feed/")
	olderArticle(t, c, "a-old-1")
	second := do(h, "GET", "/feed/")
	lm := second.Header().Get("Last-Modified")
	if got, _ := http.ParseTime(lm); got.Before(clock.Add(-2 * time.Second)) {
		t.Fatalf("setup: Last-Modified %s is not the render's time %v", lm, clock)
	}
	clock = clock.Add(-time.Hour) // the clock steps back
	olderArticle(t, c, "a-old-2")
	third := do(h, "GET", "/feed/")
	if third.Header().Get("Etag") == second.Header().Get("Etag") {
		t.Fatal("setup: the page did not change")
	}
	if w := do(h, "GET", "/feed/", "If-Modified-Since", lm); w.Code != http.StatusOK {
		t.Errorf("page changed after the clock stepped back: If-Modified-Since %s (what the client was sent) got %d, want 200; Last-Modified now %s",
			lm, w.Code, third.Header().Get("Last-Modified"))
	}
}

// TestIMSABA: bytes A, then B (no newer date), then A again:
// each change moves Last-Modified on, so a client holding B's date gets
// A, and one revalidating the current bytes gets 304. Both encodings.
func TestIMSABA(t *testing.T) {
	c := fixture(t)
	h := newTestHandler(t, c, nil)
	clock := time.Now()
	h.now = func() time.Time { return clock }
	for _, ae := range []string{"", "gzip"} {
		do(h, "GET", "/feed/", "Accept-Encoding", ae)
	}
	olderArticle(t, c, "a-aba")
	clock = clock.Add(3 * time.Second)
	b := do(h, "GET", "/feed/")
	lmB := b.Header().Get("Last-Modified")
	if !c.Delete("a-aba") {
		t.Fatal("delete")
	}
	clock = clock.Add(3 * time.Second)
	for _, ae := range []string{"", "gzip"} {
		if w := do(h, "GET", "/feed/", "If-Modified-Since", lmB, "Accept-Encoding", ae); w.Code != http.StatusOK {
			t.Errorf("A→B→A, Accept-Encoding %q: If-Modified-Since B's %s gave %d, want 200", ae, lmB, w.Code)
		}
	}
	a := do(h, "GET", "/feed/")
	if w := do(h, "GET", "/feed/", "If-Modified-Since", a.Header().Get("Last-Modified")); w.Code != http.StatusNotModified {
		t.Errorf("If-Modified-Since the current %s: %d, want 304", a.Header().Get("Last-Modified"), w.Code)
	}
}

// TestIMSPageTwo: the change that shifts page 2's bytes (an
// article added at the top pushes one down) is seen by If-Modified-Since
// on page 2 too.
func TestIMSPageTwo(t *testing.T) {
	c := fixture(t)
	h := newTestHandler(t, c, func(cfg *Config) { cfg.PageSize = 2 })
	clock := time.Now()
	h.now = func() time.Time { return clock }
	p2 := h.Renderer().FeedURL(khabar.SiteKey(), RSS, 2)
	path := p2[len("https://news.example.in"):]
	first := do(h, "GET", path)
	if first.Code != 200 {
		t.Skipf("no page 2 (%d)", first.Code)
	}
	lm := first.Header().Get("Last-Modified")
	// An edit of the newest article, without a newer date, changes page 1
	// only; deleting it shifts page 2.
	if !c.Delete("a 1005/ü?#") { // the fixture's newest
		t.Fatal("delete")
	}
	clock = clock.Add(2 * time.Second)
	second := do(h, "GET", path)
	if second.Header().Get("Etag") == first.Header().Get("Etag") {
		t.Skip("page 2 unchanged")
	}
	if w := do(h, "GET", path, "If-Modified-Since", lm); w.Code != http.StatusOK {
		t.Errorf("page 2 changed: If-Modified-Since %s got %d, want 200", lm, w.Code)
	}
}

// TestIMSForgottenPage: Handler.served, what each page was last served
// as, is bounded (maxServed): past it half is forgotten. A forgotten page
// whose cached entry was dropped too must not fall back to the content's
// date when a change leaves that date where it was, or If-Modified-Since
// the date the client holds gets 304 for a page it does not have. (Before,
// the whole map was thrown away at 16,384 pages, and a site with a few
// thousand tags, three formats and a few pages each emptied it again and
// again.) Here maxServed is 4 and the page cache keeps one page, so page
// 1 is forgotten for all purposes while 40 others are served.
func TestIMSForgottenPage(t *testing.T) {
	h, c, clock, path := forgetful(t)
	first := do(h, "GET", path(RSS, 1))
	lm := first.Header().Get("Last-Modified")
	for n := 2; n <= 15; n++ {
		for _, f := range []Format{RSS, Atom, JSON} {
			if w := do(h, "GET", path(f, n)); w.Code != 200 {
				t.Fatalf("%s: %d", path(f, n), w.Code)
			}
		}
	}
	olderArticle(t, c, "a-old-forgotten")
	*clock = clock.Add(5 * time.Second)
	now := do(h, "GET", path(RSS, 1))
	if now.Header().Get("Etag") == first.Header().Get("Etag") {
		t.Fatal("setup: page 1 did not change")
	}
	if w := do(h, "GET", path(RSS, 1), "If-Modified-Since", lm); w.Code != http.StatusOK {
		t.Errorf("page 1, forgotten, changed: If-Modified-Since %s got %d, want 200; Last-Modified now %s", lm, w.Code, now.Header().Get("Last-Modified"))
	}
}

// forgetful returns a Handler that remembers what 4 pages were served as
// (maxServed, restored when t ends) and caches one page, over the fixture
// with 20 more articles a page each; its clock, which the test sets; and
// the path of the site feed's page n in format f.
func forgetful(t *testing.T) (h *Handler, c *khabar.Catalog, clock *time.Time, path func(f Format, n int) string) {
	t.Helper()
	old := maxServed
	t.Cleanup(func() { maxServed = old })
	maxServed = 4
	c = fixture(t)
	a, _ := c.Get("a-1004")
	for i := range 20 {
		b := a.Clone()
		b.ID = fmt.Sprintf("a-many-%d", i)
		b.Title = fmt.Sprintf("ख़बर %d", i)
		b.Updated = time.Time{}
		b.Published = time.Date(2026, 11, 1, 0, 0, 0, 0, ist).Add(-time.Duration(i) * time.Minute)
		mustUpsert(t, c, b)
	}
	h = newTestHandler(t, c, func(cfg *Config) { cfg.PageSize, cfg.CacheBytes = 1, 1 })
	now := time.Now()
	clock = &now
	h.now = func() time.Time { return *clock }
	r := h.Renderer()
	path = func(f Format, n int) string {
		return strings.TrimPrefix(r.FeedURL(khabar.SiteKey(), f, n), "https://news.example.in")
	}
	return h, c, clock, path
}
