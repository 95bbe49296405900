package upstream

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testFetcher fetches from the loopback servers tests start.
func testFetcher() *Fetcher {
	return &Fetcher{AllowPrivate: true, Timeout: 5 * time.Second, ConnectTimeout: 2 * time.Second}
}

func TestFetchConditionalGET(t *testing.T) {
	const etag = `"v1"`
	const lastMod = "Tue, 24 Nov 2026 10:00:00 GMT"
	var hits, notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if !strings.HasPrefix(r.Header.Get("User-Agent"), "khabar-upstream/") {
			t.Errorf("User-Agent = %q, want the library's", r.Header.Get("User-Agent"))
		}
		if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == lastMod {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(readFixture(t, "rss1.rdf"))
	}))
	defer srv.Close()
	f := testFetcher()
	st := &State{URL: srv.URL}
	res, err := f.Fetch(context.Background(), srv.URL, st)
	if err != nil {
		t.Fatalf("first fetch: %v", err)
	}
	if res.NotModified || len(res.Body) == 0 || res.ETag != etag {
		t.Fatalf("first fetch = %+v, want a 200 with a body and ETag %s", res, etag)
	}
	f.Update(st, res, nil, nil)
	if st.ETag != etag || st.LastModified != lastMod {
		t.Fatalf("state validators = %q, %q; want %q, %q", st.ETag, st.LastModified, etag, lastMod)
	}
	res, err = f.Fetch(context.Background(), srv.URL, st)
	if err != nil {
		t.Fatalf("second fetch: %v", err)
	}
	if !res.NotModified || res.StatusCode != 304 || len(res.Body) != 0 {
		t.Errorf("second fetch = %+v, want 304 not modified", res)
	}
	if hits.Load() != 2 || notModified.Load() != 1 {
		t.Errorf("server saw %d requests, %d conditional; want 2, 1", hits.Load(), notModified.Load())
	}
}

func gzipped(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFetchGzipAndLimit(t *testing.T) {
	big := bytes.Repeat([]byte("<!-- padding padding padding -->\n"), 4000) // 132 kB, compresses to ~1 kB
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("Accept-Encoding = %q, want gzip", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Encoding", "gzip")
		switch r.URL.Path {
		case "/small":
			w.Write(gzipped(t, []byte("<rss/>")))
		case "/big":
			w.Write(gzipped(t, big))
		case "/plain-big":
			w.Header().Del("Content-Encoding")
			w.Write(big)
		}
	}))
	defer srv.Close()
	f := testFetcher()
	f.MaxBodyBytes = 64 << 10
	res, err := f.Fetch(context.Background(), srv.URL+"/small", nil)
	if err != nil || string(res.Body) != "<rss/>" {
		t.Fatalf("small gzip fetch = %v, %v; want the decompressed body", res, err)
	}
	for _, path := range []string{"/big", "/plain-big"} {
		t.Run(path, func(t *testing.T) {
			_, err := f.Fetch(context.Background(), srv.URL+path, nil)
			var tl *TooLargeError
			if !errors.As(err, &tl) || tl.Limit != 64<<10 || !errors.Is(err, ErrBodyTooLarge) {
				t.Fatalf("err = %v, want a *TooLargeError with limit %d", err, 64<<10)
			}
		})
	}
}

func TestFetchRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed" {
			w.Write([]byte("<rss/>"))
			return
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
		if n <= 1 {
			http.Redirect(w, r, "/feed", http.StatusFound)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusMovedPermanently)
	}))
	defer srv.Close()
	f := testFetcher()
	tests := []struct {
		hops    int
		wantErr error
	}{{1, nil}, {5, nil}, {6, ErrTooManyRedirects}, {20, ErrTooManyRedirects}}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.hops), func(t *testing.T) {
			res, err := f.Fetch(context.Background(), fmt.Sprintf("%s/hop/%d", srv.URL, tt.hops), nil)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && res.URL != srv.URL+"/feed" {
				t.Errorf("final URL = %s, want %s/feed", res.URL, srv.URL)
			}
		})
	}
}

func TestFetchTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.WriteHeader(200)
		w.Write([]byte("<rss>"))
		w.(http.Flusher).Flush()
		select { // a server that stalls mid-body
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	f := &Fetcher{AllowPrivate: true, Timeout: 300 * time.Millisecond}
	start := time.Now()
	_, err := f.Fetch(context.Background(), srv.URL, nil)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("timed out after %v, want about 300ms", d)
	}
}

