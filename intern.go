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
	// The canonical value: slug, name, email and url are substrings of one
	// allocation, so that checking an incoming value against them touches
	// one place in memory.
	slug, name string
	parent     *node // a category's parent; nil otherwise
	kind       KeyKind
	l          list
	cat        *Category // categories: the canonical *Category
	id         uint64    // serial number, hashed into the keys of its children
	email, url string
	catBuf     Category // the first canonical Category, in the node's own allocation
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
	c := Category{Name: n.name, Slug: n.slug, Parent: parent, key: s[2]}
	if n.cat == nil {
		n.catBuf = c
		n.cat = &n.catBuf
	} else {
		n.cat = &c // a renamed category: snapshots keep the old one
	}
}

// nodeTable finds nodes by kind, parent and slug: an open-addressing hash
// table of (hash, node) slots, linear probing, at most half full. It is
// written out rather than a Go map so that interning an article can look
// up all its tags, authors and categories in stages, each stage's memory
// loads independent of each other (see Catalog.resolve): at a million
// articles they are cache misses, and the CPU then waits for them
// together instead of one after another.
type nodeTable struct {
	seed  maphash.Seed
	slots []nodeSlot
	used  int
	ids   uint64
}

type nodeSlot struct {
	h uint64
	n *node
}

func (t *nodeTable) hash(kind KeyKind, parent *node, slug string) uint64 {
	h := maphash.String(t.seed, slug)
	h ^= uint64(kind)*0x9E3779B97F4A7C15 + 1
	if parent != nil {
		h ^= parent.id * 0xC2B2AE3D27D4EB4F
	}
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 32
	return h
}

func (n *node) is(kind KeyKind, parent *node, slug string) bool {
	return n.kind == kind && n.parent == parent && n.slug == slug
}

// find probes for the node; nil when absent.
func (t *nodeTable) find(h uint64, kind KeyKind, parent *node, slug string) *node {
	if len(t.slots) == 0 {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s.n == nil {
			return nil
		}
		if s.h == h && s.n.is(kind, parent, slug) {
			return s.n
		}
	}
}

// add inserts n, known to be absent, under hash h.
func (t *nodeTable) add(h uint64, n *node) {
	if 2*(t.used+1) > len(t.slots) {
		old := t.slots
		t.slots = make([]nodeSlot, max(64, 2*len(old)))
		for _, s := range old {
			if s.n != nil {
				t.put(s)
			}
		}
	}
	t.put(nodeSlot{h, n})
	t.used++
}

func (t *nodeTable) put(s nodeSlot) {
	mask := uint64(len(t.slots) - 1)
	i := s.h & mask
	for t.slots[i].n != nil {
		i = (i + 1) & mask
	}
	t.slots[i] = s
}

// want is one lookup of a resolve stage.
type want struct {
	kind   KeyKind
	parent *node
	slug   string
	h      uint64
	s      nodeSlot
	n      *node
}

// resolve finds the node of each want, in three passes over them: load
// every slot, then every candidate node's slug, then compare. Each pass's
// loads depend only on the pass before, so their cache misses overlap.
// Misses and collisions fall back to a full probe; absent nodes are left
// nil for the caller to create.
func (t *nodeTable) resolve(ws []want) {
	for i := range ws {
		ws[i].h = t.hash(ws[i].kind, ws[i].parent, ws[i].slug)
	}
	if len(t.slots) == 0 {
		return
	}
	mask := uint64(len(t.slots) - 1)
	for i := range ws {
		ws[i].s = t.slots[ws[i].h&mask]
	}
	var slugs [16]string
	for i := range ws {
		if w := &ws[i]; w.s.h == w.h && w.s.n != nil && i < len(slugs) {
			slugs[i] = w.s.n.slug
		}
	}
	for i := range ws {
		w := &ws[i]
		if i < len(slugs) && w.s.h == w.h && w.s.n != nil && slugs[i] == w.slug && w.s.n.kind == w.kind && w.s.n.parent == w.parent {
			w.n = w.s.n
			continue
		}
		w.n = t.find(w.h, w.kind, w.parent, w.slug)
	}
}

