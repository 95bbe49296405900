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

// pageItems returns the rendered items of p in format f, in dst's array
// when it has room for them, shared with the item cache (read-only).
// Items the cache lacks are rendered one after the other into one buffer, each cached as its own slice of it: one
// allocation per page rather than one per item. Such a buffer stays in
// memory while any of its items is cached.
func (r *Renderer) pageItems(dst [][]byte, p *Page, f Format) [][]byte {
	out := slices.Grow(dst[:0], len(p.Items))[:len(p.Items)]
	clear(out)
	type coldItem struct {
		i        int
		src      *khabar.Article
		body     string
		haveBody bool
	}
	var cold []coldItem
	r.mu.RLock()
	for i, a := range p.Items {
		ic := r.items[a.ID]
		if ic != nil && ic.a == a && ic.out[f] != nil {
			out[i] = ic.out[f]
			continue
		}
		c := coldItem{i: i, src: a}
		if ic != nil {
			c.body, c.haveBody = ic.bodyFor(a)
		}
		cold = append(cold, c)
	}
	r.mu.RUnlock()
	if len(cold) == 0 {
		return out
	}
	n := 0
	for k := range cold {
		c := &cold[k]
		if !p.clean(c.i) {
			c.src = cleanArticle(c.src)
		}
		if !c.haveBody {
			c.body = r.s.filterBody(c.src)
		}
		n += r.itemSizeHint(c.src, c.body)
	}
	slab := make([]byte, 0, n)
	for _, c := range cold {
		start := len(slab)
		slab = r.appendItem(slab, c.src, c.body, f)
		out[c.i] = slab[start:len(slab):len(slab)] // appending to a shared item must copy
	}
	r.mu.Lock()
	for _, c := range cold {
		r.store(p.Items[c.i], f, c.body, out[c.i])
	}
	r.trimItems("")
	r.mu.Unlock()
	return out
}

// itemSizeHint is a guess, on the generous side, of the size of a's
// rendered item with body as its content.
func (r *Renderer) itemSizeHint(a *khabar.Article, body string) int {
	n := len(body) + len(body)/32 + len(a.Summary)*17/16 + len(a.Title)*17/16 + 3*len(a.URL) + len(a.ID) + 512
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

// store caches item b of a in format f, rendered with body. Called with
// r.mu held.
func (r *Renderer) store(a *khabar.Article, f Format, body string, b []byte) {
	ic := r.items[a.ID]
	if ic == nil || ic.a != a {
		if ic != nil {
			r.heldBytes -= ic.size()
		}
		ic = &itemCache{a: a}
		r.items[a.ID] = ic
	}
	if !ic.bodyDone {
		ic.body, ic.bodyDone = body, true
		r.heldBytes += ic.bodySize()
	}
	r.heldBytes += int64(len(b) - len(ic.out[f]))
	ic.out[f] = b
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
	haveBody := false
	if ic != nil {
		if ic.a == a {
			cached = ic.out[f]
		}
		body, haveBody = ic.bodyFor(a)
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
	b := r.appendItem(make([]byte, 0, r.itemSizeHint(src, body)), src, body, f)
	b = b[:len(b):len(b)] // appending to a shared item must copy
	r.mu.Lock()
	r.store(a, f, body, b)
	r.trimItems(a.ID)
	r.mu.Unlock()
	return b
}

// bodyFor returns the filtered body ic holds, when it is the one a gets:
// a is ic's snapshot, or a later one with the same ContentHTML and URL
// (the policy's only inputs), such as an article whose title or
// categories changed. A body the policy left as it was is returned as
// a's own ContentHTML, so that the old snapshot's is not kept alive.
func (ic *itemCache) bodyFor(a *khabar.Article) (string, bool) {
	if !ic.bodyDone {
		return "", false
	}
	if ic.a == a {
		return ic.body, true
	}
	old := ic.a
	if old.URL != a.URL || old.ContentHTML != a.ContentHTML {
		return "", false
	}
	if ic.bodySize() == 0 {
		return a.ContentHTML, true
	}
	return ic.body, true
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
			r.heldBytes -= ic.size()
			delete(r.items, id)
		}
	}
}
