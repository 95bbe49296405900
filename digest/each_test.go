package digest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
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

// countingLog is a SentLogBatch that counts its reads, and fails
// LastSentAll when failBatch is set.
type countingLog struct {
	*MemStore
	one, all  atomic.Int64
	failBatch bool
}

func (c *countingLog) LastSent(ctx context.Context, email string) (time.Time, bool, error) {
	c.one.Add(1)
	return c.MemStore.LastSent(ctx, email)
}

func (c *countingLog) LastSentAll(ctx context.Context, emails []string) (map[string]time.Time, error) {
	c.all.Add(1)
	if c.failBatch {
		return nil, errors.New("batch read failed")
	}
	return c.MemStore.LastSentAll(ctx, emails)
}

// TestEachReadsSentLogByPage checks that Each reads a SentLogBatch once a
// page, with the outcomes Build gives reading LastSent one at a time,
// and asks LastSent itself when the batch read fails.
func TestEachReadsSentLogByPage(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	ctx := context.Background()
	store := &MemStore{}
	var subs []*Subscriber
	for i := range 300 {
		subs = append(subs, &Subscriber{Email: fmt.Sprintf("r%03d@example.com", i)})
	}
	if _, err := store.Import(ctx, subs); err != nil {
		t.Fatal(err)
	}
	_, until := newTestBuilder(t, nil).Window(testEdition, nil)
	for i, s := range subs {
		switch i % 3 {
		case 1: // this edition already went out
			err := store.MarkSent(ctx, Sent{Edition: testEdition.ID(), Email: s.Email, Until: until, At: until})
			if err != nil {
				t.Fatal(err)
			}
		case 2: // the last one ended six hours into the window
			err := store.MarkSent(ctx, Sent{Edition: "daily-2026-11-23", Email: s.Email, Until: until.Add(-18 * time.Hour), At: until})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	describe := func(m *Message, err error) string {
		if err != nil {
			return err.Error()
		}
		return fmt.Sprint(m.Since, len(m.Followed)+len(m.Top))
	}
	one := newTestBuilder(t, func(c *Config) { c.Sent = store })
	var want []string
	for _, s := range subs {
		want = append(want, describe(one.Build(ctx, testEdition, s)))
	}
	for _, procs := range []int{1, 4} {
		for _, fail := range []bool{false, true} {
			runtime.GOMAXPROCS(procs)
			log := &countingLog{MemStore: store, failBatch: fail}
			b := newTestBuilder(t, func(c *Config) { c.Subscribers = store; c.Sent = log })
			var got []string
			err := b.Each(ctx, testEdition, func(m *Message, err error) error {
				got = append(got, describe(m, err))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("GOMAXPROCS %d, failing batch %v: Each and Build differ", procs, fail)
			}
			wantOne := int64(0)
			if fail {
				wantOne = int64(len(subs))
			}
			if pages := int64((len(subs) + eachPage - 1) / eachPage); log.all.Load() != pages || log.one.Load() != wantOne {
				t.Errorf("GOMAXPROCS %d, failing batch %v: %d LastSentAll and %d LastSent, want %d and %d",
					procs, fail, log.all.Load(), log.one.Load(), pages, wantOne)
			}
		}
	}
}
