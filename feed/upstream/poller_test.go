package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// fixtureServer serves testdata/upstream with ETags (so polls can be
// answered 304) and lets tests replace a document.
type fixtureServer struct {
	*httptest.Server
	mu        sync.Mutex
	overrides map[string]override
	version   int
	delay     time.Duration
	inFlight  atomic.Int32
	peak      atomic.Int32
	requests  atomic.Int32
}

func newFixtureServer(t *testing.T) *fixtureServer {
	fs := &fixtureServer{overrides: map[string]override{}}
	files := http.FileServer(http.Dir(fixtureDir))
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// In-flight requests are counted until the response starts, so
		// that a client cannot see a response before it is uncounted.
		n := fs.inFlight.Add(1)
		for {
			p := fs.peak.Load()
			if n <= p || fs.peak.CompareAndSwap(p, n) {
				break
			}
		}
		fs.requests.Add(1)
		fs.mu.Lock()
		o, ok := fs.overrides[strings.TrimPrefix(r.URL.Path, "/")]
		delay := fs.delay
		fs.mu.Unlock()
		if delay > 0 {
			time.Sleep(delay)
		}
		fs.inFlight.Add(-1)
		if ok {
			http.ServeContent(w, r, "feed.xml", o.modified, bytes.NewReader(o.body))
			return
		}
		// http.FileServer sends Last-Modified and answers
		// If-Modified-Since with 304.
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(fs.Close)
	return fs
}

type override struct {
	body     []byte
	modified time.Time
}

// set replaces a document; each version gets a later Last-Modified.
func (fs *fixtureServer) set(name string, body []byte) {
	fs.mu.Lock()
	fs.version++
	fs.overrides[name] = override{body, time.Date(2026, 11, 24, fs.version, 0, 0, 0, time.UTC)}
	fs.mu.Unlock()
}

func subsFor(fs *fixtureServer, names ...string) []Subscription {
	var subs []Subscription
	for _, n := range names {
		subs = append(subs, Subscription{URL: fs.URL + "/" + n, Title: n})
	}
	return subs
}

