package feed

import (
	"net"
	"slices"
	"sync"
	"unsafe"

	"github.com/khabar/khabar"
)

// The Renderer's item cache: each article's rendered item per format,
// kept until the catalog hands out a different snapshot of the article,
// so that re-rendering a feed after one change renders one item.

// itemCache is what the Renderer keeps of one article.
type itemCache struct {
	a *khabar.Article
	// body is a.ContentHTML after Config.ContentPolicy, once computed
	// (bodyDone): the three formats share it.
	body     string
	bodyDone bool
	out      [len(Formats)][]byte
	gz       [len(Formats)][]byte // out deflated as a piece of a gzip body (Handler)
	// bodyBlk and outBlk are the blocks body and out lie in; nil for
	// bytes with an allocation of their own (or none, for a body that is
	// a.ContentHTML).
	bodyBlk *block
	outBlk  [len(Formats)]*block
}

// pieces is the scratch of one Write: the page's pieces, its items and
// its head, reused from a pool, since w may not keep what it is given
// (io.Writer's contract) and the items themselves are the cache's.
type pieces struct {
	bufs  net.Buffers
	items [][]byte
	head  []byte
}

var piecesPool = sync.Pool{New: func() any { return new(pieces) }}

// tails are what follows the last item, as bytes: tail(f, false) and
// tail(f, true) for each format.
var tails = func() (t [len(Formats)][2][]byte) {
	for _, f := range Formats {
		t[f] = [2][]byte{[]byte(tail(f, false)), []byte(tail(f, true))}
	}
	return t
}()

// fragments sets ps.bufs to p rendered in format f as the pieces it is
// made of: the head, each item (shared with the item cache: read-only),
// the separators and the tail. Written one after the other they are
// AppendPage's output; a network connection takes them in one writev.
func (r *Renderer) fragments(ps *pieces, p *Page, f Format) {
	ps.head = r.appendHead(ps.head[:0], p, f)
	ps.items = r.pageItems(ps.items[:0], p, f)
	bufs := append(ps.bufs[:0], ps.head)
	for i, it := range ps.items {
		if i > 0 && itemSep[f] != "" {
			bufs = append(bufs, itemSepBytes[f])
		}
		bufs = append(bufs, it)
	}
	empty := 0
	if len(p.Items) == 0 {
		empty = 1
	}
	ps.bufs = append(bufs, tails[f][empty])
}

// release drops ps's references to the page and returns it to the pool;
// one that grew for a huge page is let go.
func (ps *pieces) release() {
	if cap(ps.bufs) > 4096 || cap(ps.head) > 1<<16 {
		return
	}
	clear(ps.bufs[:cap(ps.bufs)])
	clear(ps.items[:cap(ps.items)])
	ps.bufs, ps.items = ps.bufs[:0], ps.items[:0]
	piecesPool.Put(ps)
}

func (r *Renderer) sizeHint(p *Page, f Format) int {
	n := 2048
	r.mu.RLock()
	for _, a := range p.Items {
		if ic := r.items[a.ID]; ic != nil && ic.a == a && ic.out[f] != nil {
			n += len(ic.out[f])
		} else {
			n += 2*len(a.ContentHTML) + 1024
		}
	}
	r.mu.RUnlock()
	return n
}

// coldItem is an item pageItems found missing from the cache.
type coldItem struct {
	i        int // its index in the page
	src      *khabar.Article
	body     string
	bodyBlk  *block
	haveBody bool
	// off and n locate a body the policy changed in the scratch buffer
	// (n < 0: the policy left it as it is).
	off, n int
	// own says the item outgrew the block: it has an allocation of its own.
	own bool
}

