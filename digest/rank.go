package digest

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/khabar/khabar"
)

// StorySource is where a digest's stories come from. *khabar.Catalog
// satisfies it. Implementations must be safe for concurrent use.
type StorySource interface {
	// Find returns the articles q selects, newest first; the Builder asks
	// for the whole site (the zero Key) between Since and Until.
	Find(q khabar.Query) []*khabar.Article
}

var _ StorySource = (*khabar.Catalog)(nil)

// versioned is implemented by sources whose content has a version
// (*khabar.Catalog): the Builder then caches ranked windows across calls
// and drops them when the version moves on.
type versioned interface{ Version() uint64 }

// Ranking says how stories are scored and how many are shown. The zero
// value gives the defaults in brackets.
//
// The score of a story published at p, for a window ending at u, is
//
//	(Base + Views·ln(1+views) + Shares·ln(1+shares) + Comments·ln(1+comments)) · 2^(−(u−p)/HalfLife)
//
// so engagement counts with diminishing returns and halves in weight every
// HalfLife of age. Equal scores go to the newer story, then the smaller
// ID, so the order is stable. Languages says how the subscriber's language
// is honored.
type Ranking struct {
	// Views, Shares and Comments weigh the counters; when all three are
	// zero they are [1], [2] and [3]. A negative weight counts as zero.
	Views, Shares, Comments float64
	// Base is what a story without engagement scores before decay [1]; a
	// negative value counts as zero.
	Base float64
	// HalfLife is the age at which a score halves [12h].
	HalfLife time.Duration
	// PerCategory is the most stories one category may have in the top
	// list [2]. Categories that hold more than half of a window's stories
	// (a generic "Latest News") are not counted. Negative means no cap.
	PerCategory int
	// Followed is the most stories from the subscriber's follows [5];
	// negative means the digest has no followed section.
	Followed int
	// Top is the most top stories for everyone [7].
	Top int
	// Languages says what to do with stories in other languages than the
	// subscriber's [LanguageFirst].
	Languages LanguagePolicy
}

// LanguagePolicy says how a subscriber's language shapes the digest. A
// story without a Language is in the Builder's default language.
type LanguagePolicy int

const (
	// LanguageFirst ranks every story in the subscriber's language above
	// every other story, in each section; other languages fill what is
	// left, so a reader of a language the site rarely writes in still gets
	// the day's news.
	LanguageFirst LanguagePolicy = iota
	// LanguageOnly leaves stories in other languages out.
	LanguageOnly
)

func (r Ranking) withDefaults() Ranking {
	r.Views, r.Shares, r.Comments = max(r.Views, 0), max(r.Shares, 0), max(r.Comments, 0)
	if r.Views == 0 && r.Shares == 0 && r.Comments == 0 {
		r.Views, r.Shares, r.Comments = 1, 2, 3
	}
	if r.Base == 0 {
		r.Base = 1
	}
	r.Base = max(r.Base, 0)
	if r.HalfLife <= 0 {
		r.HalfLife = 12 * time.Hour
	}
	if r.PerCategory == 0 {
		r.PerCategory = 2
	}
	if r.Followed == 0 {
		r.Followed = 5
	}
	if r.Top <= 0 {
		r.Top = 7
	}
	return r
}

// Score returns the score of a at the end of a window that ends at until,
// with r's weights (defaults filled in).
func (r Ranking) Score(a *khabar.Article, until time.Time) float64 {
	r = r.withDefaults()
	return r.score(a, until)
}

func (r *Ranking) score(a *khabar.Article, until time.Time) float64 {
	m := a.Metrics
	s := r.Base + r.Views*math.Log1p(float64(max(m.Views, 0))) +
		r.Shares*math.Log1p(float64(max(m.Shares, 0))) +
		r.Comments*math.Log1p(float64(max(m.Comments, 0)))
	age := until.Sub(a.Published)
	if age < 0 {
		age = 0
	}
	return s * math.Exp2(-float64(age)/float64(r.HalfLife))
}

// baseLanguage returns the primary subtag of a language tag, lower-cased.
func baseLanguage(tag string) string {
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}

