package khabar

// Regression tests from an adversarial review of the staged Catalog
// internals (intern.go, docs.go, list.go, catalog.go): each pins behaviour
// of the previous map-based catalog (a930b3c) that the faster one must keep.

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// reviewWatch records every Change the catalog delivers.
func reviewWatch(c *Catalog) (got *[]Change, stop func()) {
	var mu sync.Mutex
	var chs []Change
	stop = c.Watch(func(ch Change) {
		mu.Lock()
		chs = append(chs, ch)
		mu.Unlock()
	})
	return &chs, stop
}

func keyStrings(ks []Key) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.String()
	}
	return out
}

// reviewCheckLists checks every list the catalog reports against a
// brute-force filing of the stored articles: Count, Newest order and
// membership, and the counts of Categories, Tags and Authors.
func reviewCheckLists(t *testing.T, c *Catalog, stored []string) {
	t.Helper()
	want := map[Key][]*Article{}
	for _, id := range stored {
		a, ok := c.Get(id)
		if !ok {
			continue
		}
		seen := map[Key]bool{}
		keysOf(a, func(k Key) {
			if !seen[k] {
				seen[k] = true
				want[k] = append(want[k], a)
			}
		})
	}
	for k, as := range want {
		slices.SortFunc(as, func(x, y *Article) int {
			if x.Published.Equal(y.Published) {
				return strings.Compare(x.ID, y.ID)
			}
			return y.Published.Compare(x.Published)
		})
		got, n := c.Newest(k, 0, 0)
		if n != len(as) || !slices.Equal(ids(got), ids(as)) {
			t.Errorf("Newest(%v) = %v (%d), want %v", k, ids(got), n, ids(as))
		}
	}
	for _, cc := range c.Categories() {
		if w := len(want[CategoryKey(cc.Category.SlugPath())]); cc.Count != w {
			t.Errorf("Categories: %s has %d, want %d", cc.Category.SlugPath(), cc.Count, w)
		}
	}
	for _, tc := range c.Tags() {
		if w := len(want[TagKey(tc.Tag.Slug)]); tc.Count != w {
			t.Errorf("Tags: %s has %d, want %d", tc.Tag.Slug, tc.Count, w)
		}
	}
	for _, ac := range c.Authors() {
		if w := len(want[AuthorKey(ac.Author.Slug)]); ac.Count != w {
			t.Errorf("Authors: %s has %d, want %d", ac.Author.Slug, ac.Count, w)
		}
	}
	nonEmpty := 0
	for k := range want {
		if k.Kind != KindSite {
			nonEmpty++
		}
	}
	if got := len(c.Categories()) + len(c.Tags()) + len(c.Authors()); got != nonEmpty {
		t.Errorf("Categories+Tags+Authors list %d keys, want the %d non-empty ones", got, nonEmpty)
	}
	if n, _ := c.Newest(SiteKey(), 0, 0); len(n) != c.Len() {
		t.Errorf("site list has %d articles, Len %d", len(n), c.Len())
	}
}

