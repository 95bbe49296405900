package khabar

import (
	"cmp"
	"errors"
	"fmt"
	"hash/maphash"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// KeyKind says what a Key selects.
type KeyKind uint8

// The kinds of Key.
const (
	KindSite     KeyKind = iota // every article
	KindCategory                // a category and its descendants
	KindTag                     // one tag
	KindAuthor                  // one author
)

func (k KeyKind) String() string {
	switch k {
	case KindSite:
		return "site"
	case KindCategory:
		return "category"
	case KindTag:
		return "tag"
	case KindAuthor:
		return "author"
	}
	return fmt.Sprintf("KeyKind(%d)", uint8(k))
}

// Key names one of the article lists a Catalog keeps, and so one feed: the
// whole site, a category (Slug is its SlugPath, "उत्तर-प्रदेश/कानपुर"), a tag
// or an author (Slug is the slug). The zero Key is the site.
type Key struct {
	Kind KeyKind
	Slug string
}

// SiteKey selects every article.
func SiteKey() Key { return Key{} }

// CategoryKey selects a category by its path (Category.SlugPath) and includes
// its descendants.
func CategoryKey(path string) Key { return Key{KindCategory, path} }

// TagKey selects a tag by slug.
func TagKey(slug string) Key { return Key{KindTag, slug} }

// AuthorKey selects an author by slug.
func AuthorKey(slug string) Key { return Key{KindAuthor, slug} }

// String returns "site", "category/उत्तर-प्रदेश/कानपुर", "tag/…" or "author/…".
func (k Key) String() string {
	if k.Kind == KindSite {
		return "site"
	}
	return k.Kind.String() + "/" + k.Slug
}

// Change describes one change to a Catalog, precisely enough for a cache to
// drop only what it touched.
type Change struct {
	// Version is the catalog version after the change.
	Version uint64
	// IDs are the articles inserted, updated or deleted.
	IDs []string
	// Keys are the lists whose content or order changed: the site, and each
	// category (with its ancestors), tag and author of the old and the new
	// version of every article in IDs. Empty when MetricsOnly.
	Keys []Key
	// MetricsOnly is set when only counters (views, shares, comments)
	// changed: no feed changes, but rankings may.
	MetricsOnly bool
}

// CategoryCount is a category with the number of articles filed under it or
// any of its descendants.
type CategoryCount struct {
	Category *Category
	Count    int
}

// TagCount is a tag with its number of articles.
type TagCount struct {
	Tag   Tag
	Count int
}

// AuthorCount is an author with their number of articles.
type AuthorCount struct {
	Author Author
	Count  int
}

// Query selects articles from one list of a Catalog, newest first.
type Query struct {
	// Key selects the list; the zero Key is the whole site.
	Key Key
	// Since and Until bound Published to [Since, Until); zero means
	// unbounded.
	Since, Until time.Time
	// Offset skips that many articles (after the time bounds).
	Offset int
	// Limit caps the result; zero or less means no cap.
	Limit int
}

type doc struct {
	id string
	a  *Article
}

// Catalog is a concurrent in-memory index of articles: by ID, and newest
// first for the site, each category (descendants included), tag and author.
// All methods are safe for concurrent use.
//
// The catalog keeps its own copy of what it is given, with every text field
// (title, summary, content, names of authors, categories and tags, image
// alt and caption, source title) passed through CleanText: what it returns
// is valid UTF-8 holding only characters XML allows, so renderers need not
// check again. Slugs and IDs are refused by Validate if they hold control
// characters. The *Article values
// it returns are read-only snapshots: an update replaces the stored article
// instead of changing it, so a snapshot never changes under its reader.
// Callers must not modify them (use Clone for a copy to edit).
//
// The zero Catalog is empty and ready to use.
type Catalog struct {
	mu      sync.RWMutex
	docs    docTable
	lists   map[Key]*list    // every list by key; they live in site and the nodes
	site    list             // every article
	nodes   nodeTable        // every category, tag and author, for interning
	cats    map[string]*node // categories by path
	tags    map[string]*node // tags by slug
	authors map[string]*node // authors by slug
	version uint64

	// Scratch for the writer holding mu: the lists an article goes into,
	// and the lists one change touched (each marked with batch, so that a
	// list shared by two categories is listed once); intern's lookups and
	// category chains.
	targets []*list
	touched []*list
	batch   uint64
	wants   []want
	chains  []*Category
	starts  []int

	// docs are allocated 512 at a time and reused once deleted: no reader
	// holds a *doc outside the lock.
	docChunk []doc
	freeDocs []*doc

	pending  []Change     // changes not yet delivered, in version order; under mu
	watching atomic.Int32 // number of watchers; no Change is built without one

	notifyMu sync.Mutex // serializes delivery; held while watchers run
	watchers []*watcher
}

type watcher struct{ fn func(Change) }

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog { return &Catalog{} }

func (c *Catalog) init() {
	if c.lists == nil {
		c.docs.seed = maphash.MakeSeed()
		c.lists = map[Key]*list{SiteKey(): &c.site}
		c.nodes.seed = maphash.MakeSeed()
		c.cats = make(map[string]*node)
		c.tags = make(map[string]*node)
		c.authors = make(map[string]*node)
	}
}

// Upsert validates a and stores a copy of it, replacing any article with
// the same ID. An invalid article is refused with a *ValidationError and
// the catalog is left as it was. Storing an article equal to the one stored
// changes nothing and notifies no one.
func (c *Catalog) Upsert(a *Article) error {
	if a == nil {
		return errNilArticle
	}
	if err := a.Validate(); err != nil {
		return err
	}
	c.mu.Lock()
	c.begin()
	changed, metricsOnly := c.put(a)
	if !changed {
		c.mu.Unlock()
		return nil
	}
	c.commit(metricsOnly, func() []string { return []string{a.ID} })
	return nil
}

var errNilArticle = errors.New("khabar: nil article")

// UpsertAll stores every valid article of as as Upsert does, in one change
// (one notification). Invalid articles are skipped; the error joins their
// *ValidationError values (errors.As finds the first, errors.Join's
// Unwrap lists them all).
func (c *Catalog) UpsertAll(as []*Article) error {
	var errs []error
	prepared := make([]*Article, 0, len(as))
	for _, a := range as {
		if a == nil {
			errs = append(errs, errNilArticle)
			continue
		}
		if err := a.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		prepared = append(prepared, a)
	}
	c.mu.Lock()
	c.begin()
	var ids []string
	metricsOnly := true
	for _, a := range prepared {
		changed, mo := c.put(a)
		if changed {
			ids = append(ids, a.ID)
			metricsOnly = metricsOnly && mo
		}
	}
	if len(ids) == 0 {
		c.mu.Unlock()
		return errors.Join(errs...)
	}
	c.commit(metricsOnly, func() []string { return ids })
	return errors.Join(errs...)
}

// begin starts a change; called with c.mu held.
func (c *Catalog) begin() {
	c.init()
	c.batch++
	c.touched = c.touched[:0]
}

// put stores a validated article, reporting whether anything changed and
// whether only its counters did. Called with c.mu held, inside begin and
// commit.
func (c *Catalog) put(in *Article) (changed, metricsOnly bool) {
	a, old := c.intern(in)
	if old == nil {
		d := c.newDoc()
		d.id, d.a = a.ID, a
		c.docs.add(c.docs.hash(a.ID), d)
		c.index(d)
		return true, false
	}
	switch sameExceptMetrics(old.a, a) {
	case sameAll:
		return false, false
	case sameContent:
		old.a = a // counters only: lists and feeds are unaffected
		return true, true
	}
	c.unindex(old)
	old.a = a
	c.index(old)
	return true, false
}

func (c *Catalog) newDoc() *doc {
	if n := len(c.freeDocs); n > 0 {
		d := c.freeDocs[n-1]
		c.freeDocs = c.freeDocs[:n-1]
		return d
	}
	if len(c.docChunk) == 0 {
		c.docChunk = make([]doc, 512)
	}
	d := &c.docChunk[0]
	c.docChunk = c.docChunk[1:]
	return d
}

// commit ends a change that changed something: it moves the version,
// stamps the touched lists with it, and publishes the Change (built only
// when someone watches). It releases c.mu.
func (c *Catalog) commit(metricsOnly bool, ids func() []string) {
	c.version++
	for _, l := range c.touched {
		l.version = c.version
	}
	if c.watching.Load() == 0 {
		c.mu.Unlock()
		return
	}
	ch := Change{Version: c.version, IDs: ids(), MetricsOnly: metricsOnly}
	if len(c.touched) > 0 {
		ch.Keys = make([]Key, len(c.touched))
		for i, l := range c.touched {
			ch.Keys[i] = l.key
		}
	}
	c.publish(ch)
}

// Delete removes the article with the given ID and reports whether it was
// there.
func (c *Catalog) Delete(id string) bool {
	c.mu.Lock()
	c.begin()
	h := c.docs.hash(id)
	d := c.docs.get(h, id)
	if d == nil {
		c.mu.Unlock()
		return false
	}
	c.unindex(d)
	c.docs.remove(h, id)
	*d = doc{}
	c.freeDocs = append(c.freeDocs, d)
	c.commit(false, func() []string { return []string{id} })
	return true
}

// publish queues ch, releases c.mu (held for writing) and delivers the
// queued changes to the watchers in version order. Watchers run without
// c.mu held, so they may read the catalog; by the time publish returns,
// ch has been delivered (by this goroutine or by another writer's).
func (c *Catalog) publish(ch Change) {
	slices.SortFunc(ch.Keys, func(a, b Key) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), strings.Compare(a.Slug, b.Slug))
	})
	c.pending = append(c.pending, ch)
	c.mu.Unlock()

	c.notifyMu.Lock()
	defer c.notifyMu.Unlock()
	c.mu.Lock()
	queue := c.pending
	c.pending = nil
	c.mu.Unlock()
	for _, ch := range queue {
		for _, w := range c.watchers {
			w.fn(ch)
		}
	}
}

