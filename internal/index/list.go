package index

import "sort"

// Doc is one stored document: its ID and the owner's value.
type Doc[T any] struct {
	ID  string
	Val T
}

// Entry is one document's place in an ordered list.
type Entry[T any] struct {
	TS  int64 // the document's time, ordered newest first
	Doc *Doc[T]
}

// Before reports whether e comes before f in a list's reading order:
// newer first, ties by ID.
func (e Entry[T]) Before(f Entry[T]) bool {
	if e.TS != f.TS {
		return e.TS > f.TS
	}
	return e.Doc.ID < f.Doc.ID
}

// stored reports whether e is stored before f (e reads after f).
func stored[T any](e, f Entry[T]) bool { return f.Before(e) }

// BlockMax is the most entries one block of a list holds before it splits.
// Inserting costs a binary search over the blocks' first entries, one
// within the block and a copy of at most BlockMax entries, whatever the
// list's length.
const BlockMax = 128

// List is an ordered set of entries, newest first, kept in blocks of at
// most BlockMax: a flat B-tree of one level, enough for lists of millions.
// The zero List is empty.
//
// Storage is in reverse reading order, oldest first, so that what a
// newsroom does all day — add an entry newer than everything — is an
// append to the last block, and a full last block starts a new one instead
// of shifting every block. firsts[i] is the first (oldest) entry of
// blocks[i], kept in one array so that finding a block touches one
// cache-friendly slice.
type List[T any] struct {
	// tail is the last block and newest its last entry's time, so that
	// appending a newest entry touches nothing but the list itself and the
	// block's next slot: at a million documents every other line is a
	// cache miss. blocks[len(blocks)-1] shares tail's array but its length
	// may be stale: read blocks through block, and writers call flush
	// first. The fields an insert touches come first, to share cache lines.
	tail   []Entry[T]
	newest int64
	blocks [][]Entry[T]
	n      int
	firsts []Entry[T]
}

// Len returns the number of entries.
func (l *List[T]) Len() int { return l.n }

// Tail returns the last stored block, where the next newest entry goes;
// callers read it only to bring it into the cache ahead of an Insert.
func (l *List[T]) Tail() []Entry[T] { return l.tail }

