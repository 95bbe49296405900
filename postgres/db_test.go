package postgres

import (
	"context"
	"strings"
	"sync"
	"testing"

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
