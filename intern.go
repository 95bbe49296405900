package khabar

import (
	"hash/maphash"
	"slices"
	"strings"
)

// node is one category, tag or author the catalog knows: its canonical
// value, shared by every article that names it, and its article list.
// Nodes are never removed; a node whose list empties stays for reuse.
type node struct {
	// The fields an upsert reads come first, to share cache lines.
	//
	// The canonical value: slug, name (and path, email and url) are
	// substrings of one allocation, so that checking an incoming value
	// against them touches one place in memory.
	slug, name string
	parent     *node     // a category's parent; nil otherwise
	cat        *Category // categories: the canonical *Category
	// parentCat and path mirror cat.Parent and cat.SlugPath(), so that the
	// category an article stores is built from this line.
	parentCat *Category
	path      string
	kind      KeyKind
	l         list

	email, url string
	catBuf     Category // the first canonical Category, in the node's own allocation
}

func (n *node) category() Category {
	return Category{Name: n.name, Slug: n.slug, Parent: n.parentCat, key: n.path}
}
func (n *node) tag() Tag       { return Tag{Name: n.name, Slug: n.slug} }
func (n *node) author() Author { return Author{Name: n.name, Slug: n.slug, Email: n.email, URL: n.url} }

// pack copies strs into one allocation and returns them as substrings of it.
func pack(dst []string, strs ...string) {
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

// setTag, setAuthor and setCategory make v the node's canonical value.
func (n *node) setTag(v Tag) {
	var s [2]string
	pack(s[:], v.Slug, v.Name)
	n.slug, n.name = s[0], s[1]
}

func (n *node) setAuthor(v Author) {
	var s [4]string
	pack(s[:], v.Slug, v.Name, v.Email, v.URL)
	n.slug, n.name, n.email, n.url = s[0], s[1], s[2], s[3]
}

func (n *node) setCategory(slug, name, path string) {
	var s [3]string
	pack(s[:], slug, name, path)
	n.slug, n.name = s[0], s[1]
	var parent *Category
	if n.parent != nil {
		parent = n.parent.cat
	}
	n.parentCat, n.path = parent, s[2]
	c := n.category()
	if n.cat == nil {
		n.catBuf = c
		n.cat = &n.catBuf
	} else {
		n.cat = &c // a renamed category: snapshots keep the old one
	}
}

// nodeTable finds nodes by kind, parent and slug: an open-addressing hash
// table of (hash, node) slots in buckets of four (one cache line), linear
// probing over buckets, at most half full. It is written out rather than a
// Go map so that interning an article can look up all its tags, authors
// and categories in stages whose memory loads are independent of each
// other (see resolve): at a million articles they are cache misses, and
// the CPU then waits for them together instead of one after another.
type nodeTable struct {
	seed    maphash.Seed
	buckets []nodeBucket
	used    int
}

type nodeBucket [4]nodeSlot

type nodeSlot struct {
	h uint64
	n *node
}

// hash returns the table hash of a node of the given kind and slug whose
// parent has hash ph (0 for none). A category's hash thus follows from its
// path alone, so a whole chain can be hashed, and looked up, before any of
// its nodes is known.
func (t *nodeTable) hash(kind KeyKind, ph uint64, slug string) uint64 {
	h := maphash.String(t.seed, slug)
	h ^= uint64(kind)*0x9E3779B97F4A7C15 + 1
	h ^= ph * 0xC2B2AE3D27D4EB4F
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 32
	return h
}

func (n *node) is(kind KeyKind, parent *node, slug string) bool {
	return n.kind == kind && n.parent == parent && n.slug == slug
}

// find probes for the node; nil when absent. Slots fill in order and are
// never emptied, so an empty slot ends the probe.
func (t *nodeTable) find(h uint64, kind KeyKind, parent *node, slug string) *node {
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

// add inserts n, known to be absent, under hash h.
func (t *nodeTable) add(h uint64, n *node) {
	if 2*(t.used+1) > 4*len(t.buckets) {
		old := t.buckets
		t.buckets = make([]nodeBucket, max(16, 2*len(old)))
		for b := range old {
			for _, s := range &old[b] {
				if s.n != nil {
					t.put(s)
				}
			}
		}
	}
	t.put(nodeSlot{h, n})
	t.used++
}

func (t *nodeTable) put(s nodeSlot) {
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

// want is one lookup of a resolve stage.
type want struct {
	kind   KeyKind
	parent *node // the parent node, when known (see anyParent)
	slug   string
	h      uint64 // set by the caller: nodeTable.hash
	// anyParent defers the parent check to the caller: the lookup of a
	// category below the root runs before its parent's node is known, and
	// the caller checks n.parent once it is.
	anyParent bool
	first     uint64  // the home bucket's first hash, loaded to bring it in
	cand      *node   // the node in the home bucket with the same hash
	cslug     string  // cand's slug, loaded to bring cand in
	n         *node   // the answer
	tail      []entry // cand's list's last block
	// touched holds what resolve read of cand's slug and last block, only
	// so that the compare and the later append find them in the cache.
	touched int64
}

// resolve finds the node of each want, in passes over them: load every
// home bucket; then find the candidate in each and load its slug and list
// header; then load the slug's bytes and the list's last block, where the
// article will be appended; then compare. Each pass's loads depend only on the pass before, so their cache
// misses overlap; between, if not nil, is called after the first and the
// second pass with other work for the CPU to do while the loads are in
// flight. A home bucket without the node falls back to a full probe
// (except for anyParent wants, left to the caller); absent nodes are left
// nil for the caller to create.
func (t *nodeTable) resolve(ws []want, between func(stage int)) {
	if len(t.buckets) == 0 {
		if between != nil {
			between(1)
			between(2)
		}
		return
	}
	mask := uint64(len(t.buckets) - 1)
	for i := range ws {
		ws[i].first = t.buckets[ws[i].h&mask][0].h
	}
	if between != nil {
		between(1)
	}
	for i := range ws {
		w := &ws[i]
		for _, s := range &t.buckets[w.h&mask] {
			if s.h == w.h && s.n != nil {
				w.cand, w.cslug, w.tail = s.n, s.n.slug, s.n.l.tail
				break
			}
		}
	}
	// A tight loop, so that all these loads are in flight at once: the
	// candidate's slug bytes, for the compare, and its list's last block,
	// for the append. Wrong candidates cost a wasted load, nothing else.
	for i := range ws {
		w := &ws[i]
		if len(w.cslug) > 0 {
			w.touched = int64(w.cslug[0])
		}
		if len(w.tail) > 0 {
			w.touched += w.tail[len(w.tail)-1].ts
		}
	}
	if between != nil {
		between(2)
	}
	for i := range ws {
		w := &ws[i]
		if w.cand != nil && w.cslug == w.slug && w.cand.kind == w.kind && (w.anyParent || w.cand.parent == w.parent) {
			w.n = w.cand
		} else if !w.anyParent {
			w.n = t.find(w.h, w.kind, w.parent, w.slug)
		}
	}
}

// storedArticle is what the catalog allocates for one article: the article
// with room for its image, three tags and an author. It is 512 bytes, the
// largest size the Go allocator serves without a per-object header.
// Categories take an allocation of their own.
type storedArticle struct {
	a    Article
	im   Image
	tags [3]Tag
	auth [1]Author
}

// intern returns a copy of a whose categories, tags and authors are the
// catalog's canonical values (with derived slugs filled in), so that a
// million articles share one copy of each name, and whose text fields have
// been through CleanText, with the stored document of the same ID (nil if
// none). It leaves in c.targets the lists the article goes into. a itself
// is not changed and nothing of it but immutable strings is shared. Called
// with c.mu held.
//
// The lookups run in stages (see nodeTable.resolve), and the text work sits
// between them, so the CPU cleans text while it waits for memory.
func (c *Catalog) intern(a *Article) (*Article, *doc) {
	s := &storedArticle{a: *a}
	b := &s.a

	// Each category chain, root first: chains[starts[i]:starts[i+1]].
	chains, starts := c.chains[:0], c.starts[:0]
	for i := range a.Categories {
		start := len(chains)
		for x := &a.Categories[i]; x != nil; x = x.Parent {
			chains = append(chains, x)
		}
		slices.Reverse(chains[start:])
		starts = append(starts, start)
	}
	starts = append(starts, len(chains))

	// Every lookup runs in one resolve: tags, authors and every level of
	// every category chain (a category's hash follows from its path).
	nt, na := len(a.Tags), len(a.Authors)
	ws := c.wants[:0]
	for _, t := range a.Tags {
		slug := slugOf(t.Slug, t.Name)
		ws = append(ws, want{kind: KindTag, slug: slug, h: c.nodes.hash(KindTag, 0, slug)})
	}
	for _, au := range a.Authors {
		slug := slugOf(au.Slug, au.Name)
		ws = append(ws, want{kind: KindAuthor, slug: slug, h: c.nodes.hash(KindAuthor, 0, slug)})
	}
	for i := range a.Categories {
		ph := uint64(0)
		for _, cat := range chains[starts[i]:starts[i+1]] {
			slug := slugOf(cat.Slug, cat.Name)
			h := c.nodes.hash(KindCategory, ph, slug)
			ws = append(ws, want{kind: KindCategory, slug: slug, h: h, anyParent: ph != 0})
			ph = h
		}
	}
	// The ID's lookup runs in step with resolve's passes: its home bucket
	// in the first, the candidate doc in the second.
	dh := c.docs.hash(a.ID)
	var (
		home    *docBucket
		cand    *doc
		touched uint64
	)
	c.nodes.resolve(ws, func(stage int) {
		switch stage {
		case 1:
			if home = c.docs.home(dh); home != nil {
				touched = home[0].h
			}
			b.Title = CleanText(a.Title)
			b.Summary = CleanText(a.Summary)
		case 2:
			if home != nil {
				if cand = home.match(dh); cand != nil {
					touched += uint64(len(cand.id))
				}
			}
			b.ContentHTML = CleanText(a.ContentHTML)
		}
	})
	_ = touched
	var old *doc
	if cand != nil && cand.id == a.ID {
		old = cand
	} else if home != nil && (cand != nil || home.full()) {
		old = c.docs.get(dh, a.ID) // a collision, or a full home bucket
	}
	if a.Image != nil {
		s.im = *a.Image
		s.im.Alt, s.im.Caption = CleanText(s.im.Alt), CleanText(s.im.Caption)
		b.Image = &s.im
	}
	if a.Source != nil {
		src := *a.Source
		src.Title = CleanText(src.Title)
		b.Source = &src
	}

	c.targets = append(c.targets[:0], &c.site)
	if a.Tags != nil {
		b.Tags = room(s.tags[:], nt)
		for i, t := range a.Tags {
			n := c.tagNode(&ws[i], CleanText(t.Name))
			b.Tags[i] = n.tag()
			c.targets = append(c.targets, &n.l)
		}
	}
	if a.Authors != nil {
		b.Authors = room(s.auth[:], na)
		for i, au := range a.Authors {
			au.Name, au.Slug = CleanText(au.Name), ws[nt+i].slug
			n := c.authorNode(&ws[nt+i], au)
			b.Authors[i] = n.author()
			c.targets = append(c.targets, &n.l)
		}
	}
	if a.Categories != nil {
		b.Categories = make([]Category, len(a.Categories))
		cw := ws[nt+na:] // the chains' wants, in chains' order
		for i := range a.Categories {
			var n *node
			for j, cat := range chains[starts[i]:starts[i+1]] {
				w := &cw[starts[i]+j]
				if j > 0 {
					w.parent = n
					if w.n != nil && w.n.parent != n {
						w.n = nil // a hash collision: found() looks properly
					}
				}
				n = c.categoryNode(w, cat)
			}
			b.Categories[i] = n.category()
			for ; n != nil; n = n.parent {
				c.targets = append(c.targets, &n.l)
			}
		}
	}
	c.wants, c.chains, c.starts = ws, chains, starts
	return b, old
}

// slugOf returns slug, or when it is empty the slug of the name as the
// catalog stores it (cleaned), so that a stored Slug is always Slugify of
// the stored Name.
func slugOf(slug, name string) string {
	if slug != "" {
		return slug
	}
	return Slugify(CleanText(name))
}

// room returns n elements of buf, or a new slice when buf is too short.
func room[T any](buf []T, n int) []T {
	if n <= len(buf) {
		return buf[:n:n]
	}
	return make([]T, n)
}

// found returns the node w names: the one resolve found, else one added
// since (an article may name a tag or a category twice), else a new one.
func (c *Catalog) found(w *want) (n *node, isNew bool) {
	if w.n != nil {
		return w.n, false
	}
	if n := c.nodes.find(w.h, w.kind, w.parent, w.slug); n != nil {
		return n, false
	}
	n = &node{kind: w.kind, parent: w.parent}
	c.nodes.add(w.h, n)
	return n, true
}

func (c *Catalog) tagNode(w *want, name string) *node {
	n, isNew := c.found(w)
	if isNew || n.name != name {
		n.setTag(Tag{Name: name, Slug: w.slug})
	}
	if isNew {
		c.file(n, c.tags, n.slug, TagKey(n.slug))
	}
	return n
}

func (c *Catalog) authorNode(w *want, au Author) *node {
	n, isNew := c.found(w)
	if isNew || n.name != au.Name || n.email != au.Email || n.url != au.URL {
		n.setAuthor(au)
	}
	if isNew {
		c.file(n, c.authors, n.slug, AuthorKey(n.slug))
	}
	return n
}

// categoryNode returns the node of cat, whose parent's node is w.parent.
// The node's canonical Category is replaced when cat's name or
// parent differ from it.
func (c *Catalog) categoryNode(w *want, cat *Category) *node {
	n, isNew := c.found(w)
	name := CleanText(cat.Name)
	var parentCat *Category
	if n.parent != nil {
		parentCat = n.parent.cat
	}
	switch {
	case isNew:
		path := w.slug
		if parentCat != nil {
			path = parentCat.key + "/" + path
		}
		n.setCategory(w.slug, name, path)
		c.file(n, c.cats, n.cat.key, CategoryKey(n.cat.key))
	case n.name != name || n.parentCat != parentCat:
		n.setCategory(n.slug, name, n.path)
	}
	return n
}

// file records a new node under its public key.
func (c *Catalog) file(n *node, index map[string]*node, name string, k Key) {
	n.l.key = k
	index[name] = n
	c.lists[k] = &n.l
}