// An article that moves to other categories (deep ones, sharing a prefix
// with the old) and tags empties the old lists, fills the new, reports
// both in the Change and moves the KeyVersion of both.
func TestReviewMoveBetweenCategoriesAndTags(t *testing.T) {
	c := NewCatalog()
	a := &Category{Name: "A"}
	b := &Category{Name: "B", Parent: a}
	cc := &Category{Name: "C", Parent: b}
	d := Category{Name: "D", Parent: cc} // a/b/c/d
	e := Category{Name: "E", Parent: b}  // a/b/e
	other := art("other", 0, Category{Name: "F", Parent: a})
	if err := c.Upsert(other); err != nil {
		t.Fatal(err)
	}
	x := art("x", 5, d)
	x.Tags = []Tag{{Name: "Old Tag"}, {Name: "Shared"}}
	x.Authors = []Author{{Name: "Old Author"}}
	if err := c.Upsert(x); err != nil {
		t.Fatal(err)
	}
	chs, stop := reviewWatch(c)
	defer stop()

	y := art("x", 7, e)
	y.Tags = []Tag{{Name: "Shared"}, {Name: "New Tag"}}
	y.Authors = []Author{{Name: "New Author"}}
	if err := c.Upsert(y); err != nil {
		t.Fatal(err)
	}
	v := c.Version()
	for _, tt := range []struct {
		key  Key
		want []string
	}{
		{CategoryKey("a"), []string{"x", "other"}},
		{CategoryKey("a/b"), []string{"x"}},
		{CategoryKey("a/b/c"), nil},
		{CategoryKey("a/b/c/d"), nil},
		{CategoryKey("a/b/e"), []string{"x"}},
		{CategoryKey("a/f"), []string{"other"}},
		{TagKey("old-tag"), nil},
		{TagKey("shared"), []string{"x"}},
		{TagKey("new-tag"), []string{"x"}},
		{AuthorKey("old-author"), nil},
		{AuthorKey("new-author"), []string{"x"}},
	} {
		got, n := c.Newest(tt.key, 0, 0)
		if !slices.Equal(ids(got), tt.want) || n != len(tt.want) || c.Count(tt.key) != len(tt.want) {
			t.Errorf("Newest(%v) = %v (%d), want %v", tt.key, ids(got), n, tt.want)
		}
	}
	wantKeys := []string{"site", "category/a", "category/a/b", "category/a/b/c", "category/a/b/c/d", "category/a/b/e",
		"tag/new-tag", "tag/old-tag", "tag/shared", "author/new-author", "author/old-author"}
	if len(*chs) != 1 {
		t.Fatalf("%d changes, want 1", len(*chs))
	}
	ch := (*chs)[0]
	if got := keyStrings(ch.Keys); !slices.Equal(got, wantKeys) || !slices.Equal(ch.IDs, []string{"x"}) || ch.MetricsOnly || ch.Version != v {
		t.Errorf("Change = %+v (keys %v), want keys %v", ch, got, wantKeys)
	}
	for _, k := range ch.Keys {
		if kv := c.KeyVersion(k); kv != v {
			t.Errorf("KeyVersion(%v) = %d, want %d", k, kv, v)
		}
	}
	if kv := c.KeyVersion(CategoryKey("a/f")); kv == v {
		t.Errorf("KeyVersion(a/f) moved with a change that did not touch it")
	}
	var cats []string
	for _, cc := range c.Categories() {
		cats = append(cats, fmt.Sprintf("%s=%d", cc.Category.SlugPath(), cc.Count))
	}
	if want := []string{"a=2", "a/b=1", "a/b/e=1", "a/f=1"}; !slices.Equal(cats, want) {
		t.Errorf("Categories() = %v, want %v", cats, want)
	}
	reviewCheckLists(t, c, []string{"x", "other"})
}

// An article naming a tag, an author or a category twice, or two categories
// under one parent, is in each list once; the Change names each key once;
// deleting it empties them all.
func TestReviewDuplicateNames(t *testing.T) {
	c := NewCatalog()
	root := &Category{Name: "Root"}
	mid := &Category{Name: "Mid", Parent: root}
	filler := make([]*Article, 0, 140)
	for i := range 140 { // lists longer than a block
		f := art(numbered("f", i), i, Category{Name: "Leaf 1", Parent: mid})
		filler = append(filler, f)
	}
	if err := c.UpsertAll(filler); err != nil {
		t.Fatal(err)
	}
	chs, stop := reviewWatch(c)
	defer stop()
	for _, h := range []int{200, 70, 139} { // newest, backfill, a tie with the newest filler
		t.Run(fmt.Sprint(h), func(t *testing.T) {
			*chs = nil
			a := art("dup", h,
				Category{Name: "Leaf 1", Parent: mid},
				Category{Name: "Leaf 2", Parent: mid},
				Category{Name: "Leaf 1", Parent: mid},
				Category{Name: "Root"},
			)
			a.Tags = []Tag{{Name: "Same"}, {Name: "Other"}, {Name: "Same"}, {Name: "SAME", Slug: "same"}}
			a.Authors = []Author{{Name: "Twice"}, {Name: "Twice"}}
			if err := c.Upsert(a); err != nil {
				t.Fatal(err)
			}
			for k, want := range map[Key]int{
				SiteKey(): 141, CategoryKey("root"): 141, CategoryKey("root/mid"): 141,
				CategoryKey("root/mid/leaf-1"): 141, CategoryKey("root/mid/leaf-2"): 1,
				TagKey("same"): 1, TagKey("other"): 1, AuthorKey("twice"): 1,
			} {
				if got := c.Count(k); got != want {
					t.Errorf("Count(%v) = %d, want %d", k, got, want)
				}
			}
			reviewCheckLists(t, c, append(ids(filler), "dup"))
			if len(*chs) != 1 {
				t.Fatalf("%d changes, want 1", len(*chs))
			}
			want := []string{"site", "category/root", "category/root/mid", "category/root/mid/leaf-1", "category/root/mid/leaf-2",
				"tag/other", "tag/same", "author/twice"}
			if got := keyStrings((*chs)[0].Keys); !slices.Equal(got, want) {
				t.Errorf("Change keys %v, want %v", got, want)
			}
			// The same article again: no change, no notification.
			v := c.Version()
			if err := c.Upsert(a); err != nil {
				t.Fatal(err)
			}
			if c.Version() != v || len(*chs) != 1 {
				t.Errorf("identical upsert moved the version to %d (from %d) or notified (%d changes)", c.Version(), v, len(*chs))
			}
			if !c.Delete("dup") {
				t.Fatal("Delete(dup) = false")
			}
			for _, k := range []Key{CategoryKey("root/mid/leaf-2"), TagKey("same"), TagKey("other"), AuthorKey("twice")} {
				if got := c.Count(k); got != 0 {
					t.Errorf("after Delete, Count(%v) = %d", k, got)
				}
			}
			if got := c.Count(CategoryKey("root/mid/leaf-1")); got != 140 {
				t.Errorf("after Delete, Count(leaf-1) = %d, want 140", got)
			}
			reviewCheckLists(t, c, ids(filler))
		})
	}
}

