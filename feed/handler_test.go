package feed

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

func newTestHandler(t testing.TB, c *khabar.Catalog, mod func(*Config)) *Handler {
	t.Helper()
	cfg := testConfig()
	cfg.Hub = ""
	if mod != nil {
		mod(&cfg)
	}
	h, err := NewHandler(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func do(h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestHandlerRoutes(t *testing.T) {
	c := fixture(t)
	h := newTestHandler(t, c, nil)
	r := h.Renderer()
	up := url.PathEscape("उत्तर-प्रदेश")
	kanpur := url.PathEscape("कानपुर")
	tests := []struct {
		path   string
		code   int
		key    khabar.Key
		format Format
	}{
		{"/feed/", 200, khabar.SiteKey(), RSS},
		{"/feed", 301, khabar.SiteKey(), RSS},
		{"/feed/rss2/", 301, khabar.SiteKey(), RSS},
		{"/feed/atom/", 200, khabar.SiteKey(), Atom},
		{"/feed/json", 301, khabar.SiteKey(), JSON},
		{"/feed/json?paged=2", 301, khabar.SiteKey(), JSON},
		{"/tag/%e0%a4%95%e0%a5%8d%e0%a4%b0%e0%a4%bf%e0%a4%95%e0%a5%87%e0%a4%9f/feed/", 301, khabar.TagKey("क्रिकेट"), RSS},
		{"/feed/?paged=2", 200, khabar.SiteKey(), RSS},
		{"/category/" + up + "/feed/", 200, khabar.CategoryKey("उत्तर-प्रदेश"), RSS},
		{"/category/उत्तर-प्रदेश/कानपुर/feed/atom/", 200, khabar.CategoryKey("उत्तर-प्रदेश/कानपुर"), Atom},
		{"/category/" + up + "/" + kanpur + "/feed/json/", 200, khabar.CategoryKey("उत्तर-प्रदेश/कानपुर"), JSON},
		{"/tag/tom-jerry/feed/", 200, khabar.TagKey("tom-jerry"), RSS},
		{"/tag/" + url.PathEscape("क्रिकेट") + "/feed/atom/", 200, khabar.TagKey("क्रिकेट"), Atom},
		{"/author/anita-rao/feed/json/", 200, khabar.AuthorKey("anita-rao"), JSON},
		{"/category/nowhere/feed/", 404, khabar.Key{}, 0},
		{"/category/feed/", 404, khabar.Key{}, 0},
		{"/tag/a/b/feed/", 404, khabar.Key{}, 0},
		{"/tag/nobody/feed/", 404, khabar.Key{}, 0},
		{"/", 404, khabar.Key{}, 0},
		{"/2026/11/some-post/", 404, khabar.Key{}, 0},
		{"/feed/?paged=3", 404, khabar.Key{}, 0},
		{"/feed/?paged=0", 400, khabar.Key{}, 0},
		{"/feed/?paged=x", 400, khabar.Key{}, 0},
		{"/tag/%ff/feed/", 404, khabar.Key{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w := do(h, "GET", tt.path)
			if w.Code != tt.code {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.code, w.Body)
			}
			if tt.code == 301 {
				want := strings.TrimPrefix(r.FeedURL(tt.key, tt.format, 1), "https://news.example.in")
				if _, q, ok := strings.Cut(tt.path, "?"); ok {
					want += "?" + q
				}
				if got := w.Header().Get("Location"); got != want {
					t.Errorf("Location %q, want %q", got, want)
				}
				return
			}
			if tt.code != 200 {
				if ct := w.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" || w.Body.Len() == 0 || w.Body.Len() > 300 {
					t.Errorf("error response %q %q: want a short plain-text reason", ct, w.Body)
				}
				return
			}
			if got := w.Header().Get("Content-Type"); got != tt.format.ContentType() {
				t.Errorf("Content-Type %q, want %q", got, tt.format.ContentType())
			}
			n := 1
			if strings.Contains(tt.path, "paged=2") {
				n = 2
			}
			want := render(t, r, c, tt.key, tt.format, n)
			if !bytes.Equal(w.Body.Bytes(), want) {
				t.Errorf("body differs from Render(%v, %v)", tt.key, tt.format)
			}
			for _, h := range []string{"Etag", "Last-Modified", "Cache-Control", "Vary", "Content-Length"} {
				if w.Header().Get(h) == "" {
					t.Errorf("missing %s header", h)
				}
			}
		})
	}
	if w := do(h, "POST", "/feed/"); w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d Allow=%q", w.Code, w.Header().Get("Allow"))
	}
}