// pageItems returns the rendered items of p in format f, in dst's array
// when it has room for them, shared with the item cache (read-only).
//
// The items the cache lacks are rendered and cached without an
// allocation of their own: their bodies are filtered one after the other
// into a pooled scratch buffer, then one block is allocated for the
// bodies the policy changed (copied in with one copy) and the items,
// which are rendered straight into it; the cache keeps slices of it.
func (r *Renderer) pageItems(dst [][]byte, p *Page, f Format) [][]byte {
	out := slices.Grow(dst[:0], len(p.Items))[:len(p.Items)]
	clear(out)
	var cold []coldItem
	fresh := 0 // articles the cache has no entry for
	r.mu.RLock()
	for i, a := range p.Items {
		ic := r.items[a.ID]
		if ic != nil && ic.a == a && ic.out[f] != nil {
			out[i] = ic.out[f]
			continue
		}
		c := coldItem{i: i, src: a, n: -1}
		if ic != nil {
			c.body, c.bodyBlk, c.haveBody = ic.bodyFor(a)
		} else {
			fresh++
		}
		cold = append(cold, c)
	}
	r.mu.RUnlock()
	if len(cold) == 0 {
		return out
	}
	var sp *[]byte
	n := 0
	for k := range cold {
		c := &cold[k]
		if !p.clean(c.i) {
			c.src = cleanArticle(c.src)
		}
		if !c.haveBody {
			if sp == nil {
				sp = scratchPool.Get().(*[]byte)
			}
			off := len(*sp)
			var same bool
			if *sp, same = r.s.appendBody(*sp, c.src); same {
				c.body = c.src.ContentHTML
			} else {
				c.off, c.n = off, len(*sp)-off
				n += c.n
			}
		}
		n += r.itemSizeHint(c.src, max(c.n, len(c.body)))
	}
	buf := make([]byte, 0, n)
	blk := &block{size: int64(n)}
	if sp != nil {
		buf = append(buf, *sp...)
		if cap(*sp) <= maxScratch {
			*sp = (*sp)[:0]
			scratchPool.Put(sp)
		}
	}
	for k := range cold {
		c := &cold[k]
		if c.n >= 0 {
			c.body, c.bodyBlk = "", nil
			if c.n > 0 {
				c.body, c.bodyBlk = unsafe.String(&buf[c.off], c.n), blk
			}
		}
		free := buf[len(buf):]
		it := r.appendItem(free, c.src, c.body, f)
		out[c.i] = it[:len(it):len(it)]          // appending to a shared item must copy
		if c.own = len(it) > cap(free); !c.own { // append did not reallocate
			buf = buf[:len(buf)+len(it)]
		}
	}
	entries := make([]itemCache, fresh)
	r.mu.Lock()
	for _, c := range cold {
		ib := blk
		if c.own {
			ib = nil
		}
		r.store(p.Items[c.i], f, c.body, c.bodyBlk, out[c.i], ib, &entries)
	}
	r.trimItems("")
	r.mu.Unlock()
	return out
}

// scratchPool holds the buffers pageItems filters bodies into.
var scratchPool = sync.Pool{New: func() any { return new([]byte) }}

// maxScratch is the largest scratch buffer kept for reuse.
const maxScratch = 4 << 20

// itemSizeHint is a guess, on the generous side, of the size of a's
// rendered item with a body of bodyLen bytes as its content.
func (r *Renderer) itemSizeHint(a *khabar.Article, bodyLen int) int {
	n := bodyLen + bodyLen/32 + len(a.Summary)*17/16 + len(a.Title)*17/16 + 3*len(a.URL) + len(a.ID) + 512
	if im := a.Image; im != nil {
		n += 3*len(im.URL) + len(im.Caption) + len(im.Alt) + 256
	}
	return n + 64*len(a.Authors) + (64+len(r.s.catDom))*(len(a.Categories)+len(a.Tags))
}

// appendItem appends a's item in format f, with body as its content.
func (r *Renderer) appendItem(b []byte, a *khabar.Article, body string, f Format) []byte {
	switch f {
	case Atom:
		return r.appendAtomEntry(b, a, body)
	case JSON:
		return r.appendJSONItem(b, a, body)
	}
	return r.appendRSSItem(b, a, body)
}

