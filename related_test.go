package khabar

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// tagged returns art(id, h, cats...) with the given tag slugs.
func tagged(id string, h int, tags []string, cats ...Category) *Article {
	a := art(id, h, cats...)
	a.Tags = nil
	for _, t := range tags {
		a.Tags = append(a.Tags, Tag{Name: t, Slug: t})
	}
	return a
}

func TestRelatedWeighsRareTagsOverGenericCategories(t *testing.T) {
	c := NewCatalog()
	must := func(a *Article) {
		t.Helper()
		if err := c.Upsert(a); err != nil {
			t.Fatal(err)
		}
	}
	// ताज़ा ख़बरें holds nearly every story; विश्व-कप only three.
	for i := range 40 {
		must(tagged(numbered("filler", i), i, []string{numbered("t", i)}, catLatest))
	}
	must(tagged("story", 50, []string{"विश्व-कप", "क्रिकेट"}, catLatest))
	must(tagged("both", 10, []string{"विश्व-कप"}, catLatest))
	must(tagged("rare-old", 5, []string{"विश्व-कप"}))
	must(tagged("generic-new", 60, nil, catLatest))
	must(tagged("cricket-a", 20, []string{"क्रिकेट"}))
	must(tagged("cricket-b", 20, []string{"क्रिकेट"}))
	must(tagged("cricket-c", 30, []string{"क्रिकेट"}))
	must(tagged("cricket-d", 30, []string{"क्रिकेट"}))

	got := ids(c.Related("story", 7))
	want := []string{
		"both", "rare-old", // विश्व-कप (3 stories) is the rarest
		"cricket-c", "cricket-d", "cricket-a", "cricket-b", // क्रिकेट (5): newer first, then by ID
		"generic-new", // ताज़ा ख़बरें alone counts least
	}
	if !slices.Equal(got, want) {
		t.Errorf("Related = %v, want %v", got, want)
	}
	if got := ids(c.Related("story", 2)); !slices.Equal(got, want[:2]) {
		t.Errorf("Related(n=2) = %v, want %v", got, want[:2])
	}
	for _, n := range []int{0, -1} {
		if got := c.Related("story", n); got != nil {
			t.Errorf("Related(n=%d) = %v, want nil", n, ids(got))
		}
	}
	if got := c.Related("nope", 3); got != nil {
		t.Errorf("Related of an unknown ID = %v, want nil", ids(got))
	}
	for _, a := range c.Related("story", 100) {
		if a.ID == "story" {
			t.Error("Related returned the story itself")
		}
	}
	if got := (&Catalog{}).Related("story", 3); got != nil {
		t.Errorf("zero Catalog: Related = %v", ids(got))
	}
}

