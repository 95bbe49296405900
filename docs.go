package khabar

import "hash/maphash"

// docTable maps article IDs to their docs. It is written out rather than
// a Go map for the same reason as nodeTable: an upsert looks the ID up in
// steps (load the bucket, then the candidate, then compare) interleaved
// with its other lookups, so that the cache misses overlap; and with the
// full 64-bit hash in every slot, finding that a new ID is absent costs
// one cache line.
//
// It is split into 256 parts by the hash's top byte, each an open-
// addressing table of buckets of four (hash, doc) slots with linear
// probing over buckets, at most half full. A part grows on its own, so no
// insert ever rehashes more than a 256th of the table. Deleted slots hold
// a tombstone until the part is next rebuilt.
type docTable struct {
	seed  maphash.Seed
	parts [256]docPart
	live  int
}

type docPart struct {
	buckets []docBucket
	used    int // slots holding a doc or a tombstone
	live    int // slots holding a doc
}

type docBucket [4]docSlot

type docSlot struct {
	h uint64
	d *doc
}

// tombstone marks a deleted slot: probes go on past it.
var tombstone = new(doc)

func (t *docTable) hash(id string) uint64 { return maphash.String(t.seed, id) }

func (t *docTable) part(h uint64) *docPart { return &t.parts[h>>56] }

// home returns the bucket where the probe for h starts; nil when the part
// is empty.
func (t *docTable) home(h uint64) *docBucket {
	p := t.part(h)
	if len(p.buckets) == 0 {
		return nil
	}
	return &p.buckets[h&uint64(len(p.buckets)-1)]
}

// match returns the first doc in the bucket with hash h, nil if none; the
// caller compares IDs.
func (b *docBucket) match(h uint64) *doc {
	for _, s := range b {
		if s.h == h && s.d != nil && s.d != tombstone {
			return s.d
		}
	}
	return nil
}

// full reports whether a probe may go on past the bucket: only then can a
// doc that match did not find be elsewhere.
func (b *docBucket) full() bool { return b[len(b)-1].d != nil }

// get returns the doc with the given id and hash, nil if none.
func (t *docTable) get(h uint64, id string) *doc {
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
			case s.h == h && s.d != tombstone && s.d.id == id:
				return s.d
			}
		}
	}
}

// add files d, whose ID is known to be absent, under hash h.
func (t *docTable) add(h uint64, d *doc) {
	p := t.part(h)
	if 2*(p.used+1) > 4*len(p.buckets) {
		p.rebuild()
	}
	mask := uint64(len(p.buckets) - 1)
	for b := h & mask; ; b = (b + 1) & mask {
		for i := range &p.buckets[b] {
			s := &p.buckets[b][i]
			if s.d == nil || s.d == tombstone {
				if s.d == nil {
					p.used++
				}
				*s = docSlot{h, d}
				p.live++
				t.live++
				return
			}
		}
	}
}

// remove deletes the doc with the given id and hash, reporting whether it
// was there.
func (t *docTable) remove(h uint64, id string) bool {
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
			case s.h == h && s.d != tombstone && s.d.id == id:
				s.d = tombstone
				p.live--
				t.live--
				return true
			}
		}
	}
}

// rebuild rehashes the part without its tombstones, doubling it when it
// is more than a quarter full of docs.
func (p *docPart) rebuild() {
	n := max(4, len(p.buckets))
	if slots := 4 * len(p.buckets); 4*(p.live+1) > slots {
		n = max(4, 2*len(p.buckets))
	}
	old := p.buckets
	p.buckets = make([]docBucket, n)
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
