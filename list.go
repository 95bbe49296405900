package khabar

import "sort"

// entry is one article's place in an ordered list: newest first, then by ID.
type entry struct {
	ts int64 // Published, Unix nanoseconds
	d  *doc
}

// before reports whether e sorts before f: newer first, ties by ID.
func (e entry) before(f entry) bool {
	if e.ts != f.ts {
		return e.ts > f.ts
	}
	return e.d.id < f.d.id
}

// blockMax is the most entries one block of a list holds before it splits.
// Inserting costs a binary search over blocks, one within the block and a
// copy of at most blockMax entries, whatever the list's length.
const blockMax = 512

// list is an ordered set of entries kept in blocks of at most blockMax: a
// flat B-tree of one level, enough for lists of millions (a million entries
// are about 4,000 blocks).
type list struct {
	blocks  [][]entry
	n       int
	version uint64 // catalog version of the last change to this key
}

// find returns the block holding e's position and the index within it.
func (l *list) find(e entry) (int, int) {
	b := sort.Search(len(l.blocks), func(i int) bool {
		blk := l.blocks[i]
		return !blk[len(blk)-1].before(e)
	})
	if b == len(l.blocks) {
		if b == 0 {
			return 0, 0
		}
		b--
		return b, len(l.blocks[b])
	}
	blk := l.blocks[b]
	i := sort.Search(len(blk), func(i int) bool { return !blk[i].before(e) })
	return b, i
}

func (l *list) insert(e entry) {
	if len(l.blocks) == 0 {
		l.blocks = append(l.blocks, append(make([]entry, 0, 8), e))
		l.n++
		return
	}
	b, i := l.find(e)
	blk := l.blocks[b]
	if i < len(blk) && blk[i].d == e.d {
		blk[i] = e
		return
	}
	blk = append(blk, entry{})
	copy(blk[i+1:], blk[i:])
	blk[i] = e
	l.n++
	if len(blk) > blockMax {
		half := len(blk) / 2
		right := make([]entry, len(blk)-half, blockMax)
		copy(right, blk[half:])
		clear(blk[half:]) // drop the moved pointers from the spare capacity
		l.blocks = append(l.blocks, nil)
		copy(l.blocks[b+2:], l.blocks[b+1:])
		l.blocks[b] = blk[:half]
		l.blocks[b+1] = right
		return
	}
	l.blocks[b] = blk
}

func (l *list) remove(e entry) bool {
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
		copy(l.blocks[b:], l.blocks[b+1:])
		l.blocks[len(l.blocks)-1] = nil
		l.blocks = l.blocks[:len(l.blocks)-1]
		return true
	}
	l.blocks[b] = blk
	return true
}

// rankOf returns the number of entries published at or after ts (they
// sort first).
func (l *list) rankOf(ts int64) int {
	r := 0
	for _, blk := range l.blocks {
		if blk[len(blk)-1].ts < ts {
			return r + sort.Search(len(blk), func(i int) bool { return blk[i].ts < ts })
		}
		r += len(blk)
	}
	return r
}

// each calls fn for the entries at ranks [from, to), in order, until fn
// returns false.
func (l *list) each(from, to int, fn func(entry) bool) {
	if from < 0 {
		from = 0
	}
	if to > l.n {
		to = l.n
	}
	r := 0
	for _, blk := range l.blocks {
		if r+len(blk) <= from {
			r += len(blk)
			continue
		}
		if r >= to {
			return
		}
		i := 0
		if from > r {
			i = from - r
		}
		for ; i < len(blk) && r+i < to; i++ {
			if !fn(blk[i]) {
				return
			}
		}
		r += len(blk)
	}
}
