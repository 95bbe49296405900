package storetest_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/pgtest"
	"github.com/khabar/khabar/internal/synth"
	"github.com/khabar/khabar/postgres"
	"github.com/khabar/khabar/sqlite"
	"github.com/khabar/khabar/storetest"
)

// BenchmarkCatalogLoad measures building a catalog at start: from the
// JSON Lines file (what feed-server does without -db) and through a
// Follower from each article store, for the bundled corpus and for 100k
// synthetic articles (600-byte bodies, as the root package's benchmarks).
func BenchmarkCatalogLoad(b *testing.B) {
	corpus, err := os.ReadFile("../testdata/articles.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	sets := []struct {
		name string
		as   func() []*khabar.Article
	}{
		{"corpus", func() []*khabar.Article { as, _ := khabar.ReadJSONL(bytes.NewReader(corpus)); return as }},
		{"100k", func() []*khabar.Article {
			return synth.Generate(synth.Config{Articles: 100_000, Categories: 2000, Tags: 20000, Authors: 500, ContentBytes: 600})
		}},
	}
	ctx := context.Background()
	for _, set := range sets {
		as := set.as()
		b.Run(set.name+"/jsonl", func(b *testing.B) {
			var buf bytes.Buffer
			khabar.WriteJSONL(&buf, as)
			b.SetBytes(int64(buf.Len()))
			b.ReportAllocs()
			for b.Loop() {
				c := khabar.NewCatalog()
				if _, err := c.ReadJSONL(bytes.NewReader(buf.Bytes())); err != nil {
					b.Fatal(err)
				}
			}
		})
		stores := []struct {
			name string
			open func(b *testing.B) khabar.ArticleStore
		}{
			{"memory", func(*testing.B) khabar.ArticleStore { return &storetest.MemoryArticles{} }},
			{"sqlite", func(b *testing.B) khabar.ArticleStore {
				s, err := sqlite.OpenArticles(ctx, filepath.Join(b.TempDir(), "a.db"))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { s.Close() })
				return s
			}},
			{"postgres", func(b *testing.B) khabar.ArticleStore {
				db, err := postgres.Open(ctx, pgtest.URL(b))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(db.Close)
				return db.Articles()
			}},
		}
		for _, st := range stores {
			b.Run(set.name+"/"+st.name, func(b *testing.B) {
				s := st.open(b)
				if err := s.Put(ctx, as...); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					c := khabar.NewCatalog()
					f := &khabar.Follower{Catalog: c, Log: s, Batch: 5000}
					if _, err := f.CatchUp(ctx); err != nil || c.Len() != len(as) {
						b.Fatalf("loaded %d of %d: %v", c.Len(), len(as), err)
					}
				}
			})
		}
	}
}