// Slugs left empty are derived from names, for tags, authors and every
// level of a category chain, and the lists are filed under them.
func TestReviewDerivedSlugs(t *testing.T) {
	c := NewCatalog()
	a := art("a", 1, Category{Name: "Level Three", Parent: &Category{Name: "Level Two", Parent: &Category{Name: "उत्तर प्रदेश"}}})
	a.Tags = []Tag{{Name: "Ramesh Tiwari"}, {Name: "बारिश की ख़बर"}}
	a.Authors = []Author{{Name: "Amit Singh", Email: "amit@khabar.example"}}
	if err := c.Upsert(a); err != nil {
		t.Fatal(err)
	}
	g, _ := c.Get("a")
	if got, want := g.Categories[0].SlugPath(), "उत्तर-प्रदेश/level-two/level-three"; got != want {
		t.Errorf("category key %q, want %q", got, want)
	}
	for _, want := range []string{"उत्तर-प्रदेश", "उत्तर-प्रदेश/level-two", "उत्तर-प्रदेश/level-two/level-three"} {
		cat, ok := c.Category(want)
		if !ok || cat.SlugPath() != want || c.Count(CategoryKey(want)) != 1 {
			t.Errorf("Category(%q) = %v, %v; Count %d", want, cat, ok, c.Count(CategoryKey(want)))
		}
	}
	if got := []string{g.Tags[0].Slug, g.Tags[1].Slug, g.Authors[0].Slug}; !slices.Equal(got, []string{"ramesh-tiwari", "बारिश-की-ख़बर", "amit-singh"}) {
		t.Errorf("stored slugs %v", got)
	}
	for _, k := range []Key{TagKey("ramesh-tiwari"), TagKey("बारिश-की-ख़बर"), AuthorKey("amit-singh")} {
		if c.Count(k) != 1 {
			t.Errorf("Count(%v) = %d, want 1", k, c.Count(k))
		}
	}
	if au, ok := c.Author("amit-singh"); !ok || au.Email != "amit@khabar.example" {
		t.Errorf("Author(amit-singh) = %+v, %v", au, ok)
	}
	// The same article with the slugs spelled out is the same article.
	b := a.Clone()
	b.Tags[0].Slug, b.Authors[0].Slug = "ramesh-tiwari", "amit-singh"
	b.Categories[0].Slug = "level-three"
	v := c.Version()
	if err := c.Upsert(b); err != nil {
		t.Fatal(err)
	}
	if c.Version() != v {
		t.Errorf("spelling out the derived slugs counted as a change")
	}
}

