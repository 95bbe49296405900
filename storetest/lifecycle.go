package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
)

// LifecycleStore is what Lifecycle needs: a Store that keeps consent
// histories and forgets unconfirmed signups (digest.MemStore,
// sqlite.Store, postgres.Store).
type LifecycleStore interface {
	Store
	digest.Lifecycle
	digest.PendingPurger
}

// Lifecycle runs the consent-history suite; open returns a new, empty
// store for each subtest. It checks Change and History (order, every
// field, idempotence, what is not stored, concurrency), the pause, the
// pending and complained statuses, the events SetStatus, Suppress and
// Import append, and PurgePending.
func Lifecycle(t *testing.T, open func(t *testing.T) LifecycleStore) {
	for _, tc := range []struct {
		name string
		test func(*testing.T, LifecycleStore)
	}{
		{"HistoryRoundTrip", historyRoundTrip},
		{"Idempotent", changeIdempotent},
		{"NothingStored", changeNothingStored},
		{"Concurrent", changeConcurrent},
		{"PausedUntil", pausedUntil},
		{"NewStatuses", newStatuses},
		{"StatusEvents", statusEvents},
		{"ImportEvents", importEvents},
		{"PurgePending", purgePending},
		{"PurgeRaces", purgeRaces},
		{"PurgeBoundary", purgeBoundary},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, open(t)) })
	}
}

// set returns a ChangeFunc that stores sub, whatever is stored.
func set(sub *digest.Subscriber) digest.ChangeFunc {
	return func(*digest.Subscriber, []digest.Event) (*digest.Subscriber, error) { return sub, nil }
}

// keep is a ChangeFunc that keeps the stored record.
func keep(*digest.Subscriber, []digest.Event) (*digest.Subscriber, error) { return nil, nil }

func mustChange(t *testing.T, s LifecycleStore, email string, ev digest.Event, fn digest.ChangeFunc) {
	t.Helper()
	if ok, err := s.Change(context.Background(), email, ev, fn); !ok || err != nil {
		t.Fatalf("Change(%s, %s %q) = %v, %v", email, ev.Kind, ev.Ref, ok, err)
	}
}

func history(t *testing.T, s LifecycleStore, email string) []digest.Event {
	t.Helper()
	h, err := s.History(context.Background(), email)
	if err != nil {
		t.Fatalf("History(%s): %v", email, err)
	}
	return h
}

// sameEvents reports the first difference between two histories.
func sameEvents(got, want []digest.Event) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d events, want %d: %+v", len(got), len(want), got)
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.At.Equal(w.At) {
			return fmt.Errorf("event %d: At %v, want %v", i, g.At, w.At)
		}
		g.At, w.At = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			return fmt.Errorf("event %d:\n got %+v (choices %+v)\nwant %+v (choices %+v)", i, g, g.Choices, w, w.Choices)
		}
	}
	return nil
}

