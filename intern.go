package khabar

import (
	"slices"
	"strings"

	"github.com/khabar/khabar/internal/index"
)

// The catalog's instances of the index engine: documents hold the stored
// *Article, and nodes (the site, every category, tag and author) hold
// nodeData.
type (
	doc   = index.Doc[*Article]
	entry = index.Entry[*Article]
	node  = index.Node[*Article, nodeData]
	want  = index.Want[*Article, nodeData]
)

// nodeData is what the catalog keeps on a node beside its slug, parent
// and list: the canonical value of a category, tag or author, shared by
// every article that names it, and the list's change marks. Slug, name
// (and path, email and url) are substrings of one allocation (see
// index.Pack), so that checking an incoming value against them touches
// one place in memory.
type nodeData struct {
	// The fields an upsert reads come first, to share cache lines with the
	// node's list.
	name string
	// parentCat is the parent node's canonical *Category, so that the
	// category an article stores is built from this node alone.
	parentCat *Category
	mark      uint64 // the catalog batch that last touched the list
	version   uint64 // catalog version of the last change to the list
	// path is the node's Key slug: a category's SlugPath, a tag's or an
	// author's slug; empty for the site.
	path string

	cat        *Category // categories: the canonical *Category
	email, url string
	catBuf     Category // the first canonical Category, in the node's own allocation
}

// keyOf returns the key n's list is filed under.
func keyOf(n *node) Key { return Key{KeyKind(n.Kind), n.Data.path} }

func categoryOf(n *node) Category {
	return Category{Name: n.Data.name, Slug: n.Slug, Parent: n.Data.parentCat}
}
func tagOf(n *node) Tag { return Tag{Name: n.Data.name, Slug: n.Slug} }
func authorOf(n *node) Author {
	return Author{Name: n.Data.name, Slug: n.Slug, Email: n.Data.email, URL: n.Data.url}
}

// setTag, setAuthor and setCategory make v the node's canonical value.
func setTag(n *node, v Tag) {
	var s [2]string
	index.Pack(s[:], v.Slug, v.Name)
	n.Slug, n.Data.name = s[0], s[1]
}

func setAuthor(n *node, v Author) {
	var s [4]string
	index.Pack(s[:], v.Slug, v.Name, v.Email, v.URL)
	n.Slug, n.Data.name, n.Data.email, n.Data.url = s[0], s[1], s[2], s[3]
}