// Renames at every level of a three-level chain leave old snapshots as they
// were and are seen by new readers.
func TestReviewDeepRenamesKeepSnapshots(t *testing.T) {
	c := NewCatalog()
	chain := func(n1, n2, n3 string) Category {
		return Category{Name: n3, Slug: "c", Parent: &Category{Name: n2, Slug: "b", Parent: &Category{Name: n1, Slug: "a"}}}
	}
	if err := c.Upsert(art("old", 1, chain("A1", "B1", "C1"))); err != nil {
		t.Fatal(err)
	}
	snap, _ := c.Get("old")
	snapCat, _ := c.Category("a/b")
	if err := c.Upsert(art("new", 2, chain("A2", "B2", "C2"))); err != nil {
		t.Fatal(err)
	}
	if got := snap.Categories[0].Label(); got != "A1 › B1 › C1" {
		t.Errorf("old snapshot now reads %q", got)
	}
	if snapCat.Name != "B1" || snapCat.Parent.Name != "A1" {
		t.Errorf("old Category(a/b) now reads %q under %q", snapCat.Name, snapCat.Parent.Name)
	}
	g, _ := c.Get("new")
	if got := g.Categories[0].Label(); got != "A2 › B2 › C2" {
		t.Errorf("new article reads %q", got)
	}
	if cat, _ := c.Category("a/b/c"); cat.Label() != "A2 › B2 › C2" {
		t.Errorf("Category(a/b/c) reads %q", cat.Label())
	}
	if c.Count(CategoryKey("a/b/c")) != 2 || len(c.Categories()) != 3 {
		t.Errorf("Count(a/b/c) = %d, %d categories", c.Count(CategoryKey("a/b/c")), len(c.Categories()))
	}
}

// UpsertAll with the same ID several times applies them in order, in one
// Change that lists the ID once per change made, with the keys of every
// version.
func TestReviewUpsertAllDuplicateIDs(t *testing.T) {
	c := NewCatalog()
	chs, stop := reviewWatch(c)
	defer stop()
	v1 := art("d", 1, Category{Name: "One"})
	v1.Tags = []Tag{{Name: "first"}}
	v2 := art("d", 2, Category{Name: "Two"})
	v2.Tags = []Tag{{Name: "second"}}
	v3 := v2.Clone()
	v3.Metrics.Views = 9
	v4 := v3.Clone() // the same as v3: no change
	other := art("e", 3)
	if err := c.UpsertAll([]*Article{v1, v2, v3, v4, other}); err != nil {
		t.Fatal(err)
	}
	if len(*chs) != 1 {
		t.Fatalf("%d changes, want 1", len(*chs))
	}
	ch := (*chs)[0]
	if !slices.Equal(ch.IDs, []string{"d", "d", "d", "e"}) || ch.MetricsOnly || ch.Version != 1 {
		t.Errorf("Change = %+v", ch)
	}
	wantKeys := []string{"site", "category/one", "category/two", "tag/first", "tag/ramesh-tiwari", "tag/second", "tag/बारिश", "author/sunita-verma"}
	if got := keyStrings(ch.Keys); !slices.Equal(got, wantKeys) {
		t.Errorf("Change keys %v, want %v", got, wantKeys)
	}
	g, _ := c.Get("d")
	if g.Metrics.Views != 9 || g.Categories[0].SlugPath() != "two" || c.Len() != 2 {
		t.Errorf("stored d = views %d under %q, Len %d", g.Metrics.Views, g.Categories[0].SlugPath(), c.Len())
	}
	if c.Count(CategoryKey("one")) != 0 || c.Count(TagKey("first")) != 0 || c.Count(CategoryKey("two")) != 1 {
		t.Errorf("lists of the first version not emptied")
	}
	if c.KeyVersion(CategoryKey("one")) != 1 {
		t.Errorf("KeyVersion(one) = %d, want 1", c.KeyVersion(CategoryKey("one")))
	}
	reviewCheckLists(t, c, []string{"d", "e"})

	// A batch of counter changes only is MetricsOnly with no keys, and no
	// list's KeyVersion moves.
	v5, o2 := v3.Clone(), other.Clone()
	v5.Metrics.Views, o2.Metrics.Shares = 10, 1
	if err := c.UpsertAll([]*Article{v5, o2, o2}); err != nil {
		t.Fatal(err)
	}
	ch = (*chs)[len(*chs)-1]
	if !ch.MetricsOnly || len(ch.Keys) != 0 || !slices.Equal(ch.IDs, []string{"d", "e"}) || ch.Version != 2 {
		t.Errorf("metrics Change = %+v", ch)
	}
	if kv := c.KeyVersion(SiteKey()); kv != 1 {
		t.Errorf("KeyVersion(site) = %d after a metrics-only change, want 1", kv)
	}
}