func historyRoundTrip(t *testing.T, s LifecycleStore) {
	ctx := context.Background()
	if h := history(t, s, "nobody@example.com"); h == nil || len(h) != 0 {
		t.Errorf("History of an unknown address = %#v, want an empty slice", h)
	}
	choices := &digest.Choices{Name: "आशा वर्मा", Language: "hi", TimeZone: "Asia/Kolkata",
		Follows: digest.Follows{Categories: []string{"उत्तर-प्रदेश/कानपुर"}, Tags: []string{"yogi-adityanath"}, Authors: []string{"reena"}}}
	events := []digest.Event{
		{Kind: digest.EventRequested, At: at(9, 0), Source: "/subscribe", IP: "203.0.113.7", Wording: "consent-hi-2026-11",
			Ref: "req-1", Detail: "फ़ॉर्म से", Choices: choices},
		{Kind: digest.EventConfirmed, At: at(9, 5), Source: "/confirm", IP: "2001:db8::1", Wording: "consent-hi-2026-11", Ref: "req-1"},
		{Kind: digest.EventPreferences, At: at(10, 0), Source: "preferences", Choices: &digest.Choices{Language: "ur", Name: "آشا"}},
		{Kind: digest.EventPaused, At: at(10, 1).Add(123456789), Source: "preferences", Detail: at(24*7, 0).Format(time.RFC3339)},
		{Kind: digest.EventSoftBounce, At: at(11, 0), Source: "dsn", Ref: "<m1@khabar.example>", Edition: "daily-2026-11-24",
			Detail: "4.2.2 mailbox full"},
	}
	pending := &digest.Subscriber{Email: "Asha@Example.com", Status: digest.StatusPending}
	mustChange(t, s, "Asha@Example.com", events[0], func(cur *digest.Subscriber, h []digest.Event) (*digest.Subscriber, error) {
		if cur != nil || len(h) != 0 {
			return nil, fmt.Errorf("first change saw %+v, %d events", cur, len(h))
		}
		return choices.Apply(pending)
	})
	mustChange(t, s, "asha@example.com", events[1], func(cur *digest.Subscriber, h []digest.Event) (*digest.Subscriber, error) {
		if cur == nil || cur.Status != digest.StatusPending || cur.Name != "आशा वर्मा" || len(h) != 1 || h[0].Choices == nil {
			return nil, fmt.Errorf("confirm saw %+v and %+v", cur, h)
		}
		c, err := h[0].Choices.Apply(cur)
		if err != nil {
			return nil, err
		}
		c.Status = digest.StatusActive
		return c, nil
	})
	for _, ev := range events[2:] {
		mustChange(t, s, "ASHA@example.com", ev, keep)
	}
	if err := sameEvents(history(t, s, "asha@EXAMPLE.com"), events); err != nil {
		t.Error(err)
	}
	sub, err := s.Subscriber(ctx, "asha@example.com")
	if err != nil || sub.Status != digest.StatusActive || sub.Name != "आशा वर्मा" || sub.TimeZone.String() != "Asia/Kolkata" || len(sub.Follows.Tags) != 1 {
		t.Errorf("after confirming: %+v, %v", sub, err)
	}
	if h := history(t, s, "other@example.com"); len(h) != 0 {
		t.Errorf("another address has %d events", len(h))
	}
}

func changeIdempotent(t *testing.T, s LifecycleStore) {
	ctx := context.Background()
	email := "a@example.com"
	calls := 0
	counted := func(cur *digest.Subscriber, h []digest.Event) (*digest.Subscriber, error) {
		calls++
		if cur == nil {
			return &digest.Subscriber{Email: email}, nil
		}
		return nil, nil
	}
	ev := digest.Event{Kind: digest.EventBounced, At: at(8, 0), Source: "dsn", Ref: "<m1@example>"}
	mustChange(t, s, email, ev, counted)
	again := ev
	again.At, again.Detail = at(9, 0), "the same message, processed again"
	if ok, err := s.Change(ctx, "A@example.com", again, counted); ok || err != nil || calls != 1 {
		t.Errorf("the same (Kind, Ref) again: %v, %v after %d calls of fn; want false, nil, 1 call", ok, err, calls)
	}
	other := ev
	other.Kind = digest.EventComplained
	mustChange(t, s, email, other, counted) // same Ref, another Kind
	other = ev
	other.Ref = "<m2@example>"
	mustChange(t, s, email, other, counted) // same Kind, another Ref
	noRef := digest.Event{Kind: digest.EventPaused, At: at(10, 0), Source: "preferences"}
	mustChange(t, s, email, noRef, counted)
	mustChange(t, s, email, noRef, counted) // no Ref: no check
	if h := history(t, s, email); len(h) != 5 || h[0].Detail != "" {
		t.Errorf("history has %d events (first %+v), want 5, the first as first stored", len(h), h[0])
	}
}

