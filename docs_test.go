package khabar

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"testing"
)

// TestDocTableMatchesMap drives a docTable with random adds and removes,
// through growth and tombstone rebuilds, and checks it against a map, with
// real hashes and with hashes forced to collide.
func TestDocTableMatchesMap(t *testing.T) {
	for _, tc := range []struct {
		name string
		hash func(t *docTable, id string) uint64
	}{
		{"real hashes", (*docTable).hash},
		// 40 hashes in all, a handful per part: long probe chains.
		{"colliding hashes", func(t *docTable, id string) uint64 {
			x := t.hash(id) % 40
			return x<<56 | x
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := docTable{seed: maphash.MakeSeed()}
			model := map[string]*doc{}
			rng := rand.New(rand.NewPCG(1, 2))
			for step := range 60000 {
				id := fmt.Sprintf("a%d", rng.IntN(5000))
				h := tc.hash(&tab, id)
				got := tab.get(h, id)
				if got != model[id] {
					t.Fatalf("step %d: get(%s) = %v, want %v", step, id, got, model[id])
				}
				if got == nil {
					d := &doc{id: id}
					tab.add(h, d)
					model[id] = d
				} else if rng.IntN(2) == 0 {
					if !tab.remove(h, id) {
						t.Fatalf("step %d: remove(%s) found nothing", step, id)
					}
					delete(model, id)
				}
				if tab.live != len(model) {
					t.Fatalf("step %d: live = %d, want %d", step, tab.live, len(model))
				}
			}
			for id, d := range model {
				if got := tab.get(tc.hash(&tab, id), id); got != d {
					t.Fatalf("get(%s) = %v at the end", id, got)
				}
			}
			for i := range tab.parts {
				p := &tab.parts[i]
				if len(p.buckets) > 0 && 2*p.used > 4*len(p.buckets) {
					t.Errorf("part %d is more than half full: %d of %d slots", i, p.used, 4*len(p.buckets))
				}
			}
		})
	}
}

func TestCatalogZeroValueReads(t *testing.T) {
	var c Catalog
	if _, ok := c.Get("x"); ok || c.Len() != 0 || c.Delete("x") {
		t.Error("an empty catalog reports an article")
	}
}

// TestCatalogUpdatesFindTheirDocs upserts enough articles that many home
// buckets fill, then updates and deletes them all: every update must find
// its article (no duplicates), every delete must take it out.
func TestCatalogUpdatesFindTheirDocs(t *testing.T) {
	c := NewCatalog()
	const n = 20000
	var as []*Article
	for i := range n {
		as = append(as, art(numbered("a", i), i%500))
	}
	if err := c.UpsertAll(as); err != nil {
		t.Fatal(err)
	}
	for i, a := range as {
		b := *a
		b.Title = "updated " + a.ID
		if err := c.Upsert(&b); err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			if !c.Delete(a.ID) {
				t.Fatalf("Delete(%s) found nothing", a.ID)
			}
		}
	}
	want := n - (n+6)/7
	if c.Len() != want || c.Count(SiteKey()) != want {
		t.Fatalf("Len = %d, site count = %d, want %d", c.Len(), c.Count(SiteKey()), want)
	}
	for i, a := range as {
		g, ok := c.Get(a.ID)
		if i%7 == 0 {
			if ok {
				t.Fatalf("deleted %s is still there", a.ID)
			}
			continue
		}
		if !ok || g.Title != "updated "+a.ID {
			t.Fatalf("Get(%s) = %v, %v", a.ID, g, ok)
		}
	}
}
