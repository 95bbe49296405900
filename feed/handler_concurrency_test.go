package feed

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// The Handler under concurrent requests while the catalog changes.

func TestHandlerColdSingleflight(t *testing.T) {
	c := corpusOrFixture(t)
	h := newTestHandler(t, c, func(cfg *Config) { cfg.PageSize = 100 })
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if w := do(h, "GET", "/feed/atom/"); w.Code != 200 {
				t.Errorf("status %d", w.Code)
			}
		}()
	}
	close(start)
	wg.Wait()
	if n := h.renders.Load(); n != 1 {
		t.Errorf("%d renders for 32 concurrent cold requests, want 1", n)
	}
}

func corpusOrFixture(t *testing.T) *khabar.Catalog {
	if _, err := http.Dir("..").Open("/testdata/articles.jsonl"); err == nil {
		return loadCatalog(t, corpusPath)
	}
	return fixture(t)
}

// TestHandlerHammer serves every feed from many goroutines while another
// changes the catalog (run with -race).
func TestHandlerHammer(t *testing.T) {
	c := corpusOrFixture(t)
	h := newTestHandler(t, c, func(cfg *Config) { cfg.PageSize = 10 })
	var paths []string
	for _, k := range allKeys(c) {
		for _, f := range Formats {
			paths = append(paths, h.r.FeedURL(k, f, 1)[len("https://news.example.in"):])
		}
	}
	ids := []string{}
	for _, a := range c.Find(khabar.Query{Limit: 20}) {
		ids = append(ids, a.ID)
	}
	stop := make(chan struct{})
	var writer sync.WaitGroup
	writer.Add(1)
	go func() {
		defer writer.Done()
		for i := 0; i < 40; i++ {
			select {
			case <-stop:
				return
			default:
			}
			a, ok := c.Get(ids[i%len(ids)])
			if !ok {
				continue
			}
			b := a.Clone()
			b.Title = fmt.Sprintf("%s (%d)", strings.SplitN(a.Title, " (", 2)[0], i)
			c.Upsert(b)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				p := paths[(g*31+i)%len(paths)]
				ae := ""
				if i%2 == 0 {
					ae = "gzip"
				}
				w := do(h, "GET", p, "Accept-Encoding", ae)
				if w.Code != 200 || w.Header().Get("Etag") == "" {
					t.Errorf("%s: %d", p, w.Code)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	writer.Wait()
}
