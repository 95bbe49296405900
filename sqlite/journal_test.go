package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

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