// Deleting and re-adding the same IDs over and over (tombstones, reused doc
// slots) keeps Get, Len and every list right, and never changes an
// article a reader already holds.
func TestReviewDeleteReuseChurn(t *testing.T) {
	c := NewCatalog()
	const n = 300
	all := make([]string, n)
	held := map[string]*Article{}
	heldTitle := map[string]string{}
	for round := range 12 {
		for i := range n {
			id := numbered("r", i)
			all[i] = id
			if (i+round)%3 == 0 {
				if g, ok := c.Get(id); ok && round%4 == 1 {
					held[fmt.Sprint(round, id)] = g
					heldTitle[fmt.Sprint(round, id)] = g.Title
				}
				c.Delete(id)
				continue
			}
			a := art(id, (i*7+round*13)%97, Category{Name: fmt.Sprintf("cat %d", (i+round)%5), Parent: &Category{Name: "state"}})
			a.Title = fmt.Sprintf("%s round %d", id, round)
			a.Tags = []Tag{{Name: fmt.Sprintf("t%d", (i+round)%7)}}
			if err := c.Upsert(a); err != nil {
				t.Fatal(err)
			}
		}
		live := 0
		for i := range n {
			g, ok := c.Get(all[i])
			if want := (i+round)%3 != 0; ok != want {
				t.Fatalf("round %d: Get(%s) found=%v, want %v", round, all[i], ok, want)
			}
			if ok {
				live++
				if g.ID != all[i] || g.Title != fmt.Sprintf("%s round %d", all[i], round) {
					t.Fatalf("round %d: Get(%s) = %s %q", round, all[i], g.ID, g.Title)
				}
			}
		}
		if c.Len() != live {
			t.Fatalf("round %d: Len = %d, want %d", round, c.Len(), live)
		}
		reviewCheckLists(t, c, all)
		if t.Failed() {
			t.Fatalf("round %d", round)
		}
	}
	for k, a := range held {
		if a.Title != heldTitle[k] || !strings.HasPrefix(a.Title, a.ID) {
			t.Errorf("held snapshot %s changed: %s %q", k, a.ID, a.Title)
		}
	}
}

// list operations right after the fast-path append: removing the newest,
// backfilling into the tail block, ties with the newest, and a tail at
// capacity and at blockMax, checked against a sorted slice after each step.
func TestReviewListTailEdges(t *testing.T) {
	var l list
	var model []entry
	docs := map[string]*doc{}
	get := func(id string) *doc {
		if docs[id] == nil {
			docs[id] = &doc{id: id}
		}
		return docs[id]
	}
	check := func(step string) {
		t.Helper()
		var got []entry
		l.each(0, l.n, func(e entry) bool { got = append(got, e); return true })
		if l.n != len(model) || !slices.Equal(got, model) {
			t.Fatalf("%s: list has %d entries, want %d; order differs: %v", step, l.n, len(model), !slices.Equal(got, model))
		}
		for b := range l.blocks {
			blk := l.block(b)
			if len(blk) == 0 || len(blk) > blockMax || l.firsts[b] != blk[0] {
				t.Fatalf("%s: block %d of %d: len %d, firsts cached wrong", step, b, len(l.blocks), len(blk))
			}
		}
		if len(model) > 0 && l.newest != model[0].ts {
			t.Fatalf("%s: newest = %d, want %d", step, l.newest, model[0].ts)
		}
		for _, ts := range []int64{-1, 0, 5, 50, 500, 1 << 40} {
			want := 0
			for _, e := range model {
				if e.ts >= ts {
					want++
				}
			}
			if got := l.rankOf(ts); got != want {
				t.Fatalf("%s: rankOf(%d) = %d, want %d", step, ts, got, want)
			}
		}
	}
	ins := func(id string, ts int64) {
		e := entry{ts, get(id)}
		l.insert(e)
		i := 0
		for i < len(model) && model[i].before(e) {
			i++
		}
		if i < len(model) && model[i].d == e.d {
			return
		}
		model = slices.Insert(model, i, e)
	}
	rm := func(id string, ts int64) {
		if !l.remove(entry{ts, get(id)}) {
			t.Fatalf("remove(%s, %d) found nothing", id, ts)
		}
		model = slices.DeleteFunc(model, func(e entry) bool { return e.d == docs[id] })
	}
	next := int64(100)
	for step := range 3 * blockMax {
		next++
		id := fmt.Sprintf("n%04d", step)
		ins(id, next)
		// At every capacity boundary of the tail block, and around
		// blockMax, poke it: remove the newest and put it back, add a tie
		// with the newest, backfill into the tail, and insert the same
		// entry twice.
		if len(l.tail) == cap(l.tail) || len(l.tail) >= blockMax-1 || len(l.tail) <= 1 {
			label := fmt.Sprintf("step %d (tail %d/%d)", step, len(l.tail), cap(l.tail))
			rm(id, next)
			check(label + " remove newest")
			ins(id, next)
			check(label + " re-add newest")
			tie := fmt.Sprintf("m%04d", step) // sorts before n…: reads first
			ins(tie, next)
			check(label + " tie with newest")
			ins(tie, next)
			check(label + " same entry twice")
			rm(tie, next)
			check(label + " remove the tie")
			back := fmt.Sprintf("b%04d", step)
			ins(back, next-1)
			check(label + " backfill")
			rm(back, next-1)
			check(label + " remove backfill")
			ins("a-newest", next+1)
			check(label + " newest of all")
			rm("a-newest", next+1)
			check(label + " remove newest of all")
		}
	}
	// Empty it from the newest end, then from the oldest, refilling between.
	for len(model) > 0 {
		e := model[0]
		rm(e.d.id, e.ts)
		if len(model)%37 == 0 {
			check(fmt.Sprintf("drain at %d", len(model)))
			next++
			ins("refill", next)
			check("refill")
			rm("refill", next)
		}
	}
	check("empty")
	ins("last", 1)
	check("after empty")
}

