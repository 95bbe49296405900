package deliver_test

import (
	"testing"

	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/storetest"
)

// TestMemJournalConformance runs the journal suite (transitions, the
// compare-and-swap under contention, claims) on MemJournal; package sqlite
// and package postgres run it on theirs.
func TestMemJournalConformance(t *testing.T) {
	storetest.Journal(t, func(*testing.T) deliver.Journal { return &deliver.MemJournal{} })
	t.Run("Claimers", func(t *testing.T) {
		storetest.Claimers(t, func(*testing.T) []deliver.Claimer {
			j := &deliver.MemJournal{}
			return []deliver.Claimer{j, j, j}
		})
	})
}