func TestHandlerBaseURL(t *testing.T) {
	h := newTestHandler(t, fixture(t), func(c *Config) { c.BaseURL = "https://news.example.in/hi/" })
	if w := do(h, "GET", "/hi/feed/atom/"); w.Code != 200 || !strings.Contains(w.Body.String(), `href="https://news.example.in/hi/feed/atom/"`) {
		t.Errorf("GET /hi/feed/atom/: %d", w.Code)
	}
	if w := do(h, "GET", "/feed/"); w.Code != 404 {
		t.Errorf("GET /feed/ outside the base: %d, want 404", w.Code)
	}
}

func TestHandlerConditional(t *testing.T) {
	h := newTestHandler(t, fixture(t), nil)
	first := do(h, "GET", "/feed/")
	etag, lm := first.Header().Get("Etag"), first.Header().Get("Last-Modified")
	if !strings.HasPrefix(etag, `"`) {
		t.Fatalf("ETag %q is not a strong entity tag", etag)
	}
	lmt, err := http.ParseTime(lm)
	if err != nil {
		t.Fatalf("Last-Modified %q: %v", lm, err)
	}
	gz := do(h, "GET", "/feed/", "Accept-Encoding", "gzip")
	gzTag := gz.Header().Get("Etag")
	if gzTag == etag {
		t.Error("gzip and identity responses share an ETag")
	}
	tests := []struct {
		name string
		hdr  []string
		code int
	}{
		{"if-none-match", []string{"If-None-Match", etag}, 304},
		{"weak", []string{"If-None-Match", "W/" + etag}, 304},
		{"list", []string{"If-None-Match", `"x", ` + etag}, 304},
		{"star", []string{"If-None-Match", "*"}, 304},
		{"gz tag", []string{"If-None-Match", gzTag, "Accept-Encoding", "gzip"}, 304},
		{"other", []string{"If-None-Match", `"nope"`}, 200},
		{"ims equal", []string{"If-Modified-Since", lm}, 304},
		{"ims later", []string{"If-Modified-Since", lmt.Add(time.Hour).Format(http.TimeFormat)}, 304},
		{"ims earlier", []string{"If-Modified-Since", lmt.Add(-time.Hour).Format(http.TimeFormat)}, 200},
		{"inm wins", []string{"If-None-Match", `"nope"`, "If-Modified-Since", lm}, 200},
		{"bad ims", []string{"If-Modified-Since", "yesterday"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(h, "GET", "/feed/", tt.hdr...)
			if w.Code != tt.code {
				t.Fatalf("status %d, want %d", w.Code, tt.code)
			}
			if tt.code == 304 {
				if w.Body.Len() != 0 || w.Header().Get("Etag") == "" || w.Header().Get("Vary") == "" {
					t.Errorf("304 with body %d bytes, ETag %q, Vary %q", w.Body.Len(), w.Header().Get("Etag"), w.Header().Get("Vary"))
				}
			}
		})
	}
	head := do(h, "HEAD", "/feed/")
	if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("Content-Length") != fmt.Sprint(first.Body.Len()) {
		t.Errorf("HEAD: %d, %d body bytes, Content-Length %q (GET body %d)", head.Code, head.Body.Len(), head.Header().Get("Content-Length"), first.Body.Len())
	}
}