func changeNothingStored(t *testing.T, s LifecycleStore) {
	ctx := context.Background()
	email := "b@example.com"
	if err := s.Put(ctx, &digest.Subscriber{Email: email, Name: "B"}); err != nil {
		t.Fatal(err)
	}
	ev := digest.Event{Kind: digest.EventPreferences, At: at(8, 0), Source: "preferences", Ref: "r1"}
	boom := errors.New("boom")
	for _, tt := range []struct {
		name    string
		email   string
		ev      digest.Event
		fn      digest.ChangeFunc
		wantErr error
	}{
		{"ErrNoChange", email, ev, func(*digest.Subscriber, []digest.Event) (*digest.Subscriber, error) {
			return &digest.Subscriber{Email: email, Name: "changed"}, digest.ErrNoChange
		}, nil},
		{"fn's error", email, ev, func(*digest.Subscriber, []digest.Event) (*digest.Subscriber, error) {
			return &digest.Subscriber{Email: email, Name: "changed"}, fmt.Errorf("wrapped: %w", boom)
		}, boom},
		{"another address", email, ev, set(&digest.Subscriber{Email: "c@example.com", Name: "changed"}), digest.ErrInvalidSubscriber},
		{"invalid record", email, ev, set(&digest.Subscriber{Email: email, Name: "changed", Language: "not a tag"}), digest.ErrInvalidSubscriber},
		{"invalid event", email, digest.Event{Kind: "liked", At: at(8, 0), Source: "x"}, set(&digest.Subscriber{Email: email, Name: "changed"}), digest.ErrInvalidSubscriber},
		{"event without source", email, digest.Event{Kind: digest.EventPaused, At: at(8, 0)}, set(&digest.Subscriber{Email: email, Name: "changed"}), digest.ErrInvalidSubscriber},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := s.Change(ctx, tt.email, tt.ev, tt.fn)
			if ok || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("Change = %v, %v; want false, %v", ok, err, tt.wantErr)
			}
			if h := history(t, s, email); len(h) != 0 {
				t.Errorf("history has %d events, want none", len(h))
			}
			if sub, err := s.Subscriber(ctx, email); err != nil || sub.Name != "B" {
				t.Errorf("record became %+v, %v", sub, err)
			}
			if _, err := s.Subscriber(ctx, "c@example.com"); !errors.Is(err, digest.ErrUnknownSubscriber) {
				t.Errorf("c@example.com was stored: %v", err)
			}
		})
	}
	// A refused change does not count for idempotence: the same event
	// with a function that stores goes through.
	mustChange(t, s, email, ev, keep)
	if h := history(t, s, email); len(h) != 1 {
		t.Errorf("history has %d events, want 1", len(h))
	}
}

// changeConcurrent: 16 goroutines × 20 soft bounces of one address, which
// no store holds at first; the rule "3 soft bounces make a bounce" must
// fire exactly once and the history hold every event.
func changeConcurrent(t *testing.T, s LifecycleStore) {
	ctx := context.Background()
	const goroutines, calls, email = 16, 20, "flaky@example.com"
	var fired atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				fires := false // set by the last call of fn: the one stored
				ev := digest.Event{Kind: digest.EventSoftBounce, At: at(8, 0).Add(time.Duration(g*calls+i) * time.Millisecond),
					Source: "dsn", Ref: fmt.Sprintf("<%d.%d@example>", g, i)}
				ok, err := s.Change(ctx, email, ev, func(cur *digest.Subscriber, h []digest.Event) (*digest.Subscriber, error) {
					fires = false
					n := 1
					for _, e := range h {
						if e.Kind == digest.EventSoftBounce {
							n++
						}
					}
					switch {
					case cur == nil:
						return &digest.Subscriber{Email: email}, nil
					case n >= 3 && cur.Active():
						fires = true
						c := cur.Clone()
						c.Status, c.Name = digest.StatusBounced, fmt.Sprint(n)
						return c, nil
					}
					return nil, nil
				})
				if err != nil || !ok {
					errs <- fmt.Errorf("change = %v, %v", ok, err)
					return
				}
				if fires {
					fired.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	h := history(t, s, email)
	refs := map[string]bool{}
	for _, e := range h {
		refs[e.Ref] = true
	}
	if len(h) != goroutines*calls || len(refs) != goroutines*calls {
		t.Errorf("history has %d events, %d refs; want %d", len(h), len(refs), goroutines*calls)
	}
	if n := fired.Load(); n != 1 {
		t.Errorf("the bounce rule fired %d times, want once", n)
	}
	if sub, err := s.Subscriber(ctx, email); err != nil || sub.Status != digest.StatusBounced || sub.Name != "3" {
		t.Errorf("subscriber = %+v, %v; want bounced at the third soft bounce", sub, err)
	}
}
