package digest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordingStore wraps a Store and records, at the moment SetStatus
// returns, whether a response was already written.
type recordingStore struct {
	*MemStore
	mu      sync.Mutex
	written *bool
	order   []string
	fail    error
}

func (r *recordingStore) SetStatus(ctx context.Context, email string, st Status) error {
	if r.fail != nil {
		return r.fail
	}
	err := r.MemStore.SetStatus(ctx, email, st)
	r.written1()
	return err
}

// Change is SetStatus's counterpart for a Lifecycle store, which the
// handler prefers.
func (r *recordingStore) Change(ctx context.Context, email string, ev Event, fn ChangeFunc) (bool, error) {
	if r.fail != nil {
		return false, r.fail
	}
	ok, err := r.MemStore.Change(ctx, email, ev, fn)
	r.written1()
	return ok, err
}

func (r *recordingStore) written1() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if *r.written {
		r.order = append(r.order, "response before store")
	} else {
		r.order = append(r.order, "store before response")
	}
}

type flagWriter struct {
	http.ResponseWriter
	written *bool
}

func (w flagWriter) WriteHeader(code int) { *w.written = true; w.ResponseWriter.WriteHeader(code) }
func (w flagWriter) Write(b []byte) (int, error) {
	*w.written = true
	return w.ResponseWriter.Write(b)
}

func TestUnsubscribeHandler(t *testing.T) {
	ctx := context.Background()
	store := openTestStore(t)
	if _, err := store.Import(ctx, []*Subscriber{{Email: "asha@example.com", Language: "hi"}, {Email: "zainab@example.com", Language: "ur"}}); err != nil {
		t.Fatal(err)
	}
	written := false
	rec := &recordingStore{MemStore: store, written: &written}
	tk := testTokens()
	h := &UnsubscribeHandler{Tokens: tk, Store: rec, Publisher: Publisher{Name: "ख़बर", Address: "12, माल रोड\nकानपुर"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		written = false
		h.ServeHTTP(flagWriter{w, &written}, r)
	}))
	defer srv.Close()
	tokAsha, _ := tk.Sign("asha@example.com", "daily")
	tokZainab, _ := tk.Sign("zainab@example.com", "daily")
	tokWeekly, _ := tk.Sign("asha@example.com", "weekly")
	tokExpired, _ := tk.SignUntil("asha@example.com", "daily", fixedNow.Add(-time.Hour))
	tokUnknown, _ := tk.Sign("stranger@example.com", "daily")
	u := func(tok string) string { return srv.URL + "/unsubscribe?t=" + url.QueryEscape(tok) }
	status := func(email string) Status {
		s, err := store.Subscriber(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return s.Status
	}
	client := srv.Client()
	client.Jar = nil

	t.Run("GET shows a confirmation and changes nothing", func(t *testing.T) {
		for _, method := range []string{"GET", "HEAD"} {
			req, _ := http.NewRequest(method, u(tokAsha), nil)
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Errorf("%s: status %d", method, res.StatusCode)
			}
			if method == "GET" && (!bytes.Contains(body, []byte(`<form method="post"`)) || !bytes.Contains(body, []byte("asha@example.com")) || !bytes.Contains(body, []byte(`lang="hi"`))) {
				t.Errorf("confirmation page lacks the form, the address or the language:\n%s", body)
			}
			if res.Header.Get("Set-Cookie") != "" || res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("headers: %v", res.Header)
			}
			if st := status("asha@example.com"); st != StatusActive {
				t.Fatalf("%s unsubscribed: status %s", method, st)
			}
		}
	})

	t.Run("one-click POST, urlencoded", func(t *testing.T) {
		res, err := client.Post(u(tokAsha), "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Set-Cookie") != "" {
			t.Errorf("status %d, cookie %q", res.StatusCode, res.Header.Get("Set-Cookie"))
		}
		if st := status("asha@example.com"); st != StatusUnsubscribed {
			t.Errorf("status %s after POST", st)
		}
		if len(rec.order) != 1 || rec.order[0] != "store before response" {
			t.Errorf("order = %v", rec.order)
		}
		// Again: idempotent.
		res, err = client.Post(u(tokAsha), "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("second POST: status %d", res.StatusCode)
		}
	})

	t.Run("one-click POST, multipart (RFC 8058's SHOULD)", func(t *testing.T) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("List-Unsubscribe", "One-Click")
		mw.Close()
		res, err := client.Post(u(tokZainab), mw.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || status("zainab@example.com") != StatusUnsubscribed {
			t.Errorf("status %d, subscriber %s", res.StatusCode, status("zainab@example.com"))
		}
		if !bytes.Contains(page, []byte(`dir="rtl"`)) {
			t.Error("Urdu page is not rtl")
		}
	})

	t.Run("refusals", func(t *testing.T) {
		cases := []struct {
			name, method, url string
			want              int
		}{
			{"no token", "POST", srv.URL + "/unsubscribe", 400},
			{"forged", "POST", u(alter(tokAsha, 1, b64.EncodeToString([]byte("zainab@example.com")))), 400},
			{"other list", "POST", u(tokWeekly), 400},
			{"expired", "POST", u(tokExpired), 410},
			{"expired GET", "GET", u(tokExpired), 410},
			{"PUT", "PUT", u(tokAsha), 405},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				req, _ := http.NewRequest(c.method, c.url, strings.NewReader("List-Unsubscribe=One-Click"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				res, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != c.want {
					t.Errorf("status %d, want %d", res.StatusCode, c.want)
				}
			})
		}
	})

	t.Run("unknown address answers as done", func(t *testing.T) {
		res, err := client.Post(u(tokUnknown), "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("status %d", res.StatusCode)
		}
		// Removed before the click: the unsubscribe is remembered, and a
		// later import of the address does not undo it.
		if st, err := store.Status(ctx, "Stranger@Example.com"); err != nil || st != StatusUnsubscribed {
			t.Errorf("stored status of the unknown address = %q, %v; want unsubscribed", st, err)
		}
		res2, err := store.Import(ctx, []*Subscriber{{Email: "stranger@example.com", Language: "hi"}})
		if err != nil {
			t.Fatal(err)
		}
		if st := status("stranger@example.com"); st != StatusUnsubscribed || res2.Kept != 1 {
			t.Errorf("after re-import: status %s, %+v; want unsubscribed, kept 1", st, res2)
		}
	})

	t.Run("store failure is 500, so the sender retries", func(t *testing.T) {
		rec.fail = errors.New("disk full")
		defer func() { rec.fail = nil }()
		res, err := client.Post(u(tokAsha), "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 500 {
			t.Errorf("status %d, want 500", res.StatusCode)
		}
	})
}

