package khabar

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestListMatchesSortedSlice drives a list with random inserts, updates and
// removals — newest-first runs, backfills and ties — and compares every
// read with a sorted slice.
func TestListMatchesSortedSlice(t *testing.T) {
	for _, mix := range []struct {
		name         string
		newest, tie  int // percent of inserts newer than all, and tied
		remove, read int // percent of steps that remove for good / read
	}{
		{"mixed", 34, 33, 25, 1},
		{"newsroom", 90, 2, 5, 20},
		{"appends", 99, 0, 1, 50},
	} {
		t.Run(mix.name, func(t *testing.T) {
			testListMix(t, mix.newest, mix.tie, mix.remove, mix.read)
		})
	}
}

func testListMix(t *testing.T, pNewest, pTie, pRemove, pRead int) {
	rng := rand.New(rand.NewPCG(3, uint64(pNewest)))
	var l list
	var model []entry
	docs := map[int]*doc{}
	ts := map[int]int64{}
	cmpEntry := func(a, b entry) int {
		if a.before(b) {
			return -1
		}
		if b.before(a) {
			return 1
		}
		return 0
	}
	next := int64(1_000_000)
	for step := 0; step < 20000; step++ {
		k := rng.IntN(3000)
		d := docs[k]
		if d == nil {
			d = &doc{id: numbered("k", k)}
			docs[k] = d
		}
		if old, ok := ts[k]; ok {
			want := l.remove(entry{old, d})
			model = slices.DeleteFunc(model, func(e entry) bool { return e.d == d })
			if !want {
				t.Fatalf("step %d: remove of a stored entry failed", step)
			}
			delete(ts, k)
		}
		if rng.IntN(100) < pRemove {
			continue // removed for good
		}
		var v int64
		switch p := rng.IntN(100); {
		case p < pNewest: // newest: the common case
			next++
			v = next
		case p < pNewest+pTie: // a tie with a few fixed moments
			v = int64(rng.IntN(5))
		default: // backfill
			v = rng.Int64N(next)
		}
		ts[k] = v
		e := entry{v, d}
		l.insert(e)
		i, _ := slices.BinarySearchFunc(model, e, cmpEntry)
		model = slices.Insert(model, i, e)
		if l.n != len(model) {
			t.Fatalf("step %d: n = %d, want %d", step, l.n, len(model))
		}
		if rng.IntN(100) < pRead || step > 19900 {
			from := rng.IntN(len(model) + 1)
			to := from + rng.IntN(300)
			var got []entry
			l.each(from, to, func(e entry) bool { got = append(got, e); return true })
			want := model[from:min(to, len(model))]
			if !slices.Equal(got, want) {
				t.Fatalf("step %d: each(%d, %d) differs", step, from, to)
			}
			probe := rng.Int64N(next + 2)
			wantRank := 0
			for _, e := range model {
				if e.ts >= probe {
					wantRank++
				}
			}
			if r := l.rankOf(probe); r != wantRank {
				t.Fatalf("step %d: rankOf(%d) = %d, want %d", step, probe, r, wantRank)
			}
		}
	}
	for b := range l.blocks {
		blk := l.block(b)
		if len(blk) == 0 || len(blk) > blockMax || l.firsts[b] != blk[0] {
			t.Fatalf("block %d: len %d, first entry cached wrong", b, len(blk))
		}
	}
}

func BenchmarkListInsertNewest(b *testing.B) {
	var l list
	docs := make([]*doc, b.N)
	for i := range docs {
		docs[i] = &doc{id: numbered("d", i)}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.insert(entry{ts: int64(i), d: docs[i]})
	}
}
