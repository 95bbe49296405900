package feed

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"unsafe"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/synth"
)

// checkBlocks recounts what r's item cache holds and keeps alive: the
// cached bytes, each block's live bytes, and the stale bytes of the
// blocks still referenced, against the Renderer's running counts.
func checkBlocks(t *testing.T, r *Renderer) {
	t.Helper()
	r.mu.RLock()
	defer r.mu.RUnlock()
	live := map[*block]int64{}
	var held int64
	for id, ic := range r.items {
		if ic.a == nil || ic.a.ID != id {
			t.Fatalf("entry %q holds article %v", id, ic.a)
		}
		held += ic.size()
		if ic.bodyBlk != nil {
			live[ic.bodyBlk] += ic.bodySize()
		}
		for f, b := range ic.outBlk {
			if b != nil {
				live[b] += int64(len(ic.out[f]))
			}
		}
	}
	var stale int64
	for b, n := range live {
		if b.live != n {
			t.Fatalf("block of %d bytes counts %d live, holds %d", b.size, b.live, n)
		}
		stale += b.size - n
	}
	if held != r.heldBytes || stale != r.staleBytes {
		t.Fatalf("cache counts %d held and %d stale bytes, holds %d and %d", r.heldBytes, r.staleBytes, held, stale)
	}
	if stale > max(held, minStale) {
		t.Fatalf("%d stale bytes for %d held: not compacted", stale, held)
	}
}