func setCategory(n *node, slug, name, path string) {
	var s [3]string
	index.Pack(s[:], slug, name, path)
	n.Slug, n.Data.name = s[0], s[1]
	var parent *Category
	if n.Parent != nil {
		parent = n.Parent.Data.cat
	}
	n.Data.parentCat, n.Data.path = parent, s[2]
	c := categoryOf(n)
	if n.Data.cat == nil {
		n.Data.catBuf = c
		n.Data.cat = &n.Data.catBuf
	} else {
		n.Data.cat = &c // a renamed category: snapshots keep the old one
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
// none). It leaves in c.targets the nodes whose lists the article goes
// into. a itself is not changed and nothing of it but immutable strings is
// shared. Called with c.mu held.
//
// The lookups run in stages (see index.NodeTable.Resolve), and the text
// work sits between them, so the CPU cleans text while it waits for memory.
func (c *Catalog) intern(a *Article) (*Article, *doc) {
	s := &storedArticle{a: *a}
	c.plan(a)
	old := c.lookUp(a, &s.a)
	s.copyMedia(a)
	c.canonicalize(a, s)
	return &s.a, old
}

// plan lists in c.wants the node lookups a needs: its tags, its authors,
// then each category chain root first (c.chains[c.starts[i]:c.starts[i+1]]
// for a.Categories[i]).
func (c *Catalog) plan(a *Article) {
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

	// Every lookup runs in one Resolve: tags, authors and every level of
	// every category chain (a category's hash follows from its path).
	ws := c.wants[:0]
	for _, t := range a.Tags {
		slug := slugOf(t.Slug, t.Name)
		ws = append(ws, want{Kind: uint8(KindTag), Slug: slug, H: c.nodes.Hash(uint8(KindTag), 0, slug)})
	}
	for _, au := range a.Authors {
		slug := slugOf(au.Slug, au.Name)
		ws = append(ws, want{Kind: uint8(KindAuthor), Slug: slug, H: c.nodes.Hash(uint8(KindAuthor), 0, slug)})
	}
	for i := range a.Categories {
		ph := uint64(0)
		for _, cat := range chains[starts[i]:starts[i+1]] {
			slug := slugOf(cat.Slug, cat.Name)
			h := c.nodes.Hash(uint8(KindCategory), ph, slug)
			ws = append(ws, want{Kind: uint8(KindCategory), Slug: slug, H: h, AnyParent: ph != 0})
			ph = h
		}
	}
	c.wants, c.chains, c.starts = ws, chains, starts
}

// lookUp resolves c.wants and finds the stored document of a's ID (nil
// if none), cleaning a's text into b while the loads are in flight.
func (c *Catalog) lookUp(a, b *Article) *doc {
	// The ID's lookup runs in step with Resolve's passes: its home bucket
	// in the first, the candidate doc in the second.
	dh := c.docs.Hash(a.ID)
	var (
		home    *index.DocBucket[*Article]
		cand    *doc
		touched uint64
	)
	c.nodes.Resolve(c.wants, func(stage int) {
		switch stage {
		case 1:
			if home = c.docs.Home(dh); home != nil {
				touched = home.Touch()
			}
			b.Title = CleanText(a.Title)
			b.Summary = CleanText(a.Summary)
		case 2:
			if home != nil {
				if cand = c.docs.Match(home, dh); cand != nil {
					touched += uint64(len(cand.ID))
				}
			}
			b.ContentHTML = CleanText(a.ContentHTML)
		}
	})
	_ = touched
	var old *doc
	if cand != nil && cand.ID == a.ID {
		old = cand
	} else if home != nil && (cand != nil || home.Full()) {
		old = c.docs.Get(dh, a.ID) // a collision, or a full home bucket
	}
	return old
}

// copyMedia gives the stored article its own copy of a's image and
// source, cleaned.
func (s *storedArticle) copyMedia(a *Article) {
	b := &s.a
	if a.Image != nil {
		s.im = *a.Image
		s.im.Alt, s.im.Caption, s.im.Type = CleanText(s.im.Alt), CleanText(s.im.Caption), CleanText(s.im.Type)
		b.Image = &s.im
	}
	if a.Source != nil {
		src := *a.Source
		src.Title, src.OriginTitle, src.GUID = CleanText(src.Title), CleanText(src.OriginTitle), CleanText(src.GUID)
		b.Source = &src
	}
}

// canonicalize sets the stored article's tags, authors and categories to
// the canonical values of the nodes c.wants resolved to, creating or
// renaming nodes as needed, and lists in c.targets the nodes whose lists
// the article goes into.
func (c *Catalog) canonicalize(a *Article, s *storedArticle) {
	b, ws, chains, starts := &s.a, c.wants, c.chains, c.starts
	nt, na := len(a.Tags), len(a.Authors)
	c.targets = append(c.targets[:0], &c.site)
	if a.Tags != nil {
		b.Tags = room(s.tags[:], nt)
		for i, t := range a.Tags {
			n := c.tagNode(&ws[i], CleanText(t.Name))
			b.Tags[i] = tagOf(n)
			c.targets = append(c.targets, n)
		}
	}
	if a.Authors != nil {
		b.Authors = room(s.auth[:], na)
		for i, au := range a.Authors {
			au.Name, au.Email, au.Slug = CleanText(au.Name), CleanText(au.Email), ws[nt+i].Slug
			n := c.authorNode(&ws[nt+i], au)
			b.Authors[i] = authorOf(n)
			c.targets = append(c.targets, n)
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
					w.Parent = n
					if w.N != nil && w.N.Parent != n {
						w.N = nil // a hash collision: FindOrAdd looks properly
					}
				}
				n = c.categoryNode(w, cat)
			}
			b.Categories[i] = categoryOf(n)
			for ; n != nil; n = n.Parent {
				c.targets = append(c.targets, n)
			}
		}
	}
}

