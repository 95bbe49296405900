package upstream

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

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

// TestRedirectToForbiddenAddresses: a "public" server (127.0.0.2, let
// through with AllowNets) redirects to addresses the guard refuses; no
// connection is made and the error names the address.
func TestRedirectToForbiddenAddresses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	var target atomic.Value
	outside := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.Load().(string), http.StatusFound)
	}))
	outside.Listener.Close()
	outside.Listener = ln
	outside.Start()
	defer outside.Close()
	f := &Fetcher{AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, Timeout: 5 * time.Second}
	tests := []struct{ to, addr, reason string }{
		{"http://127.0.0.1:9/", "127.0.0.1", "loopback"},
		{"http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"},
		{"http://[::1]:9/", "::1", "loopback"},
		{"http://10.0.0.1/", "10.0.0.1", "private"},
		{"http://0.0.0.0:9/", "0.0.0.0", "unspecified"},
	}
	for _, tt := range tests {
		t.Run(tt.to, func(t *testing.T) {
			target.Store(tt.to)
			_, err := f.Fetch(context.Background(), outside.URL+"/feed", nil)
			var ae *AddressError
			if !errors.As(err, &ae) || ae.Addr != netip.MustParseAddr(tt.addr) || ae.Reason != tt.reason {
				t.Fatalf("err = %v, want an *AddressError for %s (%s)", err, tt.addr, tt.reason)
			}
			if msg := err.Error(); !strings.Contains(msg, "refusing to connect to "+tt.addr) || !strings.Contains(msg, "AllowPrivate") {
				t.Errorf("error %q does not say which address was refused and how to allow it", msg)
			}
		})
	}
	t.Run("non-http scheme", func(t *testing.T) {
		target.Store("file:///etc/passwd")
		_, err := f.Fetch(context.Background(), outside.URL+"/feed", nil)
		if err == nil || !strings.Contains(err.Error(), "unsupported scheme") {
			t.Fatalf("err = %v, want the redirect to file: refused", err)
		}
	})
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