func TestBrowserHandler(t *testing.T) {
	b := newTestBuilder(t, nil)
	srv := httptest.NewServer(http.StripPrefix("/digest", NewBrowserHandler(b)))
	defer srv.Close()
	get := func(path string, hdr ...string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, body
	}
	res, body := get("/digest/2026-11-24?lang=hi")
	if res.StatusCode != 200 || !bytes.Contains(body, []byte("भारत ने ऑस्ट्रेलिया को हराया")) {
		t.Fatalf("status %d, body:\n%.300s", res.StatusCode, body)
	}
	for _, private := range []string{"unsubscribe", "नमस्ते", "@example.com"} {
		if bytes.Contains(body, []byte(private)) {
			t.Errorf("web version contains %q", private)
		}
	}
	etag := res.Header.Get("ETag")
	if res2, _ := get("/digest/2026-11-24?lang=hi", "If-None-Match", etag); res2.StatusCode != 304 {
		t.Errorf("If-None-Match: status %d, want 304", res2.StatusCode)
	}
	if res, body := get("/digest/2026-11-24?lang=ur"); res.StatusCode != 200 || !bytes.Contains(body, []byte(`dir="rtl"`)) {
		t.Errorf("ur: status %d", res.StatusCode)
	}
	for _, path := range []string{"/digest/2026-10-01", "/digest/yesterday", "/digest/2026-11-24?lang=xx", "/digest/2026-11-24?list=bad.list"} {
		if res, _ := get(path); res.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", path, res.StatusCode)
		}
	}
	req, _ := http.NewRequest("POST", srv.URL+"/digest/2026-11-24", nil)
	if res, err := srv.Client().Do(req); err != nil || res.StatusCode != 405 {
		t.Errorf("POST: %v %v", res.StatusCode, err)
	}
}

// TestBuilderConcurrent shares one Builder (and its caches) between
// goroutines under -race, and checks they all get the same digests.
func TestBuilderConcurrent(t *testing.T) {
	b := newTestBuilder(t, nil)
	h := NewBrowserHandler(b)
	want, err := b.Build(context.Background(), testEdition, goldenSubscribers[0])
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				sub := goldenSubscribers[(g+i)%len(goldenSubscribers)]
				m, err := b.Build(context.Background(), testEdition, sub)
				if err != nil {
					t.Error(err)
					return
				}
				if sub == goldenSubscribers[0] && !bytes.Equal(m.HTML, want.HTML) {
					t.Error("concurrent build differs")
				}
				rr := httptest.NewRecorder()
				h.ServeHTTP(rr, httptest.NewRequest("GET", "/2026-11-24?lang="+sub.Language, nil))
				if rr.Code != 200 {
					t.Errorf("web version: %d", rr.Code)
				}
			}
		}()
	}
	wg.Wait()
}

// TestUnsubscribeConcurrent sends one-click POSTs for many subscribers at
// once (and confirmation GETs for the same links) to one handler and one
// store: every POST is stored, no GET is.
func TestUnsubscribeConcurrent(t *testing.T) {
	ctx := context.Background()
	store := openTestStore(t)
	var subs []*Subscriber
	for i := range 30 {
		subs = append(subs, &Subscriber{Email: fmt.Sprintf("r%02d@example.com", i)})
	}
	if _, err := store.Import(ctx, subs); err != nil {
		t.Fatal(err)
	}
	tk := testTokens()
	srv := httptest.NewServer(&UnsubscribeHandler{Tokens: tk, Store: store, Publisher: Publisher{Name: "ख़बर"}})
	defer srv.Close()
	var wg sync.WaitGroup
	for i, s := range subs {
		tok, _ := tk.Sign(s.Email, DefaultList)
		u := srv.URL + "/?t=" + url.QueryEscape(tok)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 1 {
				res, err := srv.Client().Get(u)
				if err == nil {
					res.Body.Close()
				}
				return
			}
			res, err := srv.Client().Post(u, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Errorf("%s: status %d", s.Email, res.StatusCode)
			}
		}()
	}
	wg.Wait()
	for i, s := range subs {
		got, err := store.Subscriber(ctx, s.Email)
		if err != nil {
			t.Fatal(err)
		}
		want := StatusActive
		if i%2 == 0 {
			want = StatusUnsubscribed
		}
		if got.Status != want {
			t.Errorf("%s: %s, want %s", s.Email, got.Status, want)
		}
	}
}