// pool is the ranked candidates of one window for one language: built once
// and shared by every subscriber with that window.
type pool struct {
	items []*poolItem
	// byKey lists the indexes (ascending, so best first) of the items
	// filed under a follow key: "c:" category path (ancestors included),
	// "t:" tag slug, "a:" author slug.
	byKey map[string][]int32
	// excluded counts the stories of the window left out for being in
	// another language (LanguageOnly).
	excluded int
}

type poolItem struct {
	a     *khabar.Article
	score float64
	// other is set for a story in another language than the pool's.
	other bool
	// cats are the category paths counted for diversity.
	cats []string
	// sv caches the story's view, built on first use.
	sv atomic.Pointer[StoryView]
	// rendered caches the story's fragments by the displayed time and
	// counter: the only parts of a story that differ between subscribers.
	mu       sync.Mutex
	rendered []*StoryView
	// label is the story's view counter in labelLang (see viewsLabel),
	// once labeled; a pool is of one language, so it is written once.
	label, labelLang string
	labeled          bool
	// related caches the "more like this" candidates when the story leads
	// a message (see Builder.more).
	related atomic.Pointer[[]StoryView]
}

// view returns the item's StoryView, building it once.
func (it *poolItem) view() StoryView {
	if v := it.sv.Load(); v != nil {
		return *v
	}
	v := storyViewOf(it.a) // its Category is the story's own, whatever the pool
	it.sv.Store(&v)
	return v
}

// renderedView returns the view with Time set, Views written in the
// language lang with the strings t, and the fragments rendered by t,
// rendering them once per distinct Time and Views.
func (it *poolItem) renderedView(t *Templates, clock, lang string, strs map[string]string) (StoryView, error) {
	it.mu.Lock()
	if !it.labeled || it.labelLang != lang {
		it.label, it.labelLang, it.labeled = viewsLabel(it.a, lang, strs), lang, true
	}
	views := it.label
	for _, v := range it.rendered {
		if v.Time == clock && v.Views == views {
			it.mu.Unlock()
			return *v, nil
		}
	}
	it.mu.Unlock()
	v := it.view()
	v.Time, v.Views = clock, views
	if it.other { // a pool is of one language: the same for every rendering
		v.setReader(lang)
	}
	if err := t.renderStory(&v); err != nil {
		return v, err
	}
	it.mu.Lock()
	if len(it.rendered) < 8 { // a handful of time zones; more are rendered each time
		it.rendered = append(it.rendered, &v)
	}
	it.mu.Unlock()
	return v, nil
}

type poolKey struct {
	since, until int64
	lang         string
}

// buildPool ranks the source's stories in [since, until) for lang.
func buildPool(src StorySource, r *Ranking, since, until time.Time, lang, defLang string) *pool {
	arts := src.Find(khabar.Query{Since: since, Until: until})
	p := &pool{items: make([]*poolItem, 0, len(arts)), byKey: make(map[string][]int32)}
	for _, a := range arts {
		al := baseLanguage(a.Language)
		if al == "" {
			al = defLang
		}
		other := al != lang
		if other && r.Languages == LanguageOnly {
			p.excluded++
			continue
		}
		p.items = append(p.items, &poolItem{a: a, score: r.score(a, until), other: other})
	}
	slices.SortFunc(p.items, func(x, y *poolItem) int {
		if x.other != y.other {
			if y.other {
				return -1
			}
			return 1
		}
		if x.score != y.score {
			return cmp.Compare(y.score, x.score)
		}
		if c := y.a.Published.Compare(x.a.Published); c != 0 {
			return c
		}
		return strings.Compare(x.a.ID, y.a.ID)
	})
	catCount := map[string]int{}
	for i, it := range p.items {
		p.index(int32(i), it, catCount)
	}
	// A category holding more than half of the stories is a generic one
	// ("Latest News"): capping it would cap the whole list.
	if n := len(p.items); n >= 4 {
		for i := range p.items {
			it := p.items[i]
			it.cats = slices.DeleteFunc(it.cats, func(k string) bool { return catCount[k]*2 > n })
		}
	}
	return p
}

