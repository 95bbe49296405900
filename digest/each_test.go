package digest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
)

// TestEachInOrder checks that Each, building on several goroutines, hands
// the messages to fn one at a time in the store's order, and stops midway
// when fn says so.
func TestEachInOrder(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	ctx := context.Background()
	store := openTestStore(t)
	var subs []*Subscriber
	for i := range 300 {
		s := &Subscriber{Email: fmt.Sprintf("r%03d@example.com", i)}
		if i%7 == 0 {
			s.Status = StatusUnsubscribed
		}
		subs = append(subs, s)
	}
	if _, err := store.Import(ctx, subs); err != nil {
		t.Fatal(err)
	}
	b := newTestBuilder(t, func(c *Config) { c.Subscribers = store; c.Sent = store })
	var got []string
	inFn := false
	err := b.Each(ctx, testEdition, func(m *Message, err error) error {
		if inFn {
			t.Fatal("fn called while another call runs")
		}
		inFn = true
		defer func() { inFn = false }()
		var se *SkipError
		switch {
		case errors.As(err, &se):
			got = append(got, se.Email)
		case err != nil:
			return err
		default:
			got = append(got, m.Subscriber.Email)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(subs) {
		t.Fatalf("fn called %d times, want %d", len(got), len(subs))
	}
	for i, s := range subs {
		if got[i] != s.Email {
			t.Fatalf("call %d for %s, want %s (the store's order)", i, got[i], s.Email)
		}
	}
	stop := errors.New("stop")
	n := 0
	err = b.Each(ctx, testEdition, func(*Message, error) error {
		if n++; n == 100 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 100 {
		t.Errorf("Each = %v after %d calls, want stop after 100", err, n)
	}
}