// Watch calls fn after every change, in version order, with the catalog
// already updated. Calls are never concurrent with each other, and a
// change has been delivered by the time the Upsert, UpsertAll or Delete
// that made it returns. fn runs on a writer's goroutine: it must be quick,
// may read the catalog, but must not change it (that deadlocks). The
// returned function stops the calls.
func (c *Catalog) Watch(fn func(Change)) (stop func()) {
	w := &watcher{fn: fn}
	c.notifyMu.Lock()
	c.watchers = append(c.watchers, w)
	c.watching.Store(int32(len(c.watchers)))
	c.notifyMu.Unlock()
	return func() {
		c.notifyMu.Lock()
		defer c.notifyMu.Unlock()
		c.watchers = slices.DeleteFunc(c.watchers, func(x *watcher) bool { return x == w })
		c.watching.Store(int32(len(c.watchers)))
	}
}

// Version returns the number of changes made so far. It grows with every
// change and never goes back.
func (c *Catalog) Version() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.version
}

// KeyVersion returns the catalog version of the last change to the list k
// selects, 0 if it never had one. A cache that remembers the KeyVersion it
// rendered a feed at is stale exactly when KeyVersion has moved on.
func (c *Catalog) KeyVersion(k Key) uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if l := c.lists[k]; l != nil {
		return l.version
	}
	return 0
}

