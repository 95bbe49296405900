package feed

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// HTTP semantics (RFC 9110, 9111) as feed readers and caches rely on them,
// beyond TestHandlerConditional and TestHandlerGzip.

// TestHandlerLastModifiedNotFuture: RFC 9110 8.8.2.1 says an origin server
// MUST NOT send a Last-Modified later than the time of the response. An
// article dated ahead of the clock (a scheduled post, or an IST time taken
// as UTC: 5½ hours ahead) would otherwise make every client that revalidates
// with If-Modified-Since alone get 304 for each article published until
// that date comes.
func TestHandlerLastModifiedNotFuture(t *testing.T) {
	c := fixture(t)
	h := newTestHandler(t, c, nil)
	a, _ := c.Get("a-1004")
	b := a.Clone()
	b.Updated = time.Now().Add(10 * time.Hour)
	c.Upsert(b)
	before := time.Now().Truncate(time.Second)
	w := do(h, "GET", "/feed/")
	lm, err := http.ParseTime(w.Header().Get("Last-Modified"))
	if err != nil {
		t.Fatal(err)
	}
	if after := time.Now(); lm.Before(before) || lm.After(after) {
		t.Errorf("Last-Modified %s for an article updated at %s: want the time of the response (%s)", lm, b.Updated.UTC(), after.UTC())
	}
	// What the client got back is no promise that nothing changes until
	// the article's date: it gets the feed again, never a 304.
	if w := do(h, "GET", "/feed/", "If-Modified-Since", w.Header().Get("Last-Modified")); w.Code != 200 {
		t.Errorf("If-Modified-Since the Last-Modified sent: %d, want 200 (the feed's own date is still ahead)", w.Code)
	}
	for _, hd := range []string{"Etag", "Vary", "Cache-Control"} {
		if w := do(h, "GET", "/feed/", "If-None-Match", w.Header().Get("Etag")); w.Code != 304 || w.Header().Get(hd) == "" {
			t.Errorf("If-None-Match: %d, %s %q", w.Code, hd, w.Header().Get(hd))
		}
	}
}

// TestHandlerHTTPSemantics checks, through a real server, what the doc
// comment promises and RFC 9110 asks for.
func TestHandlerHTTPSemantics(t *testing.T) {
	h := newTestHandler(t, fixture(t), nil)
	srv := httptest.NewServer(h)
	defer srv.Close()
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(method, path string, hdr ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	for _, f := range Formats {
		get("GET", "/feed/"+f.suffix(), "Accept-Encoding", "gzip")
	}
	h.bg.Wait() // the whole-page gzip (-gz) has replaced the quick one (-gzp)
	for _, f := range Formats {
		path := "/feed/" + f.suffix()
		for _, ae := range []string{"", "gzip"} {
			g, body := get("GET", path, "Accept-Encoding", ae)
			hd, _ := get("HEAD", path, "Accept-Encoding", ae)
			if g.Header.Get("Content-Type") != f.ContentType() || g.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: Content-Type %q, nosniff %q", path, g.Header.Get("Content-Type"), g.Header.Get("X-Content-Type-Options"))
			}
			if g.Header.Get("Content-Length") != fmt.Sprint(len(body)) {
				t.Errorf("%s %q: Content-Length %s, body %d", path, ae, g.Header.Get("Content-Length"), len(body))
			}
			for _, k := range []string{"Content-Length", "Content-Type", "Content-Encoding", "Etag", "Last-Modified", "Cache-Control", "Vary", "Link"} {
				if x, y := strings.Join(g.Header.Values(k), ","), strings.Join(hd.Header.Values(k), ","); x != y {
					t.Errorf("%s %q: %s %q on GET, %q on HEAD", path, ae, k, x, y)
				}
			}
			nm, b := get("GET", path, "Accept-Encoding", ae, "If-None-Match", g.Header.Get("Etag"))
			if nm.StatusCode != 304 || len(b) != 0 || nm.Header.Get("Etag") != g.Header.Get("Etag") ||
				nm.Header.Get("Cache-Control") != g.Header.Get("Cache-Control") || nm.Header.Get("Vary") != "Accept-Encoding" {
				t.Errorf("%s %q revalidated: %d, %d bytes, headers %v", path, ae, nm.StatusCode, len(b), nm.Header)
			}
		}
	}
	// Range is ignored (RFC 9110 14.2 allows it): the whole feed, 200.
	if res, b := get("GET", "/feed/", "Range", "bytes=0-9"); res.StatusCode != 200 || len(b) < 100 || res.Header.Get("Accept-Ranges") != "" {
		t.Errorf("Range: %d, %d bytes, Accept-Ranges %q", res.StatusCode, len(b), res.Header.Get("Accept-Ranges"))
	}
	for _, m := range []string{"POST", "PUT", "DELETE", "OPTIONS", "PATCH"} {
		if res, _ := get(m, "/feed/"); res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %d, Allow %q", m, res.StatusCode, res.Header.Get("Allow"))
		}
	}
	for path, loc := range map[string]string{
		"/feed?paged=2&x=1":    "/feed/?paged=2&x=1",
		"/feed/rss2/?paged=2":  "/feed/?paged=2",
		"/tag/tom-jerry/feed":  "/tag/tom-jerry/feed/",
		"/feed/json?paged=2#x": "/feed/json/?paged=2",
	} {
		if res, _ := get("GET", path); res.StatusCode != 301 || res.Header.Get("Location") != loc {
			t.Errorf("%s: %d to %q, want 301 to %q", path, res.StatusCode, res.Header.Get("Location"), loc)
		}
	}
}

