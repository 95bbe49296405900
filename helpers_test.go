package khabar

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var ist = time.FixedZone("IST", 5*3600+1800)

var (
	catUP      = &Category{Name: "उत्तर प्रदेश", Slug: "उत्तर-प्रदेश"}
	catKanpur  = Category{Name: "कानपुर", Slug: "कानपुर", Parent: catUP}
	catLucknow = Category{Name: "लखनऊ", Slug: "लखनऊ", Parent: catUP}
	catLatest  = Category{Name: "ताज़ा ख़बरें", Slug: "latest-news"}
)

// art returns a valid article published h hours after a fixed moment.
func art(id string, h int, cats ...Category) *Article {
	return &Article{
		ID:         id,
		Title:      "ख़बर " + id,
		URL:        "https://khabar.example/" + id + "/",
		Published:  time.Date(2026, 11, 20, 6, 0, 0, 0, ist).Add(time.Duration(h) * time.Hour),
		Categories: cats,
		Authors:    []Author{{Name: "सुनीता वर्मा", Slug: "sunita-verma"}},
		Tags:       []Tag{{Name: "Ramesh Tiwari"}, {Name: "बारिश"}},
		Language:   "hi",
	}
}

func ids(as []*Article) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func numbered(prefix string, i int) string { return fmt.Sprintf("%s%03d", prefix, i) }

// recordChanges records every Change the catalog delivers.
func recordChanges(c *Catalog) (got *[]Change, stop func()) {
	var mu sync.Mutex
	var chs []Change
	stop = c.Watch(func(ch Change) {
		mu.Lock()
		chs = append(chs, ch)
		mu.Unlock()
	})
	return &chs, stop
}

func keyStrings(ks []Key) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.String()
	}
	return out
}

// checkLists checks every list the catalog reports against a
// brute-force filing of the stored articles: Count, Newest order and
// membership, and the counts of Categories, Tags and Authors.
func checkLists(t *testing.T, c *Catalog, stored []string) {
	t.Helper()
	want := map[Key][]*Article{}
	for _, id := range stored {
		a, ok := c.Get(id)
		if !ok {
			continue
		}
		seen := map[Key]bool{}
		keysOf(a, func(k Key) {
			if !seen[k] {
				seen[k] = true
				want[k] = append(want[k], a)
			}
		})
	}
	for k, as := range want {
		slices.SortFunc(as, func(x, y *Article) int {
			if x.Published.Equal(y.Published) {
				return strings.Compare(x.ID, y.ID)
			}
			return y.Published.Compare(x.Published)
		})
		got, n := c.Newest(k, 0, 0)
		if n != len(as) || !slices.Equal(ids(got), ids(as)) {
			t.Errorf("Newest(%v) = %v (%d), want %v", k, ids(got), n, ids(as))
		}
	}
	for _, cc := range c.Categories() {
		if w := len(want[CategoryKey(cc.Category.SlugPath())]); cc.Count != w {
			t.Errorf("Categories: %s has %d, want %d", cc.Category.SlugPath(), cc.Count, w)
		}
	}
	for _, tc := range c.Tags() {
		if w := len(want[TagKey(tc.Tag.Slug)]); tc.Count != w {
			t.Errorf("Tags: %s has %d, want %d", tc.Tag.Slug, tc.Count, w)
		}
	}
	for _, ac := range c.Authors() {
		if w := len(want[AuthorKey(ac.Author.Slug)]); ac.Count != w {
			t.Errorf("Authors: %s has %d, want %d", ac.Author.Slug, ac.Count, w)
		}
	}
	nonEmpty := 0
	for k := range want {
		if k.Kind != KindSite {
			nonEmpty++
		}
	}
	if got := len(c.Categories()) + len(c.Tags()) + len(c.Authors()); got != nonEmpty {
		t.Errorf("Categories+Tags+Authors list %d keys, want the %d non-empty ones", got, nonEmpty)
	}
	if n, _ := c.Newest(SiteKey(), 0, 0); len(n) != c.Len() {
		t.Errorf("site list has %d articles, Len %d", len(n), c.Len())
	}
}

// keysOf calls fn with the key of every list article a belongs to: the
// model the catalog's filing is checked against.
func keysOf(a *Article, fn func(Key)) {
	fn(SiteKey())
	for i := range a.Categories {
		for x := &a.Categories[i]; x != nil; x = x.Parent {
			fn(CategoryKey(x.SlugPath()))
		}
	}
	for _, t := range a.Tags {
		fn(TagKey(t.EffectiveSlug()))
	}
	for _, au := range a.Authors {
		fn(AuthorKey(au.EffectiveSlug()))
	}
}
