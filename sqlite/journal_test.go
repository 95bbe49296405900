package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
)

func openJournal(t testing.TB) *Journal {
	t.Helper()
	j, err := OpenJournal(context.Background(), filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = j.Close() })
	return j
}

// TestJournalSharesDB puts the journal in a database that already has
// other tables (as the digest's store does) and reopens it.
func TestJournalSharesDB(t *testing.T) {
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
	j, err := NewJournal(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	k := deliver.Key{Edition: "2026-11-24", Recipient: "a@example.org"}
	if _, err := j.Open(ctx, k, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := j.Transition(ctx, k, deliver.StatePending, deliver.StateSkipped, deliver.Update{Detail: "nothing new", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil { // does not close the shared db
		t.Fatal(err)
	}
	if err := db.Ping(); err != nil {
		t.Fatalf("shared db closed by the journal: %v", err)
	}
	j2, err := OpenJournal(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	r, ok, err := j2.Get(ctx, k)
	if err != nil || !ok || r.State != deliver.StateSkipped || r.Detail != "nothing new" {
		t.Errorf("after reopen: %+v, %v, %v", r, ok, err)
	}
	if _, err := NewJournal(ctx, nil); err == nil {
		t.Errorf("NewJournal(nil) succeeded")
	}
	if _, err := OpenJournal(ctx, filepath.Join(t.TempDir(), "missing-dir", "x.db")); err == nil {
		t.Errorf("OpenJournal in a missing directory succeeded")
	}
}

// TestJournalManyMoves opens and moves more records in one call than one
// statement takes, and applies moves with sent log entries from concurrent callers, whose
// batches are committed together.
func TestJournalManyMoves(t *testing.T) {
	ctx := context.Background()
	store, err := OpenStore(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	j, err := NewJournal(ctx, store.DB())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	at := time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)
	const n = 2*rowsPerStatement + 6
	moves := make([]deliver.Move, n)
	keys := make([]deliver.Key, n, n+1)
	for i := range moves {
		keys[i] = deliver.Key{Edition: "daily-2026-11-25", Recipient: fmt.Sprintf("r%03d@example.org", i)}
		moves[i] = deliver.Move{Key: keys[i], From: deliver.StatePending, To: deliver.StateSending, Update: deliver.Update{At: at, Attempt: true}}
	}
	// OpenAll finds the records there are and creates the others, a key
	// given twice once.
	if _, err := j.Open(ctx, keys[40], at.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	recs, err := j.OpenAll(ctx, append(keys, keys[3]), at)
	if err != nil || len(recs) != n+1 {
		t.Fatalf("OpenAll: %d records, %v", len(recs), err)
	}
	for i, r := range recs {
		want := at
		if i == 40 {
			want = at.Add(-time.Hour)
		}
		if r.Key != append(keys, keys[3])[i] || r.State != deliver.StatePending || !r.Updated.Equal(want) {
			t.Errorf("OpenAll record %d: %+v", i, r)
		}
	}
	if c, err := j.Count(ctx, keys[0].Edition); err != nil || c[deliver.StatePending] != n {
		t.Errorf("Count = %v, %v; want %d pending", c, err, n)
	}
	for i, err := range j.TransitionAll(ctx, moves) {
		if err != nil {
			t.Fatalf("move %d: %v", i, err)
		}
	}
	var wg sync.WaitGroup
	errs := make([][]error, 7)
	for g := range errs {
		wg.Go(func() {
			var mine []deliver.Move
			for i := g; i < n; i += len(errs) {
				k := moves[i].Key
				sent := &digest.Sent{Edition: k.Edition, Email: k.Recipient, Until: at.Add(time.Duration(i) * time.Second), At: at}
				mine = append(mine, deliver.Move{Key: k, From: deliver.StateSending, To: deliver.StateSent,
					Update: deliver.Update{At: at, MessageID: fmt.Sprintf("<%d@x>", i), Detail: "250 ok", Sent: sent}})
			}
			errs[g] = j.TransitionAll(ctx, mine)
		})
	}
	wg.Wait()
	for g, es := range errs {
		for _, err := range es {
			if err != nil {
				t.Errorf("caller %d: %v", g, err)
			}
		}
	}
	for i, mv := range moves {
		r, ok, err := j.Get(ctx, mv.Key)
		if err != nil || !ok || r.State != deliver.StateSent || r.Attempts != 1 || r.MessageID != fmt.Sprintf("<%d@x>", i) || r.Detail != "250 ok" {
			t.Errorf("%s: %+v, %v, %v", mv.Key, r, ok, err)
		}
		until, ok, err := store.LastSent(ctx, mv.Key.Recipient)
		if err != nil || !ok || !until.Equal(at.Add(time.Duration(i)*time.Second)) {
			t.Errorf("%s: LastSent = %v, %v, %v", mv.Key, until, ok, err)
		}
	}
}

// TestJournalBatchCAS checks the compare-and-swap of each move in one
// batch: a move from the wrong state conflicts alone (its sent log entry
// unwritten), and a second move of one record sees the first.
func TestJournalBatchCAS(t *testing.T) {
	ctx := context.Background()
	store, err := OpenStore(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	j, err := NewJournal(ctx, store.DB())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	at := time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)
	key := func(r string) deliver.Key { return deliver.Key{Edition: "daily-2026-11-25", Recipient: r} }
	a, b, c := key("a@example.org"), key("b@example.org"), key("c@example.org")
	if _, err := j.OpenAll(ctx, []deliver.Key{a, b, c}, at); err != nil {
		t.Fatal(err)
	}
	sent := func(k deliver.Key) *digest.Sent {
		return &digest.Sent{Edition: k.Edition, Email: k.Recipient, Until: at, At: at}
	}
	moves := []deliver.Move{
		{Key: a, From: deliver.StatePending, To: deliver.StateSending, Update: deliver.Update{At: at, Attempt: true}},
		{Key: b, From: deliver.StateSending, To: deliver.StateSent, Update: deliver.Update{At: at, Sent: sent(b)}},
		{Key: a, From: deliver.StateSending, To: deliver.StateSent, Update: deliver.Update{At: at, Detail: "250 ok", Sent: sent(a)}},
		{Key: c, From: deliver.StatePending, To: deliver.StateFailed, Update: deliver.Update{At: at, Attempt: true, Detail: "550 no"}},
		{Key: c, From: deliver.StatePending, To: deliver.StateSending, Update: deliver.Update{At: at}},
	}
	errs := j.TransitionAll(ctx, moves)
	var ce *deliver.ConflictError
	for i, err := range errs {
		if conflict := i == 1 || i == 4; conflict != errors.As(err, &ce) {
			t.Errorf("move %d: %v", i, err)
		}
	}
	for k, want := range map[deliver.Key]deliver.State{a: deliver.StateSent, b: deliver.StatePending, c: deliver.StateFailed} {
		r, ok, err := j.Get(ctx, k)
		if err != nil || !ok || r.State != want {
			t.Errorf("%s: %+v, %v, %v; want %s", k, r, ok, err, want)
		}
		_, logged, err := store.LastSent(ctx, k.Recipient)
		if err != nil || logged != (k == a) {
			t.Errorf("%s: logged %v, %v", k, logged, err)
		}
	}
}