// tagOf is the identity ETag of body, as fill computes it.
func tagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return base64.RawURLEncoding.EncodeToString(sum[:18])
}

// TestHandlerNoTornResponses sends conditional GETs from many goroutines
// through a real server while the catalog changes (run with -race): each
// 200's ETag is the one of the body it came with, and each 304 names the
// body the client holds.
func TestHandlerNoTornResponses(t *testing.T) {
	c := fixture(t)
	h := newTestHandler(t, c, nil)
	srv := httptest.NewServer(h)
	defer srv.Close()
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 8}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr}
	stop := make(chan struct{})
	var writer sync.WaitGroup
	writer.Add(1)
	go func() {
		defer writer.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			a, _ := c.Get("a-1004")
			b := a.Clone()
			b.Summary = fmt.Sprintf("सारांश %d", i)
			c.Upsert(b)
			time.Sleep(time.Millisecond)
		}
	}()
	paths := []string{"/feed/", "/feed/atom/", "/feed/json/", "/feed/?paged=2"}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			held := map[string]string{} // path+encoding: identity tag of the body held
			for i := range 60 {
				path := paths[(g+i)%len(paths)]
				gz := i%2 == 0
				req, _ := http.NewRequest("GET", srv.URL+path, nil)
				if gz {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				key := fmt.Sprint(path, gz)
				if tag := held[key]; tag != "" && i%3 != 0 {
					req.Header.Set("If-None-Match", `"`+tag+`"`)
				}
				res, err := cl.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				raw, _ := io.ReadAll(res.Body)
				res.Body.Close()
				etag := res.Header.Get("Etag")
				switch res.StatusCode {
				case 304:
					if len(raw) != 0 || !strings.HasPrefix(etag, `"`+held[key]) {
						t.Errorf("%s: 304 with %d bytes, ETag %s for a client holding %s", path, len(raw), etag, held[key])
					}
					continue
				case 200:
				default:
					t.Errorf("%s: %d", path, res.StatusCode)
					return
				}
				if res.Header.Get("Content-Length") != fmt.Sprint(len(raw)) {
					t.Errorf("%s: Content-Length %s, %d bytes", path, res.Header.Get("Content-Length"), len(raw))
				}
				body := raw
				if gz {
					zr, err := gzip.NewReader(bytes.NewReader(raw))
					if err == nil {
						body, err = io.ReadAll(zr)
					}
					if err != nil {
						t.Errorf("%s: gzip: %v", path, err)
						return
					}
				}
				tag := tagOf(body)
				want := []string{`"` + tag + `"`}
				if gz {
					want = []string{`"` + tag + `-gz"`, `"` + tag + `-gzp"`}
				}
				if etag != want[0] && (len(want) == 1 || etag != want[1]) {
					t.Errorf("%s gzip %v: ETag %s served with a body whose tag is %s", path, gz, etag, tag)
				}
				held[key] = tag
			}
		}()
	}
	wg.Wait()
	close(stop)
	writer.Wait()
}

