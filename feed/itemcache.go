package feed

import (
	"bytes"
	"net"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/khabar/khabar"
)

// The Renderer's item cache: each article's rendered item per format,
// kept until the catalog hands out a different snapshot of the article,
// so that re-rendering a feed after one change renders one item.

// itemCache is what the Renderer keeps of one article.
type itemCache struct {
	a *khabar.Article
	// body is a.ContentHTML after Config.ContentPolicy, once computed
	// (bodyDone): the three formats share it. It is a.ContentHTML itself
	// when the policy left it as it was, else the run of out[RSS] or
	// out[Atom] that holds it verbatim, else (bodyJSON) the run of
	// out[JSON] that holds it escaped, else (bodyOwn) a string of its own
	// (CDATA splits one that holds "]]>").
	body     string
	bodyDone bool
	bodyOwn  bool
	bodyJSON bool
	out      [len(Formats)][]byte
	gz       [len(Formats)][]byte // out deflated as a piece of a gzip body (Handler)
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

// scratchPool holds the buffers pageItems renders missing items into
// before it copies them out; one larger than maxScratch is let go.
// spareScratch keeps one of them through garbage collections, which
// empty the pool: a page's worth of warm memory, not one allocated anew
// for each cold page after a collection.
var (
	scratchPool  = sync.Pool{New: func() any { return new([]byte) }}
	spareScratch atomic.Pointer[[]byte]
)

const maxScratch = 4 << 20

// getScratch returns an empty scratch buffer: the spare one, or one
// from scratchPool.
func getScratch() *[]byte {
	if sp := spareScratch.Swap(nil); sp != nil {
		return sp
	}
	return scratchPool.Get().(*[]byte)
}

// putScratch keeps sp, emptied, as the spare buffer, or else puts it in
// scratchPool, unless it grew larger than maxScratch.
func putScratch(sp *[]byte) {
	if sp == nil || cap(*sp) > maxScratch {
		return
	}
	*sp = (*sp)[:0]
	if !spareScratch.CompareAndSwap(nil, sp) {
		scratchPool.Put(sp)
	}
}

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

// pageItems returns the rendered items of p in format f, in dst's array
// when it has room for them, shared with the item cache (read-only).
// Items the cache lacks are rendered into one block (renderCold), each
// cached as its own slice of it: one allocation per page rather than one
// per item. Such a block stays in memory while any of its items is cached.
func (r *Renderer) pageItems(dst [][]byte, p *Page, f Format) [][]byte {
	out := slices.Grow(dst[:0], len(p.Items))[:len(p.Items)]
	clear(out)
	var cold []coldItem
	fresh := 0 // cold items without an entry for their snapshot
	key := headKey{p.Key, p.Number, f}
	r.mu.RLock()
	memo := r.pageEnts[key]
	stale := len(memo) != len(p.Items)
	for i, a := range p.Items {
		var ic *itemCache
		if i < len(memo) {
			ic = memo[i]
		}
		if ic == nil || ic.a != a {
			ic, stale = r.items[a.ID], true
		}
		if ic != nil && ic.a == a && ic.out[f] != nil {
			out[i] = ic.out[f]
			continue
		}
		c := coldItem{i: i, src: a}
		if ic != nil {
			c.bd = ic.bodyFor(a)
		}
		if ic == nil || ic.a != a {
			fresh++
		}
		cold = append(cold, c)
	}
	r.mu.RUnlock()
	if len(cold) == 0 {
		if stale {
			r.mu.Lock()
			r.memoPage(key, p)
			r.mu.Unlock()
		}
		return out
	}
	n := 0
	for k := range cold {
		c := &cold[k]
		if !p.clean(c.i) {
			c.src = cleanArticle(c.src)
		}
		n += r.itemSizeHint(c.src, &c.bd)
	}
	r.renderCold(out, cold, n, f)
	ents := make([]itemCache, fresh) // the new entries, from one array
	r.mu.Lock()
	if len(r.items) == 0 && fresh > 8 {
		// A new Renderer's first page: sized once, not grown item by item.
		r.items = make(map[string]*itemCache, fresh)
	}
	for k := range cold {
		c := &cold[k]
		r.store(p.Items[c.i], f, &c.bd, out[c.i], &ents)
	}
	r.trimItems("")
	r.memoPage(key, p)
	r.mu.Unlock()
	return out
}

// memoPage notes the cache entries of p's items as the page key's, so
// that the next render of the page finds them without looking each one
// up by ID: pageItems takes such an entry while it holds the same
// snapshot. An entry the cache drops is cleared (drop), so the note keeps
// no article or item alive. Called with r.mu held.
func (r *Renderer) memoPage(key headKey, p *Page) {
	memo := r.pageEnts[key]
	if len(memo) != len(p.Items) {
		if r.pageEnts == nil || len(r.pageEnts) >= maxHeads {
			r.pageEnts = make(map[headKey][]*itemCache)
		}
		memo = make([]*itemCache, len(p.Items))
		r.pageEnts[key] = memo
	}
	for i, a := range p.Items {
		if ic := memo[i]; ic == nil || ic.a != a {
			memo[i] = r.items[a.ID]
		}
	}
}

// coldItem is an item pageItems renders: p.Items[i], its text cleaned
// (src), with bd's body.
type coldItem struct {
	i     int
	src   *khabar.Article
	bd    bodyRef
	start int // where the item starts in the block
}

// renderCold renders the cold items in format f, n bytes at most by
// their size hints, into one block, and sets out[c.i] to each one's
// slice of it. They are written into a pooled scratch buffer, whose
// memory is warm, then kept as one exact copy of it: a fresh buffer of
// the generous size hint would be cleared, written to cold and allocate
// more, even for the one item of a re-render after a change.
func (r *Renderer) renderCold(out [][]byte, cold []coldItem, n int, f Format) {
	sp := getScratch()
	scratch := slices.Grow((*sp)[:0], n)
	for k := range cold {
		c := &cold[k]
		c.start = len(scratch)
		scratch = r.appendItem(scratch, c.src, &c.bd, f)
		if c.bd.at >= 0 {
			c.bd.at -= c.start
		}
	}
	block := bytes.Clone(scratch) // not cleared first, unlike make
	*sp = scratch
	putScratch(sp)
	for k := range cold {
		c := &cold[k]
		end := len(block)
		if k+1 < len(cold) {
			end = cold[k+1].start
		}
		out[c.i] = block[c.start:end:end] // appending to a shared item must copy
	}
}

// itemSizeHint is a guess, on the generous side, of the size of a's
// rendered item with bd's body as its content. A body still to be
// filtered is counted as the room the filter asks for.
func (r *Renderer) itemSizeHint(a *khabar.Article, bd *bodyRef) int {
	nb := len(bd.s)
	if !bd.known {
		nb = len(a.ContentHTML) + len(a.ContentHTML)/8
	}
	n := nb + nb/32 + len(a.Summary)*17/16 + len(a.Title)*17/16 + 3*len(a.URL) + len(a.ID) + 512
	if im := a.Image; im != nil {
		n += 3*len(im.URL) + len(im.Caption) + len(im.Alt) + 256
	}
	return n + 64*len(a.Authors) + (64+len(r.s.catDom))*(len(a.Categories)+len(a.Tags))
}

// appendItem appends a's item in format f, with bd's body as its content
// (filtered first when bd does not know it yet), and says in bd where
// the body is.
func (r *Renderer) appendItem(b []byte, a *khabar.Article, bd *bodyRef, f Format) []byte {
	switch f {
	case Atom:
		return r.appendAtomEntry(b, a, bd)
	case JSON:
		return r.appendJSONItem(b, a, bd)
	}
	return r.appendRSSItem(b, a, bd)
}

// store caches item b of a in format f, rendered with bd's body (bd.at
// counting from b's start). A new entry is taken from ents while it has
// any (nil for none). Called with r.mu held.
func (r *Renderer) store(a *khabar.Article, f Format, bd *bodyRef, b []byte, ents *[]itemCache) {
	ic := r.items[a.ID]
	if ic == nil || ic.a != a {
		if ic != nil {
			r.drop(ic)
		}
		if ents != nil && len(*ents) > 0 {
			ic, *ents = &(*ents)[0], (*ents)[1:]
		} else {
			ic = new(itemCache)
		}
		ic.a = a
		r.items[a.ID] = ic
	}
	if !ic.bodyDone || ic.bodyOwn && bd.at >= 0 {
		// A body in the item replaces one of its own string.
		r.heldBytes -= ic.bodySize()
		ic.body, ic.bodyDone = bd.body(b), true
		ic.bodyOwn = bd.at < 0 && bd.own
		ic.bodyJSON = bd.json
		r.heldBytes += ic.bodySize()
	}
	r.heldBytes += int64(len(b) - len(ic.out[f]))
	ic.out[f] = b
}

// drop uncounts ic, which the cache no longer holds, and clears it: an
// entry shares its array with the others a render created, which must
// not keep its article and items alive. Called with r.mu held.
func (r *Renderer) drop(ic *itemCache) {
	r.heldBytes -= ic.size()
	*ic = itemCache{}
}

// itemBytes returns a's rendered item in format f, from the cache when
// it holds this snapshot of a, else rendered and cached. clean says that
// a's text fields are known to be clean (it came from a catalog). The
// result is shared: it must not be modified.
func (r *Renderer) itemBytes(a *khabar.Article, f Format, clean bool) []byte {
	r.mu.RLock()
	ic := r.items[a.ID]
	var cached []byte
	var bd bodyRef
	if ic != nil {
		if ic.a == a {
			cached = ic.out[f]
		}
		bd = ic.bodyFor(a)
	}
	r.mu.RUnlock()
	if cached != nil {
		return cached
	}
	src := a
	if !clean {
		src = cleanArticle(a)
	}
	b := r.appendItem(make([]byte, 0, r.itemSizeHint(src, &bd)), src, &bd, f)
	b = b[:len(b):len(b)] // appending to a shared item must copy
	r.mu.Lock()
	r.store(a, f, &bd, b, nil)
	r.trimItems(a.ID)
	r.mu.Unlock()
	return b
}

// bodyFor returns the filtered body ic holds, when it is the one a gets:
// a is ic's snapshot, or a later one with the same ContentHTML and URL
// (the policy's only inputs), such as an article whose title or
// categories changed. A body the policy left as it was is returned as
// a's own ContentHTML, so that the old snapshot's is not kept alive; one
// in the old snapshot's items is marked foreign, for the same reason.
func (ic *itemCache) bodyFor(a *khabar.Article) bodyRef {
	if !ic.bodyDone {
		return bodyRef{}
	}
	if ic.a == a {
		return bodyRef{s: ic.body, known: true, own: ic.bodyOwn, json: ic.bodyJSON}
	}
	old := ic.a
	if old.URL != a.URL || old.ContentHTML != a.ContentHTML {
		return bodyRef{}
	}
	if sameString(ic.body, old.ContentHTML) {
		return bodyRef{s: a.ContentHTML, known: true}
	}
	return bodyRef{s: ic.body, known: true, own: ic.bodyOwn, foreign: !ic.bodyOwn, json: ic.bodyJSON}
}

// bodySize is the number of bytes ic.body holds beyond the article's own
// ContentHTML and ic's items: those of a string of its own.
func (ic *itemCache) bodySize() int64 {
	if ic.bodyOwn {
		return int64(len(ic.body))
	}
	return 0
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
// at most three quarters of their budget, keeping the one with ID keep.
// Called with r.mu held.
func (r *Renderer) trimItems(keep string) {
	limit := r.s.CacheBytes / 2
	if r.s.CacheBytes < 0 || r.heldBytes <= limit {
		return
	}
	for id, ic := range r.items {
		if r.heldBytes <= limit/4*3 {
			break
		}
		if id != keep {
			r.drop(ic)
			delete(r.items, id)
		}
	}
}