func TestFetchRetryAfter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/429":
			w.Header().Set("Retry-After", "3600")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case "/503":
			w.Header().Set("Retry-After", "Wed, 25 Nov 2026 12:30:00 GMT")
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		case "/404":
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := testFetcher()
	f.Now = func() time.Time { return now }
	f.Rand = func() float64 { return 0 }
	tests := []struct {
		path       string
		status     int
		retryAfter time.Duration
		temporary  bool
		nextPoll   time.Duration
	}{
		{"/429", 429, time.Hour, true, time.Hour},
		{"/503", 503, 30 * time.Minute, true, 30 * time.Minute},
		{"/404", 404, 0, false, DefaultMinInterval / 2},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := f.Fetch(context.Background(), srv.URL+tt.path, nil)
			var he *HTTPError
			if !errors.As(err, &he) {
				t.Fatalf("err = %v, want *HTTPError", err)
			}
			if he.StatusCode != tt.status || he.RetryAfter != tt.retryAfter || he.Temporary() != tt.temporary {
				t.Errorf("got status %d, retry after %v, temporary %v; want %d, %v, %v", he.StatusCode, he.RetryAfter, he.Temporary(), tt.status, tt.retryAfter, tt.temporary)
			}
			st := &State{}
			f.Update(st, nil, nil, err)
			if got := st.NextPoll.Sub(now); got != tt.nextPoll {
				t.Errorf("next poll in %v, want %v", got, tt.nextPoll)
			}
			if st.Failures != 1 || st.LastError == "" {
				t.Errorf("state = %+v, want one failure with its error", st)
			}
		})
	}
}

func TestSchedule(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	errBoom := errors.New("boom")
	tests := []struct {
		name     string
		failures int
		rand     float64
		res      *Result
		feed     *Feed
		err      error
		want     time.Duration
		prior    time.Duration // State.FeedInterval before the poll
	}{
		{"no hints", 0, 0, &Result{}, &Feed{}, nil, DefaultInterval, 0},
		{"max-age", 0, 0, &Result{Fresh: 2 * time.Hour}, &Feed{}, nil, 2 * time.Hour, 0},
		{"ttl", 0, 0, &Result{}, &Feed{TTL: 45 * time.Minute}, nil, 45 * time.Minute, 0},
		{"longest hint wins", 0, 0, &Result{Fresh: time.Hour}, &Feed{TTL: 45 * time.Minute, UpdatePeriod: 3 * time.Hour}, nil, 3 * time.Hour, 0},
		{"hint below minimum", 0, 0, &Result{Fresh: time.Second}, nil, nil, DefaultMinInterval, 0},
		{"hint above maximum", 0, 0, &Result{Fresh: 100 * time.Hour}, nil, nil, DefaultMaxInterval, 0},
		{"304", 0, 0, &Result{NotModified: true}, nil, nil, DefaultInterval, 0},
		{"first failure, low jitter", 0, 0, nil, nil, errBoom, DefaultMinInterval / 2, 0},
		{"first failure, high jitter", 0, 0.5, nil, nil, errBoom, DefaultMinInterval * 3 / 4, 0},
		{"third failure", 2, 0, nil, nil, errBoom, DefaultMinInterval * 2, 0},
		{"backoff cap", 60, 0, nil, nil, errBoom, DefaultMaxBackoff / 2, 0},
		{"304 keeps the feed's ttl", 0, 0, &Result{NotModified: true}, nil, nil, 2 * time.Hour, 2 * time.Hour},
		{"304 with a longer max-age", 0, 0, &Result{NotModified: true, Fresh: 3 * time.Hour}, nil, nil, 3 * time.Hour, 2 * time.Hour},
		{"a full fetch replaces the feed's hint", 0, 0, &Result{}, &Feed{TTL: 45 * time.Minute}, nil, 45 * time.Minute, 2 * time.Hour},
		{"a full fetch without hints forgets it", 0, 0, &Result{}, &Feed{}, nil, DefaultInterval, 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &Fetcher{Now: func() time.Time { return now }, Rand: func() float64 { return tt.rand }}
			st := &State{Failures: tt.failures, LastError: "old", FeedInterval: tt.prior}
			f.Update(st, tt.res, tt.feed, tt.err)
			if got := st.NextPoll.Sub(now); got != tt.want {
				t.Errorf("next poll in %v, want %v", got, tt.want)
			}
			if tt.err == nil && (st.Failures != 0 || st.LastError != "" || !st.LastSuccess.Equal(now)) {
				t.Errorf("state after success = %+v, want failures and error cleared", st)
			}
		})
	}
}

