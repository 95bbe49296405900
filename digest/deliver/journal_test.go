package deliver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
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

// TestSQLiteJournalSharesDB puts the journal in a database that already has
// other tables (as the digest's store does) and reopens it.
func TestSQLiteJournalSharesDB(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE subscribers (email TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	j, err := NewSQLiteJournal(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	k := Key{"2026-11-24", "a@example.org"}
	if _, err := j.Open(ctx, k, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := j.Transition(ctx, k, StatePending, StateSkipped, Update{Detail: "nothing new", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil { // does not close the shared db
		t.Fatal(err)
	}
	if err := db.Ping(); err != nil {
		t.Fatalf("shared db closed by the journal: %v", err)
	}
	j2, err := OpenSQLiteJournal(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	r, ok, err := j2.Get(ctx, k)
	if err != nil || !ok || r.State != StateSkipped || r.Detail != "nothing new" {
		t.Errorf("after reopen: %+v, %v, %v", r, ok, err)
	}
	if _, err := NewSQLiteJournal(ctx, nil); err == nil {
		t.Errorf("NewSQLiteJournal(nil) succeeded")
	}
	if _, err := OpenSQLiteJournal(ctx, filepath.Join(t.TempDir(), "missing-dir", "x.db")); err == nil {
		t.Errorf("OpenSQLiteJournal in a missing directory succeeded")
	}
}

// TestSQLiteJournalSentLog commits a sent log entry together with the
// journal's "sent", or neither.
func TestSQLiteJournalSentLog(t *testing.T) {
	ctx := context.Background()
	store, err := digest.OpenStore(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	j, err := NewSQLiteJournal(ctx, store.DB())
	if err != nil {
		t.Fatal(err)
	}
	if !j.KeepsLog(store) {
		t.Fatal("a journal on the store's database does not keep its sent log")
	}
	at := time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)
	k := Key{"daily-2026-11-25", "a@example.com"}
	if _, err := j.Open(ctx, k, at); err != nil {
		t.Fatal(err)
	}
	if err := j.Transition(ctx, k, StatePending, StateSending, Update{At: at}); err != nil {
		t.Fatal(err)
	}
	bad := digest.Sent{Edition: k.Edition, Email: k.Recipient, At: at} // no Until
	var le *LogError
	if err := j.Transition(ctx, k, StateSending, StateSent, Update{At: at, Sent: &bad}); !errors.As(err, &le) {
		t.Fatalf("Transition with a bad entry = %v, want a *LogError", err)
	}
	if r, _, _ := j.Get(ctx, k); r.State != StateSending {
		t.Errorf("after a failed entry the record is %s, want sending: nothing committed", r.State)
	}
	if _, sent, _ := store.LastSent(ctx, k.Recipient); sent {
		t.Error("a failed entry is in the sent log")
	}
	good := digest.Sent{Edition: k.Edition, Email: k.Recipient, Until: at.Add(-time.Hour), At: at}
	if err := j.Transition(ctx, k, StateSending, StateSent, Update{At: at, Sent: &good}); err != nil {
		t.Fatal(err)
	}
	if r, _, _ := j.Get(ctx, k); r.State != StateSent {
		t.Errorf("record %s, want sent", r.State)
	}
	if until, ok, err := store.LastSent(ctx, k.Recipient); err != nil || !ok || !until.Equal(good.Until) {
		t.Errorf("LastSent = %v, %v, %v; want %v", until, ok, err, good.Until)
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

func TestSQLiteJournalPrune(t *testing.T) {
	ctx := context.Background()
	j := sqliteJournal(t, "")
	old := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	recent := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	for i, tc := range []struct {
		at    time.Time
		state State
	}{{old, StateSent}, {old, StateFailed}, {old, StatePending}, {old, StateSending}, {recent, StateSent}, {old, StateSkipped}} {
		k := Key{"e", fmt.Sprintf("r%d@example.org", i)}
		if _, err := j.Open(ctx, k, tc.at); err != nil {
			t.Fatal(err)
		}
		if tc.state != StatePending {
			from := StatePending
			if tc.state != StateSending && tc.state != StateSkipped && tc.state != StateFailed {
				if err := j.Transition(ctx, k, StatePending, StateSending, Update{At: tc.at}); err != nil {
					t.Fatal(err)
				}
				from = StateSending
			}
			if err := j.Transition(ctx, k, from, tc.state, Update{At: tc.at}); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, err := j.Prune(ctx, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || n != 3 {
		t.Fatalf("Prune = %d, %v; want the 3 old terminal records", n, err)
	}
	c, err := j.Count(ctx, "e")
	if err != nil || c[StatePending] != 1 || c[StateSending] != 1 || c[StateSent] != 1 || len(c) != 3 {
		t.Errorf("after prune: %v, %v; want pending, sending and the recent sent kept", c, err)
	}
}