// intern returns a copy of a whose categories, tags and authors are the
// catalog's canonical values (with derived slugs filled in), so that a
// million articles share one copy of each name, and whose text fields have
// been through CleanText. It leaves in c.targets the lists the article
// goes into. a itself is not changed and nothing of it but immutable
// strings is shared. Called with c.mu held.
func (c *Catalog) intern(a *Article) *Article {
	var b *Article
	if a.Image != nil {
		// One allocation for the article and its image.
		ai := &struct {
			a  Article
			im Image
		}{a: *a, im: *a.Image}
		b = &ai.a
		b.Image = &ai.im
		b.Image.Alt, b.Image.Caption = CleanText(b.Image.Alt), CleanText(b.Image.Caption)
	} else {
		b = new(Article)
		*b = *a
	}
	b.Title = CleanText(a.Title)
	b.Summary = CleanText(a.Summary)
	b.ContentHTML = CleanText(a.ContentHTML)
	if a.Source != nil {
		src := *a.Source
		src.Title = CleanText(src.Title)
		b.Source = &src
	}

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

	// Stage one resolves the tags, the authors and the root of each
	// category chain together; each further stage resolves the next level
	// of every chain, which needs its parent's node.
	nt, na := len(a.Tags), len(a.Authors)
	ws := c.wants[:0]
	for _, t := range a.Tags {
		ws = append(ws, want{kind: KindTag, slug: t.Key()})
	}
	for _, au := range a.Authors {
		ws = append(ws, want{kind: KindAuthor, slug: au.Key()})
	}
	for i := range a.Categories {
		ws = append(ws, want{kind: KindCategory, slug: chains[starts[i]].slug()})
	}
	c.nodes.resolve(ws)

	c.targets = append(c.targets[:0], &c.site)
	if a.Tags != nil {
		b.Tags = make([]Tag, nt)
		for i, t := range a.Tags {
			n := c.tagNode(&ws[i], CleanText(t.Name))
			b.Tags[i] = n.tag()
			c.targets = append(c.targets, &n.l)
		}
	}
	if a.Authors != nil {
		b.Authors = make([]Author, na)
		for i, au := range a.Authors {
			au.Name, au.Slug = CleanText(au.Name), ws[nt+i].slug
			n := c.authorNode(&ws[nt+i], au)
			b.Authors[i] = n.author()
			c.targets = append(c.targets, &n.l)
		}
	}
	if a.Categories != nil {
		level := c.level[:0]
		for i := range a.Categories {
			level = append(level, c.categoryNode(&ws[nt+na+i], chains[starts[i]]))
		}
		for depth := 1; ; depth++ {
			ws = ws[:0]
			for i := range a.Categories {
				if starts[i]+depth < starts[i+1] {
					ws = append(ws, want{kind: KindCategory, parent: level[i], slug: chains[starts[i]+depth].slug()})
				}
			}
			if len(ws) == 0 {
				break
			}
			c.nodes.resolve(ws)
			j := 0
			for i := range a.Categories {
				if starts[i]+depth < starts[i+1] {
					level[i] = c.categoryNode(&ws[j], chains[starts[i]+depth])
					j++
				}
			}
		}
		b.Categories = make([]Category, len(a.Categories))
		for i, n := range level {
			b.Categories[i] = *n.cat
			for ; n != nil; n = n.parent {
				c.targets = append(c.targets, &n.l)
			}
		}
		c.level = level
	}
	c.wants, c.chains, c.starts = ws, chains, starts
	return b
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
	c.nodes.ids++
	n = &node{kind: w.kind, id: c.nodes.ids, parent: w.parent}
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

// categoryNode returns the node of cat, whose parent's node resolve was
// given. The node's canonical Category is replaced when cat's name or
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
	case n.name != name || n.cat.Parent != parentCat:
		n.setCategory(n.slug, name, n.cat.key)
	}
	return n
}

// file records a new node under its public key.
func (c *Catalog) file(n *node, index map[string]*node, name string, k Key) {
	n.l.key = k
	index[name] = n
	c.lists[k] = &n.l
}
