package storetest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/feed/upstream"
)

// OpenPollState returns a new, empty poll-state store for t alone, closed
// when t ends, and reopen, which opens another handle on the same
// database (as another process would); for a store in memory reopen may
// return the same store.
type OpenPollState func(t *testing.T) (s upstream.Leaser, reopen func() upstream.Leaser)

// PollState runs the conformance suite for the poll state shared by
// aggregators: Load and Save, claims of due feeds with leases (each feed
// to one owner at a time, taken over when the lease ends), claims raced
// from many goroutines on several handles, and Pollers on several handles
// splitting feeds served by a loopback server, sharing their validators.
func PollState(t *testing.T, open OpenPollState) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	t.Run("LoadSave", func(t *testing.T) {
		s, reopen := open(t)
		if _, err := s.Load(ctx, "https://a.example/feed"); !errors.Is(err, upstream.ErrUnknownFeed) {
			t.Errorf("Load of an unknown feed: %v, want ErrUnknownFeed", err)
		}
		want := upstream.State{URL: "https://a.example/feed", ETag: `"x"`, LastModified: "Wed, 25 Nov 2026 04:30:00 GMT",
			NextPoll: t0.Add(time.Hour), LastPoll: t0, LastSuccess: t0, LastError: "", Failures: 2, FeedInterval: 15 * time.Minute}
		if err := s.Save(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := reopen().Load(ctx, want.URL)
		if err != nil || !sameState(got, want) {
			t.Errorf("Load = %+v, %v; want %+v", got, err, want)
		}
	})
	t.Run("Claim", func(t *testing.T) {
		s, _ := open(t)
		urls := []string{"https://a.example/1", "https://a.example/2", "https://a.example/3"}
		s.Save(ctx, upstream.State{URL: urls[2], NextPoll: t0.Add(time.Hour), ETag: `"3"`})
		s.Save(ctx, upstream.State{URL: urls[1], NextPoll: t0.Add(-time.Hour), ETag: `"2"`})
		got := claim(t, s, upstream.ClaimRequest{Owner: "A", URLs: urls, Now: t0, Until: t0.Add(time.Minute)})
		wantURLs(t, got, urls[0], urls[1]) // never polled first, then the longest due
		if got[1].ETag != `"2"` {
			t.Errorf("claimed state %+v lost its ETag", got[1])
		}
		wantURLs(t, claim(t, s, upstream.ClaimRequest{Owner: "B", URLs: urls, Now: t0, Until: t0.Add(time.Minute)}))
		wantURLs(t, claim(t, s, upstream.ClaimRequest{Owner: "B", URLs: urls, Now: t0, Until: t0.Add(time.Minute), All: true}), urls[2])
		// A finishes 1 (due again in an hour); 2's lease runs out and B
		// takes it over; A's late Finish of 2 leaves B's lease alone.
		if err := s.Finish(ctx, "A", upstream.State{URL: urls[0], NextPoll: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		t1 := t0.Add(2 * time.Minute)
		wantURLs(t, claim(t, s, upstream.ClaimRequest{Owner: "B", URLs: urls, Now: t1, Until: t1.Add(time.Minute)}), urls[1])
		if err := s.Finish(ctx, "A", upstream.State{URL: urls[1], NextPoll: t0.Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
		wantURLs(t, claim(t, s, upstream.ClaimRequest{Owner: "C", URLs: urls, Now: t1, Until: t1.Add(time.Minute)}))
		t2 := t0.Add(2 * time.Hour)
		wantURLs(t, claim(t, s, upstream.ClaimRequest{Owner: "C", URLs: urls, Now: t2, Until: t2.Add(time.Minute), Limit: 2}), urls[1], urls[0])
	})
	t.Run("ConcurrentClaims", func(t *testing.T) { concurrentClaims(t, open, t0) })
	t.Run("Pollers", func(t *testing.T) { pollers(t, open, t0) })
}

// concurrentClaims races owners on several handles for the same feeds:
// each feed must go to exactly one.
func concurrentClaims(t *testing.T, open OpenPollState, t0 time.Time) {
	_, reopen := open(t)
	var urls []string
	for i := range 60 {
		urls = append(urls, fmt.Sprintf("https://c.example/%02d", i))
	}
	var mu sync.Mutex
	owner := make(map[string]string)
	var wg sync.WaitGroup
	for h := range 3 {
		s := reopen()
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				me := fmt.Sprintf("h%d-g%d", h, g)
				for range 10 {
					got, err := s.Claim(context.Background(), upstream.ClaimRequest{Owner: me, URLs: urls, Now: t0, Until: t0.Add(time.Hour), Limit: 5})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					for _, st := range got {
						if prev, ok := owner[st.URL]; ok {
							t.Errorf("%s claimed by %s and %s", st.URL, prev, me)
						}
						owner[st.URL] = me
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	if len(owner) != len(urls) {
		t.Errorf("%d feeds claimed, want %d", len(owner), len(urls))
	}
}

// pollers has three Pollers on their own handles poll twelve loopback
// feeds twice: each round fetches every feed once, and the second round
// sends the validators the first stored, whoever polled it. It is long
// because it sets up the feeds, the Pollers and both rounds in one place,
// so that what each round checks stands next to what it follows from.
func pollers(t *testing.T, open OpenPollState, t0 time.Time) {
	_, reopen := open(t)
	var mu sync.Mutex
	hits := make(map[string]int)
	conditional := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		etag := `"v1` + r.URL.Path + `"`
		if r.Header.Get("If-None-Match") == etag {
			conditional++
			mu.Unlock()
			w.WriteHeader(http.StatusNotModified)
			return
		}
		mu.Unlock()
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>f</title><link>https://f.example/</link>
<item><title>ख़बर %[1]s</title><link>https://f.example%[1]s/1</link><guid>%[1]s-1</guid><pubDate>Wed, 25 Nov 2026 09:00:00 +0000</pubDate></item>
</channel></rss>`, r.URL.Path)
	}))
	defer srv.Close()
	var subs []upstream.Subscription
	for i := range 12 {
		subs = append(subs, upstream.Subscription{URL: fmt.Sprintf("%s/f%02d", srv.URL, i), Title: "f"})
	}
	var now time.Time
	var clock sync.Mutex
	setNow := func(t time.Time) { clock.Lock(); now = t; clock.Unlock() }
	setNow(t0)
	var ps []*upstream.Poller
	for range 3 {
		p := &upstream.Poller{
			Catalog:    khabar.NewCatalog(),
			Fetcher:    &upstream.Fetcher{AllowPrivate: true, Now: func() time.Time { clock.Lock(); defer clock.Unlock(); return now }},
			Store:      reopen(),
			ClaimBatch: 5,
		}
		p.Add(subs...)
		ps = append(ps, p)
	}
	round := func() int {
		var wg sync.WaitGroup
		var n int
		var nmu sync.Mutex
		for _, p := range ps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					reps := p.PollDue(context.Background())
					for _, r := range reps {
						if r.Failed {
							t.Errorf("%s: %v", r.URL, r.Err)
						}
					}
					nmu.Lock()
					n += len(reps)
					nmu.Unlock()
					if len(reps) == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		return n
	}
	if n := round(); n != len(subs) {
		t.Errorf("first round: %d polls, want %d", n, len(subs))
	}
	setNow(t0.Add(48 * time.Hour))
	if n := round(); n != len(subs) {
		t.Errorf("second round: %d polls, want %d", n, len(subs))
	}
	for _, s := range subs {
		if h := hits[s.URL[len(srv.URL):]]; h != 2 {
			t.Errorf("%s fetched %d times, want 2", s.URL, h)
		}
	}
	if conditional != len(subs) {
		t.Errorf("%d conditional requests in the second round, want %d", conditional, len(subs))
	}
}

func claim(t *testing.T, s upstream.Leaser, r upstream.ClaimRequest) []upstream.State {
	t.Helper()
	got, err := s.Claim(context.Background(), r)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return got
}

func wantURLs(t *testing.T, sts []upstream.State, urls ...string) {
	t.Helper()
	var got []string
	for _, st := range sts {
		got = append(got, st.URL)
	}
	if fmt.Sprint(got) != fmt.Sprint(urls) {
		t.Errorf("claimed %v, want %v", got, urls)
	}
}

func sameState(a, b upstream.State) bool {
	return a.URL == b.URL && a.ETag == b.ETag && a.LastModified == b.LastModified && a.NextPoll.Equal(b.NextPoll) &&
		a.LastPoll.Equal(b.LastPoll) && a.LastSuccess.Equal(b.LastSuccess) && a.LastError == b.LastError &&
		a.Failures == b.Failures && a.FeedInterval == b.FeedInterval
}
