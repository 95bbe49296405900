package index

import "hash/maphash"

// DocTable maps document IDs to their docs, and allocates the docs. It is
// written out rather than a Go map so that a caller can look an ID up in
// steps (Hash, Home to load the bucket, Match for the candidate, then
// compare IDs) interleaved with its other lookups, and so let the cache
// misses overlap; and with the full 64-bit hash in every slot, finding
// that a new ID is absent costs one cache line.
//
// It is split into 256 parts by the hash's top byte, each an open-
// addressing table of buckets of four (hash, doc) slots with linear
// probing over buckets, at most half full. A part grows on its own, so no
// insert ever rehashes more than a 256th of the table. Deleted slots hold
// a tombstone until the part is next rebuilt.
//
// Call Init before use. A DocTable is not safe for concurrent use, and
// must not be copied after Init.
type DocTable[T any] struct {
	seed  maphash.Seed
	parts [256]docPart[T]
	live  int
	dead  Doc[T] // its address is the tombstone: probes go on past it

	// Docs are allocated 512 at a time and reused once removed.
	chunk []Doc[T]
	free  []*Doc[T]
}

type docPart[T any] struct {
	buckets []DocBucket[T]
	used    int // slots holding a doc or a tombstone
	live    int // slots holding a doc
}

// DocBucket is one bucket of a DocTable: a cache line of four slots.
type DocBucket[T any] [4]docSlot[T]

type docSlot[T any] struct {
	h uint64
	d *Doc[T]
}

// Init seeds the table's hash.
func (t *DocTable[T]) Init() { t.seed = maphash.MakeSeed() }

// Len returns the number of docs.
func (t *DocTable[T]) Len() int { return t.live }

// Hash returns the hash of id that the other methods take.
func (t *DocTable[T]) Hash(id string) uint64 { return maphash.String(t.seed, id) }

func (t *DocTable[T]) part(h uint64) *docPart[T] { return &t.parts[h>>56] }

func (t *DocTable[T]) tombstone() *Doc[T] { return &t.dead }

// Home returns the bucket where the probe for h starts; nil when the part
// is empty.
func (t *DocTable[T]) Home(h uint64) *DocBucket[T] {
	p := t.part(h)
	if len(p.buckets) == 0 {
		return nil
	}
	return &p.buckets[h&uint64(len(p.buckets)-1)]
}

// Match returns the first doc in b with hash h, nil if none; the caller
// compares IDs.
func (t *DocTable[T]) Match(b *DocBucket[T], h uint64) *Doc[T] {
	for _, s := range b {
		if s.h == h && s.d != nil && s.d != t.tombstone() {
			return s.d
		}
	}
	return nil
}

// Touch reads b's first slot, only to bring b into the cache before a
// Match; callers keep the result somewhere so that the read stays.
func (b *DocBucket[T]) Touch() uint64 { return b[0].h }

// Full reports whether a probe may go on past b: only then can a doc that
// Match did not find be elsewhere.
func (b *DocBucket[T]) Full() bool { return b[len(b)-1].d != nil }

// Get returns the doc with the given id and hash, nil if none.
func (t *DocTable[T]) Get(h uint64, id string) *Doc[T] {
	p := t.part(h)
	if len(p.buckets) == 0 {
		return nil
	}
	mask := uint64(len(p.buckets) - 1)
	for b := h & mask; ; b = (b + 1) & mask {
		for _, s := range &p.buckets[b] {
			switch {
			case s.d == nil:
				return nil
			case s.h == h && s.d != t.tombstone() && s.d.ID == id:
				return s.d
			}
		}
	}
}

// Add files a new doc holding id and val, whose ID is known to be absent,
// under hash h, and returns it.
func (t *DocTable[T]) Add(h uint64, id string, val T) *Doc[T] {
	d := t.alloc()
	d.ID, d.Val = id, val
	p := t.part(h)
	if 2*(p.used+1) > 4*len(p.buckets) {
		p.rebuild(t.tombstone())
	}
	mask := uint64(len(p.buckets) - 1)
	for b := h & mask; ; b = (b + 1) & mask {
		for i := range &p.buckets[b] {
			s := &p.buckets[b][i]
			if s.d == nil || s.d == t.tombstone() {
				if s.d == nil {
					p.used++
				}
				*s = docSlot[T]{h, d}
				p.live++
				t.live++
				return d
			}
		}
	}
}

func (t *DocTable[T]) alloc() *Doc[T] {
	if n := len(t.free); n > 0 {
		d := t.free[n-1]
		t.free = t.free[:n-1]
		return d
	}
	if len(t.chunk) == 0 {
		t.chunk = make([]Doc[T], 512)
	}
	d := &t.chunk[0]
	t.chunk = t.chunk[1:]
	return d
}

// Remove deletes the doc with the given id and hash, reporting whether it
// was there. The doc is cleared and reused by a later Add: nothing may
// hold it after.
func (t *DocTable[T]) Remove(h uint64, id string) bool {
	p := t.part(h)
	if len(p.buckets) == 0 {
		return false
	}
	mask := uint64(len(p.buckets) - 1)
	for b := h & mask; ; b = (b + 1) & mask {
		for i := range &p.buckets[b] {
			s := &p.buckets[b][i]
			switch {
			case s.d == nil:
				return false
			case s.h == h && s.d != t.tombstone() && s.d.ID == id:
				*s.d = Doc[T]{}
				t.free = append(t.free, s.d)
				s.d = t.tombstone()
				p.live--
				t.live--
				return true
			}
		}
	}
}

// rebuild rehashes the part without its tombstones, doubling it when it
// is more than a quarter full of docs.
func (p *docPart[T]) rebuild(tombstone *Doc[T]) {
	n := max(4, len(p.buckets))
	if slots := 4 * len(p.buckets); 4*(p.live+1) > slots {
		n = max(4, 2*len(p.buckets))
	}
	old := p.buckets
	p.buckets = make([]DocBucket[T], n)
	p.used = p.live
	mask := uint64(n - 1)
	for ob := range old {
		for _, s := range &old[ob] {
			if s.d == nil || s.d == tombstone {
				continue
			}
		probe:
			for b := s.h & mask; ; b = (b + 1) & mask {
				for i := range &p.buckets[b] {
					if p.buckets[b][i].d == nil {
						p.buckets[b][i] = s
						break probe
					}
				}
			}
		}
	}
}