// slugOf returns slug in normalization form C, or when it is empty the
// slug of the name as the catalog stores it (cleaned), so that a stored
// Slug is always Slugify of the stored Name. Slugs are filed in NFC, the
// form addresses are read back in (UnescapeSlug): a slug given decomposed
// and one given composed name one list, and its feed has one address.
func slugOf(slug, name string) string {
	if slug != "" {
		return nfc(slug)
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

func (c *Catalog) tagNode(w *want, name string) *node {
	n, isNew := c.nodes.FindOrAdd(w)
	if isNew || n.Data.name != name {
		if !isNew {
			c.noteLabel(n) // a rename: the tag's feed title
		}
		setTag(n, Tag{Name: name, Slug: w.Slug})
	}
	if isNew {
		c.file(n, n.Slug)
	}
	return n
}

func (c *Catalog) authorNode(w *want, au Author) *node {
	n, isNew := c.nodes.FindOrAdd(w)
	if d := &n.Data; isNew || d.name != au.Name || d.email != au.Email || d.url != au.URL {
		if !isNew {
			c.noteLabel(n) // the author feed's title and <author>
		}
		setAuthor(n, au)
	}
	if isNew {
		c.file(n, n.Slug)
	}
	return n
}

// categoryNode returns the node of cat, whose parent's node is w.Parent.
// The node's canonical Category is replaced when cat's name or
// parent differ from it.
func (c *Catalog) categoryNode(w *want, cat *Category) *node {
	n, isNew := c.nodes.FindOrAdd(w)
	name := CleanText(cat.Name)
	var parentCat *Category
	if n.Parent != nil {
		parentCat = n.Parent.Data.cat
	}
	switch {
	case isNew:
		path := w.Slug
		if n.Parent != nil {
			path = n.Parent.Data.path + "/" + path
		}
		setCategory(n, w.Slug, name, path)
		c.file(n, n.Data.path)
		if n.Parent != nil {
			c.kids[n.Parent] = append(c.kids[n.Parent], n)
		}
	case n.Data.name != name || n.Data.parentCat != parentCat:
		c.noteLabel(n)
		setCategory(n, n.Slug, name, n.Data.path)
		c.relabel(n)
	}
	return n
}

// noteLabel records, the first time in a change, the label n had before
// it: settleLabels then marks n changed if its label ends the change
// different (a rename, or a renamed ancestor), and not if it came back.
func (c *Catalog) noteLabel(n *node) {
	if c.labels == nil {
		c.labels = make(map[*node]string)
	}
	if _, ok := c.labels[n]; !ok {
		c.labels[n] = nodeLabel(n)
	}
}

// nodeLabel is what a node's feed shows of it: a category's Label (with
// its ancestors), a tag's name, an author's name, email and URL.
func nodeLabel(n *node) string {
	switch {
	case n.Data.cat != nil:
		return n.Data.cat.Label()
	case KeyKind(n.Kind) == KindAuthor:
		return n.Data.name + "\n" + n.Data.email + "\n" + n.Data.url
	}
	return n.Data.name
}

// settleLabels marks changed (touch) the nodes whose label the change
// moved, in key order, and reports whether there were any. Called with
// c.mu held before commit.
func (c *Catalog) settleLabels() bool {
	if len(c.labels) == 0 {
		return false
	}
	var moved []*node
	for n, before := range c.labels {
		if nodeLabel(n) != before {
			moved = append(moved, n)
		}
	}
	clear(c.labels)
	slices.SortFunc(moved, func(a, b *node) int { return strings.Compare(keyOf(a).String(), keyOf(b).String()) })
	for _, n := range moved {
		c.touch(n)
	}
	return len(moved) > 0
}

// relabel gives every descendant of n, whose canonical Category has just
// been replaced, a canonical Category whose parent chain is the new one,
// and marks its list changed: its Label, and so its feed's title, did.
// The descendants' articles stay as stored (snapshots keep the old
// chain, as they do for a category renamed itself). Renames are rare;
// an ordinary upsert never gets here.
func (c *Catalog) relabel(n *node) {
	for _, k := range c.kids[n] {
		c.noteLabel(k)
		setCategory(k, k.Slug, k.Data.name, k.Data.path)
		c.relabel(k)
	}
}

// file records a new node under its key: path is its Key's Slug.
func (c *Catalog) file(n *node, path string) {
	n.Data.path = path
	c.lists[keyOf(n)] = n
}

// unindex takes d out of every list it is in: the site's and those of
// the nodes of its article's categories (with their ancestors), tags and
// authors, found by the slugs the catalog stored on it.
func (c *Catalog) unindex(d *doc) {
	e := entry{TS: d.Val.Published.UnixNano(), Doc: d}
	c.unfile(&c.site, e)
	a := d.Val
	for i := range a.Categories {
		c.unfileCategory(&a.Categories[i], e)
	}
	for _, t := range a.Tags {
		c.unfile(c.nodes.Find(c.nodes.Hash(uint8(KindTag), 0, t.Slug), uint8(KindTag), nil, t.Slug), e)
	}
	for _, au := range a.Authors {
		c.unfile(c.nodes.Find(c.nodes.Hash(uint8(KindAuthor), 0, au.Slug), uint8(KindAuthor), nil, au.Slug), e)
	}
}

// unfileCategory takes e out of the lists of cat and its ancestors.
func (c *Catalog) unfileCategory(cat *Category, e entry) {
	c.categoryChain(cat, func(n *node) { c.unfile(n, e) })
}

// categoryChain calls fn with the node of each of cat's ancestors, root
// first, then with cat's (nil for one not found), and returns cat's node
// and its hash.
func (c *Catalog) categoryChain(cat *Category, fn func(*node)) (*node, uint64) {
	var (
		parent *node
		ph     uint64
	)
	if cat.Parent != nil {
		parent, ph = c.categoryChain(cat.Parent, fn)
	}
	h := c.nodes.Hash(uint8(KindCategory), ph, cat.Slug)
	n := c.nodes.Find(h, uint8(KindCategory), parent, cat.Slug)
	fn(n)
	return n, h
}

func (c *Catalog) unfile(n *node, e entry) {
	if n != nil {
		n.List.Remove(e)
		c.touch(n)
	}
}