func TestRetryAfterAndFreshness(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	if got := retryAfter("120", now); got != 2*time.Minute {
		t.Errorf("retryAfter(120) = %v, want 2m", got)
	}
	if got := retryAfter("-5", now); got != 0 {
		t.Errorf("retryAfter(-5) = %v, want 0", got)
	}
	if got := retryAfter("soon", now); got != 0 {
		t.Errorf("retryAfter(soon) = %v, want 0", got)
	}
	h := http.Header{}
	h.Set("Cache-Control", "public, max-age=600")
	if got := freshness(h, now); got != 10*time.Minute {
		t.Errorf("freshness(max-age=600) = %v, want 10m", got)
	}
	h = http.Header{}
	h.Set("Date", "Wed, 25 Nov 2026 11:00:00 GMT")
	h.Set("Expires", "Wed, 25 Nov 2026 12:00:00 GMT")
	if got := freshness(h, now); got != time.Hour {
		t.Errorf("freshness(Expires) = %v, want 1h (from Date)", got)
	}
	h.Set("Cache-Control", "no-cache")
	if got := freshness(h, now); got != 0 {
		t.Errorf("freshness(no-cache) = %v, want 0", got)
	}
}

// TestFetchGzipBomb: 32 MiB of zeros sent as about 150 kB of gzip is refused at
// the limit, without inflating the rest.
func TestFetchGzipBomb(t *testing.T) {
	var zb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zb, gzip.BestSpeed)
	chunk := make([]byte, 1<<20)
	for range 32 {
		zw.Write(chunk)
	}
	zw.Close()
	bomb := zb.Bytes()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bomb":
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Length", strconv.Itoa(len(bomb)))
			w.Write(bomb)
		case "/declared":
			// A Content-Length over the limit is refused before reading.
			w.Header().Set("Content-Length", strconv.Itoa(4<<20))
			w.Write(make([]byte, 4<<20))
		case "/exact":
			w.Write(bytes.Repeat([]byte("x"), 1<<20))
		}
	}))
	defer srv.Close()
	f := testFetcher()
	f.MaxBodyBytes = 1 << 20
	for _, path := range []string{"/bomb", "/declared"} {
		t.Run(path, func(t *testing.T) {
			start := time.Now()
			res, err := f.Fetch(context.Background(), srv.URL+path, nil)
			var tl *TooLargeError
			if !errors.As(err, &tl) || tl.Limit != 1<<20 || tl.URL != srv.URL+path {
				t.Fatalf("Fetch = %v, %v; want a *TooLargeError for %s with limit 1 MiB", res, err, path)
			}
			if !strings.Contains(err.Error(), "exceeds the limit of 1048576 bytes") {
				t.Errorf("error %q does not say what the limit is", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	t.Run("exactly the limit", func(t *testing.T) {
		res, err := f.Fetch(context.Background(), srv.URL+"/exact", nil)
		if err != nil || len(res.Body) != 1<<20 {
			t.Fatalf("Fetch = %v; want the whole 1 MiB body", err)
		}
	})
}

// TestFetchSlowServers: the total timeout covers a server that never
// answers, one that stalls mid-body and one that trickles bytes forever.
func TestFetchSlowServers(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait := func(d time.Duration) bool {
			select {
			case <-release:
				return false
			case <-r.Context().Done():
				return false
			case <-time.After(d):
				return true
			}
		}
		switch r.URL.Path {
		case "/no-headers":
			wait(time.Hour)
		case "/trickle":
			w.WriteHeader(200)
			for wait(20 * time.Millisecond) {
				if _, err := w.Write([]byte("<!-- -->")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		}
	}))
	defer srv.Close()
	defer close(release)
	f := &Fetcher{AllowPrivate: true, Timeout: 300 * time.Millisecond}
	for _, path := range []string{"/no-headers", "/trickle"} {
		t.Run(path, func(t *testing.T) {
			start := time.Now()
			_, err := f.Fetch(context.Background(), srv.URL+path, nil)
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("err = %v, want a timeout", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("timed out after %v, want about 300ms", d)
			}
		})
	}
	t.Run("context", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := (&Fetcher{AllowPrivate: true}).Fetch(ctx, srv.URL+"/no-headers", nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
	})
}

// TestFetchRetryAfterForms: Retry-After as seconds and as an HTTP date,
// on 429 and on 503, and a 503 without it (plain backoff).
func TestFetchRetryAfterForms(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, _ := strconv.Atoi(r.URL.Query().Get("status"))
		if ra := r.URL.Query().Get("ra"); ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	f := testFetcher()
	f.Now = func() time.Time { return now }
	f.Rand = func() float64 { return 0 }
	tests := []struct {
		name, status, ra string
		wantRA, wantNext time.Duration
	}{
		{"429 seconds", "429", "1800", 30 * time.Minute, 30 * time.Minute},
		{"429 date", "429", "Wed, 25 Nov 2026 14:00:00 GMT", 2 * time.Hour, 2 * time.Hour},
		{"503 seconds", "503", "900", 15 * time.Minute, 15 * time.Minute},
		{"503 date", "503", "Wed, 25 Nov 2026 12:10:00 GMT", 10 * time.Minute, 10 * time.Minute},
		{"503 without", "503", "", 0, DefaultMinInterval / 2},
		{"503 date in the past", "503", "Wed, 25 Nov 2026 11:00:00 GMT", 0, DefaultMinInterval / 2},
		{"429 garbage", "429", "soon", 0, DefaultMinInterval / 2},
		{"429 shorter than the backoff", "429", "1", time.Second, DefaultMinInterval / 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := srv.URL + "/?status=" + tt.status + "&ra=" + strings.ReplaceAll(tt.ra, " ", "+")
			_, err := f.Fetch(context.Background(), u, nil)
			var he *HTTPError
			if !errors.As(err, &he) || strconv.Itoa(he.StatusCode) != tt.status || !he.Temporary() {
				t.Fatalf("err = %v, want a temporary *HTTPError %s", err, tt.status)
			}
			if he.RetryAfter != tt.wantRA {
				t.Errorf("RetryAfter = %v, want %v", he.RetryAfter, tt.wantRA)
			}
			st := &State{}
			f.Update(st, nil, nil, err)
			if got := st.NextPoll.Sub(now); got != tt.wantNext {
				t.Errorf("next poll in %v, want %v", got, tt.wantNext)
			}
		})
	}
}

// TestFetchGzipFileBody: a gzip file served without Content-Encoding, or
// compressed twice, is unpacked, within the limit.
func TestFetchGzipFileBody(t *testing.T) {
	feed := readFixture(t, "rss1.rdf")
	big := gzipped(t, make([]byte, 2<<20))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.xml.gz":
			w.Header().Set("Content-Type", "application/x-gzip")
			w.Write(gzipped(t, feed))
		case "/twice":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gzipped(t, gzipped(t, feed)))
		case "/big.gz":
			w.Write(big)
		case "/broken.gz":
			w.Write(gzipped(t, feed)[:40])
		}
	}))
	defer srv.Close()
	f := testFetcher()
	f.MaxBodyBytes = 1 << 20
	for _, path := range []string{"/feed.xml.gz", "/twice"} {
		t.Run(path, func(t *testing.T) {
			res, err := f.Fetch(context.Background(), srv.URL+path, nil)
			if err != nil || !bytes.Equal(res.Body, feed) {
				t.Fatalf("Fetch = %v; want the unpacked feed", err)
			}
		})
	}
	t.Run("over the limit unpacked", func(t *testing.T) {
		_, err := f.Fetch(context.Background(), srv.URL+"/big.gz", nil)
		var tl *TooLargeError
		if !errors.As(err, &tl) {
			t.Fatalf("err = %v, want a *TooLargeError", err)
		}
	})
	t.Run("broken", func(t *testing.T) {
		_, err := f.Fetch(context.Background(), srv.URL+"/broken.gz", nil)
		if err == nil || !strings.Contains(err.Error(), "gzip body") {
			t.Fatalf("err = %v, want a gzip error", err)
		}
	})
}
