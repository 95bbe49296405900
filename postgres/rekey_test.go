package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/internal/pgtest"
	"github.com/khabar/khabar/internal/subrow"
	"github.com/khabar/khabar/storetest"
)

// TestRekeyed: records a version whose EmailKey only lower-cased stored
// under punycode domains move to their keys on open (storetest.Rekeyed).
func TestRekeyed(t *testing.T) {
	url := pgtest.URL(t)
	db := openDB(t, url)
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.pool.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC).UnixNano()
	storetest.Rekeyed(t, storetest.Legacy{
		Put: func(key, email string, st digest.Status, edition string) {
			exec(`INSERT INTO subscribers (key, email, status, updated_at) VALUES ($1, $2, $3, $4)`, key, email, string(st), at)
			exec(`INSERT INTO subscriber_events (key, kind, at, source) VALUES ($1, 'imported', $2, 'import')`, key, at)
			exec(`INSERT INTO sent_editions (key, edition, until, sent_at) VALUES ($1, $2, $3, $3)`, key, edition, at)
		},
		Mark: func() {
			exec(`INSERT INTO digest_meta (name, value) VALUES ($1, 'pending')`, subrow.RekeyMarker)
		},
		Reopen:  func() storetest.LifecycleStore { return NewStore(openDB(t, url)) },
		Journal: func() deliver.Journal { return NewJournal(db) },
	})
}
