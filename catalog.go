package khabar

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/khabar/khabar/internal/index"
)

// Catalog is a concurrent in-memory index of articles: by ID, and newest
// first for the site, each category (descendants included), tag and author.
// All methods are safe for concurrent use.
//
// The catalog keeps its own copy of what it is given, with every text field
// (title, summary, content, names of authors, categories and tags, author
// email, image alt, caption and type, source title, GUID and origin title)
// passed through CleanText: what it returns is valid UTF-8 holding only
// characters XML allows, so renderers need not check again. Validate
// refuses slugs that hold control characters, IDs and URLs (the source's
// origin URL included) that are not valid UTF-8 or hold characters XML
// does not allow (an ID may hold a TAB or a line break, which XML allows:
// stored articles have them). The *Article values
// it returns are read-only snapshots: an update replaces the stored article
// instead of changing it, so a snapshot never changes under its reader.
// Callers must not modify them (use Clone for a copy to edit).
//
// The zero Catalog is empty and ready to use.
type Catalog struct {
	mu      sync.RWMutex
	docs    index.DocTable[*Article]            // by ID; docs are reused: no reader holds one outside mu
	nodes   index.NodeTable[*Article, nodeData] // every category, tag and author, for interning
	lists   map[Key]*node                       // every list by key: the site and every node
	site    node                                // every article
	kids    map[*node][]*node                   // category node to its child nodes, for relabel (outside node: TestStoredSizes)
	version uint64

	// Scratch for the writer holding mu: the nodes whose lists an article
	// goes into, and the nodes one change touched (each marked with batch,
	// so that a parent shared by two categories is listed once); intern's
	// lookups and category chains.
	targets []*node
	touched []*node
	labels  map[*node]string // labels before the change of renamed nodes (noteLabel)
	batch   uint64
	wants   []want
	chains  []*Category
	starts  []int

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
		c.docs.Init()
		c.nodes.Init()
		c.lists = map[Key]*node{SiteKey(): &c.site}
		c.kids = map[*node][]*node{}
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
	relabeled := c.settleLabels()
	if !changed {
		if !relabeled {
			c.mu.Unlock()
			return nil
		}
		// The article is as stored, but filing it renamed a category or
		// a tag, whose feeds' titles (and their descendants') changed.
		c.commit(false, func() []string { return nil })
		return nil
	}
	c.commit(metricsOnly && !relabeled, func() []string { return []string{a.ID} })
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
	relabeled := c.settleLabels()
	if len(ids) == 0 && !relabeled {
		c.mu.Unlock()
		return errors.Join(errs...)
	}
	c.commit(metricsOnly && !relabeled, func() []string { return ids })
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
		c.index(c.docs.Add(c.docs.Hash(a.ID), a.ID, a))
		return true, false
	}
	switch sameExceptMetrics(old.Val, a) {
	case sameAll:
		return false, false
	case sameContent:
		old.Val = a // counters only: lists and feeds are unaffected
		return true, true
	}
	c.unindex(old)
	old.Val = a
	c.index(old)
	return true, false
}

// commit ends a change that changed something: it moves the version,
// stamps the touched lists with it, and publishes the Change (built only
// when someone watches). It releases c.mu.
func (c *Catalog) commit(metricsOnly bool, ids func() []string) {
	c.version++
	for _, n := range c.touched {
		n.Data.version = c.version
	}
	if c.watching.Load() == 0 {
		c.mu.Unlock()
		return
	}
	ch := Change{Version: c.version, IDs: ids(), MetricsOnly: metricsOnly}
	if len(c.touched) > 0 {
		ch.Keys = make([]Key, len(c.touched))
		for i, n := range c.touched {
			ch.Keys[i] = keyOf(n)
		}
	}
	c.publish(ch)
}

// Delete removes the article with the given ID and reports whether it was
// there.
func (c *Catalog) Delete(id string) bool {
	c.mu.Lock()
	c.begin()
	h := c.docs.Hash(id)
	d := c.docs.Get(h, id)
	if d == nil {
		c.mu.Unlock()
		return false
	}
	c.unindex(d)
	c.docs.Remove(h, id)
	c.commit(false, func() []string { return []string{id} })
	return true
}

// publish queues ch, releases c.mu (held for writing) and delivers the
// queued changes to the watchers in version order. Watchers run without
// c.mu held, so they may read the catalog; by the time publish returns,
// ch has been delivered (by this goroutine or by another writer's).
func (c *Catalog) publish(ch Change) {
	slices.SortFunc(ch.Keys, compareKeys)
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
	if n := c.list(k); n != nil {
		return n.Data.version
	}
	return 0
}

// Len returns the number of articles.
func (c *Catalog) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.docs.Len()
}

// Get returns the article with the given ID.
func (c *Catalog) Get(id string) (*Article, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.lists == nil {
		return nil, false
	}
	if d := c.docs.Get(c.docs.Hash(id), id); d != nil {
		return d.Val, true
	}
	return nil, false
}

// Count returns the number of articles in the list k selects.
func (c *Catalog) Count(k Key) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if n := c.list(k); n != nil {
		return n.List.Len()
	}
	return 0
}

// Newest returns up to limit articles of the list k selects, newest first,
// after skipping offset; limit <= 0 means all. The second result is the
// list's length, for paging.
func (c *Catalog) Newest(k Key, offset, limit int) ([]*Article, int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := c.list(k)
	if n == nil {
		return nil, 0
	}
	l := &n.List
	return collect(l, 0, l.Len(), offset, limit), l.Len()
}

