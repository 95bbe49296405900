package feed

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

func TestWebSubPing(t *testing.T) {
	type ping struct{ mode, url string }
	got := make(chan ping, 64)
	var fail sync.Once
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != "POST" {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		failed := false
		fail.Do(func() { failed = true })
		if failed { // the first ping fails once: the pinger must retry
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		got <- ping{r.PostForm.Get("hub.mode"), r.PostForm.Get("hub.url")}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hub.Close()
	old := pingBackoff
	pingBackoff = time.Millisecond
	defer func() { pingBackoff = old }()
	c := fixture(t)
	h := newTestHandler(t, c, func(cfg *Config) { cfg.Hub = hub.URL + "/hub" })
	if w := do(h, "GET", "/tag/tom-jerry/feed/json/"); !strings.Contains(w.Body.String(), `"hubs": [{"type": "WebSub", "url": "`+hub.URL+`/hub"}]`) {
		t.Errorf("JSON feed lacks the hub:\n%s", w.Body)
	}
	if w := do(h, "GET", "/feed/"); !strings.Contains(w.Body.String(), `<atom:link rel="hub" href="`+hub.URL+`/hub"/>`) {
		t.Error("RSS feed lacks the hub link")
	}
	a, _ := c.Get("a-1003") // खेल, क्रिकेट, virat-kohli
	b := a.Clone()
	b.Summary = "नया सारांश"
	c.Upsert(b)
	want := map[string]bool{}
	for _, k := range []khabar.Key{khabar.SiteKey(), khabar.CategoryKey("खेल"), khabar.TagKey("क्रिकेट"), khabar.TagKey("virat-kohli")} {
		for _, f := range Formats {
			want[h.r.FeedURL(k, f, 1)] = true
		}
	}
	deadline := time.After(10 * time.Second)
	for len(want) > 0 {
		select {
		case p := <-got:
			if p.mode != "publish" {
				t.Errorf("hub.mode %q", p.mode)
			}
			if !want[p.url] {
				t.Errorf("unexpected ping for %s", p.url)
			}
			delete(want, p.url)
		case <-deadline:
			t.Fatalf("no ping for %v", want)
		}
	}
}

func TestWebSubPingError(t *testing.T) {
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer hub.Close()
	old := pingBackoff
	pingBackoff = time.Millisecond
	defer func() { pingBackoff = old }()
	errs := make(chan error, 64)
	c := fixture(t)
	h := newTestHandler(t, c, func(cfg *Config) {
		cfg.Hub = hub.URL
		cfg.ErrorLog = func(err error) { errs <- err }
	})
	_ = h
	if !c.Delete("a-1003") {
		t.Fatal("a-1003 not in the fixture")
	}
	select {
	case err := <-errs:
		pe, ok := err.(*PingError)
		if !ok || pe.Status != http.StatusForbidden || !strings.Contains(err.Error(), "403") {
			t.Errorf("got %v, want a *PingError with status 403", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no error reported")
	}
}
