package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
)

// Store is what Subscribers needs of a subscriber store: the interfaces of
// package digest and the writes every implementation has.
type Store interface {
	digest.SubscriberStore
	digest.SentLog
	digest.StatusStore
	digest.Suppressor
	Put(ctx context.Context, sub *digest.Subscriber) error
	Import(ctx context.Context, subs []*digest.Subscriber) (digest.ImportResult, error)
	Count(ctx context.Context, status digest.Status) (int, error)
	MarkSent(ctx context.Context, r digest.Sent) error
}

// secretStore is a Store that keeps named secrets (sqlite.Store,
// postgres.Store).
type secretStore interface {
	Secret(ctx context.Context, name string, n int) ([]byte, error)
}

// Subscribers runs the subscriber store suite; open returns a new, empty
// store for each subtest. Stores that keep secrets (a Secret method) are
// tested for them too.
func Subscribers(t *testing.T, open func(t *testing.T) Store) {
	for _, tc := range []struct {
		name string
		test func(*testing.T, Store)
	}{
		{"RoundTrip", subscriberRoundTrip},
		{"ImportKeepsUnsubscribes", importKeepsUnsubscribes},
		{"EachPages", eachPages},
		{"SentLog", sentLog},
		{"SentLogBatch", sentLogBatch},
		{"StatusAndSuppress", statusAndSuppress},
		{"Concurrent", storeConcurrent},
		{"Secret", secret},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, open(t)) })
	}
}

var ist = time.FixedZone("IST", 5*3600+1800)

func at(h, m int) time.Time { return time.Date(2026, 11, 24, h, m, 0, 0, ist) }

