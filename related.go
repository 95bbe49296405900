package khabar

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"
)

// The bounds of Related's work, so that its cost does not grow with the
// catalog, the lists or the story's number of tags.
const (
	// relatedLists is how many of the story's lists Related reads: the
	// most specific (shortest) ones.
	relatedLists = 8
	// relatedScan is how many stories Related reads from each, newest first.
	relatedScan = 128
)

// Related returns up to n stories like the story with the given ID, best
// first: for an article page's "related posts" or a digest's "more like
// this". It returns nil when the ID is unknown or n <= 0, and never the
// story itself.
//
// A story is weighted by the tags and categories (a category's ancestors
// included) it shares with the given one, each by how specific it is: its
// inverse document frequency, ln(N/df) for N stories in the catalog and df
// in the tag's or category's list. A rare tag thus counts far more than a
// category holding a large share of the site ("ताज़ा ख़बरें"), and one that
// holds every story counts nothing. Among equal weights the newer story
// comes first, then the smaller ID, so the result is deterministic.
//
// The cost is bounded whatever the catalog's size: Related reads the
// newest 128 stories of each of the story's 8 most specific tags and
// categories (authors do not count), and weighs a story by the lists it
// was found in among those. A story sharing only lists longer than 128
// may therefore be missed, or weighed less, when it is not among their
// newest.
func (c *Catalog) Related(id string, n int) []*Article {
	if n <= 0 {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.lists == nil {
		return nil
	}
	d := c.docs.Get(c.docs.Hash(id), id)
	if d == nil {
		return nil
	}
	sc := relatedPool.Get().(*relatedScratch)
	defer relatedPool.Put(sc)
	sc.reset()
	for _, l := range c.relatedLists(d.Val, sc) {
		l.n.List.Each(0, relatedScan, func(e entry) bool {
			if e.Doc != d {
				sc.add(e, l.weight)
			}
			return true
		})
	}
	h := make(scoreHeap, 0, min(n, len(sc.found)))
	for i, e := range sc.found {
		h.offer(scored{e: e, score: sc.score[i]})
	}
	return h.articles()
}

// relatedScratch is Related's working memory, reused through relatedPool:
// the lists it reads, and the stories found in them with their summed
// weights, in an open-addressing table keyed by the story's time.
type relatedScratch struct {
	lists [relatedLists]scanList
	nodes []*node   // the story's tags' and categories' nodes
	found []entry   // each story found once, in the order found
	score []float64 // score[i] is found[i]'s summed weight
	// slots holds 1 + the index in found of a story, 0 when empty; at
	// most half full.
	slots [2 * relatedLists * relatedScan]uint16
}

var relatedPool = sync.Pool{New: func() any {
	return &relatedScratch{
		found: make([]entry, 0, relatedLists*relatedScan),
		score: make([]float64, 0, relatedLists*relatedScan),
	}
}}

func (sc *relatedScratch) reset() {
	clear(sc.found[:cap(sc.found)]) // drop the pointers to articles
	sc.found, sc.score = sc.found[:0], sc.score[:0]
	clear(sc.slots[:])
}

// add adds w to e's story's weight, finding it by its time.
func (sc *relatedScratch) add(e entry, w float64) {
	const mask = len(relatedScratch{}.slots) - 1
	for i := int(uint64(e.TS)*0x9E3779B97F4A7C15>>32) & mask; ; i = (i + 1) & mask {
		switch j := int(sc.slots[i]) - 1; {
		case j < 0:
			sc.slots[i] = uint16(len(sc.found) + 1)
			sc.found = append(sc.found, e)
			sc.score = append(sc.score, w)
			return
		case sc.found[j].Doc == e.Doc:
			sc.score[j] += w
			return
		}
	}
}

// scanList is one list Related reads: its node and its weight.
type scanList struct {
	n      *node
	weight float64
}

// relatedLists returns the lists of a's tags and categories (ancestors
// included, each once) that carry a positive weight, at most relatedLists
// of them, the most specific first.
func (c *Catalog) relatedLists(a *Article, sc *relatedScratch) []scanList {
	total := c.site.List.Len()
	cand := sc.nodes[:0]
	add := func(n *node) {
		if n != nil && n.List.Len() > 0 && n.List.Len() < total && !slices.Contains(cand, n) {
			cand = append(cand, n)
		}
	}
	for _, t := range a.Tags {
		add(c.nodes.Find(c.nodes.Hash(uint8(KindTag), 0, t.Slug), uint8(KindTag), nil, t.Slug))
	}
	for i := range a.Categories {
		c.categoryChain(&a.Categories[i], add)
	}
	sc.nodes = cand[:0]
	// Shortest list first; the key breaks ties so that the choice of the
	// most specific lists is deterministic.
	slices.SortFunc(cand, func(x, y *node) int {
		if d := x.List.Len() - y.List.Len(); d != 0 {
			return d
		}
		return compareKeys(keyOf(x), keyOf(y))
	})
	out := sc.lists[:0]
	for _, n := range cand[:min(len(cand), len(sc.lists))] {
		out = append(out, scanList{n: n, weight: math.Log(float64(total) / float64(n.List.Len()))})
	}
	return out
}

// Adjacent returns the stories next to the one with the given ID in the
// list k selects (the site, a category with its descendants, a tag or an
// author), in that list's newest-first order: prev is the one listed just
// before it (newer), next the one just after (older), nil at the ends. Both
// are nil when the story is unknown or not in the list. (WordPress's
// "previous post" is the older one: next here.) The cost grows with the
// logarithm of the list's length.
func (c *Catalog) Adjacent(id string, k Key) (prev, next *Article) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.lists == nil {
		return nil, nil
	}
	d := c.docs.Get(c.docs.Hash(id), id)
	n := c.list(k)
	if d == nil || n == nil {
		return nil, nil
	}
	before, after, _ := n.List.Around(entry{TS: d.Val.Published.UnixNano(), Doc: d})
	if before.Doc != nil {
		prev = before.Doc.Val
	}
	if after.Doc != nil {
		next = after.Doc.Val
	}
	return prev, next
}

// compareKeys orders keys by kind, then slug.
func compareKeys(a, b Key) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), strings.Compare(a.Slug, b.Slug))
}
