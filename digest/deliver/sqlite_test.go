package deliver_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/sqlite"
)

// init gives the tests of package deliver package sqlite's journal and
// store, which they cannot import themselves.
func init() {
	deliver.SetSQLite(openJournal, openStore)
}

func openJournal(tb testing.TB, path string) deliver.Journal {
	tb.Helper()
	j, err := sqlite.OpenJournal(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = j.Close() })
	return j
}

func openStore(tb testing.TB) (deliver.TestStore, deliver.Journal) {
	tb.Helper()
	store, err := sqlite.OpenStore(filepath.Join(tb.TempDir(), "state.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = store.Close() })
	j, err := sqlite.NewJournal(context.Background(), store.DB())
	if err != nil {
		tb.Fatal(err)
	}
	return store, j
}