func TestHandlerGzip(t *testing.T) {
	h := newTestHandler(t, fixture(t), nil)
	plainBody := do(h, "GET", "/feed/json/").Body.Bytes()
	tests := []struct {
		ae   string
		gzip bool
	}{
		{"gzip", true},
		{"br, gzip;q=0.5", true},
		{"GZIP", true},
		{"*", true},
		{"gzip;q=0", false},
		{"gzip; q=0.0, *", false},
		{"identity", false},
		{"*;q=0", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.ae, func(t *testing.T) {
			w := do(h, "GET", "/feed/json/", "Accept-Encoding", tt.ae)
			if got := w.Header().Get("Content-Encoding") == "gzip"; got != tt.gzip {
				t.Fatalf("gzip %v, want %v", got, tt.gzip)
			}
			if w.Header().Get("Vary") != "Accept-Encoding" {
				t.Errorf("Vary %q", w.Header().Get("Vary"))
			}
			body := w.Body.Bytes()
			if tt.gzip {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
				if w.Header().Get("Content-Length") != fmt.Sprint(w.Body.Len()) {
					t.Errorf("Content-Length %q, want the gzipped size %d", w.Header().Get("Content-Length"), w.Body.Len())
				}
			}
			if !bytes.Equal(body, plainBody) {
				t.Error("body differs from the identity response")
			}
		})
	}
}

func TestHandlerPagingLinks(t *testing.T) {
	h := newTestHandler(t, fixture(t), func(c *Config) { c.Hub = "https://hub.example.org/" })
	w := do(h, "GET", "/feed/atom/?paged=2")
	links := strings.Join(w.Header().Values("Link"), ", ")
	for _, want := range []string{
		`<https://news.example.in/feed/atom/?paged=2>; rel="self"`,
		`<https://hub.example.org/>; rel="hub"`,
		`<https://news.example.in/feed/atom/>; rel="first"`,
		`<https://news.example.in/feed/atom/>; rel="previous"`,
		`<https://news.example.in/feed/atom/?paged=2>; rel="last"`,
	} {
		if !strings.Contains(links, want) {
			t.Errorf("Link headers %s\nlack %s", links, want)
		}
	}
	if strings.Contains(links, `rel="next"`) {
		t.Error("last page has a next link")
	}
}

func TestHandlerCache(t *testing.T) {
	c := fixture(t)
	h := newTestHandler(t, c, nil)
	get := func(path string) string {
		t.Helper()
		do(h, "GET", path, "Accept-Encoding", "gzip")
		h.bg.Wait() // let the whole-page gzip replace the quick one
		w := do(h, "GET", path, "Accept-Encoding", "gzip")
		if w.Code != 200 {
			t.Fatalf("%s: %d", path, w.Code)
		}
		return w.Header().Get("Etag")
	}
	siteTag := get("/feed/")
	tagTag := get("/tag/tom-jerry/feed/")
	get("/feed/?paged=2")
	if n := h.renders.Load(); n != 3 {
		t.Fatalf("%d renders, want 3", n)
	}
	get("/feed/")
	get("/tag/tom-jerry/feed/")
	if n := h.renders.Load(); n != 3 {
		t.Fatalf("cached feeds were rendered again: %d renders, want 3", n)
	}
	// A change to an article in क्रिकेट touches the site feed, not the
	// tom-jerry tag feed.
	a, _ := c.Get("a-1003")
	b := a.Clone()
	b.Title = "क्रिकेट: भारत ने मैच जीता (अपडेट)"
	b.Updated = b.Published.Add(time.Hour)
	if err := c.Upsert(b); err != nil {
		t.Fatal(err)
	}
	if got := get("/tag/tom-jerry/feed/"); got != tagTag || h.renders.Load() != 3 {
		t.Errorf("untouched feed re-rendered (%d renders) or changed", h.renders.Load())
	}
	if got := get("/feed/"); got == siteTag || h.renders.Load() != 4 {
		t.Errorf("touched feed: ETag %s (old %s), %d renders, want a new ETag and 4", got, siteTag, h.renders.Load())
	}
	// A metrics-only change touches no feed.
	m, _ := c.Get("a-1001")
	m2 := m.Clone()
	m2.Metrics.Views += 100
	c.Upsert(m2)
	get("/feed/")
	if n := h.renders.Load(); n != 4 {
		t.Errorf("metrics-only change re-rendered: %d renders", n)
	}
	// Deleting an article forgets its cached items.
	c.Delete("a-1003")
	h.r.mu.RLock()
	_, kept := h.r.items["a-1003"]
	h.r.mu.RUnlock()
	if kept {
		t.Error("deleted article's items still cached")
	}
}

