package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/internal/subrow"
	"github.com/khabar/khabar/storetest"
)

// TestRekeyed: records a version whose EmailKey only lower-cased stored
// under punycode domains move to their keys on open (storetest.Rekeyed).
func TestRekeyed(t *testing.T) {
	s, path, exec := legacyStore(t)
	var err error
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC).UnixNano()
	storetest.Rekeyed(t, storetest.Legacy{
		Put: func(key, email string, st digest.Status, edition string) {
			exec(`INSERT INTO subscribers (key, email, status, updated_at) VALUES (?, ?, ?, ?)`, key, email, string(st), at)
			exec(`INSERT INTO subscriber_events (key, kind, at, source) VALUES (?, 'imported', ?, 'import')`, key, at)
			exec(`INSERT INTO sent_editions (key, edition, until, sent_at) VALUES (?, ?, ?, ?)`, key, edition, at, at)
		},
		Mark: func() {
			exec(`INSERT INTO digest_meta (name, value) VALUES (?, 'pending')`, subrow.RekeyMarker)
		},
		Journal: func() deliver.Journal {
			j, err := NewJournal(context.Background(), s.db)
			if err != nil {
				t.Fatal(err)
			}
			return j
		},
		Reopen: func() storetest.LifecycleStore {
			s.Close()
			if s, err = OpenStore(path); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	})
}