// Len returns the number of articles.
func (c *Catalog) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.docs.live
}

// Get returns the article with the given ID.
func (c *Catalog) Get(id string) (*Article, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.lists == nil {
		return nil, false
	}
	if d := c.docs.get(c.docs.hash(id), id); d != nil {
		return d.a, true
	}
	return nil, false
}

// Count returns the number of articles in the list k selects.
func (c *Catalog) Count(k Key) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if l := c.lists[k]; l != nil {
		return l.n
	}
	return 0
}

// Newest returns up to limit articles of the list k selects, newest first,
// after skipping offset; limit <= 0 means all. The second result is the
// list's length, for paging.
func (c *Catalog) Newest(k Key, offset, limit int) ([]*Article, int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	l := c.lists[k]
	if l == nil {
		return nil, 0
	}
	return c.collect(l, 0, l.n, offset, limit), l.n
}

// Find returns the articles q selects, newest first.
func (c *Catalog) Find(q Query) []*Article {
	c.mu.RLock()
	defer c.mu.RUnlock()
	l := c.lists[q.Key]
	if l == nil {
		return nil
	}
	from, to := l.bounds(q.Since, q.Until)
	return c.collect(l, from, to, q.Offset, q.Limit)
}

// bounds returns the rank range of articles published in [since, until).
func (l *list) bounds(since, until time.Time) (from, to int) {
	from, to = 0, l.n
	if !until.IsZero() {
		from = l.rankOf(until.UnixNano())
	}
	if !since.IsZero() {
		to = l.rankOf(since.UnixNano())
	}
	return from, max(from, to)
}

func (c *Catalog) collect(l *list, from, to, offset, limit int) []*Article {
	from += max(offset, 0)
	if limit > 0 && from+limit < to {
		to = from + limit
	}
	if from >= to {
		return nil
	}
	out := make([]*Article, 0, to-from)
	l.each(from, to, func(e entry) bool {
		out = append(out, e.d.a)
		return true
	})
	return out
}