// store caches item b of a in format f, rendered with body; bodyBlk and
// blk are the blocks body and b lie in (nil: not in a block). A new entry
// is taken from spare while it lasts. Called with r.mu held.
func (r *Renderer) store(a *khabar.Article, f Format, body string, bodyBlk *block, b []byte, blk *block, spare *[]itemCache) {
	ic := r.items[a.ID]
	switch {
	case ic == nil:
		if len(*spare) > 0 {
			ic, *spare = &(*spare)[0], (*spare)[1:]
		} else {
			ic = new(itemCache)
		}
		ic.a = a
		r.items[a.ID] = ic
	case ic.a != a:
		// A new snapshot: the entry is reused. Its filtered body stays
		// when body is that very string (bodyFor gave it back).
		keep := ic.bodyDone && len(ic.body) == len(body) && unsafe.StringData(ic.body) == unsafe.StringData(body)
		r.clearEntry(ic, keep)
		ic.a = a
	}
	if !ic.bodyDone {
		ic.body, ic.bodyBlk, ic.bodyDone = body, bodyBlk, true
		if ic.bodySize() == 0 {
			ic.bodyBlk = nil
		}
		r.hold(ic.bodyBlk, ic.bodySize())
	}
	r.unhold(ic.outBlk[f], int64(len(ic.out[f])))
	ic.out[f], ic.outBlk[f] = b, blk
	r.hold(blk, int64(len(b)))
}

// clearEntry releases what ic holds (but its filtered body when
// keepBody) and zeroes it, so that an entry in a spare array that is no
// longer cached keeps nothing alive. Called with r.mu held.
func (r *Renderer) clearEntry(ic *itemCache, keepBody bool) {
	body, bodyBlk, bodyDone := ic.body, ic.bodyBlk, ic.bodyDone
	if !keepBody {
		r.unhold(ic.bodyBlk, ic.bodySize())
	}
	for f := range ic.out {
		r.unhold(ic.outBlk[f], int64(len(ic.out[f])))
		r.unhold(nil, int64(len(ic.gz[f])))
	}
	*ic = itemCache{}
	if keepBody {
		ic.body, ic.bodyBlk, ic.bodyDone = body, bodyBlk, bodyDone
	}
}

// itemBytes returns a's rendered item in format f, from the cache when
// it holds this snapshot of a, else rendered and cached. clean says that
// a's text fields are known to be clean (it came from a catalog). The
// result is shared: it must not be modified.
func (r *Renderer) itemBytes(a *khabar.Article, f Format, clean bool) []byte {
	r.mu.RLock()
	ic := r.items[a.ID]
	var cached []byte
	var body string
	var bodyBlk *block
	haveBody := false
	if ic != nil {
		if ic.a == a {
			cached = ic.out[f]
		}
		body, bodyBlk, haveBody = ic.bodyFor(a)
	}
	r.mu.RUnlock()
	if cached != nil {
		return cached
	}
	src := a
	if !clean {
		src = cleanArticle(a)
	}
	if !haveBody {
		body = r.s.filterBody(src)
	}
	b := r.appendItem(make([]byte, 0, r.itemSizeHint(src, len(body))), src, body, f)
	b = b[:len(b):len(b)] // appending to a shared item must copy
	r.mu.Lock()
	r.store(a, f, body, bodyBlk, b, nil, new([]itemCache))
	r.trimItems(a.ID)
	r.mu.Unlock()
	return b
}

// bodyFor returns the filtered body ic holds and its block, when it is
// the one a gets: a is ic's snapshot, or a later one with the same
// ContentHTML and URL (the policy's only inputs), such as an article
// whose title or categories changed. A body the policy left as it was is
// returned as a's own ContentHTML, so that the old snapshot's is not kept
// alive.
func (ic *itemCache) bodyFor(a *khabar.Article) (string, *block, bool) {
	if !ic.bodyDone {
		return "", nil, false
	}
	if ic.a == a {
		return ic.body, ic.bodyBlk, true
	}
	old := ic.a
	if old.URL != a.URL || old.ContentHTML != a.ContentHTML {
		return "", nil, false
	}
	if ic.bodySize() == 0 {
		return a.ContentHTML, nil, true
	}
	return ic.body, ic.bodyBlk, true
}