func TestPollerUpsertsWithoutDuplicates(t *testing.T) {
	fs := newFixtureServer(t)
	feedDoc := func(title string) []byte {
		return []byte(`<rss version="2.0"><channel><title>Live</title><link>https://live.example/</link>
<item><title>` + title + `</title><link>https://live.example/1</link><guid>live-1</guid><pubDate>Mon, 23 Nov 2026 10:00:00 IST</pubDate></item>
<item><title>Second</title><link>https://live.example/2</link><guid>live-2</guid><pubDate>Mon, 23 Nov 2026 11:00:00 IST</pubDate></item>
</channel></rss>`)
	}
	fs.set("live.xml", feedDoc("First"))
	store, err := OpenFileStore(filepath.Join(t.TempDir(), "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	cat := khabar.NewCatalog()
	p := &Poller{Catalog: cat, Fetcher: testFetcher(), Store: store}
	p.Add(subsFor(fs, "live.xml", "hindi-ist.xml", "atom-xmlbase.xml")...)

	reports := p.PollAll(context.Background())
	if len(reports) != 3 {
		t.Fatalf("got %d reports, want 3", len(reports))
	}
	for _, r := range reports {
		if r.Failed {
			t.Fatalf("poll of %s failed: %v", r.URL, r.Err)
		}
	}
	// hindi-ist.xml has 5 items, two without a usable date: 3 stored.
	if hindi := reports[1]; hindi.Articles != 5 || hindi.Stored != 3 || hindi.Err == nil {
		t.Errorf("hindi report = %+v, want 5 read, 3 stored, and the item errors", hindi)
	}
	first := cat.Len()
	if first != 2+3+2 {
		t.Errorf("catalog holds %d articles, want 7", first)
	}

	// The second round is answered 304 (file server) or with the same
	// document: nothing is duplicated.
	for _, r := range p.PollAll(context.Background()) {
		if r.Failed {
			t.Fatalf("second poll of %s failed: %v", r.URL, r.Err)
		}
	}
	if cat.Len() != first {
		t.Errorf("after re-polling the catalog holds %d articles, want %d", cat.Len(), first)
	}

	// An edited item updates its article.
	fs.set("live.xml", feedDoc("First, corrected"))
	p.PollAll(context.Background())
	if cat.Len() != first {
		t.Errorf("after an edit the catalog holds %d articles, want %d", cat.Len(), first)
	}
	id := ArticleID(fs.URL+"/live.xml", "guid:live-1")
	if a, ok := cat.Get(id); !ok || a.Title != "First, corrected" {
		t.Errorf("article %s = %+v, want the corrected title", id, a)
	}

	// The state survives a restart.
	again, err := OpenFileStore(store.path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := again.Load(context.Background(), fs.URL+"/hindi-ist.xml")
	if err != nil {
		t.Fatalf("Load after reopen: %v", err)
	}
	if st.LastModified == "" || st.NextPoll.IsZero() || st.LastSuccess.IsZero() {
		t.Errorf("reloaded state = %+v, want validators and schedule", st)
	}
	if _, err := again.Load(context.Background(), "https://nowhere.example/"); !errors.Is(err, ErrUnknownFeed) {
		t.Errorf("Load(unknown) error = %v, want ErrUnknownFeed", err)
	}
}

func TestPollerScheduleAndFailures(t *testing.T) {
	fs := newFixtureServer(t)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	f := testFetcher()
	f.Now = func() time.Time { return *clock.Load() }
	f.Rand = func() float64 { return 0 }
	p := &Poller{Catalog: khabar.NewCatalog(), Fetcher: f}
	p.Add(subsFor(fs, "rss1.rdf", "missing.xml", "truncated.xml")...)

	reports := p.PollDue(context.Background())
	if len(reports) != 3 {
		t.Fatalf("first round polled %d feeds, want 3", len(reports))
	}
	if !reports[1].Failed || !strings.Contains(reports[1].Err.Error(), "404") {
		t.Errorf("missing feed report = %+v, want a 404 failure", reports[1])
	}
	if reports[0].MovedTo != "" {
		t.Errorf("MovedTo = %q without a redirect", reports[0].MovedTo)
	}
	if reports[2].Failed || !errors.Is(reports[2].Err, ErrTruncated) || reports[2].Stored != 2 {
		t.Errorf("truncated feed report = %+v, want 2 stored and ErrTruncated", reports[2])
	}
	// Nothing is due a minute later: the failure backs off 2.5 min, the
	// others wait DefaultInterval.
	later := now.Add(time.Minute)
	clock.Store(&later)
	if got := p.PollDue(context.Background()); len(got) != 0 {
		t.Errorf("a minute later %d feeds were polled, want 0", len(got))
	}
	later = now.Add(3 * time.Minute)
	clock.Store(&later)
	got := p.PollDue(context.Background())
	if len(got) != 1 || got[0].URL != fs.URL+"/missing.xml" {
		t.Fatalf("after 3 min polled %v, want only the failing feed", got)
	}
	st, _ := p.store.Load(context.Background(), fs.URL+"/missing.xml")
	if st.Failures != 2 || st.LastError == "" {
		t.Errorf("state = %+v, want 2 consecutive failures", st)
	}
	st, _ = p.store.Load(context.Background(), fs.URL+"/truncated.xml")
	if st.LastModified != "" || st.LastError == "" {
		t.Errorf("truncated feed state = %+v, want no validators (refetch in full) and the error kept", st)
	}
}

func TestPollerConcurrencyLimits(t *testing.T) {
	fs := newFixtureServer(t)
	fs.delay = 40 * time.Millisecond
	u, _ := url.Parse(fs.URL)
	other := "http://localhost:" + u.Port() // a second host name for the same server
	var subs []Subscription
	for i := range 6 {
		q := "?n=" + string(rune('a'+i))
		subs = append(subs, Subscription{URL: fs.URL + "/rss1.rdf" + q}, Subscription{URL: other + "/rss1.rdf" + q})
	}
	tests := []struct {
		name                 string
		concurrency, perHost int
		wantPeak             int32
	}{
		{"per host", 10, 1, 2},
		{"global", 3, 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs.peak.Store(0)
			p := &Poller{Catalog: khabar.NewCatalog(), Fetcher: testFetcher(), Concurrency: tt.concurrency, PerHost: tt.perHost}
			p.Add(subs...)
			for _, r := range p.PollAll(context.Background()) {
				if r.Failed {
					t.Fatalf("%s: %v", r.URL, r.Err)
				}
			}
			if got := fs.peak.Load(); got > tt.wantPeak {
				t.Errorf("peak in-flight requests = %d, want at most %d", got, tt.wantPeak)
			}
		})
	}
}

func TestPollerConcurrentUse(t *testing.T) {
	fs := newFixtureServer(t)
	cat := khabar.NewCatalog()
	p := &Poller{Catalog: cat, Fetcher: testFetcher(), Store: &MemoryStore{}}
	p.Add(subsFor(fs, "rss1.rdf", "jsonfeed.json", "media-rss.xml")...)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 3 {
			case 0:
				p.PollAll(context.Background())
			case 1:
				p.Add(subsFor(fs, "atom-xmlbase.xml")...)
				p.PollDue(context.Background())
			default:
				_ = p.Subscriptions()
				cat.Newest(khabar.SiteKey(), 0, 10)
			}
		}()
	}
	wg.Wait()
	p.PollAll(context.Background())
	if want := 2 + 2 + 3 + 2; cat.Len() != want {
		t.Errorf("catalog holds %d articles, want %d", cat.Len(), want)
	}
}

