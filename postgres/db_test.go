package postgres

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/khabar/khabar/digest"
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
