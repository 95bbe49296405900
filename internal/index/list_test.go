package index

import (
	"fmt"
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
	var l List[string]
	var model []Entry[string]
	docs := map[int]*Doc[string]{}
	ts := map[int]int64{}
	cmpEntry := func(a, b Entry[string]) int {
		if a.Before(b) {
			return -1
		}
		if b.Before(a) {
			return 1
		}
		return 0
	}
	next := int64(1_000_000)
	for step := 0; step < 20000; step++ {
		k := rng.IntN(3000)
		d := docs[k]
		if d == nil {
			d = &Doc[string]{ID: fmt.Sprintf("%s%03d", "k", k)}
			docs[k] = d
		}
		if old, ok := ts[k]; ok {
			want := l.Remove(Entry[string]{old, d})
			model = slices.DeleteFunc(model, func(e Entry[string]) bool { return e.Doc == d })
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
		e := Entry[string]{v, d}
		l.Insert(e)
		i, _ := slices.BinarySearchFunc(model, e, cmpEntry)
		model = slices.Insert(model, i, e)
		if l.n != len(model) {
			t.Fatalf("step %d: n = %d, want %d", step, l.n, len(model))
		}
		if rng.IntN(100) < pRead || step > 19900 {
			from := rng.IntN(len(model) + 1)
			to := from + rng.IntN(300)
			var got []Entry[string]
			l.Each(from, to, func(e Entry[string]) bool { got = append(got, e); return true })
			want := model[from:min(to, len(model))]
			if !slices.Equal(got, want) {
				t.Fatalf("step %d: each(%d, %d) differs", step, from, to)
			}
			probe := rng.Int64N(next + 2)
			wantRank := 0
			for _, e := range model {
				if e.TS >= probe {
					wantRank++
				}
			}
			if r := l.RankOf(probe); r != wantRank {
				t.Fatalf("step %d: rankOf(%d) = %d, want %d", step, probe, r, wantRank)
			}
			checkAround(t, &l, model, rng.IntN(len(model)))
		}
	}
	for b := range l.blocks {
		blk := l.block(b)
		if len(blk) == 0 || len(blk) > BlockMax || l.firsts[b] != blk[0] {
			t.Fatalf("block %d: len %d, first entry cached wrong", b, len(blk))
		}
	}
}

// TestListTailEdges runs the list operations right after the fast-path append: removing the newest,
// backfilling into the tail block, ties with the newest, and a tail at
// capacity and at BlockMax, checked against a sorted slice after each step.
func TestListTailEdges(t *testing.T) {
	var l List[string]
	var model []Entry[string]
	docs := map[string]*Doc[string]{}
	get := func(id string) *Doc[string] {
		if docs[id] == nil {
			docs[id] = &Doc[string]{ID: id}
		}
		return docs[id]
	}
	check := func(step string) {
		t.Helper()
		var got []Entry[string]
		l.Each(0, l.n, func(e Entry[string]) bool { got = append(got, e); return true })
		if l.n != len(model) || !slices.Equal(got, model) {
			t.Fatalf("%s: list has %d entries, want %d; order differs: %v", step, l.n, len(model), !slices.Equal(got, model))
		}
		for b := range l.blocks {
			blk := l.block(b)
			if len(blk) == 0 || len(blk) > BlockMax || l.firsts[b] != blk[0] {
				t.Fatalf("%s: block %d of %d: len %d, firsts cached wrong", step, b, len(l.blocks), len(blk))
			}
		}
		if len(model) > 0 && l.newest != model[0].TS {
			t.Fatalf("%s: newest = %d, want %d", step, l.newest, model[0].TS)
		}
		for _, ts := range []int64{-1, 0, 5, 50, 500, 1 << 40} {
			want := 0
			for _, e := range model {
				if e.TS >= ts {
					want++
				}
			}
			if got := l.RankOf(ts); got != want {
				t.Fatalf("%s: rankOf(%d) = %d, want %d", step, ts, got, want)
			}
		}
	}
	ins := func(id string, ts int64) {
		e := Entry[string]{ts, get(id)}
		l.Insert(e)
		i := 0
		for i < len(model) && model[i].Before(e) {
			i++
		}
		if i < len(model) && model[i].Doc == e.Doc {
			return
		}
		model = slices.Insert(model, i, e)
	}
	rm := func(id string, ts int64) {
		if !l.Remove(Entry[string]{ts, get(id)}) {
			t.Fatalf("remove(%s, %d) found nothing", id, ts)
		}
		model = slices.DeleteFunc(model, func(e Entry[string]) bool { return e.Doc == docs[id] })
	}
	next := int64(100)
	for step := range 3 * BlockMax {
		next++
		id := fmt.Sprintf("n%04d", step)
		ins(id, next)
		// At every capacity boundary of the tail block, and around
		// BlockMax, poke it: remove the newest and put it back, add a tie
		// with the newest, backfill into the tail, and insert the same
		// entry twice.
		if len(l.tail) == cap(l.tail) || len(l.tail) >= BlockMax-1 || len(l.tail) <= 1 {
			label := fmt.Sprintf("step %d (tail %d/%d)", step, len(l.tail), cap(l.tail))
			rm(id, next)
			check(label + " remove newest")
			ins(id, next)
			check(label + " re-add newest")
			tie := fmt.Sprintf("m%04d", step) // sorts before n…: reads first
			ins(tie, next)
			check(label + " tie with newest")
			ins(tie, next)
			check(label + " same entry twice")
			rm(tie, next)
			check(label + " remove the tie")
			back := fmt.Sprintf("b%04d", step)
			ins(back, next-1)
			check(label + " backfill")
			rm(back, next-1)
			check(label + " remove backfill")
			ins("a-newest", next+1)
			check(label + " newest of all")
			rm("a-newest", next+1)
			check(label + " remove newest of all")
		}
	}
	// Empty it from the newest end, then from the oldest, refilling between.
	for len(model) > 0 {
		e := model[0]
		rm(e.Doc.ID, e.TS)
		if len(model)%37 == 0 {
			check(fmt.Sprintf("drain at %d", len(model)))
			next++
			ins("refill", next)
			check("refill")
			rm("refill", next)
		}
	}
	check("empty")
	ins("last", 1)
	check("after empty")
}

func BenchmarkListInsertNewest(b *testing.B) {
	var l List[string]
	docs := make([]*Doc[string], b.N)
	for i := range docs {
		docs[i] = &Doc[string]{ID: fmt.Sprintf("%s%03d", "d", i)}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.Insert(Entry[string]{TS: int64(i), Doc: docs[i]})
	}
}

// checkAround compares l.Around of model[i] and of an entry not in the
// list with their neighbours in model.
func checkAround(t *testing.T, l *List[string], model []Entry[string], i int) {
	t.Helper()
	var before, after Entry[string]
	if i > 0 {
		before = model[i-1]
	}
	if i+1 < len(model) {
		after = model[i+1]
	}
	b, a, ok := l.Around(model[i])
	if !ok || b != before || a != after {
		t.Fatalf("Around(%d of %d) = %v, %v, %v; want %v, %v, true", i, len(model), b, a, ok, before, after)
	}
	stranger := Entry[string]{model[i].TS, &Doc[string]{ID: model[i].Doc.ID}}
	if b, a, ok := l.Around(stranger); ok || b.Doc != nil || a.Doc != nil {
		t.Fatalf("Around of an entry not in the list = %v, %v, %v", b, a, ok)
	}
}