func TestPollerReportsRedirect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old.xml" {
			http.Redirect(w, r, "/new/feed.xml", http.StatusMovedPermanently)
			return
		}
		w.Write([]byte(`<rss version="2.0"><channel><title>t</title><item><title>x</title><link>rel.html</link><guid>g</guid><pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>`))
	}))
	defer srv.Close()
	cat := khabar.NewCatalog()
	p := &Poller{Catalog: cat, Fetcher: testFetcher()}
	p.Add(Subscription{URL: srv.URL + "/old.xml"})
	r := p.PollAll(context.Background())[0]
	if r.Failed || r.MovedTo != srv.URL+"/new/feed.xml" {
		t.Fatalf("report = %+v, want MovedTo the new address", r)
	}
	a, ok := cat.Get(ArticleID(srv.URL+"/old.xml", "guid:g"))
	if !ok || a.URL != srv.URL+"/new/rel.html" {
		t.Errorf("article = %+v, want its ID from the subscribed URL and its link from the final one", a)
	}
}

func TestPollerRun(t *testing.T) {
	fs := newFixtureServer(t)
	cat := khabar.NewCatalog()
	polled := make(chan Report, 10)
	p := &Poller{Catalog: cat, Fetcher: testFetcher(), OnPoll: func(r Report) { polled <- r }}
	p.Add(subsFor(fs, "rss1.rdf", "jsonfeed.json")...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, 50*time.Millisecond) }()
	for range 2 {
		select {
		case r := <-polled:
			if r.Failed {
				t.Errorf("%s: %v", r.URL, r.Err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not poll the feeds")
		}
	}
	// Both feeds are scheduled DefaultInterval ahead: nothing more is
	// polled while Run sleeps in short steps.
	select {
	case r := <-polled:
		t.Errorf("unexpected second poll of %s", r.URL)
	case <-time.After(200 * time.Millisecond):
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	if cat.Len() != 4 {
		t.Errorf("catalog holds %d articles, want 4", cat.Len())
	}
}

func TestPollerWithoutCatalog(t *testing.T) {
	p := &Poller{}
	p.Add(Subscription{URL: "https://x.example/feed"})
	r := p.PollAll(context.Background())
	if len(r) != 1 || !r[0].Failed || !errors.Is(r[0].Err, ErrNoCatalog) {
		t.Errorf("reports = %+v, want ErrNoCatalog", r)
	}
}

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