// Top returns up to q.Limit articles of q's list and time window with the
// highest score, best first (q.Limit <= 0 means 10; q.Offset is ignored).
// Ties go to the newer article, then the smaller ID, so the order is
// stable. score is called once per candidate, under the catalog's read
// lock: it must not call the catalog.
func (c *Catalog) Top(q Query, score func(*Article) float64) []*Article {
	n := q.Limit
	if n <= 0 {
		n = 10
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	l := c.lists[q.Key]
	if l == nil {
		return nil
	}
	from, to := l.bounds(q.Since, q.Until)
	h := make(scoreHeap, 0, n)
	l.each(from, to, func(e entry) bool {
		s := scored{e: e, score: score(e.d.a)}
		if len(h) < n {
			h.push(s)
		} else if s.better(h[0]) {
			h[0] = s
			h.down(0)
		}
		return true
	})
	slices.SortFunc(h, func(a, b scored) int {
		if a.better(b) {
			return -1
		}
		return 1
	})
	out := make([]*Article, len(h))
	for i, s := range h {
		out[i] = s.e.d.a
	}
	return out
}

type scored struct {
	e     entry
	score float64
}

func (s scored) better(t scored) bool {
	if s.score != t.score {
		return s.score > t.score
	}
	return s.e.before(t.e)
}

// scoreHeap is a min-heap of candidates: the worst kept one on top. It is
// written out rather than using container/heap, whose interface boxes every
// element.
type scoreHeap []scored

func (h *scoreHeap) push(s scored) {
	*h = append(*h, s)
	x := *h
	for i := len(x) - 1; i > 0; {
		p := (i - 1) / 2
		if !x[p].better(x[i]) {
			break
		}
		x[p], x[i] = x[i], x[p]
		i = p
	}
}

func (h scoreHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		w := l
		if r := l + 1; r < len(h) && h[l].better(h[r]) {
			w = r
		}
		if !h[i].better(h[w]) {
			return
		}
		h[i], h[w] = h[w], h[i]
		i = w
	}
}

// Category returns the category with the given path (Category.SlugPath).
func (c *Catalog) Category(path string) (*Category, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if n := c.cats[path]; n != nil {
		return n.cat, true
	}
	return nil, false
}

// Tag returns the tag with the given slug.
func (c *Catalog) Tag(slug string) (Tag, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if n := c.tags[slug]; n != nil {
		return n.tag(), true
	}
	return Tag{}, false
}

// Author returns the author with the given slug.
func (c *Catalog) Author(slug string) (Author, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if n := c.authors[slug]; n != nil {
		return n.author(), true
	}
	return Author{}, false
}

// Categories returns every category that has articles (counting those of
// its descendants), ordered by path.
func (c *Catalog) Categories() []CategoryCount {
	return withCounts(c, func() map[string]*node { return c.cats }, func(n *node) CategoryCount { return CategoryCount{n.cat, n.l.n} })
}

// Tags returns every tag that has articles, ordered by slug.
func (c *Catalog) Tags() []TagCount {
	return withCounts(c, func() map[string]*node { return c.tags }, func(n *node) TagCount { return TagCount{n.tag(), n.l.n} })
}

// Authors returns every author who has articles, ordered by slug.
func (c *Catalog) Authors() []AuthorCount {
	return withCounts(c, func() map[string]*node { return c.authors }, func(n *node) AuthorCount { return AuthorCount{n.author(), n.l.n} })
}

// withCounts pairs each node of the index (keyed by slug or path) that has
// articles with its count, ordered by key.
func withCounts[C any](c *Catalog, index func() map[string]*node, pair func(*node) C) []C {
	c.mu.RLock()
	defer c.mu.RUnlock()
	m := index() // under the lock: the first write to a zero Catalog sets the maps
	keys := make([]string, 0, len(m))
	for k, n := range m {
		if n.l.n > 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make([]C, len(keys))
	for i, k := range keys {
		out[i] = pair(m[k])
	}
	return out
}

// keysOf calls fn with every list key article a belongs to.
func keysOf(a *Article, fn func(Key)) {
	fn(SiteKey())
	for i := range a.Categories {
		for x := &a.Categories[i]; x != nil; x = x.Parent {
			fn(CategoryKey(x.SlugPath()))
		}
	}
	for _, t := range a.Tags {
		fn(TagKey(t.EffectiveSlug()))
	}
	for _, au := range a.Authors {
		fn(AuthorKey(au.EffectiveSlug()))
	}
}

// touch records that l changes in the current batch.
func (c *Catalog) touch(l *list) {
	if l.mark != c.batch {
		l.mark = c.batch
		c.touched = append(c.touched, l)
	}
}

// index files d under the lists intern left in c.targets. A list listed
// twice (two categories sharing a parent) finds d there the second time
// and keeps one entry.
func (c *Catalog) index(d *doc) {
	e := entry{ts: d.a.Published.UnixNano(), d: d}
	for _, l := range c.targets {
		l.insert(e)
		c.touch(l)
	}
}

// unindex takes d out of every list it is in.
func (c *Catalog) unindex(d *doc) {
	e := entry{ts: d.a.Published.UnixNano(), d: d}
	keysOf(d.a, func(k Key) {
		if l := c.lists[k]; l != nil {
			l.remove(e)
			c.touch(l)
		}
	})
}

type sameness int

const (
	different sameness = iota
	sameContent
	sameAll
)

func sameExceptMetrics(a, b *Article) sameness {
	x, y := *a, *b
	x.Metrics, y.Metrics = Metrics{}, Metrics{}
	if !reflect.DeepEqual(&x, &y) {
		return different
	}
	if a.Metrics == b.Metrics {
		return sameAll
	}
	return sameContent
}