// TestHandlerLastModifiedFromContent checks that Last-Modified is the
// newest date among the page's articles: not the clock's, unchanged by a
// change elsewhere, moved by a newer Updated, and the same for a second
// handler (a replica) over an equal catalog, as are the bytes and ETag.
func TestHandlerLastModifiedFromContent(t *testing.T) {
	c := fixture(t)
	now := fixedNow
	var mu sync.Mutex
	h := newTestHandler(t, c, nil)
	h.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	newest := func(k khabar.Key) string {
		as, _ := c.Newest(k, 0, testConfig().PageSize)
		var m time.Time
		for _, a := range as {
			if a.LastModified().After(m) {
				m = a.LastModified()
			}
		}
		return m.UTC().Format(http.TimeFormat)
	}
	khel := khabar.CategoryKey("खेल")
	first := do(h, "GET", "/category/खेल/feed/")
	if got, want := first.Header().Get("Last-Modified"), newest(khel); got != want {
		t.Errorf("Last-Modified %s, want the newest article's %s", got, want)
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	// A change outside खेल leaves that feed's Last-Modified where it was.
	a, _ := c.Get("a-1004")
	b := a.Clone()
	b.Summary = "बदला हुआ सारांश"
	c.Upsert(b)
	second := do(h, "GET", "/category/खेल/feed/")
	if first.Header().Get("Last-Modified") != second.Header().Get("Last-Modified") {
		t.Errorf("Last-Modified moved for an unchanged feed: %s -> %s", first.Header().Get("Last-Modified"), second.Header().Get("Last-Modified"))
	}
	// An edit without a new Updated changes the bytes (and ETag); since
	// the content's date does not move, Last-Modified becomes the time of
	// the render (the Handler's clock), so that If-Modified-Since the old
	// date gets the page; a newer Updated moves it to that date.
	site1 := do(h, "GET", "/feed/")
	b2 := b.Clone()
	b2.Summary = "फिर बदला"
	c.Upsert(b2)
	site2 := do(h, "GET", "/feed/")
	if site1.Header().Get("Etag") == site2.Header().Get("Etag") {
		t.Error("ETag did not change after an edit")
	}
	mu.Lock()
	clock := now.UTC().Format(http.TimeFormat)
	mu.Unlock()
	if got := site2.Header().Get("Last-Modified"); got != clock {
		t.Errorf("Last-Modified after an edit without a new date: %s -> %s, want the render's time %s", site1.Header().Get("Last-Modified"), got, clock)
	}
	if w := do(h, "GET", "/feed/", "If-Modified-Since", site1.Header().Get("Last-Modified")); w.Code != 200 {
		t.Errorf("If-Modified-Since the date before the edit: %d, want 200", w.Code)
	}
	if w := do(h, "GET", "/feed/", "If-Modified-Since", site2.Header().Get("Last-Modified")); w.Code != http.StatusNotModified {
		t.Errorf("If-Modified-Since the date after the edit: %d, want 304", w.Code)
	}
	b3 := b2.Clone()
	b3.Updated = fixedNow.Add(48 * time.Hour)
	c.Upsert(b3)
	mu.Lock()
	now = fixedNow.Add(49 * time.Hour)
	mu.Unlock()
	site3 := do(h, "GET", "/feed/")
	if got, want := site3.Header().Get("Last-Modified"), b3.Updated.UTC().Format(http.TimeFormat); got != want {
		t.Errorf("Last-Modified after an update %s, want %s", got, want)
	}
	if w := do(h, "GET", "/feed/", "If-Modified-Since", site2.Header().Get("Last-Modified")); w.Code != 200 {
		t.Errorf("If-Modified-Since the old date after an update: %d, want 200", w.Code)
	}
	// A replica: another handler, its own clock, an equal catalog.
	c2 := khabar.NewCatalog()
	as, _ := c.Newest(khabar.SiteKey(), 0, 0)
	if err := c2.UpsertAll(as); err != nil {
		t.Fatal(err)
	}
	h2 := newTestHandler(t, c2, func(cfg *Config) {
		cfg.Now = func() time.Time { return fixedNow.Add(-100 * time.Hour) }
	})
	for _, path := range []string{"/feed/", "/feed/atom/", "/feed/json/", "/category/खेल/feed/"} {
		x, y := do(h, "GET", path), do(h2, "GET", path)
		for _, hd := range []string{"Etag", "Last-Modified"} {
			if x.Header().Get(hd) != y.Header().Get(hd) {
				t.Errorf("%s: %s %q on one handler, %q on the other", path, hd, x.Header().Get(hd), y.Header().Get(hd))
			}
		}
		if !bytes.Equal(x.Body.Bytes(), y.Body.Bytes()) {
			t.Errorf("%s: bodies differ", path)
		}
	}
}

// TestHandlerEmptyFeedDated checks that an empty feed's dates do not come
// from the clock either.
func TestHandlerEmptyFeedDated(t *testing.T) {
	h := newTestHandler(t, khabar.NewCatalog(), nil)
	w := do(h, "GET", "/feed/atom/")
	if w.Code != 200 || w.Header().Get("Last-Modified") != "Thu, 01 Jan 1970 00:00:00 GMT" || !strings.Contains(w.Body.String(), "<updated>1970-01-01T") {
		t.Errorf("empty feed: %d, Last-Modified %q, body %s", w.Code, w.Header().Get("Last-Modified"), w.Body)
	}
}

func TestDiscovery(t *testing.T) {
	h := newTestHandler(t, fixture(t), nil)
	got, err := h.Discovery(khabar.TagKey("tom-jerry"))
	if err != nil {
		t.Fatal(err)
	}
	want := `<link rel="alternate" type="application/rss+xml" title="ख़बर Example » Tom &amp; Jerry (RSS)" href="https://news.example.in/tag/tom-jerry/feed/">
<link rel="alternate" type="application/atom+xml" title="ख़बर Example » Tom &amp; Jerry (Atom)" href="https://news.example.in/tag/tom-jerry/feed/atom/">
<link rel="alternate" type="application/feed+json" title="ख़बर Example » Tom &amp; Jerry (JSON Feed)" href="https://news.example.in/tag/tom-jerry/feed/json/">
`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := h.Discovery(khabar.TagKey("nobody")); err == nil {
		t.Error("no error for an unknown tag")
	}
}

// TestGzipPieces checks the gzip body built from separately deflated
// pieces: it decompresses (CRC and size checked) to the identity body,
// and is not much bigger than deflating the page in one go.
func TestGzipPieces(t *testing.T) {
	c := corpusOrFixture(t)
	h := newTestHandler(t, c, func(cfg *Config) { cfg.PageSize = 50 })
	for _, f := range Formats {
		path := h.r.FeedURL(khabar.SiteKey(), f, 1)[len("https://news.example.in"):]
		plain := do(h, "GET", path)
		plainBody := plain.Body.Bytes()
		p, err := h.r.Page(c, khabar.SiteKey(), 1)
		if err != nil {
			t.Fatal(err)
		}
		pieces := h.r.gzipPage(p, f, plainBody)
		h.bg.Wait()
		served := do(h, "GET", path, "Accept-Encoding", "gzip")
		var whole bytes.Buffer
		zw := gzip.NewWriter(&whole)
		zw.Write(plainBody)
		zw.Close()
		for _, gz := range [][]byte{pieces, served.Body.Bytes()} {
			zr, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("%v: %v", f, err)
			}
			if !bytes.Equal(got, plainBody) {
				t.Fatalf("%v: gzip body differs", f)
			}
		}
		t.Logf("%v: %d bytes, pieces gzip %d, whole-page gzip %d", f, len(plainBody), len(pieces), whole.Len())
		if !bytes.Equal(served.Body.Bytes(), whole.Bytes()) {
			t.Errorf("%v: after the background recompression the gzip body is not the whole page deflated", f)
		}
		tag := plain.Header().Get("Etag")
		if got, want := served.Header().Get("Etag"), tag[:len(tag)-1]+`-gz"`; got != want {
			t.Errorf("%v: whole-page gzip ETag %s, want %s", f, got, want)
		}
		if w := do(h, "GET", path, "Accept-Encoding", "gzip", "If-None-Match", tag[:len(tag)-1]+`-gzp"`); w.Code != 304 {
			t.Errorf("%v: the pieces' ETag no longer gives a 304: %d", f, w.Code)
		}
	}
}