// bodySize is the number of bytes ic.body holds beyond the article's own
// ContentHTML: none when the policy left the body as it was.
func (ic *itemCache) bodySize() int64 {
	if len(ic.body) == len(ic.a.ContentHTML) && unsafe.StringData(ic.body) == unsafe.StringData(ic.a.ContentHTML) {
		return 0
	}
	return int64(len(ic.body))
}

// size is the number of bytes ic holds.
func (ic *itemCache) size() int64 {
	n := ic.bodySize()
	for f := range ic.out {
		n += int64(len(ic.out[f]) + len(ic.gz[f]))
	}
	return n
}

// trimItems drops cached items at random (Go's map order) until they use
// at most three quarters of their budget, keeping the one with ID keep,
// then compacts the blocks if need be. Called with r.mu held.
func (r *Renderer) trimItems(keep string) {
	limit := r.s.CacheBytes / 2
	if r.s.CacheBytes >= 0 && r.heldBytes > limit {
		for id, ic := range r.items {
			if r.heldBytes <= limit/4*3 {
				break
			}
			if id != keep {
				r.clearEntry(ic, false)
				delete(r.items, id)
			}
		}
	}
	r.compact()
}

// block is one allocation several cached slices share: the bodies and
// items one page render found missing. It stays in memory while any of
// them is cached. size is its capacity and live the bytes of it that are
// cached; the rest is stale: dead items of older snapshots and unused
// room.
type block struct{ size, live int64 }

// minStale is how many stale bytes the item cache tolerates before it
// compacts, however few items it holds.
const minStale = 1 << 20

// hold counts n more cached bytes in blk (nil: bytes with an allocation
// of their own). Called with r.mu held.
func (r *Renderer) hold(blk *block, n int64) {
	r.heldBytes += n
	if blk == nil || n == 0 {
		return
	}
	if blk.live == 0 {
		r.staleBytes += blk.size // kept in memory again
	}
	blk.live += n
	r.staleBytes -= n
}

// unhold is the reverse of hold. Called with r.mu held.
func (r *Renderer) unhold(blk *block, n int64) {
	r.heldBytes -= n
	if blk == nil || n == 0 {
		return
	}
	blk.live -= n
	r.staleBytes += n
	if blk.live == 0 {
		r.staleBytes -= blk.size // garbage now
	}
}

// compact bounds what blocks keep alive for nothing: once the stale bytes
// exceed both the cached ones and minStale, the cached slices of every
// block less than half live are copied into one new block, and the old
// blocks become garbage. Afterwards at most half of any block is stale,
// so the item cache keeps at most about twice the bytes it counts, plus
// minStale. Called with r.mu held.
func (r *Renderer) compact() {
	if r.staleBytes <= max(r.heldBytes, minStale) {
		return
	}
	sparse := func(b *block) bool { return b != nil && b.live*2 < b.size }
	n := 0
	for _, ic := range r.items {
		if sparse(ic.bodyBlk) {
			n += len(ic.body)
		}
		for f := range ic.out {
			if sparse(ic.outBlk[f]) {
				n += len(ic.out[f])
			}
		}
	}
	if n == 0 {
		return
	}
	buf := make([]byte, 0, n)
	nb := &block{size: int64(n)}
	for _, ic := range r.items {
		if b := ic.bodyBlk; b != nb && sparse(b) {
			size := ic.bodySize()
			r.unhold(b, size)
			start := len(buf)
			buf = append(buf, ic.body...)
			ic.body, ic.bodyBlk = unsafe.String(&buf[start], len(ic.body)), nb
			r.hold(nb, size)
		}
		for f := range ic.out {
			if b := ic.outBlk[f]; b != nb && sparse(b) {
				r.unhold(b, int64(len(ic.out[f])))
				start := len(buf)
				buf = append(buf, ic.out[f]...)
				ic.out[f], ic.outBlk[f] = buf[start:len(buf):len(buf)], nb
				r.hold(nb, int64(len(ic.out[f])))
			}
		}
	}
}
