package khabar_test

import (
	"os"
	"testing"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/synth"
)

// BenchmarkValidate measures Article.Validate on valid articles, the path
// every Catalog.Upsert takes (target: 0 allocs/op and at most 250 ns/op on
// a synth article), next to the plain reference it must agree with
// ("reference"); the "Validate" runs report ratio = Validate/reference.
//
//	go test -run '^$' -bench 'Validate' -benchtime 1s -count 3 .
//
// "synth" validates 1,024 synth articles in turn, as Catalog.Upsert sees
// a batch, so part of the cost is fetching each article from memory;
// "synth-hot" validates one synth article again and again (Validate's own
// work); "corpus" takes turns over testdata/articles.jsonl.
func BenchmarkValidate(b *testing.B) {
	f, err := os.Open("testdata/articles.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	corpus, err := khabar.ReadJSONL(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	sets := []struct {
		name string
		as   []*khabar.Article
	}{
		{"synth", synth.Generate(synth.Config{Articles: 1024, ContentBytes: -1})},
		{"synth-hot", synth.Generate(synth.Config{Articles: 1, ContentBytes: -1})},
		{"corpus", corpus},
	}
	for _, set := range sets {
		var reference float64
		b.Run(set.name+"/reference", func(b *testing.B) {
			reference = benchValidate(b, set.as, khabar.ValidateReference)
		})
		b.Run(set.name+"/Validate", func(b *testing.B) {
			fast := benchValidate(b, set.as, (*khabar.Article).Validate)
			if reference > 0 {
				b.ReportMetric(fast/reference, "ratio")
			}
		})
	}
}

// benchValidate runs validate over as in turn and returns ns/op.
func benchValidate(b *testing.B, as []*khabar.Article, validate func(*khabar.Article) error) float64 {
	b.Helper()
	if len(as) == 0 {
		b.Fatal("no articles")
	}
	for _, a := range as {
		if err := validate(a); err != nil {
			b.Fatalf("article %s: %v", a.ID, err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := validate(as[i%len(as)]); err != nil {
			b.Fatal(err)
		}
	}
	return float64(b.Elapsed().Nanoseconds()) / float64(b.N)
}
