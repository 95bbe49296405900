package index

import (
	"hash/maphash"
	"strings"
)

// Node is one key of an index: a slug under a kind and a parent node,
// with the list of documents filed under it and the owner's data. Nodes
// are never removed; a node whose list empties stays for reuse.
type Node[T, D any] struct {
	// The fields a lookup and an insert read come first, to share cache
	// lines; the owner's hot fields should come first in D.
	Slug   string
	Parent *Node[T, D] // nil for a node at the root
	Kind   uint8
	List   List[T]
	Data   D
}

// NodeTable finds nodes by kind, parent and slug: an open-addressing hash
// table of (hash, node) slots in buckets of four (one cache line), linear
// probing over buckets, at most half full. It is written out rather than a
// Go map so that a caller can look up many nodes in stages whose memory
// loads are independent of each other (see Resolve): in a large index they
// are cache misses, and the CPU then waits for them together instead of
// one after another.
//
// Call Init before use. A NodeTable is not safe for concurrent use.
type NodeTable[T, D any] struct {
	seed    maphash.Seed
	buckets []nodeBucket[T, D]
	used    int
}

type nodeBucket[T, D any] [4]nodeSlot[T, D]

type nodeSlot[T, D any] struct {
	h uint64
	n *Node[T, D]
}

// Init seeds the table's hash.
func (t *NodeTable[T, D]) Init() { t.seed = maphash.MakeSeed() }

// Hash returns the table hash of a node of the given kind and slug whose
// parent has hash ph (0 for none). A node's hash thus follows from its
// path alone, so a whole chain can be hashed, and looked up, before any of
// its nodes is known.
func (t *NodeTable[T, D]) Hash(kind uint8, ph uint64, slug string) uint64 {
	h := maphash.String(t.seed, slug)
	h ^= uint64(kind)*0x9E3779B97F4A7C15 + 1
	h ^= ph * 0xC2B2AE3D27D4EB4F
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 32
	return h
}

func (n *Node[T, D]) is(kind uint8, parent *Node[T, D], slug string) bool {
	return n.Kind == kind && n.Parent == parent && n.Slug == slug
}

// Find returns the node filed under hash h; nil when absent. Slots fill
// in order and are never emptied, so an empty slot ends the probe.
func (t *NodeTable[T, D]) Find(h uint64, kind uint8, parent *Node[T, D], slug string) *Node[T, D] {
	if len(t.buckets) == 0 {
		return nil
	}
	mask := uint64(len(t.buckets) - 1)
	for b := h & mask; ; b = (b + 1) & mask {
		for _, s := range &t.buckets[b] {
			if s.n == nil {
				return nil
			}
			if s.h == h && s.n.is(kind, parent, slug) {
				return s.n
			}
		}
	}
}

// Add files n, known to be absent, under hash h.
func (t *NodeTable[T, D]) Add(h uint64, n *Node[T, D]) {
	if 2*(t.used+1) > 4*len(t.buckets) {
		old := t.buckets
		t.buckets = make([]nodeBucket[T, D], max(16, 2*len(old)))
		for b := range old {
			for _, s := range &old[b] {
				if s.n != nil {
					t.put(s)
				}
			}
		}
	}
	t.put(nodeSlot[T, D]{h, n})
	t.used++
}

func (t *NodeTable[T, D]) put(s nodeSlot[T, D]) {
	mask := uint64(len(t.buckets) - 1)
	for b := s.h & mask; ; b = (b + 1) & mask {
		for j := range &t.buckets[b] {
			if t.buckets[b][j].n == nil {
				t.buckets[b][j] = s
				return
			}
		}
	}
}

// Want is one lookup of a Resolve.
type Want[T, D any] struct {
	Kind   uint8
	Parent *Node[T, D] // the parent node, when known (see AnyParent)
	Slug   string
	H      uint64 // set by the caller: NodeTable.Hash
	// AnyParent defers the parent check to the caller: the lookup of a
	// node below the root runs before its parent's node is known, and the
	// caller checks N.Parent once it is.
	AnyParent bool
	N         *Node[T, D] // the answer; nil when absent

	first uint64      // the home bucket's first hash, loaded to bring it in
	cand  *Node[T, D] // the node in the home bucket with the same hash
	cslug string      // cand's slug, loaded to bring cand in
	tail  []Entry[T]  // cand's list's last block
	// touched holds what Resolve read of cand's slug and last block, only
	// so that the compare and the later insert find them in the cache.
	touched int64
}

// Resolve finds the node of each want, in passes over them: load every
// home bucket; then find the candidate in each and load its slug and list
// header; then load the slug's bytes and the list's last block, where a
// newest entry will be appended; then compare. Each pass's loads depend
// only on the pass before, so their cache misses overlap; between, if not
// nil, is called after the first and the second pass with other work for
// the CPU to do while the loads are in flight. A home bucket without the
// node falls back to a full probe (except for AnyParent wants, left to
// the caller); absent nodes are left nil for the caller to create.
func (t *NodeTable[T, D]) Resolve(ws []Want[T, D], between func(stage int)) {
	if len(t.buckets) == 0 {
		if between != nil {
			between(1)
			between(2)
		}
		return
	}
	mask := uint64(len(t.buckets) - 1)
	for i := range ws {
		ws[i].first = t.buckets[ws[i].H&mask][0].h
	}
	if between != nil {
		between(1)
	}
	for i := range ws {
		w := &ws[i]
		for _, s := range &t.buckets[w.H&mask] {
			if s.h == w.H && s.n != nil {
				w.cand, w.cslug, w.tail = s.n, s.n.Slug, s.n.List.tail
				break
			}
		}
	}
	// A tight loop, so that all these loads are in flight at once: the
	// candidate's slug bytes, for the compare, and its list's last block,
	// for the insert. Wrong candidates cost a wasted load, nothing else.
	for i := range ws {
		w := &ws[i]
		if len(w.cslug) > 0 {
			w.touched = int64(w.cslug[0])
		}
		if len(w.tail) > 0 {
			w.touched += w.tail[len(w.tail)-1].TS
		}
	}
	if between != nil {
		between(2)
	}
	for i := range ws {
		w := &ws[i]
		if w.cand != nil && w.cslug == w.Slug && w.cand.Kind == w.Kind && (w.AnyParent || w.cand.Parent == w.Parent) {
			w.N = w.cand
		} else if !w.AnyParent {
			w.N = t.Find(w.H, w.Kind, w.Parent, w.Slug)
		}
	}
}

// FindOrAdd returns the node w names: the one Resolve found, else one
// added since (a caller may want one node twice), else a new empty one,
// added under w.H with w.Slug (which the caller may replace with an
// equal string).
func (t *NodeTable[T, D]) FindOrAdd(w *Want[T, D]) (n *Node[T, D], isNew bool) {
	if w.N != nil {
		return w.N, false
	}
	if n := t.Find(w.H, w.Kind, w.Parent, w.Slug); n != nil {
		return n, false
	}
	n = &Node[T, D]{Kind: w.Kind, Parent: w.Parent, Slug: w.Slug}
	t.Add(w.H, n)
	return n, true
}

// Pack copies strs into one allocation and sets dst to them as substrings
// of it, so that values interned together sit together in memory.
func Pack(dst []string, strs ...string) {
	n := 0
	for _, s := range strs {
		n += len(s)
	}
	var b strings.Builder
	b.Grow(n)
	for _, s := range strs {
		b.WriteString(s)
	}
	all := b.String()
	for i, s := range strs {
		dst[i], all = all[:len(s)], all[len(s):]
	}
}
