package postgres

import (
	"context"
	"testing"

	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/internal/pgtest"
	"github.com/khabar/khabar/storetest"
)

// openDB opens a database of its own for t (a fresh schema), closed when
// t ends.
func openDB(t testing.TB, url string) *DB {
	t.Helper()
	if url == "" {
		url = pgtest.URL(t)
	}
	db, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// TestConformance runs the store suites of package storetest on the
// PostgreSQL store and journal.
func TestConformance(t *testing.T) {
	t.Run("Subscribers", func(t *testing.T) {
		storetest.Subscribers(t, func(t *testing.T) storetest.Store { return NewStore(openDB(t, "")) })
	})
	t.Run("Lifecycle", func(t *testing.T) {
		storetest.Lifecycle(t, func(t *testing.T) storetest.LifecycleStore { return NewStore(openDB(t, "")) })
	})
	t.Run("Journal", func(t *testing.T) {
		storetest.Journal(t, func(t *testing.T) deliver.Journal { return NewJournal(openDB(t, "")) })
	})
	t.Run("SentJournal", func(t *testing.T) {
		storetest.SentJournal(t, func(t *testing.T) (deliver.SentJournal, storetest.Store) {
			db := openDB(t, "")
			return NewJournal(db), NewStore(db)
		})
	})
	// Several pools on one database, as several processes would have.
	t.Run("Claimers", func(t *testing.T) {
		storetest.Claimers(t, func(t *testing.T) []deliver.Claimer {
			url := pgtest.URL(t)
			var js []deliver.Claimer
			for range 4 {
				js = append(js, NewJournal(openDB(t, url)))
			}
			return js
		})
	})
}