func subscriberRoundTrip(t *testing.T, s Store) {
	ctx := context.Background()
	kolkata, err := digest.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	in := &digest.Subscriber{Email: "Asha@Example.com", Name: "आशा", Language: "hi", TimeZone: kolkata,
		Follows: digest.Follows{Categories: []string{"उत्तर प्रदेश/कानपुर"}, Tags: []string{"Yogi Adityanath", "yogi-adityanath"}, Authors: []string{"reena"}}}
	if err := s.Put(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := s.Subscriber(ctx, "asha@example.COM")
	if err != nil {
		t.Fatal(err)
	}
	if got.Email != in.Email || got.Name != in.Name || got.Language != "hi" || got.TimeZone.String() != "Asia/Kolkata" || got.Status != digest.StatusActive {
		t.Errorf("got %+v", got)
	}
	wantF := digest.Follows{Categories: []string{"उत्तर-प्रदेश/कानपुर"}, Tags: []string{"yogi-adityanath"}, Authors: []string{"reena"}}
	if !slices.Equal(got.Follows.Categories, wantF.Categories) || !slices.Equal(got.Follows.Tags, wantF.Tags) || !slices.Equal(got.Follows.Authors, wantF.Authors) {
		t.Errorf("Follows = %+v, want %+v (normalized)", got.Follows, wantF)
	}
	if _, err := s.Subscriber(ctx, "nobody@example.com"); !errors.Is(err, digest.ErrUnknownSubscriber) {
		t.Errorf("unknown address: %v, want ErrUnknownSubscriber", err)
	}
	if err := s.SetStatus(ctx, "ASHA@example.com", digest.StatusUnsubscribed); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Subscriber(ctx, in.Email); got.Status != digest.StatusUnsubscribed {
		t.Errorf("status = %q after SetStatus", got.Status)
	}
	if err := s.SetStatus(ctx, "nobody@example.com", digest.StatusBounced); !errors.Is(err, digest.ErrUnknownSubscriber) {
		t.Errorf("SetStatus of unknown address: %v", err)
	}
	if err := s.SetStatus(ctx, in.Email, "gone"); !errors.Is(err, digest.ErrInvalidSubscriber) {
		t.Errorf("SetStatus to a bad status: %v", err)
	}
	if err := s.Put(ctx, &digest.Subscriber{Email: "bad"}); !errors.Is(err, digest.ErrInvalidSubscriber) {
		t.Errorf("Put of a bad address: %v", err)
	}
	if err := s.Put(ctx, &digest.Subscriber{Email: "fixed@example.com", TimeZone: ist}); !errors.Is(err, digest.ErrInvalidSubscriber) {
		t.Errorf("Put with a fixed zone (not readable back by name): %v", err)
	}
}

func importKeepsUnsubscribes(t *testing.T, s Store) {
	ctx := context.Background()
	first := []*digest.Subscriber{{Email: "a@example.com"}, {Email: "b@example.com"}, {Email: "c@example.com", Status: digest.StatusBounced}}
	res, err := s.Import(ctx, first)
	if err != nil || res != (digest.ImportResult{Added: 3}) {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	if err := s.SetStatus(ctx, "b@example.com", digest.StatusUnsubscribed); err != nil {
		t.Fatal(err)
	}
	again := []*digest.Subscriber{{Email: "a@example.com", Name: "A"}, {Email: "B@example.com"}, {Email: "c@example.com"}, {Email: "d@example.com"}}
	res, err = s.Import(ctx, again)
	if err != nil || res != (digest.ImportResult{Added: 1, Updated: 3, Kept: 2}) {
		t.Fatalf("second Import = %+v, %v", res, err)
	}
	for email, want := range map[string]digest.Status{"a@example.com": digest.StatusActive, "b@example.com": digest.StatusUnsubscribed, "c@example.com": digest.StatusBounced, "d@example.com": digest.StatusActive} {
		got, err := s.Subscriber(ctx, email)
		if err != nil || got.Status != want {
			t.Errorf("%s: status %v, %v; want %s", email, got, err, want)
		}
	}
	// A bad subscriber refuses the whole import, naming it.
	_, err = s.Import(ctx, []*digest.Subscriber{{Email: "e@example.com"}, {Email: "nope"}})
	if err == nil || !errors.Is(err, digest.ErrInvalidSubscriber) {
		t.Fatalf("Import with a bad row = %v", err)
	}
	if _, err := s.Subscriber(ctx, "e@example.com"); !errors.Is(err, digest.ErrUnknownSubscriber) {
		t.Errorf("a refused import wrote e@example.com: %v", err)
	}
}

func eachPages(t *testing.T, s Store) {
	ctx := context.Background()
	var subs []*digest.Subscriber
	for i := range 600 {
		subs = append(subs, &digest.Subscriber{Email: fmt.Sprintf("user%04d@example.com", i)})
	}
	// Addresses whose order depends on the collation: bytewise, as Go
	// sorts, upper case before lower and "-" before digits.
	subs = append(subs, &digest.Subscriber{Email: "user-x@example.com"}, &digest.Subscriber{Email: "user_y@example.com"})
	if _, err := s.Import(ctx, subs); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := s.EachSubscriber(ctx, func(sub *digest.Subscriber) error {
		got = append(got, sub.Key())
		// Writing while walking must not deadlock or disturb the walk.
		return s.SetStatus(ctx, sub.Email, digest.StatusBounced)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 602 || !slices.IsSorted(got) || got[0] != "user-x@example.com" {
		t.Fatalf("EachSubscriber gave %d addresses, sorted %v, first %q", len(got), slices.IsSorted(got), got[0])
	}
	if n, _ := s.Count(ctx, digest.StatusBounced); n != 602 {
		t.Errorf("Count(bounced) = %d, want 602", n)
	}
	if n, _ := s.Count(ctx, ""); n != 602 {
		t.Errorf("Count(\"\") = %d, want 602", n)
	}
	stop := errors.New("stop")
	n := 0
	if err := s.EachSubscriber(ctx, func(*digest.Subscriber) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("EachSubscriber = %v after %d calls, want stop after 1", err, n)
	}
}

func sentLog(t *testing.T, s Store) {
	ctx := context.Background()
	if _, ok, err := s.LastSent(ctx, "a@example.com"); ok || err != nil {
		t.Fatalf("LastSent before any send = %v, %v", ok, err)
	}
	recs := []digest.Sent{
		{Edition: "daily-2026-11-23", Email: "a@example.com", Until: at(0, 0), At: at(7, 0)},
		{Edition: "daily-2026-11-24", Email: "A@example.com", Until: at(24, 0), At: at(31, 0)},
		{Edition: "daily-2026-11-24", Email: "a@example.com", Until: at(48, 0), At: at(32, 0)}, // duplicate: ignored
	}
	for _, r := range recs {
		if err := s.MarkSent(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	until, ok, err := s.LastSent(ctx, "a@EXAMPLE.com")
	if err != nil || !ok || !until.Equal(at(24, 0)) {
		t.Errorf("LastSent = %v, %v, %v; want %v", until, ok, err, at(24, 0))
	}
	if err := s.MarkSent(ctx, digest.Sent{Email: "a@example.com"}); err == nil {
		t.Error("MarkSent without edition succeeded")
	}
}

// sentLogBatch checks LastSentAll, when the store has it, against
// LastSent: the same answers, keyed by the addresses as given, in any
// case, with the ones never sent absent.
func sentLogBatch(t *testing.T, s Store) {
	b, ok := s.(digest.SentLogBatch)
	if !ok {
		t.Skip("the store reads the sent log one address at a time")
	}
	ctx := context.Background()
	if got, err := b.LastSentAll(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("LastSentAll(nil) = %v, %v", got, err)
	}
	var emails []string
	for i := range 300 {
		e := fmt.Sprintf("r%03d@example.com", i)
		emails = append(emails, e)
		if i%3 == 0 {
			continue // never sent
		}
		for d := range i % 4 {
			r := digest.Sent{Edition: fmt.Sprintf("daily-2026-11-%02d", 20+d), Email: e, Until: at(24*(d-3)+i%24, i%60), At: at(7, 0)}
			if err := s.MarkSent(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	emails = append(emails, "R001@EXAMPLE.com", "r002@example.com", "nobody@example.com")
	got, err := b.LastSentAll(ctx, emails)
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	for i, e := range emails {
		until, ok, err := s.LastSent(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		if ok && !slices.Contains(emails[:i], e) {
			sent++ // r002 is asked for twice, and is one key of got
		}
		g, gok := got[e]
		if gok != ok || !g.Equal(until) {
			t.Errorf("LastSentAll[%s] = %v, %v; LastSent = %v, %v", e, g, gok, until, ok)
		}
	}
	if len(got) != sent || sent < 100 {
		t.Errorf("LastSentAll found %d addresses, LastSent %d", len(got), sent)
	}
}

func statusAndSuppress(t *testing.T, s Store) {
	ctx := context.Background()
	if err := s.Put(ctx, &digest.Subscriber{Email: "Asha@Example.com", Name: "आशा", Language: "hi"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		email   string
		status  digest.Status
		wantErr error
		want    digest.Status
	}{
		{"known address", "asha@example.com", digest.StatusBounced, nil, digest.StatusBounced},
		{"unknown address is added", "gone@example.com", digest.StatusUnsubscribed, nil, digest.StatusUnsubscribed},
		{"invalid status", "asha@example.com", "paused", digest.ErrInvalidSubscriber, ""},
		{"invalid address", "not an address", digest.StatusUnsubscribed, digest.ErrInvalidSubscriber, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Suppress(ctx, tt.email, tt.status)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Suppress(%q, %q) = %v, want %v", tt.email, tt.status, err, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			got, err := s.Status(ctx, tt.email)
			if err != nil || got != tt.want {
				t.Errorf("Status(%q) = %q, %v; want %q", tt.email, got, err, tt.want)
			}
		})
	}
	if sub, err := s.Subscriber(ctx, "asha@example.com"); err != nil || sub.Name != "आशा" || sub.Language != "hi" {
		t.Errorf("Suppress of a known address changed the rest of it: %+v, %v", sub, err)
	}
	if _, err := s.Status(ctx, "nobody@example.com"); !errors.Is(err, digest.ErrUnknownSubscriber) {
		t.Errorf("Status of an unknown address: %v, want ErrUnknownSubscriber", err)
	}
	// A suppressed address stays suppressed when imported again.
	if res, err := s.Import(ctx, []*digest.Subscriber{{Email: "gone@example.com", Name: "Back"}}); err != nil || res.Kept != 1 {
		t.Errorf("Import of a suppressed address = %+v, %v; want it kept unsubscribed", res, err)
	}
}

// storeConcurrent hammers one store from goroutines: writers and readers
// at once, under -race, with no errors.
func storeConcurrent(t *testing.T, s Store) {
	ctx := context.Background()
	var subs []*digest.Subscriber
	for i := range 40 {
		subs = append(subs, &digest.Subscriber{Email: fmt.Sprintf("u%02d@example.com", i)})
	}
	if _, err := s.Import(ctx, subs); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				email := fmt.Sprintf("u%02d@example.com", (g*20+i)%40)
				var err error
				switch i % 4 {
				case 0:
					err = s.SetStatus(ctx, email, digest.StatusBounced)
				case 1:
					err = s.MarkSent(ctx, digest.Sent{Edition: fmt.Sprintf("e%d", i), Email: email, Until: time.Unix(int64(i), 0), At: time.Now()})
				case 2:
					_, _, err = s.LastSent(ctx, email)
				case 3:
					_, err = s.Subscriber(ctx, email)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func secret(t *testing.T, s Store) {
	ss, ok := s.(secretStore)
	if !ok {
		t.Skipf("%T keeps no secrets", s)
	}
	ctx := context.Background()
	a, err := ss.Secret(ctx, "k", 32)
	if err != nil || len(a) != 32 {
		t.Fatalf("Secret = %x, %v", a, err)
	}
	b, err := ss.Secret(ctx, "k", 32)
	if err != nil || string(a) != string(b) {
		t.Errorf("secret changed: %x vs %x (%v)", a, b, err)
	}
	if _, err := ss.Secret(ctx, "k", 16); err == nil {
		t.Error("Secret with another size succeeded")
	}
	if _, err := ss.Secret(ctx, "", 32); err == nil {
		t.Error("Secret without a name succeeded")
	}
}
