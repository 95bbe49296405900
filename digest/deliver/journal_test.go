package deliver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func journals(t *testing.T) map[string]Journal {
	return map[string]Journal{"mem": &MemJournal{}, "sqlite": sqliteJournal(t, "")}
}

func TestJournalTransitions(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC)
	for name, j := range journals(t) {
		t.Run(name, func(t *testing.T) {
			k := Key{"2026-11-24", "a@example.org"}
			if _, ok, err := j.Get(ctx, k); ok || err != nil {
				t.Fatalf("Get before Open = %v, %v; want absent", ok, err)
			}
			if err := j.Transition(ctx, k, StatePending, StateSending, Update{At: at}); !errors.Is(err, ErrNoRecord) {
				t.Errorf("Transition of an unknown key = %v, want ErrNoRecord", err)
			}
			r, err := j.Open(ctx, k, at)
			if err != nil || r.State != StatePending || r.Attempts != 0 || !r.Updated.Equal(at) {
				t.Fatalf("Open = %+v, %v; want a fresh pending record", r, err)
			}
			steps := []struct {
				from, to State
				u        Update
				conflict bool
			}{
				{StatePending, StatePending, Update{Detail: "451 4.7.1 greylisted", Attempt: true, At: at.Add(time.Second)}, false},
				{StatePending, StateSending, Update{Detail: "DATA started", Attempt: true, MessageID: "<m1@khabar.example>", At: at.Add(2 * time.Second)}, false},
				{StatePending, StateSending, Update{At: at}, true}, // someone else already moved it
				{StateSending, StateSent, Update{Detail: "250 ok", At: at.Add(3 * time.Second)}, false},
				{StateSending, StateUnknown, Update{At: at}, true},
			}
			for i, s := range steps {
				err := j.Transition(ctx, k, s.from, s.to, s.u)
				if s.conflict {
					var ce *ConflictError
					if !errors.As(err, &ce) || !errors.Is(err, ErrConflict) || ce.Got == s.from {
						t.Errorf("step %d %s→%s: err = %v, want a *ConflictError", i, s.from, s.to, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("step %d %s→%s: %v", i, s.from, s.to, err)
				}
			}
			r, ok, err := j.Get(ctx, k)
			want := Record{Key: k, State: StateSent, Attempts: 2, MessageID: "<m1@khabar.example>", Detail: "250 ok", Updated: at.Add(3 * time.Second)}
			if !ok || err != nil || r.Key != want.Key || r.State != want.State || r.Attempts != want.Attempts ||
				r.MessageID != want.MessageID || r.Detail != want.Detail || !r.Updated.Equal(want.Updated) {
				t.Errorf("final record = %+v (%v, %v)\nwant %+v", r, ok, err, want)
			}
			// Open again returns the existing record unchanged.
			if r2, err := j.Open(ctx, k, at.Add(time.Hour)); err != nil || r2.State != StateSent || !r2.Updated.Equal(r.Updated) {
				t.Errorf("re-Open = %+v, %v; want the sent record untouched", r2, err)
			}
			if err := j.Transition(ctx, k, StateSent, State("bogus"), Update{}); err == nil {
				t.Errorf("Transition to an invalid state succeeded")
			}
			for i := range 3 {
				if _, err := j.Open(ctx, Key{"2026-11-24", fmt.Sprintf("p%d@example.org", i)}, at); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := j.Open(ctx, Key{"2026-11-25", "a@example.org"}, at); err != nil {
				t.Fatal(err)
			}
			c, err := j.Count(ctx, "2026-11-24")
			if err != nil || c[StateSent] != 1 || c[StatePending] != 3 || len(c) != 2 {
				t.Errorf("Count = %v, %v; want 1 sent, 3 pending", c, err)
			}
		})
	}
}

// TestJournalCompareAndSwapUnderContention hammers one journal from many
// goroutines: for every key exactly one goroutine may win pending→sending.
func TestJournalCompareAndSwapUnderContention(t *testing.T) {
	ctx := context.Background()
	for name, j := range journals(t) {
		t.Run(name, func(t *testing.T) {
			const keys, racers = 25, 8
			var wins [keys]atomic.Int32
			var wg sync.WaitGroup
			errs := make(chan error, keys*racers)
			for g := range racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range keys {
						k := Key{"e", fmt.Sprintf("r%02d@example.org", (i+g)%keys)}
						if _, err := j.Open(ctx, k, time.Now()); err != nil {
							errs <- err
							return
						}
						err := j.Transition(ctx, k, StatePending, StateSending, Update{Attempt: true, At: time.Now()})
						switch {
						case err == nil:
							wins[(i+g)%keys].Add(1)
						case !errors.Is(err, ErrConflict):
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			for i := range wins {
				if n := wins[i].Load(); n != 1 {
					t.Errorf("key %d: %d winners, want exactly 1", i, n)
				}
			}
			c, err := j.Count(ctx, "e")
			if err != nil || c[StateSending] != keys {
				t.Errorf("Count = %v, %v; want %d sending", c, err, keys)
			}
		})
	}
}

func TestStateTerminal(t *testing.T) {
	for _, tc := range []struct {
		s               State
		terminal, valid bool
	}{
		{StatePending, false, true}, {StateSending, false, true}, {StateSent, true, true},
		{StateFailed, true, true}, {StateUnknown, true, true}, {StateSkipped, true, true}, {"", false, false}, {"SENT", false, false},
	} {
		if got := tc.s.Terminal(); got != tc.terminal {
			t.Errorf("%q.Terminal() = %t, want %t", tc.s, got, tc.terminal)
		}
		if got := tc.s.Valid(); got != tc.valid {
			t.Errorf("%q.Valid() = %t, want %t", tc.s, got, tc.valid)
		}
	}
}