// TestHandlerKeepsOuterHeaders: a middleware in front of the Handler (CORS,
// preload links) sets Vary and Link before calling it. Replacing them drops
// Vary: Origin, so a shared cache hands one origin's
// Access-Control-Allow-Origin to another (RFC 9110 12.5.5: Vary lists every
// request field the response depends on).
func TestHandlerKeepsOuterHeaders(t *testing.T) {
	h := newTestHandler(t, fixture(t), nil)
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		w.Header().Add("Vary", "Origin")
		w.Header().Add("Link", "<https://cdn.example/app.css>; rel=preload; as=style")
		h.ServeHTTP(w, r)
	})
	first := do(wrapped, "GET", "/feed/json/?paged=2", "Origin", "https://reader.example")
	for _, w := range []*httptest.ResponseRecorder{
		first,
		do(wrapped, "GET", "/feed/json/?paged=2", "Origin", "https://reader.example", "Accept-Encoding", "gzip"),
		do(wrapped, "GET", "/feed/json/?paged=2", "Origin", "https://reader.example", "If-None-Match", first.Header().Get("Etag")),
	} {
		vary := strings.Join(w.Header().Values("Vary"), ", ")
		if !strings.Contains(vary, "Origin") || !strings.Contains(vary, "Accept-Encoding") {
			t.Errorf("%d: Vary %q, want Origin and Accept-Encoding", w.Code, vary)
		}
		links := strings.Join(w.Header().Values("Link"), ", ")
		if !strings.Contains(links, "rel=preload") || !strings.Contains(links, `rel="self"`) {
			t.Errorf("%d: Link %q, want the preload link and the feed's", w.Code, links)
		}
	}
}

// TestHandlerLinkNotShared: a wrapper that adds a Link header after the
// Handler set its own (in WriteHeader, say) must not write into the
// cached entry's slice, which the next response for the page shares.
func TestHandlerLinkNotShared(t *testing.T) {
	h := newTestHandler(t, fixture(t), func(c *Config) { c.PageSize = 1 })
	const path = "/feed/?paged=2" // self, first, previous, next, last: 5 links
	var got []*httptest.ResponseRecorder
	for _, mark := range []string{"a", "b"} {
		w := do(h, "GET", path)
		w.Header().Add("Link", "<https://x.example/"+mark+">; rel=preload")
		got = append(got, w)
	}
	l := got[0].Header().Values("Link")
	if len(l) < 2 || l[len(l)-1] != "<https://x.example/a>; rel=preload" {
		t.Errorf("first response's Link headers after a second response: %q", l)
	}
}

// TestHandlerQueryParsing: a query with a malformed part elsewhere
// (utm_…=%zz) still selects the page ?paged asks for, rather than
// serving page 1 under page 2's address, where caches keep it; a paged
// value that cannot be decoded is a bad request.
func TestHandlerQueryParsing(t *testing.T) {
	h := newTestHandler(t, fixture(t), nil)
	page2 := do(h, "GET", "/feed/?paged=2").Header().Get("Etag")
	for _, tt := range []struct {
		query string
		code  int
		etag  string
	}{
		{"paged=2&utm_source=%zz", 200, page2},
		{"utm_source=%zz&paged=2", 200, page2},
		{"paged=1&paged=2", 200, page2},
		{"paged=%32", 200, page2},
		{"paged=2%", 400, ""},
		{"paged=2;x=1", 400, ""},
		{"paged=", 400, ""},
		{"paged=0", 400, ""},
		{"paged=-1", 400, ""},
		{"paged=1e9", 400, ""},
		{"paged=99999999999999999999", 400, ""},
		{"paged=1000000000", 404, ""},
	} {
		w := do(h, "GET", "/feed/?"+tt.query)
		if w.Code != tt.code || (tt.etag != "" && w.Header().Get("Etag") != tt.etag) {
			t.Errorf("?%s: %d ETag %s, want %d %s", tt.query, w.Code, w.Header().Get("Etag"), tt.code, tt.etag)
		}
	}
}

