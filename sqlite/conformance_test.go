package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/storetest"
)

// TestConformance runs the store suites of package storetest on the
// SQLite store and journal.
func TestConformance(t *testing.T) {
	t.Run("Subscribers", func(t *testing.T) {
		storetest.Subscribers(t, func(t *testing.T) storetest.Store { return openSQLiteStore(t) })
	})
	t.Run("Lifecycle", func(t *testing.T) {
		storetest.Lifecycle(t, func(t *testing.T) storetest.LifecycleStore { return openSQLiteStore(t) })
	})
	t.Run("Journal", func(t *testing.T) {
		storetest.Journal(t, func(t *testing.T) deliver.Journal { return openJournal(t) })
	})
	t.Run("SentJournal", func(t *testing.T) {
		storetest.SentJournal(t, func(t *testing.T) (deliver.SentJournal, storetest.Store) {
			store, err := OpenStore(filepath.Join(t.TempDir(), "state.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			j, err := NewJournal(context.Background(), store.DB())
			if err != nil {
				t.Fatal(err)
			}
			return j, store
		})
	})
}
