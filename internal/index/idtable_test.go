package index

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestDocTableMatchesMap drives a DocTable[string] with random adds and removes,
// through growth and tombstone rebuilds, and checks it against a map, with
// real hashes and with hashes forced to collide.
func TestDocTableMatchesMap(t *testing.T) {
	for _, tc := range []struct {
		name string
		hash func(t *DocTable[string], id string) uint64
	}{
		{"real hashes", (*DocTable[string]).Hash},
		// 40 hashes in all, a handful per part: long probe chains.
		{"colliding hashes", func(t *DocTable[string], id string) uint64 {
			x := t.Hash(id) % 40
			return x<<56 | x
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tab DocTable[string]
			tab.Init()
			model := map[string]*Doc[string]{}
			rng := rand.New(rand.NewPCG(1, 2))
			for step := range 60000 {
				id := fmt.Sprintf("a%d", rng.IntN(5000))
				h := tc.hash(&tab, id)
				got := tab.Get(h, id)
				if got != model[id] {
					t.Fatalf("step %d: get(%s) = %v, want %v", step, id, got, model[id])
				}
				if got == nil {
					d := tab.Add(h, id, "v"+id)
					model[id] = d
				} else if rng.IntN(2) == 0 {
					if !tab.Remove(h, id) {
						t.Fatalf("step %d: remove(%s) found nothing", step, id)
					}
					delete(model, id)
				}
				if tab.Len() != len(model) {
					t.Fatalf("step %d: live = %d, want %d", step, tab.Len(), len(model))
				}
			}
			for id, d := range model {
				if got := tab.Get(tc.hash(&tab, id), id); got != d {
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