// TestHandlerCORS: with Config.AllowOrigin a reader in a web page on
// another origin may read the feeds, their ETag and Last-Modified, and
// revalidate (its If-None-Match needs a preflight); without it nothing
// says so, and a preflight is refused as any OPTIONS is.
func TestHandlerCORS(t *testing.T) {
	c := fixture(t)
	t.Run("off", func(t *testing.T) {
		h := newTestHandler(t, c, nil)
		w := do(h, "GET", "/feed/json/", "Origin", "https://reader.example")
		if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("GET: %d, Access-Control-Allow-Origin %q; want none", w.Code, w.Header().Get("Access-Control-Allow-Origin"))
		}
		if w := do(h, "OPTIONS", "/feed/json/", "Origin", "https://reader.example", "Access-Control-Request-Method", "GET"); w.Code != 405 {
			t.Errorf("preflight: %d, want 405", w.Code)
		}
	})
	t.Run("any", func(t *testing.T) {
		h := newTestHandler(t, c, func(cfg *Config) { cfg.AllowOrigin = "*" })
		w := do(h, "GET", "/feed/json/", "Origin", "https://reader.example", "Accept-Encoding", "gzip")
		hd := w.Header()
		if w.Code != 200 || hd.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(hd.Get("Access-Control-Expose-Headers"), "ETag") {
			t.Errorf("GET: %d, %v", w.Code, hd)
		}
		if v := hd.Values("Vary"); len(v) != 1 || v[0] != "Accept-Encoding" {
			t.Errorf("Vary %q: the answer does not depend on Origin", v)
		}
		w = do(h, "GET", "/feed/json/", "Origin", "https://reader.example", "Accept-Encoding", "gzip", "If-None-Match", hd.Get("Etag"))
		if w.Code != 304 || w.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("revalidation: %d, %v", w.Code, w.Header())
		}
		w = do(h, "OPTIONS", "/feed/json/", "Origin", "https://reader.example", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "if-none-match")
		hd = w.Header()
		if w.Code != 204 || hd.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(hd.Get("Access-Control-Allow-Methods"), "GET") ||
			!strings.Contains(strings.ToLower(hd.Get("Access-Control-Allow-Headers")), "if-none-match") || w.Body.Len() != 0 {
			t.Errorf("preflight: %d, %v, body %q", w.Code, hd, w.Body)
		}
		if w := do(h, "OPTIONS", "/feed/json/"); w.Code != 405 {
			t.Errorf("OPTIONS without a preflight's headers: %d, want 405", w.Code)
		}
	})
	t.Run("one origin", func(t *testing.T) {
		h := newTestHandler(t, c, func(cfg *Config) { cfg.AllowOrigin = "https://reader.example" })
		w := do(h, "GET", "/feed/", "Origin", "https://reader.example", "Accept-Encoding", "gzip")
		if got := w.Header().Get("Access-Control-Allow-Origin"); got != "https://reader.example" {
			t.Errorf("Access-Control-Allow-Origin %q", got)
		}
		if v := strings.Join(w.Header().Values("Vary"), ", "); !strings.Contains(v, "Origin") || !strings.Contains(v, "Accept-Encoding") {
			t.Errorf("Vary %q: want Origin and Accept-Encoding", v)
		}
	})
	for _, bad := range []string{"reader.example", "https://reader.example/path", "ftp://reader.example", "https://", "https://reader.example?x=1"} {
		if _, err := NewHandler(c, func() Config { cfg := testConfig(); cfg.Hub = ""; cfg.AllowOrigin = bad; return cfg }()); !errors.Is(err, ErrConfig) {
			t.Errorf("AllowOrigin %q: %v, want ErrConfig", bad, err)
		}
	}
}
