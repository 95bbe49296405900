package upstream

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// TestPollerRepollIdenticalKeepsVersion polls feeds served without
// validators (every poll is a 200 with the same bytes): the catalog must
// not change, not even its version, so that feed handlers keep their
// caches and watchers are not woken for nothing.
func TestPollerRepollIdenticalKeepsVersion(t *testing.T) {
	names := []string{"hindi-ist.xml", "atom-xmlbase.xml", "jsonfeed.json", "jsonfeed10.json", "rss1.rdf", "media-rss.xml", "windows-1252.xml", "utf16le-bom.xml", "atom03.xml", "rss091.xml"}
	docs := map[string][]byte{}
	for _, n := range names {
		docs["/"+n] = readFixture(t, n)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(docs[r.URL.Path]) // no ETag, no Last-Modified: never a 304
	}))
	defer srv.Close()
	cat := khabar.NewCatalog()
	p := &Poller{Catalog: cat, Fetcher: testFetcher()}
	for _, n := range names {
		p.Add(Subscription{URL: srv.URL + "/" + n})
	}
	for _, r := range p.PollAll(context.Background()) {
		if r.Failed || r.NotModified {
			t.Fatalf("%s: failed %v, not modified %v: %v", r.URL, r.Failed, r.NotModified, r.Err)
		}
	}
	n, v := cat.Len(), cat.Version()
	if n == 0 {
		t.Fatal("nothing stored")
	}
	for round := range 2 {
		for _, r := range p.PollAll(context.Background()) {
			if r.Failed || r.NotModified {
				t.Fatalf("round %d: %s: failed %v, not modified %v: %v", round, r.URL, r.Failed, r.NotModified, r.Err)
			}
		}
		if got := cat.Version(); got != v || cat.Len() != n {
			t.Errorf("round %d: catalog version %d with %d articles, want %d with %d (unchanged)", round, got, cat.Len(), v, n)
		}
	}
}

// TestPollerPerHostLimit counts the requests in flight per Host header:
// two host names (one server) with 4 feeds each.
func TestPollerPerHostLimit(t *testing.T) {
	body := readFixture(t, "rss1.rdf")
	var mu sync.Mutex
	inFlight, peak := map[string]int{}, map[string]int{}
	total, totalPeak := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight[r.Host]++
		total++
		peak[r.Host] = max(peak[r.Host], inFlight[r.Host])
		totalPeak = max(totalPeak, total)
		mu.Unlock()
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		inFlight[r.Host]--
		total--
		mu.Unlock()
		w.Write(body)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	hosts := []string{"127.0.0.1", "localhost"}
	tests := []struct {
		concurrency, perHost int
	}{{10, 1}, {10, 2}, {3, 2}}
	for _, tt := range tests {
		mu.Lock()
		clear(peak)
		totalPeak = 0
		mu.Unlock()
		p := &Poller{Catalog: khabar.NewCatalog(), Fetcher: testFetcher(), Concurrency: tt.concurrency, PerHost: tt.perHost}
		for _, h := range hosts {
			for i := range 4 {
				p.Add(Subscription{URL: "http://" + h + ":" + u.Port() + "/feed.rdf?n=" + string(rune('a'+i))})
			}
		}
		for _, r := range p.PollAll(context.Background()) {
			if r.Failed {
				t.Fatalf("%s: %v", r.URL, r.Err)
			}
		}
		mu.Lock()
		for _, h := range hosts {
			hp := peak[h+":"+u.Port()]
			if hp > tt.perHost {
				t.Errorf("concurrency %d, per host %d: host %s saw %d requests at once", tt.concurrency, tt.perHost, h, hp)
			}
			if hp == 0 {
				t.Errorf("host %s saw no request (peaks %v)", h, peak)
			}
		}
		if totalPeak > tt.concurrency {
			t.Errorf("concurrency %d: %d requests at once", tt.concurrency, totalPeak)
		}
		if totalPeak < 2 {
			t.Errorf("concurrency %d, per host %d: at most %d request at once, want polls of different hosts to overlap", tt.concurrency, tt.perHost, totalPeak)
		}
		mu.Unlock()
	}
}

