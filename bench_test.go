package khabar_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/synth"
)

// The benchmarks below run on the scale: 1,000,000 articles, 5,000
// categories (4,950 cities under 50 states) and 50,000 tags. Building it
// takes a while and a few GiB; it is built once per test binary.
//
//	go test -run '^$' -bench 'Catalog' -benchtime 2s .
var big struct {
	once     sync.Once
	c        *khabar.Catalog
	cats     []string
	overhead float64 // heap bytes per article beyond its own text
	text     float64 // text bytes per article
}

const (
	bigArticles   = 1_000_000
	bigCategories = 4_950
	bigTags       = 50_000
)

func bigCatalog(b *testing.B) *khabar.Catalog {
	big.once.Do(func() {
		before := heapInUse()
		as := synth.Generate(synth.Config{Articles: bigArticles, Categories: bigCategories, Tags: bigTags, Authors: 500, ContentBytes: 600})
		var text int64
		for _, a := range as {
			text += int64(len(a.ID) + len(a.Title) + len(a.Summary) + len(a.ContentHTML) + len(a.URL) + len(a.Language))
			if a.Image != nil {
				text += int64(len(a.Image.URL) + len(a.Image.Alt) + len(a.Image.Caption) + len(a.Image.Type))
			}
		}
		c := khabar.NewCatalog()
		for i := 0; i < len(as); i += 10_000 {
			if err := c.UpsertAll(as[i:min(i+10_000, len(as))]); err != nil {
				b.Fatal(err)
			}
		}
		as = nil
		after := heapInUse()
		big.c = c
		big.text = float64(text) / bigArticles
		big.overhead = (float64(after-before) - float64(text)) / bigArticles
		for _, cc := range c.Categories() {
			if cc.Category.Parent != nil {
				big.cats = append(big.cats, cc.Category.SlugPath())
			}
		}
		if os.Getenv("KHABAR_BENCH_COLD") == "" {
			warmUp(b, c)
		}
	})
	return big.c
}

// warmUp runs 400,000 articles through the catalog and out again, as a
// server's catalog sees articles come and go, so that the heap has reached
// its working size when the upsert benchmarks start. Without it their
// first run measures the Go heap growing into memory the kernel has yet to
// hand over (a page fault per 4 KB, slow in a VM): set KHABAR_BENCH_COLD=1
// to measure that, a bulk import's case.
func warmUp(b *testing.B, c *khabar.Catalog) {
	const n = 400_000
	var ids []string
	for i := 0; i < n; i += 10_000 {
		as := synth.Generate(synth.Config{Articles: 10_000, Categories: bigCategories, Tags: bigTags, Authors: 500, ContentBytes: 600, Seed: uint64(i) + 7})
		for j, a := range as {
			a.ID = fmt.Sprintf("warm-%d", i+j)
			ids = append(ids, a.ID)
		}
		if err := c.UpsertAll(as); err != nil {
			b.Fatal(err)
		}
	}
	for _, id := range ids {
		c.Delete(id)
	}
	runtime.GC()
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkCatalogMemory reports the heap the catalog holds per article
// beyond the article's own text (target: under 2 KB).
func BenchmarkCatalogMemory(b *testing.B) {
	c := bigCatalog(b)
	for i := 0; i < b.N; i++ {
		_ = c.Len()
	}
	b.ReportMetric(big.overhead, "overhead-B/article")
	b.ReportMetric(big.text, "text-B/article")
}

// BenchmarkCatalogUpsert inserts new articles, one goroutine, into the
// million-article catalog (target: over 200,000/s). "new" is a newsroom's
// pattern: each article published after everything already there. "backfill"
// is an import of old articles at random dates, the worst case.
//
// Each article reaches Upsert as a server would hand it over: just decoded
// from JSON, its strings fresh and in the CPU cache. Articles are generated
// and encoded up front, then decoded 64 at a time with the timer stopped;
// only the Upsert calls are timed.
func BenchmarkCatalogUpsert(b *testing.B) {
	c := bigCatalog(b)
	for _, mode := range []string{"new", "backfill"} {
		b.Run(mode, func(b *testing.B) {
			start := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
			encoded := make([][]byte, 0, b.N)
			for i := 0; i < b.N; i += 4096 {
				for j, a := range synth.Generate(synth.Config{Articles: min(4096, b.N-i), Categories: bigCategories, Tags: bigTags, Authors: 500, ContentBytes: 600, Seed: uint64(i) + 99}) {
					a.ID = fmt.Sprintf("fresh-%s-%d-%d", mode, b.N, i+j)
					if mode == "new" {
						a.Published = start.Add(time.Duration(i+j) * time.Second)
					}
					data, err := json.Marshal(a)
					if err != nil {
						b.Fatal(err)
					}
					encoded = append(encoded, data)
				}
			}
			runtime.GC()
			const chunk = 64
			fresh := make([]*khabar.Article, chunk)
			b.ReportAllocs()
			b.ResetTimer()
			var elapsed time.Duration
			for i := 0; i < b.N; i += chunk {
				b.StopTimer()
				n := min(chunk, b.N-i)
				for j := range n {
					fresh[j] = new(khabar.Article)
					if err := json.Unmarshal(encoded[i+j], fresh[j]); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				t0 := time.Now()
				for _, a := range fresh[:n] {
					if err := c.Upsert(a); err != nil {
						b.Fatal(err)
					}
				}
				elapsed += time.Since(t0)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "upserts/s")
			b.StopTimer()
			for i := range b.N {
				c.Delete(fmt.Sprintf("fresh-%s-%d-%d", mode, b.N, i))
			}
		})
	}
}

// BenchmarkCatalogNewest50Category asks for the newest 50 of a city
// category (target: under 20 µs).
func BenchmarkCatalogNewest50Category(b *testing.B) {
	c := bigCatalog(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, _ := c.Newest(khabar.CategoryKey(big.cats[i%len(big.cats)]), 0, 50)
		_ = got
	}
}

// BenchmarkCatalogNewest50State asks for the newest 50 of a state, which
// holds its cities' articles (about 20,000-60,000 each).
func BenchmarkCatalogNewest50State(b *testing.B) {
	c := bigCatalog(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, _ := c.Newest(khabar.CategoryKey(fmt.Sprintf("राज्य-%d", i%50)), 0, 50)
		_ = got
	}
}

// BenchmarkCatalogTop50Category ranks a city category's articles by a
// decayed popularity score and keeps the best 50.
func BenchmarkCatalogTop50Category(b *testing.B) {
	c := bigCatalog(b)
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	score := func(a *khabar.Article) float64 {
		age := now.Sub(a.Published).Hours()
		return math.Log1p(float64(a.Metrics.Views)) * math.Exp2(-age/24)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = c.Top(khabar.Query{Key: khabar.CategoryKey(big.cats[i%len(big.cats)]), Limit: 50}, score)
	}
}

// BenchmarkCatalogRelated5 asks for the 5 stories most like one of the
// catalog's, as an article page does on every view (target: under 50 µs).
// The stories asked about are spread over the whole catalog.
func BenchmarkCatalogRelated5(b *testing.B) {
	c := bigCatalog(b)
	all, _ := c.Newest(khabar.SiteKey(), 0, 0)
	var ids []string
	for i := 0; i < len(all); i += len(all) / 4096 {
		ids = append(ids, all[i].ID)
	}
	all = nil
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if got := c.Related(ids[i%len(ids)], 5); len(got) != 5 {
			b.Fatalf("Related(%s, 5) returned %d stories", ids[i%len(ids)], len(got))
		}
	}
}
