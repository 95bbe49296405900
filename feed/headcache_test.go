package feed

import (
	"bytes"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// TestHeadCache renders the first two pages of twenty feeds of the corpus
// (fewer heads than the cache holds) in every format with one warm
// Renderer, then again after changes that move a
// head's date (an edit), its page count and its pages (a new article),
// and each time compares the page with a fresh Renderer's: the cached
// heads must write what writing them anew writes.
func TestHeadCache(t *testing.T) {
	c := corpus(t)
	warm, _ := NewRenderer(testConfig())
	check := func(step string) {
		t.Helper()
		fresh, _ := NewRenderer(testConfig())
		keys := allKeys(c)
		for _, k := range keys[:min(len(keys), 20)] {
			for n := 1; n <= 2; n++ {
				p, err := warm.Page(c, k, n)
				if err != nil {
					break
				}
				for _, f := range Formats {
					got := warm.AppendPage(nil, p, f)
					if want := fresh.AppendPage(nil, p, f); !bytes.Equal(got, want) {
						t.Fatalf("%s: %v page %d %v: warm head differs from a fresh one:\n%s\nwant\n%s", step, k, n, f, got, want)
					}
				}
			}
		}
	}
	check("cold")
	check("warm")
	newest := c.Find(khabar.Query{Limit: 1})[0]
	na := newest.Clone()
	na.Updated = na.LastModified().Add(time.Hour)
	if err := c.Upsert(na); err != nil {
		t.Fatal(err)
	}
	check("edited")
	add := newest.Clone()
	add.ID += "-new"
	add.URL += "-new"
	add.Published = na.Updated.Add(time.Hour)
	add.Updated = time.Time{}
	if err := c.Upsert(add); err != nil {
		t.Fatal(err)
	}
	check("added")
}