// TestPollerUndatedFirstSeen: with UndatedFirstSeen, items without a
// usable date are stored with the time they were first seen, which later
// polls keep; the item errors are still reported. Without it they stay
// out of the catalog.
func TestPollerUndatedFirstSeen(t *testing.T) {
	body := []byte(`<rss version="2.0"><channel><title>u</title><link>https://undated.example/</link>
<item><title>dated</title><link>https://undated.example/1</link><guid>u1</guid><pubDate>Mon, 23 Nov 2026 10:00:00 IST</pubDate></item>
<item><title>no date</title><link>https://undated.example/2</link><guid>u2</guid></item>
<item><title>bad date</title><link>https://undated.example/3</link><guid>u3</guid><pubDate>कल शाम</pubDate></item>
</channel></rss>`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	ist := time.FixedZone("IST", 5*3600+1800)
	first := time.Date(2026, 11, 25, 6, 30, 15, 123456789, time.UTC)
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprint("UndatedFirstSeen=", on), func(t *testing.T) {
			now := first
			f := testFetcher()
			f.Now = func() time.Time { return now }
			cat := khabar.NewCatalog()
			p := &Poller{Catalog: cat, Fetcher: f, Parser: &Parser{Location: ist}, UndatedFirstSeen: on}
			p.Add(Subscription{URL: srv.URL + "/feed"})
			r := p.PollAll(context.Background())[0]
			if r.Failed || !errors.Is(r.Err, ErrMissingDate) || !errors.Is(r.Err, ErrBadDate) {
				t.Fatalf("report = %+v, want the missing and the bad date reported", r)
			}
			want := 1
			if on {
				want = 3
			}
			if r.Stored != want || cat.Len() != want {
				t.Fatalf("stored %d, catalog holds %d; want %d", r.Stored, cat.Len(), want)
			}
			if !on {
				return
			}
			wantDate := time.Date(2026, 11, 25, 12, 0, 15, 0, ist)
			for _, guid := range []string{"u2", "u3"} {
				a, _ := cat.Get(ArticleID(srv.URL+"/feed", "guid:"+guid))
				if a == nil || !a.Published.Equal(wantDate) || a.Published.Location().String() != "IST" {
					t.Fatalf("article %s = %+v, want it published at the first fetch, %v", guid, a, wantDate)
				}
			}
			v := cat.Version()
			now = now.Add(3 * time.Hour)
			r = p.PollAll(context.Background())[0]
			if r.Stored != 3 || !errors.Is(r.Err, ErrMissingDate) {
				t.Fatalf("second poll report = %+v, want 3 stored and the missing date still reported", r)
			}
			if cat.Version() != v {
				t.Errorf("re-polling moved the catalog version from %d to %d: the first-seen dates changed", v, cat.Version())
			}
			if a, _ := cat.Get(ArticleID(srv.URL+"/feed", "guid:u2")); !a.Published.Equal(wantDate) {
				t.Errorf("after a re-poll the undated article is dated %v, want %v", a.Published, wantDate)
			}
		})
	}
}

// TestPollerRestart: a new Poller over the same FileStore keeps the
// schedule (nothing is due) and the validators (the next poll is a 304).
func TestPollerRestart(t *testing.T) {
	fs := newFixtureServer(t)
	path := filepath.Join(t.TempDir(), "state.json")
	newPoller := func() *Poller {
		store, err := OpenFileStore(path)
		if err != nil {
			t.Fatal(err)
		}
		p := &Poller{Catalog: khabar.NewCatalog(), Fetcher: testFetcher(), Store: store}
		p.Add(subsFor(fs, "rss1.rdf", "hindi-ist.xml")...)
		return p
	}
	for _, r := range newPoller().PollAll(context.Background()) {
		if r.Failed || r.NotModified {
			t.Fatalf("first poll of %s: %+v", r.URL, r)
		}
	}
	p := newPoller()
	if got := p.PollDue(context.Background()); len(got) != 0 {
		t.Errorf("after a restart %d feeds were due, want 0 (their next poll is stored)", len(got))
	}
	for _, r := range p.PollAll(context.Background()) {
		if r.Failed || !r.NotModified {
			t.Errorf("after a restart %s: not modified %v, err %v; want a 304 from the stored validators", r.URL, r.NotModified, r.Err)
		}
	}
}
