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
// Inserting costs a binary search over the blocks' last entries, one within
// the block and a copy of at most blockMax entries, whatever the list's
// length.
const blockMax = 128

// list is an ordered set of entries kept in blocks of at most blockMax: a
// flat B-tree of one level, enough for lists of millions (a million entries
// are about 10,000 blocks). lasts[i] is the last entry of blocks[i], kept
// in one array so that finding a block touches one cache-friendly slice.
type list struct {
	blocks  [][]entry
	lasts   []entry
	n       int
	version uint64 // catalog version of the last change to this key
}

// find returns the block holding e's position and the index within it.
func (l *list) find(e entry) (int, int) {
	lasts := l.lasts
	lo, hi := 0, len(lasts)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if lasts[m].before(e) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	b := lo
	if b == len(lasts) {
		b--
		return b, len(l.blocks[b])
	}
	blk := l.blocks[b]
	lo, hi = 0, len(blk)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if blk[m].before(e) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return b, lo
}

func (l *list) insert(e entry) {
	if len(l.blocks) == 0 {
		l.blocks = append(l.blocks, append(make([]entry, 0, 4), e))
		l.lasts = append(l.lasts, e)
		l.n++
		return
	}
	b, i := l.find(e)
	blk := l.blocks[b]
	if i < len(blk) && blk[i].d == e.d {
		blk[i] = e
		if i == len(blk)-1 {
			l.lasts[b] = e
		}
		return
	}
	blk = append(blk, entry{})
	copy(blk[i+1:], blk[i:])
	blk[i] = e
	l.n++
	if len(blk) <= blockMax {
		l.blocks[b] = blk
		l.lasts[b] = blk[len(blk)-1]
		return
	}
	half := len(blk) / 2
	right := make([]entry, len(blk)-half, blockMax+1)
	copy(right, blk[half:])
	clear(blk[half:]) // drop the moved pointers from the spare capacity
	left := blk[:half]
	if cap(left) < blockMax+1 {
		left = append(make([]entry, 0, blockMax+1), left...)
	}
	l.blocks = append(l.blocks, nil)
	copy(l.blocks[b+2:], l.blocks[b+1:])
	l.blocks[b], l.blocks[b+1] = left, right
	l.lasts = append(l.lasts, entry{})
	copy(l.lasts[b+2:], l.lasts[b+1:])
	l.lasts[b], l.lasts[b+1] = left[len(left)-1], right[len(right)-1]
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
		l.blocks = append(l.blocks[:b], l.blocks[b+1:]...)
		l.blocks[:len(l.blocks)+1][len(l.blocks)] = nil
		l.lasts = append(l.lasts[:b], l.lasts[b+1:]...)
		l.lasts[:len(l.lasts)+1][len(l.lasts)] = entry{}
		return true
	}
	l.blocks[b] = blk
	l.lasts[b] = blk[len(blk)-1]
	return true
}

// rankOf returns the number of entries published at or after ts (they
// sort first).
func (l *list) rankOf(ts int64) int {
	r := 0
	for b, last := range l.lasts {
		blk := l.blocks[b]
		if last.ts < ts {
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