// bigCatalog holds 60 articles with 6 KB bodies, half of them with an
// embed the default policy rewrites.
func bigCatalog(t *testing.T) *khabar.Catalog {
	arts := synth.Generate(synth.Config{Articles: 60, ContentBytes: 6000, Categories: 5, Tags: 10, Authors: 3})
	for i, a := range arts {
		if i%2 == 0 {
			a.ContentHTML = withEmbed(a.ContentHTML, newsroomEmbeds[i%len(newsroomEmbeds)])
		}
	}
	c := khabar.NewCatalog()
	if err := c.UpsertAll(arts); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBlocksCompacted renders a 50-item feed in every format, then
// changes its articles one by one (titles, and every third body) and
// renders again: each render must match a fresh Renderer's, the counts
// must match what the cache holds, and the old blocks, whose items go
// stale one change at a time, must be compacted rather than kept.
func TestBlocksCompacted(t *testing.T) {
	c := bigCatalog(t)
	cfg := testConfig()
	cfg.PageSize = 50
	r, _ := NewRenderer(cfg)
	for _, f := range Formats {
		render(t, r, c, khabar.SiteKey(), f, 1)
	}
	checkBlocks(t, r)
	first := r.staleBytes + r.heldBytes
	arts := c.Find(khabar.Query{Limit: 60})
	for round := range 3 {
		for i, a := range arts {
			na := a.Clone()
			na.Title = fmt.Sprintf("%s %d", na.Title, round)
			if i%3 == 0 {
				na.ContentHTML += fmt.Sprintf(`<p><a href="/more/%d">और</a></p>`, round)
			}
			if err := c.Upsert(na); err != nil {
				t.Fatal(err)
			}
			arts[i] = na
			f := Formats[i%len(Formats)]
			got := render(t, r, c, khabar.SiteKey(), f, 1)
			fresh, _ := NewRenderer(cfg)
			if want := render(t, fresh, c, khabar.SiteKey(), f, 1); !bytes.Equal(got, want) {
				t.Fatalf("round %d, %s %v: warm render differs from a fresh one", round, a.ID, f)
			}
			checkBlocks(t, r)
		}
		for _, f := range Formats {
			render(t, r, c, khabar.SiteKey(), f, 1)
		}
		checkBlocks(t, r)
	}
	t.Logf("first render: %d bytes held and stale; now %d held, %d stale", first, r.heldBytes, r.staleBytes)

	// A fresh cold render in every format, then all but five articles
	// deleted: their blocks are mostly stale and must be compacted.
	r, _ = NewRenderer(cfg)
	for _, f := range Formats {
		render(t, r, c, khabar.SiteKey(), f, 1)
	}
	r.mu.RLock()
	before := map[*block]bool{}
	for _, ic := range r.items {
		before[ic.outBlk[RSS]] = true
	}
	r.mu.RUnlock()
	for _, a := range arts[5:] {
		r.Forget(a.ID)
	}
	checkBlocks(t, r)
	for _, a := range arts[:5] {
		if ic := r.items[a.ID]; ic != nil && before[ic.outBlk[RSS]] {
			t.Errorf("%s: still in the block of the cold render, %d of whose %d bytes are live", a.ID, ic.outBlk[RSS].live, ic.outBlk[RSS].size)
		}
	}
	for _, a := range arts {
		r.Forget(a.ID)
	}
	checkBlocks(t, r)
	if r.heldBytes != 0 || r.staleBytes != 0 || len(r.items) != 0 {
		t.Errorf("after Forget: %d items, %d held, %d stale bytes", len(r.items), r.heldBytes, r.staleBytes)
	}
}

// TestBlocksShared checks that the items of one cold render share one
// block and that a body the policy changed lies in it, not in a string of
// its own.
func TestBlocksShared(t *testing.T) {
	c := bigCatalog(t)
	cfg := testConfig()
	cfg.PageSize = 50
	r, _ := NewRenderer(cfg)
	render(t, r, c, khabar.SiteKey(), RSS, 1)
	r.mu.RLock()
	defer r.mu.RUnlock()
	blocks := map[*block]bool{}
	changed := 0
	for _, ic := range r.items {
		blocks[ic.outBlk[RSS]] = true
		if ic.bodySize() > 0 {
			changed++
			if ic.bodyBlk != ic.outBlk[RSS] {
				t.Errorf("%s: the filtered body is not in the page's block", ic.a.ID)
			}
			if p := uintptr(unsafe.Pointer(unsafe.StringData(ic.body))); p == uintptr(unsafe.Pointer(unsafe.StringData(ic.a.ContentHTML))) {
				t.Errorf("%s: changed body is the article's own", ic.a.ID)
			}
		} else if ic.bodyBlk != nil {
			t.Errorf("%s: an unchanged body counts a block", ic.a.ID)
		}
	}
	if len(blocks) != 1 || blocks[nil] {
		t.Errorf("50 cold items lie in %d blocks (nil among them: %v), want one", len(blocks), blocks[nil])
	}
	if changed == 0 {
		t.Error("no body was changed by the policy; the test checks nothing")
	}
}

// TestBlocksConcurrent renders, changes and forgets articles from several
// goroutines on one Renderer (run with -race), then recounts the cache.
func TestBlocksConcurrent(t *testing.T) {
	c := bigCatalog(t)
	cfg := testConfig()
	cfg.PageSize = 20
	cfg.CacheBytes = 600 << 10 // small: trims and compactions happen
	r, _ := NewRenderer(cfg)
	arts := c.Find(khabar.Query{Limit: 60})
	keys := allKeys(c)
	var mu sync.Mutex // serializes catalog changes with their bookkeeping
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				k := keys[(i+g)%len(keys)]
				f := Formats[(i*g+i)%len(Formats)]
				var buf bytes.Buffer
				if err := r.Render(&buf, c, k, f, 1); err != nil {
					t.Error(err)
					return
				}
				if g == 0 {
					r.AppendPage(nil, mustPageT(t, r, c, k), f)
				}
				mu.Lock()
				a := arts[(i*7+g)%len(arts)]
				switch i % 4 {
				case 1:
					na := a.Clone()
					na.Title += " *"
					c.Upsert(na)
				case 3:
					r.Forget(a.ID)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	checkBlocks(t, r)
	for _, k := range keys {
		for _, f := range Formats {
			fresh, _ := NewRenderer(cfg)
			if got, want := render(t, r, c, k, f, 1), render(t, fresh, c, k, f, 1); !bytes.Equal(got, want) {
				t.Fatalf("%v %v: after the concurrent renders the cache writes different bytes", k, f)
			}
		}
	}
	checkBlocks(t, r)
}

func mustPageT(t *testing.T, r *Renderer, c *khabar.Catalog, k khabar.Key) *Page {
	p, err := r.Page(c, k, 1)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