// index files the i-th story under every key it can be followed by (its
// categories with their ancestors, tags and authors) and notes its own
// categories in it.cats, counting them in catCount.
func (p *pool) index(i int32, it *poolItem, catCount map[string]int) {
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			p.byKey[k] = append(p.byKey[k], i)
		}
	}
	// it.cats is searched as a list while short, as a set once long:
	// an article with thousands of categories costs linear time.
	var catSeen map[string]bool
	for j := range it.a.Categories {
		c := &it.a.Categories[j]
		key := c.SlugPath()
		if len(it.cats) == 16 && catSeen == nil {
			catSeen = make(map[string]bool, len(it.a.Categories))
			for _, k := range it.cats {
				catSeen[k] = true
			}
		}
		var fresh bool
		if catSeen != nil {
			fresh = !catSeen[key]
			catSeen[key] = true
		} else {
			fresh = !slices.Contains(it.cats, key)
		}
		if fresh {
			it.cats = append(it.cats, key)
			catCount[key]++
		}
		for x := c; x != nil; x = x.Parent {
			add("c:" + x.SlugPath())
		}
	}
	for _, t := range it.a.Tags {
		add("t:" + t.EffectiveSlug())
	}
	for _, au := range it.a.Authors {
		add("a:" + au.EffectiveSlug())
	}
}

// followKeys turns a subscriber's follows into pool keys, with the label
// Story.Because reports.
func followKeys(f Follows) (keys, labels []string) {
	f = normalizeFollows(f)
	for _, c := range f.Categories {
		keys, labels = append(keys, "c:"+c), append(labels, "category/"+c)
	}
	for _, t := range f.Tags {
		keys, labels = append(keys, "t:"+t), append(labels, "tag/"+t)
	}
	for _, a := range f.Authors {
		keys, labels = append(keys, "a:"+a), append(labels, "author/"+a)
	}
	return keys, labels
}

// selectStories picks the followed section (best stories matching any
// follow, each once) and then the top list (best of the rest, at most
// PerCategory per category).
func (p *pool) selectStories(r *Ranking, f Follows) (followed, top []Story) {
	taken := make(map[int32]bool, r.Followed+r.Top)
	if r.Followed > 0 && !f.Empty() {
		keys, labels := followKeys(f)
		lists := make([][]int32, len(keys))
		for i, k := range keys {
			lists[i] = p.byKey[k]
		}
		for len(followed) < r.Followed {
			best, bi := int32(-1), -1
			for i, l := range lists {
				for len(l) > 0 && taken[l[0]] {
					l = l[1:]
				}
				lists[i] = l
				if len(l) > 0 && (best < 0 || l[0] < best) {
					best, bi = l[0], i
				}
			}
			if bi < 0 {
				break
			}
			taken[best] = true
			it := p.items[best]
			followed = append(followed, Story{Article: it.a, Score: it.score, Because: labels[bi], item: it})
		}
	}
	var perCat map[string]int
	for i := range p.items {
		if len(top) >= r.Top {
			break
		}
		if taken[int32(i)] {
			continue
		}
		it := p.items[i]
		if r.PerCategory > 0 && len(it.cats) > 0 {
			if perCat == nil {
				perCat = map[string]int{}
			}
			full := false
			for _, c := range it.cats {
				if perCat[c] >= r.PerCategory {
					full = true
					break
				}
			}
			if full {
				continue
			}
			for _, c := range it.cats {
				perCat[c]++
			}
		}
		taken[int32(i)] = true
		top = append(top, Story{Article: it.a, Score: it.score, item: it})
	}
	return followed, top
}

// poolCache keeps the pools of recent windows. With a versioned source it
// lives as long as the Builder and is dropped when the version moves; with
// another source a fresh one serves one Each call.
type poolCache struct {
	mu      sync.Mutex
	version uint64
	m       map[poolKey]*poolEntry
}

type poolEntry struct {
	once sync.Once
	p    *pool
}

const poolCacheMax = 256

func (c *poolCache) get(k poolKey, version uint64, build func() *pool) *pool {
	c.mu.Lock()
	if c.m == nil || c.version != version || len(c.m) >= poolCacheMax {
		c.m = make(map[poolKey]*poolEntry)
		c.version = version
	}
	e := c.m[k]
	if e == nil {
		e = &poolEntry{}
		c.m[k] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.p = build() })
	return e.p
}
