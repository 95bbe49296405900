package postgres_test

import (
	"context"
	"testing"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/feed/upstream"
	"github.com/khabar/khabar/internal/pgtest"
	"github.com/khabar/khabar/postgres"
	"github.com/khabar/khabar/storetest"
)

// open returns a function that opens the database at url (its own pool,
// as another process would), closed when t ends.
func open(t *testing.T, url string) func() *postgres.DB {
	return func() *postgres.DB {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		return db
	}
}

func TestArticlesConformance(t *testing.T) {
	storetest.Articles(t, func(t *testing.T) (khabar.ArticleStore, func() khabar.ArticleStore) {
		reopen := open(t, pgtest.URL(t))
		articles := func() khabar.ArticleStore {
			a := reopen().Articles()
			t.Cleanup(func() { a.Close() })
			return a
		}
		return articles(), articles
	})
}

func TestPollStateConformance(t *testing.T) {
	storetest.PollState(t, func(t *testing.T) (upstream.Leaser, func() upstream.Leaser) {
		reopen := open(t, pgtest.URL(t))
		states := func() upstream.Leaser { return reopen().PollState() }
		return states(), states
	})
}
