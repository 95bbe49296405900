package digest

import (
	"fmt"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// sliceSource is a StorySource over a fixed list of articles.
type sliceSource []*khabar.Article

func (s sliceSource) Find(khabar.Query) []*khabar.Article { return s }

// TestPoolManyCategories builds the pool of an article with tens of
// thousands of categories (issue 15: 60,000 took a digest build ~9 s, the
// categories being deduplicated by scanning a list). The work must grow
// linearly: ten times the categories may take about ten times as long,
// not a hundred (before: a minute for 80,000).
func TestPoolManyCategories(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	article := func(n int) *khabar.Article {
		a := &khabar.Article{ID: "a", Title: "t", URL: "https://a.example/", Published: now.Add(-time.Hour), Language: "hi"}
		for i := range n {
			a.Categories = append(a.Categories, khabar.Category{Name: fmt.Sprint("c", i)})
		}
		a.Categories = append(a.Categories, a.Categories[:n/2]...) // repeats count once
		return a
	}
	r := Ranking{}.withDefaults()
	build := func(n int) (*pool, time.Duration) {
		src := sliceSource{article(n)}
		start := time.Now()
		p := buildPool(src, &r, now.Add(-24*time.Hour), now, "hi", "hi")
		return p, time.Since(start)
	}
	small := time.Hour
	for range 3 { // the fastest of three: the machine may be busy
		_, d := build(8000)
		small = min(small, d)
	}
	p, large := build(80000)
	if got := len(p.items[0].cats); got != 80000 {
		t.Errorf("%d categories counted, want 80000 distinct", got)
	}
	if got := len(p.byKey["c:c79999"]); got != 1 {
		t.Errorf("byKey lists the article %d times under one category", got)
	}
	t.Logf("8,000 categories: %v; 80,000: %v", small, large)
	if large > 5*time.Second && large > 40*small {
		t.Errorf("80,000 categories took %v, 8,000 %v: more than linear", large, small)
	}
}
