package postgres

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/internal/migrate"
	"github.com/khabar/khabar/internal/pgtest"
)

// TestMigrateConcurrentOpen opens one database from several goroutines at
// once with a component of three steps: each step must run exactly once
// (the third would fail on a second run), and a later open finds nothing
// to do.
func TestMigrateConcurrentOpen(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	old := components
	t.Cleanup(func() { components = old })
	components = []migrate.Component{{Name: "test", Steps: []migrate.Step{
		{Version: 1, SQL: `CREATE TABLE IF NOT EXISTS m (n int)`},
		{Version: 2, SQL: `INSERT INTO m VALUES (2)`},
		{Version: 3, SQL: `ALTER TABLE m ADD COLUMN added int`},
	}}}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(ctx, url)
			if err != nil {
				errs <- err
				return
			}
			db.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	db, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, version int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM m`).Scan(&rows); err != nil || rows != 1 {
		t.Errorf("step 2 ran %d times (%v), want once", rows, err)
	}
	if err := db.Pool().QueryRow(ctx, `SELECT version FROM khabar_migrations WHERE component = 'test'`).Scan(&version); err != nil || version != 3 {
		t.Errorf("version %d (%v), want 3", version, err)
	}
	components = append(components[:0:0], migrate.Component{Name: "test", Steps: []migrate.Step{{Version: 1, SQL: "SELECT 1"}}})
	if _, err := Open(ctx, url); err == nil || !strings.Contains(err.Error(), "upgrade the program") {
		t.Errorf("a database newer than the program: err %v", err)
	}
}

// TestStoreUpgrade opens a database whose digest store is at version 1
// (made by the program of before version 2, with its subscribers) and
// checks that version 2 keeps every row, adds no pause to them, and
// accepts the new statuses and histories.
func TestStoreUpgrade(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	old := components
	components = []migrate.Component{{Name: storeSchema.Name, Steps: storeSchema.Steps[:1]}}
	db, err := Open(ctx, url)
	components = old
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO subscribers (key, email, name, follows, status, updated_at) VALUES
		('asha@example.in', 'Asha@example.in', 'आशा', '{"tags":["yogi-adityanath"]}', 'active', 1),
		('ravi@example.com', 'ravi@example.com', 'Ravi', '{}', 'unsubscribed', 2)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO subscribers (key, email, status, updated_at) VALUES ('p@example.com', 'p@example.com', 'pending', 3)`); err == nil {
		t.Fatal("version 1 accepted the status pending")
	}
	db.Close()
	s := NewStore(openDB(t, url))
	asha, err := s.Subscriber(ctx, "asha@example.in")
	if err != nil || asha.Email != "Asha@example.in" || asha.Name != "आशा" || len(asha.Follows.Tags) != 1 || !asha.PausedUntil.IsZero() || !asha.Active() {
		t.Errorf("asha after the upgrade: %+v, %v", asha, err)
	}
	if st, err := s.Status(ctx, "ravi@example.com"); err != nil || st != digest.StatusUnsubscribed {
		t.Errorf("ravi after the upgrade: %q, %v", st, err)
	}
	if err := s.Suppress(ctx, "p@example.com", digest.StatusPending); err != nil {
		t.Errorf("Suppress pending after the upgrade: %v", err)
	}
	if h, err := s.History(ctx, "p@example.com"); err != nil || len(h) != 1 {
		t.Errorf("history after the upgrade: %+v, %v", h, err)
	}
}

// TestJournalUpgrade opens a database whose journal is at version 1, with
// a record in it, and checks that version 2 keeps the record, leaves half
// of each new page free for HOT updates and drops the unused index on
// recipient.
func TestJournalUpgrade(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	old := components
	components = []migrate.Component{storeSchema, {Name: journalSchema.Name, Steps: journalSchema.Steps[:1]}}
	db, err := Open(ctx, url)
	components = old
	if err != nil {
		t.Fatal(err)
	}
	k := deliver.Key{Edition: "e1", Recipient: "asha@example.in"}
	at := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	if _, err := NewJournal(db).Open(ctx, k, at); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openDB(t, url)
	if r, ok, err := NewJournal(db).Get(ctx, k); err != nil || !ok || r.State != deliver.StatePending || !r.Updated.Equal(at) {
		t.Errorf("record after the upgrade: %+v, %v, %v", r, ok, err)
	}
	var opts []string
	var recipientIndex *string
	if err := db.Pool().QueryRow(ctx, `SELECT reloptions, to_regclass('deliver_journal_recipient')::text FROM pg_class WHERE oid = 'deliver_journal'::regclass`).Scan(&opts, &recipientIndex); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(opts, "fillfactor=50") || recipientIndex != nil {
		t.Errorf("after the upgrade: options %q, index on recipient %v; want fillfactor=50 and no index", opts, recipientIndex)
	}
	var version int
	if err := db.Pool().QueryRow(ctx, `SELECT version FROM khabar_migrations WHERE component = $1`, journalSchema.Name).Scan(&version); err != nil || version != journalSchema.Latest() {
		t.Errorf("journal version %d (%v), want %d", version, err, journalSchema.Latest())
	}
}