// TestRelatedMatchesBruteForce compares Related, on a catalog whose lists
// are all shorter than relatedScan, with every story scored over every
// list.
func TestRelatedMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 1))
	c := NewCatalog()
	var parents [4]*Category
	for i := range parents {
		parents[i] = &Category{Name: fmt.Sprintf("राज्य %d", i)}
	}
	var as []*Article
	for i := range 300 {
		var tags []string
		for range 1 + rng.IntN(3) {
			tags = append(tags, fmt.Sprintf("टैग-%d", rng.IntN(40)))
		}
		slices.Sort(tags)
		tags = slices.Compact(tags)
		cat := Category{Name: fmt.Sprintf("शहर %d", rng.IntN(12)), Parent: parents[rng.IntN(4)]}
		as = append(as, tagged(numbered("a", i), rng.IntN(100), tags, cat))
	}
	if err := c.UpsertAll(as); err != nil {
		t.Fatal(err)
	}
	stored := c.Find(Query{})
	keysOf := func(a *Article) []Key {
		var ks []Key
		for _, tg := range a.Tags {
			ks = append(ks, TagKey(tg.Slug))
		}
		for _, cat := range a.Categories {
			for x := &cat; x != nil; x = x.Parent {
				ks = append(ks, CategoryKey(x.SlugPath()))
			}
		}
		return ks
	}
	for _, s := range stored[:50] {
		for _, k := range keysOf(s) {
			if c.Count(k) > relatedScan {
				t.Fatalf("list %v holds %d stories: the test needs them all read", k, c.Count(k))
			}
		}
		type cand struct {
			a     *Article
			score float64
		}
		var all []cand
		mine := keysOf(s)
		for _, o := range stored {
			if o.ID == s.ID {
				continue
			}
			sc := 0.0
			for _, k := range keysOf(o) {
				if slices.Contains(mine, k) {
					sc += math.Log(float64(len(stored)) / float64(c.Count(k)))
				}
			}
			if sc > 0 {
				all = append(all, cand{o, sc})
			}
		}
		slices.SortStableFunc(all, func(x, y cand) int {
			if d := y.score - x.score; math.Abs(d) > 1e-9 {
				if d > 0 {
					return 1
				}
				return -1
			}
			if d := y.a.Published.Compare(x.a.Published); d != 0 {
				return d
			}
			return strings.Compare(x.a.ID, y.a.ID)
		})
		n := 5
		got := c.Related(s.ID, n)
		var want []string
		for _, x := range all[:min(n, len(all))] {
			want = append(want, x.a.ID)
		}
		if !slices.Equal(ids(got), want) {
			t.Errorf("Related(%s) = %v, want %v", s.ID, ids(got), want)
		}
	}
}

func TestAdjacent(t *testing.T) {
	c := NewCatalog()
	for i, a := range []*Article{
		tagged("a", 1, []string{"x"}, catKanpur),
		tagged("b", 2, []string{"y"}, catLucknow),
		tagged("c", 3, []string{"x"}, catKanpur),
		tagged("d", 3, []string{"y"}, catLatest), // same time as c: c reads first
		tagged("e", 5, []string{"x"}, catLucknow),
	} {
		if err := c.Upsert(a); err != nil {
			t.Fatal(i, err)
		}
	}
	tests := []struct {
		id         string
		k          Key
		prev, next string
	}{
		{"c", SiteKey(), "e", "d"},
		{"d", SiteKey(), "c", "b"},
		{"e", SiteKey(), "", "c"},
		{"a", SiteKey(), "b", ""},
		{"c", TagKey("x"), "e", "a"},
		{"a", TagKey("x"), "c", ""},
		{"c", CategoryKey("उत्तर-प्रदेश"), "e", "b"},
		{"c", CategoryKey("उत्तर-प्रदेश/कानपुर"), "", "a"},
		{"c", AuthorKey("sunita-verma"), "e", "d"},
		{"c", TagKey("y"), "", ""},    // not in the list
		{"nope", SiteKey(), "", ""},   // unknown story
		{"c", TagKey("none"), "", ""}, // unknown list
	}
	id := func(a *Article) string {
		if a == nil {
			return ""
		}
		return a.ID
	}
	for _, tt := range tests {
		prev, next := c.Adjacent(tt.id, tt.k)
		if id(prev) != tt.prev || id(next) != tt.next {
			t.Errorf("Adjacent(%s, %v) = %q, %q; want %q, %q", tt.id, tt.k, id(prev), id(next), tt.prev, tt.next)
		}
	}
	if p, n := (&Catalog{}).Adjacent("a", SiteKey()); p != nil || n != nil {
		t.Error("zero Catalog: Adjacent found neighbours")
	}
}

// TestRelatedAdjacentConcurrent reads while a writer changes the lists;
// run with -race.
func TestRelatedAdjacentConcurrent(t *testing.T) {
	c := NewCatalog()
	for i := range 300 {
		if err := c.Upsert(tagged(numbered("a", i), i, []string{numbered("t", i%7)}, catKanpur)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				id := numbered("a", (i*7+g)%300)
				c.Related(id, 5)
				c.Adjacent(id, TagKey(numbered("t", i%7)))
			}
		}()
	}
	for i := range 500 {
		a := tagged(numbered("a", i%300), 1000+i, []string{numbered("t", i%5)}, catLucknow)
		if err := c.Upsert(a); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}
