package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/feed/upstream"
	"github.com/khabar/khabar/sqlite"
	"github.com/khabar/khabar/storetest"
)

func TestArticlesConformance(t *testing.T) {
	storetest.Articles(t, func(t *testing.T) (khabar.ArticleStore, func() khabar.ArticleStore) {
		path := filepath.Join(t.TempDir(), "articles.db")
		open := func() khabar.ArticleStore {
			s, err := sqlite.OpenArticles(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		return open(), open
	})
}

func TestPollStateConformance(t *testing.T) {
	storetest.PollState(t, func(t *testing.T) (upstream.Leaser, func() upstream.Leaser) {
		path := filepath.Join(t.TempDir(), "state.db")
		open := func() upstream.Leaser {
			s, err := sqlite.OpenPollState(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		return open(), open
	})
}