// Find returns the articles q selects, newest first.
func (c *Catalog) Find(q Query) []*Article {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := c.list(q.Key)
	if n == nil {
		return nil
	}
	from, to := bounds(&n.List, q.Since, q.Until)
	return collect(&n.List, from, to, q.Offset, q.Limit)
}

// bounds returns the rank range of articles published in [since, until).
func bounds(l *index.List[*Article], since, until time.Time) (from, to int) {
	from, to = 0, l.Len()
	if !until.IsZero() {
		from = l.RankOf(until.UnixNano())
	}
	if !since.IsZero() {
		to = l.RankOf(since.UnixNano())
	}
	return from, max(from, to)
}

// collect returns the articles at reading ranks [from, to) of l, after
// skipping offset, up to limit (<= 0: all).
func collect(l *index.List[*Article], from, to, offset, limit int) []*Article {
	from += max(offset, 0)
	if limit > 0 && from+limit < to {
		to = from + limit
	}
	if from >= to {
		return nil
	}
	out := make([]*Article, 0, to-from)
	l.Each(from, to, func(e entry) bool {
		out = append(out, e.Doc.Val)
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
	l := c.list(q.Key)
	if l == nil {
		return nil
	}
	from, to := bounds(&l.List, q.Since, q.Until)
	h := make(scoreHeap, 0, n)
	l.List.Each(from, to, func(e entry) bool {
		h.offer(scored{e: e, score: score(e.Doc.Val)})
		return true
	})
	return h.articles()
}

type scored struct {
	e     entry
	score float64
}

func (s scored) better(t scored) bool {
	if s.score != t.score {
		return s.score > t.score
	}
	return s.e.Before(t.e)
}

// scoreHeap is a min-heap of candidates: the worst kept one on top. It is
// written out rather than using container/heap, whose interface boxes every
// element.
type scoreHeap []scored

// offer keeps s if it is among the best cap(h) offered so far.
func (h *scoreHeap) offer(s scored) {
	if len(*h) < cap(*h) {
		h.push(s)
	} else if len(*h) > 0 && s.better((*h)[0]) {
		(*h)[0] = s
		h.down(0)
	}
}

// articles returns the kept candidates' articles, best first.
func (h scoreHeap) articles() []*Article {
	slices.SortFunc(h, func(a, b scored) int {
		if a.better(b) {
			return -1
		}
		return 1
	})
	out := make([]*Article, len(h))
	for i, s := range h {
		out[i] = s.e.Doc.Val
	}
	return out
}

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

// list returns the list of k, nil when there is none: k's slug is looked
// up in normalization form C, the form the catalog files slugs in.
// Called with c.mu held.
func (c *Catalog) list(k Key) *node {
	k.Slug = nfc(k.Slug)
	return c.lists[k]
}

// Category returns the category with the given path (Category.SlugPath).
func (c *Catalog) Category(path string) (*Category, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if n := c.list(CategoryKey(path)); n != nil {
		return n.Data.cat, true
	}
	return nil, false
}

// Tag returns the tag with the given slug.
func (c *Catalog) Tag(slug string) (Tag, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if n := c.list(TagKey(slug)); n != nil {
		return tagOf(n), true
	}
	return Tag{}, false
}

// Author returns the author with the given slug.
func (c *Catalog) Author(slug string) (Author, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if n := c.list(AuthorKey(slug)); n != nil {
		return authorOf(n), true
	}
	return Author{}, false
}

// Categories returns every category that has articles (counting those of
// its descendants), ordered by path.
func (c *Catalog) Categories() []CategoryCount {
	return withCounts(c, KindCategory, func(n *node) CategoryCount { return CategoryCount{n.Data.cat, n.List.Len()} })
}

// Tags returns every tag that has articles, ordered by slug.
func (c *Catalog) Tags() []TagCount {
	return withCounts(c, KindTag, func(n *node) TagCount { return TagCount{tagOf(n), n.List.Len()} })
}

// Authors returns every author who has articles, ordered by slug.
func (c *Catalog) Authors() []AuthorCount {
	return withCounts(c, KindAuthor, func(n *node) AuthorCount { return AuthorCount{authorOf(n), n.List.Len()} })
}

// withCounts pairs each node of the kind that has articles with its
// count, ordered by key.
func withCounts[C any](c *Catalog, kind KeyKind, pair func(*node) C) []C {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var nodes []*node
	for k, n := range c.lists {
		if k.Kind == kind && n.List.Len() > 0 {
			nodes = append(nodes, n)
		}
	}
	slices.SortFunc(nodes, func(a, b *node) int { return strings.Compare(a.Data.path, b.Data.path) })
	out := make([]C, len(nodes))
	for i, n := range nodes {
		out[i] = pair(n)
	}
	return out
}

// touch records that n's list changes in the current batch.
func (c *Catalog) touch(n *node) {
	if n.Data.mark != c.batch {
		n.Data.mark = c.batch
		c.touched = append(c.touched, n)
	}
}

// index files d under the nodes intern left in c.targets. A node listed
// twice (two categories sharing a parent) finds d there the second time
// and keeps one entry.
func (c *Catalog) index(d *doc) {
	e := entry{TS: d.Val.Published.UnixNano(), Doc: d}
	for _, n := range c.targets {
		n.List.Insert(e)
		c.touch(n)
	}
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