// FuzzHandlerPath serves arbitrary paths and queries: no panic, and only
// the statuses the Handler documents.
func FuzzHandlerPath(f *testing.F) {
	c := loadCatalog(f, "testdata/articles.jsonl")
	cfg := testConfig()
	cfg.Hub = ""
	h, err := NewHandler(c, cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { h.Close() })
	for _, k := range allKeys(c) {
		for _, fm := range Formats {
			f.Add(strings.TrimPrefix(h.r.FeedURL(k, fm, 1), "https://news.example.in"), "")
		}
	}
	f.Add("/feed/", "paged=2")
	f.Add("/category//feed/", "paged=-1")
	f.Add("/tag/%zz/feed/", "paged=%")
	f.Fuzz(func(t *testing.T, path, query string) {
		u := &url.URL{Path: "/" + path, RawQuery: query}
		req := httptest.NewRequest("GET", "http://news.example.in/", nil)
		req.URL = u
		req.RequestURI = u.RequestURI()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch w.Code {
		case 200, 301, 400, 404:
		default:
			t.Errorf("%q?%q: status %d", path, query, w.Code)
		}
		if w.Code == 200 && w.Header().Get("Etag") == "" {
			t.Errorf("%q: 200 without ETag", path)
		}
	})
}

// TestCacheBytesBound serves every feed with a small cache budget: the
// caches stay within it, their byte counts stay exact, and the output is
// the same as with an unbounded cache.
func TestCacheBytesBound(t *testing.T) {
	c := corpusOrFixture(t)
	const budget = 96 << 10
	small := newTestHandler(t, c, func(cfg *Config) { cfg.CacheBytes = budget })
	big := newTestHandler(t, c, func(cfg *Config) { cfg.CacheBytes = -1 })
	keys := allKeys(c)
	keys = keys[:min(len(keys), 24)] // enough to overflow the budget several times
	for round := range 2 {
		for _, k := range keys {
			for _, f := range Formats {
				path := strings.TrimPrefix(small.r.FeedURL(k, f, 1), "https://news.example.in")
				got, want := do(small, "GET", path), do(big, "GET", path)
				if !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) || got.Header().Get("Etag") != want.Header().Get("Etag") {
					t.Fatalf("round %d %s: bounded cache serves different bytes", round, path)
				}
			}
		}
	}
	small.bg.Wait()
	small.r.mu.RLock()
	var items int64
	for _, ic := range small.r.items {
		items += ic.size()
	}
	held := small.r.heldBytes
	small.r.mu.RUnlock()
	if items != held {
		t.Errorf("item cache counts %d bytes, holds %d", held, items)
	}
	small.mu.RLock()
	var pages int64
	var largest int64
	for _, m := range small.cache {
		for _, e := range m {
			pages += e.size()
			largest = max(largest, e.size())
		}
	}
	counted := small.cacheBytes
	small.mu.RUnlock()
	if pages != counted {
		t.Errorf("page cache counts %d bytes, holds %d", counted, pages)
	}
	if pages > budget/2+largest {
		t.Errorf("page cache holds %d bytes, budget %d", pages, budget/2)
	}
	if items > budget/2+64<<10 {
		t.Errorf("item cache holds %d bytes, budget %d", items, budget/2)
	}
	t.Logf("items %d bytes, pages %d bytes (budget %d each)", items, pages, budget/2)
}
