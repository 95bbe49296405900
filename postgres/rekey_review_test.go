package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/khabar/khabar/internal/pgtest"
	"github.com/khabar/khabar/internal/subrow"
)

// TestRekeyMergePostgres (found by an adversarial review of the rekey): the postgres moveKey
// has the sqlite one's two defects (see sqlite/rekey_review_test.go).
//
//   - RefConflict: both records of one mailbox hold an event of the same
//     kind and ref (one report applied to both); "UPDATE subscriber_events
//     SET key" violates subscriber_events_ref, the rekey fails, and
//     OpenConfig fails at every open: the store is down. Fix: delete the
//     old key's events whose (kind, ref) the new key has before moving.
//   - Pause: the merge keeps only the stronger status; the moved record's
//     paused_until is deleted, so the mailbox is mailed during a pause it
//     asked for. Fix: paused_until = GREATEST of both.
func TestRekeyMergePostgres(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC).UnixNano()
	pause := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	setup := func(t *testing.T, refs bool) {
		db := openDB(t, url)
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.pool.Exec(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		exec(`INSERT INTO subscribers (key, email, status, paused_until, updated_at) VALUES ($1, $1, 'active', $2, $3)`, "asha@xn--bcher-kva.example", pause.UnixNano(), at)
		exec(`INSERT INTO subscribers (key, email, status, paused_until, updated_at) VALUES ($1, $1, 'active', 0, $2)`, "asha@bücher.example", at)
		if refs {
			for _, k := range []string{"asha@xn--bcher-kva.example", "asha@bücher.example"} {
				exec(`INSERT INTO subscriber_events (key, kind, at, source, ref) VALUES ($1, 'complained', $2, 'arf', 'report-1@mx.example')`, k, at)
			}
		}
		exec(`INSERT INTO digest_meta (name, value) VALUES ($1, 'pending')`, subrow.RekeyMarker)
	}
	t.Run("RefConflict", func(t *testing.T) {
		setup(t, true)
		db, err := Open(ctx, url)
		if err != nil {
			t.Fatalf("Open after the upgrade: %v", err)
		}
		db.Close()
	})
	t.Run("Pause", func(t *testing.T) {
		url = pgtest.URL(t)
		setup(t, false)
		s := NewStore(openDB(t, url))
		sub, err := s.Subscriber(ctx, "asha@bücher.example")
		if err != nil {
			t.Fatal(err)
		}
		if sub.Receives(time.Date(2027, 1, 1, 7, 0, 0, 0, time.UTC)) {
			t.Errorf("the merged record gets mail during the pause: paused until %v, want %v", sub.PausedUntil, pause)
		}
	})
}