// find returns the block where e belongs and its index within it: the
// position of the first stored entry not stored before e.
func (l *List[T]) find(e Entry[T]) (int, int) {
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

// Insert adds e, or replaces the entry of the same document at the same
// place.
func (l *List[T]) Insert(e Entry[T]) {
	if t := l.tail; e.TS > l.newest && len(t) < cap(t) && len(t) < BlockMax {
		l.tail, l.newest = append(t, e), e.TS
		l.n++
		return
	}
	l.flush()
	l.insertSlow(e)
	l.sync()
}

// block returns the i-th block, reading the last one from tail.
func (l *List[T]) block(i int) []Entry[T] {
	if i == len(l.blocks)-1 {
		return l.tail
	}
	return l.blocks[i]
}

// flush brings blocks up to date with tail before a writer reads blocks.
func (l *List[T]) flush() {
	if len(l.blocks) > 0 {
		l.blocks[len(l.blocks)-1] = l.tail
	}
}

// sync refreshes tail and newest after a change that may have touched the
// last block.
func (l *List[T]) sync() {
	if len(l.blocks) == 0 {
		l.tail, l.newest = nil, 0
		return
	}
	l.tail = l.blocks[len(l.blocks)-1]
	l.newest = l.tail[len(l.tail)-1].TS
}

func (l *List[T]) insertSlow(e Entry[T]) {
	if len(l.blocks) == 0 {
		l.blocks = append(l.blocks, append(make([]Entry[T], 0, 4), e))
		l.firsts = append(l.firsts, e)
		l.n++
		return
	}
	b, i := l.find(e)
	blk := l.blocks[b]
	if i < len(blk) && blk[i].Doc == e.Doc {
		blk[i] = e
		if i == 0 {
			l.firsts[b] = e
		}
		return
	}
	l.n++
	if len(blk) == BlockMax && i == len(blk) && b == len(l.blocks)-1 {
		// Appending past a full last block: start a new one, leaving the
		// full block full.
		nb := make([]Entry[T], 1, BlockMax)
		nb[0] = e
		l.blocks = append(l.blocks, nb)
		l.firsts = append(l.firsts, e)
		return
	}
	blk = append(blk, Entry[T]{})
	copy(blk[i+1:], blk[i:])
	blk[i] = e
	if len(blk) <= BlockMax {
		l.blocks[b] = blk
		l.firsts[b] = blk[0]
		return
	}
	half := len(blk) / 2
	right := make([]Entry[T], len(blk)-half, BlockMax)
	copy(right, blk[half:])
	clear(blk[half:]) // drop the moved pointers from the spare capacity
	left := blk[:half]
	l.blocks = append(l.blocks, nil)
	copy(l.blocks[b+2:], l.blocks[b+1:])
	l.blocks[b], l.blocks[b+1] = left, right
	l.firsts = append(l.firsts, Entry[T]{})
	copy(l.firsts[b+2:], l.firsts[b+1:])
	l.firsts[b], l.firsts[b+1] = left[0], right[0]
}

// Remove deletes e (found by its time and document), reporting whether it
// was there.
func (l *List[T]) Remove(e Entry[T]) bool {
	l.flush()
	ok := l.removeSlow(e)
	if ok {
		l.sync()
	}
	return ok
}

func (l *List[T]) removeSlow(e Entry[T]) bool {
	if len(l.blocks) == 0 {
		return false
	}
	b, i := l.find(e)
	blk := l.blocks[b]
	if i >= len(blk) || blk[i].Doc != e.Doc {
		return false
	}
	copy(blk[i:], blk[i+1:])
	blk[len(blk)-1] = Entry[T]{}
	blk = blk[:len(blk)-1]
	l.n--
	if len(blk) == 0 {
		l.blocks = append(l.blocks[:b], l.blocks[b+1:]...)
		l.blocks[:len(l.blocks)+1][len(l.blocks)] = nil
		l.firsts = append(l.firsts[:b], l.firsts[b+1:]...)
		l.firsts[:len(l.firsts)+1][len(l.firsts)] = Entry[T]{}
		return true
	}
	l.blocks[b] = blk
	l.firsts[b] = blk[0]
	return true
}

// RankOf returns the number of entries with a time at or after ts: they
// come first in reading order.
func (l *List[T]) RankOf(ts int64) int {
	// Count stored entries with ts' < ts (the oldest), from the front.
	older := 0
	for b := range l.blocks {
		blk := l.block(b)
		if b+1 < len(l.blocks) && l.firsts[b+1].TS < ts {
			older += len(blk)
			continue
		}
		older += sort.Search(len(blk), func(i int) bool { return blk[i].TS >= ts })
		break
	}
	return l.n - older
}

// Each calls fn for the entries at reading ranks [from, to) (rank 0 is the
// newest), in reading order, until fn returns false.
func (l *List[T]) Each(from, to int, fn func(Entry[T]) bool) {
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

// Around returns the entries next to e in reading order: before is the
// one read just before it (newer), after the one just after (older); the
// zero Entry at an end. ok is false, and both zero, when e (its time and
// document) is not in the list. It costs two binary searches, over the
// blocks' first entries and within one block, and changes nothing, so
// readers may call it concurrently.
func (l *List[T]) Around(e Entry[T]) (before, after Entry[T], ok bool) {
	if l.n == 0 {
		return before, after, false
	}
	// The block is the last one whose first entry is stored at or before e.
	b := sort.Search(len(l.firsts), func(m int) bool { return stored(e, l.firsts[m]) }) - 1
	if b < 0 {
		return before, after, false
	}
	blk := l.block(b)
	i := sort.Search(len(blk), func(m int) bool { return !stored(blk[m], e) })
	if i >= len(blk) || blk[i].Doc != e.Doc {
		return before, after, false
	}
	// Storage is oldest first: the newer neighbour is stored after e.
	switch {
	case i+1 < len(blk):
		before = blk[i+1]
	case b+1 < len(l.blocks):
		before = l.block(b + 1)[0]
	}
	switch {
	case i > 0:
		after = blk[i-1]
	case b > 0:
		prev := l.block(b - 1)
		after = prev[len(prev)-1]
	}
	return before, after, true
}