// Watchers that start and stop while writers run: every Change a watcher
// sees lists, for each of its IDs, the site, its category with parent, its
// tag and author, and versions only go up.
func TestReviewWatchRacesWriters(t *testing.T) {
	c := NewCatalog()
	const writers, per = 4, 120
	var errs sync.Map
	// check returns a watcher function that records what is wrong with the
	// changes it sees.
	check := func(name string, seen *atomic.Int64) func(Change) {
		var last uint64
		return func(ch Change) {
			seen.Add(1)
			if ch.Version <= last {
				errs.Store(fmt.Sprintf("%s: version %d after %d", name, ch.Version, last), true)
			}
			last = ch.Version
			if ch.MetricsOnly {
				return
			}
			have := map[string]bool{}
			for _, k := range ch.Keys {
				have[k.String()] = true
			}
			for _, id := range ch.IDs {
				base := strings.TrimSuffix(id, "b")
				p := "p" + base[1:2]
				for _, k := range []string{"site", "category/" + p, "category/" + p + "/" + base, "tag/tag-" + base, "author/author-" + base} {
					if !have[k] {
						errs.Store(fmt.Sprintf("%s: change %d for %s lacks %s (has %v)", name, ch.Version, id, k, keyStrings(ch.Keys)), true)
					}
				}
			}
		}
	}
	var steady, churned atomic.Int64
	stopSteady := c.Watch(check("steady watcher", &steady))
	defer stopSteady()

	done := make(chan struct{})
	var wwg, started sync.WaitGroup
	for r := range 3 {
		wwg.Add(1)
		started.Add(1)
		go func() {
			defer wwg.Done()
			first := true
			for {
				select {
				case <-done:
					return
				default:
				}
				stop := c.Watch(check(fmt.Sprintf("watcher %d", r), &churned))
				if first {
					started.Done()
					first = false
				}
				time.Sleep(50 * time.Microsecond)
				stop()
			}
		}()
	}
	started.Wait()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				id := fmt.Sprintf("w%d-%d", w, i%40)
				a := art(id, i, Category{Name: id, Parent: &Category{Name: fmt.Sprintf("p%d", w)}})
				a.Tags = []Tag{{Name: "tag " + id}}
				a.Authors = []Author{{Name: "author " + id}}
				var err error
				switch i % 5 {
				case 3:
					c.Delete(id)
				case 4:
					b := a.Clone()
					b.ID = id + "b"
					err = c.UpsertAll([]*Article{a, b, a})
				default:
					err = c.Upsert(a)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	wwg.Wait()
	if got := steady.Load(); got != int64(c.Version()) {
		t.Errorf("the steady watcher saw %d changes, want all %d", got, c.Version())
	}
	errs.Range(func(k, _ any) bool {
		t.Error(k)
		return true
	})
	all := make([]string, 0, writers*40*2)
	for w := range writers {
		for i := range 40 {
			all = append(all, fmt.Sprintf("w%d-%d", w, i), fmt.Sprintf("w%d-%db", w, i))
		}
	}
	reviewCheckLists(t, c, all)
}

// Readers of every kind run while writers move, rename and delete
// articles; what they see is always consistent: lists newest first,
// counts matching lists, no nil article, snapshots that never change.
func TestReviewReadersDuringWrites(t *testing.T) {
	c := NewCatalog()
	var wg sync.WaitGroup
	stopReaders := make(chan struct{})
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 250 {
				id := numbered("x", (w*97+i)%60)
				if i%9 == 0 {
					c.Delete(id)
					continue
				}
				a := art(id, (i*31)%200, Category{Name: fmt.Sprintf("N%d", i%4), Slug: fmt.Sprintf("c%d", i%3),
					Parent: &Category{Name: fmt.Sprintf("Root %d", i%2), Slug: "root"}})
				a.Tags = []Tag{{Name: fmt.Sprintf("T%d", i%3), Slug: fmt.Sprintf("t%d", i%4)}, {Name: "shared"}}
				a.Metrics.Views = int64(i)
				if err := c.Upsert(a); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var rwg sync.WaitGroup
	for range 4 {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			var held []*Article
			var titles []string
			for {
				select {
				case <-stopReaders:
					for i, a := range held {
						if a.Title != titles[i] {
							t.Errorf("snapshot %s changed", a.ID)
						}
					}
					return
				default:
				}
				for _, k := range []Key{SiteKey(), CategoryKey("root"), CategoryKey("root/c1"), TagKey("shared"), TagKey("t2")} {
					got, n := c.Newest(k, 0, 0)
					if len(got) != n {
						t.Errorf("Newest(%v) returned %d of %d", k, len(got), n)
						return
					}
					for j, a := range got {
						if a == nil {
							t.Errorf("Newest(%v)[%d] is nil", k, j)
							return
						}
						if j > 0 && a.Published.After(got[j-1].Published) {
							t.Errorf("Newest(%v) out of order", k)
							return
						}
					}
					c.Find(Query{Key: k, Since: art("", 50).Published, Limit: 5})
					c.Top(Query{Key: k, Limit: 3}, func(a *Article) float64 { return float64(a.Metrics.Views) })
				}
				for _, cc := range c.Categories() {
					_ = cc.Category.Label()
				}
				c.Tags()
				c.Authors()
				c.Category("root/c2")
				c.Tag("shared")
				if a, ok := c.Get("x007"); ok && len(held) < 100 {
					held = append(held, a)
					titles = append(titles, a.Title)
					_ = a.Categories[0].Label()
				}
			}
		}()
	}
	wg.Wait()
	close(stopReaders)
	rwg.Wait()
	all := make([]string, 60)
	for i := range all {
		all[i] = numbered("x", i)
	}
	reviewCheckLists(t, c, all)
}

// Find and Top over a list whose newest articles arrived by the fast-path
// append (past a full block) and tie at the newest moment: the window
// bounds, the tie order by ID, and Top's tie-breaks match a brute force.
func TestReviewFindTopAtTheNewestEnd(t *testing.T) {
	c := NewCatalog()
	var all []*Article
	for i := range blockMax + 3 {
		a := art(numbered("s", i), i)
		a.Metrics.Views = int64(i % 3)
		all = append(all, a)
		if err := c.Upsert(a); err != nil {
			t.Fatal(err)
		}
	}
	newest := blockMax + 2
	for _, id := range []string{"tie-c", "tie-a", "tie-b"} { // ties with the newest, out of ID order
		a := art(id, newest)
		a.Metrics.Views = 2
		all = append(all, a)
		if err := c.Upsert(a); err != nil {
			t.Fatal(err)
		}
	}
	at := func(h int) time.Time { return art("", h).Published }
	brute := func(since, until time.Time) []*Article {
		var out []*Article
		for _, a := range all {
			if (since.IsZero() || !a.Published.Before(since)) && (until.IsZero() || a.Published.Before(until)) {
				out = append(out, a)
			}
		}
		slices.SortFunc(out, func(x, y *Article) int {
			if x.Published.Equal(y.Published) {
				return strings.Compare(x.ID, y.ID)
			}
			return y.Published.Compare(x.Published)
		})
		return out
	}
	for _, tt := range []struct {
		name         string
		since, until time.Time
	}{
		{"newest moment only", at(newest), at(newest + 1)},
		{"before the newest", time.Time{}, at(newest)},
		{"across the block boundary", at(blockMax - 3), at(blockMax + 1)},
		{"everything", time.Time{}, time.Time{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want := brute(tt.since, tt.until)
			if got := c.Find(Query{Since: tt.since, Until: tt.until}); !slices.Equal(ids(got), ids(want)) {
				t.Errorf("Find = %v, want %v", ids(got), ids(want))
			}
			if got := c.Find(Query{Since: tt.since, Until: tt.until, Offset: 2, Limit: 3}); !slices.Equal(ids(got), ids(want[min(2, len(want)):min(5, len(want))])) {
				t.Errorf("Find offset 2 limit 3 = %v", ids(got))
			}
			score := func(a *Article) float64 { return float64(a.Metrics.Views) }
			top := slices.Clone(want)
			slices.SortStableFunc(top, func(x, y *Article) int { return int(score(y) - score(x)) })
			top = top[:min(4, len(top))]
			if got := c.Top(Query{Since: tt.since, Until: tt.until, Limit: 4}, score); !slices.Equal(ids(got), ids(top)) {
				t.Errorf("Top = %v, want %v", ids(got), ids(top))
			}
		})
	}
	// Removing the newest ties and adding a newer one goes back to the fast path.
	for _, id := range []string{"tie-a", "tie-b", "tie-c"} {
		c.Delete(id)
	}
	if err := c.Upsert(art("later", newest+5)); err != nil {
		t.Fatal(err)
	}
	got, n := c.Newest(SiteKey(), 0, 3)
	if want := []string{"later", numbered("s", newest), numbered("s", newest-1)}; !slices.Equal(ids(got), want) || n != blockMax+4 {
		t.Errorf("Newest = %v (%d), want %v (%d)", ids(got), n, want, blockMax+4)
	}
}

// A derived slug comes from the name as stored (cleaned), for tags,
// authors and categories alike.
func TestReviewDerivedSlugUsesCleanedName(t *testing.T) {
	for _, name := range []string{"foo\uFFFFbar", "a\x01b"} {
		c := NewCatalog()
		a := art("a", 1, Category{Name: name})
		a.Tags = []Tag{{Name: name}}
		a.Authors = []Author{{Name: name}}
		if err := c.Upsert(a); err != nil {
			t.Fatal(err)
		}
		g, _ := c.Get("a")
		want := Slugify(CleanText(name))
		if g.Tags[0].Slug != want || g.Authors[0].Slug != want || g.Categories[0].Slug != want {
			t.Errorf("name %q: stored tag slug %q, author slug %q, category slug %q; want %q (Slugify of the stored name %q)",
				name, g.Tags[0].Slug, g.Authors[0].Slug, g.Categories[0].Slug, want, g.Tags[0].Name)
		}
		if c.Count(TagKey(want)) != 1 || c.Count(AuthorKey(want)) != 1 || c.Count(CategoryKey(want)) != 1 {
			t.Errorf("name %q: Count(tag/%s) = %d, Count(author/%s) = %d, Count(category/%s) = %d; want 1 each",
				name, want, c.Count(TagKey(want)), want, c.Count(AuthorKey(want)), want, c.Count(CategoryKey(want)))
		}
	}
}

// The listing methods must read the catalog's indexes under its lock: the
// first write to a zero Catalog creates them.
func TestZeroCatalogListingsRaceFirstWrite(t *testing.T) {
	for range 20 {
		var c Catalog
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := c.Upsert(art("a1", 1, catKanpur)); err != nil {
				t.Error(err)
			}
		}()
		for running := true; running; {
			select {
			case <-done:
				running = false
			default:
			}
			_ = c.Authors()
			_ = c.Tags()
			_ = c.Categories()
		}
	}
}
