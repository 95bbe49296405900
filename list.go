package khabar

import "sort"

// entry is one article's place in an ordered list.
type entry struct {
	ts int64 // Published, Unix nanoseconds
	d  *doc
}

// before reports whether e comes before f in a list's reading order:
// newer first, ties by ID.
func (e entry) before(f entry) bool {
	if e.ts != f.ts {
		return e.ts > f.ts
	}
	return e.d.id < f.d.id
}

// blockMax is the most entries one block of a list holds before it splits.
// Inserting costs a binary search over the blocks' first entries, one
// within the block and a copy of at most blockMax entries, whatever the
// list's length.
const blockMax = 128

// list is an ordered set of entries kept in blocks of at most blockMax: a
// flat B-tree of one level, enough for lists of millions.
//
// Storage is in reverse reading order, oldest first, so that what a
// newsroom does all day — add an article newer than everything — is an
// append to the last block, and a full last block starts a new one instead
// of shifting every block. firsts[i] is the first (oldest) entry of
// blocks[i], kept in one array so that finding a block touches one
// cache-friendly slice.
type list struct {
	// tail is the last block and newest its last entry's time, so that
	// appending a newest entry touches nothing but the list itself and the
	// block's next slot: at a million articles every other line is a cache
	// miss. blocks[len(blocks)-1] shares tail's array but its length may be
	// stale: read blocks through block, and writers call flush first. The
	// fields an upsert touches come first, to share cache lines.
	tail    []entry
	newest  int64
	blocks  [][]entry
	n       int
	mark    uint64 // the catalog batch that last touched it
	firsts  []entry
	version uint64 // catalog version of the last change to this key
	key     Key    // the key the list is filed under
}

// stored reports whether e is stored before f (e reads after f).
func stored(e, f entry) bool { return f.before(e) }

// find returns the block where e belongs and its index within it: the
// position of the first stored entry not stored before e.
func (l *list) find(e entry) (int, int) {
	last := len(l.blocks) - 1
	// Fast path: news arrives newest first, so most inserts land at the end
	// of the last block.
	if lb := l.blocks[last]; stored(lb[len(lb)-1], e) {
		return last, len(lb)
	}
	// The block is the last one whose first entry is stored before e
	// (or at e).
	firsts := l.firsts
	lo, hi := 0, len(firsts)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if !stored(e, firsts[m]) { // firsts[m] <= e
			lo = m + 1
		} else {
			hi = m
		}
	}
	b := max(lo-1, 0)
	blk := l.blocks[b]
	lo, hi = 0, len(blk)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if stored(blk[m], e) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return b, lo
}

func (l *list) insert(e entry) {
	if t := l.tail; e.ts > l.newest && len(t) < cap(t) && len(t) < blockMax {
		l.tail, l.newest = append(t, e), e.ts
		l.n++
		return
	}
	l.flush()
	l.insertSlow(e)
	l.sync()
}

// block returns the i-th block, reading the last one from tail.
func (l *list) block(i int) []entry {
	if i == len(l.blocks)-1 {
		return l.tail
	}
	return l.blocks[i]
}

// flush brings blocks up to date with tail before a writer reads blocks.
func (l *list) flush() {
	if len(l.blocks) > 0 {
		l.blocks[len(l.blocks)-1] = l.tail
	}
}

// sync refreshes tail and newest after a change that may have touched the
// last block.
func (l *list) sync() {
	if len(l.blocks) == 0 {
		l.tail, l.newest = nil, 0
		return
	}
	l.tail = l.blocks[len(l.blocks)-1]
	l.newest = l.tail[len(l.tail)-1].ts
}

func (l *list) insertSlow(e entry) {
	if len(l.blocks) == 0 {
		l.blocks = append(l.blocks, append(make([]entry, 0, 4), e))
		l.firsts = append(l.firsts, e)
		l.n++
		return
	}
	b, i := l.find(e)
	blk := l.blocks[b]
	if i < len(blk) && blk[i].d == e.d {
		blk[i] = e
		if i == 0 {
			l.firsts[b] = e
		}
		return
	}
	l.n++
	if len(blk) == blockMax && i == len(blk) && b == len(l.blocks)-1 {
		// Appending past a full last block: start a new one, leaving the
		// full block full.
		nb := make([]entry, 1, blockMax)
		nb[0] = e
		l.blocks = append(l.blocks, nb)
		l.firsts = append(l.firsts, e)
		return
	}
	blk = append(blk, entry{})
	copy(blk[i+1:], blk[i:])
	blk[i] = e
	if len(blk) <= blockMax {
		l.blocks[b] = blk
		l.firsts[b] = blk[0]
		return
	}
	half := len(blk) / 2
	right := make([]entry, len(blk)-half, blockMax)
	copy(right, blk[half:])
	clear(blk[half:]) // drop the moved pointers from the spare capacity
	left := blk[:half]
	l.blocks = append(l.blocks, nil)
	copy(l.blocks[b+2:], l.blocks[b+1:])
	l.blocks[b], l.blocks[b+1] = left, right
	l.firsts = append(l.firsts, entry{})
	copy(l.firsts[b+2:], l.firsts[b+1:])
	l.firsts[b], l.firsts[b+1] = left[0], right[0]
}

func (l *list) remove(e entry) bool {
	l.flush()
	ok := l.removeSlow(e)
	if ok {
		l.sync()
	}
	return ok
}

func (l *list) removeSlow(e entry) bool {
	if len(l.blocks) == 0 {
		return false
	}
	b, i := l.find(e)
	blk := l.blocks[b]
	if i >= len(blk) || blk[i].d != e.d {
		return false
	}
	copy(blk[i:], blk[i+1:])
	blk[len(blk)-1] = entry{}
	blk = blk[:len(blk)-1]
	l.n--
	if len(blk) == 0 {
		l.blocks = append(l.blocks[:b], l.blocks[b+1:]...)
		l.blocks[:len(l.blocks)+1][len(l.blocks)] = nil
		l.firsts = append(l.firsts[:b], l.firsts[b+1:]...)
		l.firsts[:len(l.firsts)+1][len(l.firsts)] = entry{}
		return true
	}
	l.blocks[b] = blk
	l.firsts[b] = blk[0]
	return true
}

// rankOf returns the number of entries published at or after ts: they come
// first in reading order.
func (l *list) rankOf(ts int64) int {
	// Count stored entries with ts' < ts (the oldest), from the front.
	older := 0
	for b := range l.blocks {
		blk := l.block(b)
		if b+1 < len(l.blocks) && l.firsts[b+1].ts < ts {
			older += len(blk)
			continue
		}
		older += sort.Search(len(blk), func(i int) bool { return blk[i].ts >= ts })
		break
	}
	return l.n - older
}

// each calls fn for the entries at reading ranks [from, to) (rank 0 is the
// newest), in reading order, until fn returns false.
func (l *list) each(from, to int, fn func(entry) bool) {
	from = max(from, 0)
	to = min(to, l.n)
	if from >= to {
		return
	}
	// Reading rank r is stored position n-1-r; walk blocks from the end.
	r := 0 // reading rank of the last entry of the current block
	for b := len(l.blocks) - 1; b >= 0; b-- {
		blk := l.block(b)
		if r+len(blk) <= from {
			r += len(blk)
			continue
		}
		if r >= to {
			return
		}
		for i := len(blk) - 1 - max(from-r, 0); i >= 0 && r+len(blk)-1-i < to; i-- {
			if !fn(blk[i]) {
				return
			}
		}
		r += len(blk)
	}
}
