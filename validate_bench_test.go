package khabar_test

import (
	"os"
	"testing"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/synth"
)

// BenchmarkValidate measures Article.Validate on valid articles, the path
// every Catalog.Upsert takes (target: 0 allocs/op and at most 250 ns/op on
// a synth article).
//
//	go test -run '^$' -bench 'Validate' -benchtime 1s -count 3 .
func BenchmarkValidate(b *testing.B) {
	b.Run("synth", func(b *testing.B) {
		as := synth.Generate(synth.Config{Articles: 1024, ContentBytes: -1})
		benchValidate(b, as)
	})
	b.Run("synth-hot", func(b *testing.B) {
		// One article again and again: the cost of Validate's own work,
		// with the article in the CPU cache.
		as := synth.Generate(synth.Config{Articles: 1, ContentBytes: -1})
		benchValidate(b, as)
	})
	b.Run("corpus", func(b *testing.B) {
		f, err := os.Open("testdata/articles.jsonl")
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		as, err := khabar.ReadJSONL(f)
		if err != nil {
			b.Fatal(err)
		}
		benchValidate(b, as)
	})
}

func benchValidate(b *testing.B, as []*khabar.Article) {
	b.Helper()
	if len(as) == 0 {
		b.Fatal("no articles")
	}
	for _, a := range as {
		if err := a.Validate(); err != nil {
			b.Fatalf("article %s: %v", a.ID, err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := as[i%len(as)].Validate(); err != nil {
			b.Fatal(err)
		}
	}
}
