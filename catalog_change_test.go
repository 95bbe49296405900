package khabar

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCatalogChanges(t *testing.T) {
	c := newTestCatalog(t)
	var got []Change
	stop := c.Watch(func(ch Change) { got = append(got, ch) })
	defer stop()

	kanpur := CategoryKey("उत्तर-प्रदेश/कानपुर")
	before := c.KeyVersion(kanpur)
	lucknowBefore := c.KeyVersion(CategoryKey("उत्तर-प्रदेश/लखनऊ"))

	// 1. A new Kanpur article touches the site, Kanpur, UP, its tags and author.
	if err := c.Upsert(art("n1", 20, catKanpur)); err != nil {
		t.Fatal(err)
	}
	// 2. The same article again: no change at all.
	if err := c.Upsert(art("n1", 20, catKanpur)); err != nil {
		t.Fatal(err)
	}
	// 3. Only counters: a metrics-only change with no keys.
	m := art("n1", 20, catKanpur)
	m.Metrics.Views = 1400
	if err := c.Upsert(m); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d changes, want 2: %+v", len(got), got)
	}
	var keys []string
	for _, k := range got[0].Keys {
		keys = append(keys, k.String())
	}
	want := []string{"site", "category/उत्तर-प्रदेश", "category/उत्तर-प्रदेश/कानपुर", "tag/ramesh-tiwari", "tag/बारिश", "author/sunita-verma"}
	if !slices.Equal(keys, want) || got[0].MetricsOnly || !slices.Equal(got[0].IDs, []string{"n1"}) {
		t.Errorf("change 1 = %+v (keys %v), want keys %v", got[0], keys, want)
	}
	if !got[1].MetricsOnly || len(got[1].Keys) != 0 || got[1].Version != got[0].Version+1 {
		t.Errorf("change 2 = %+v, want metrics-only with no keys", got[1])
	}
	if c.KeyVersion(kanpur) != got[0].Version || c.KeyVersion(kanpur) == before {
		t.Errorf("KeyVersion(kanpur) = %d, want %d", c.KeyVersion(kanpur), got[0].Version)
	}
	if c.KeyVersion(CategoryKey("उत्तर-प्रदेश/लखनऊ")) != lucknowBefore {
		t.Error("an untouched key's version moved")
	}
	if a, _ := c.Get("n1"); a.Metrics.Views != 1400 {
		t.Errorf("metrics not stored: %+v", a.Metrics)
	}
}

// An article that moves to other categories (deep ones, sharing a prefix
// with the old) and tags empties the old lists, fills the new, reports
// both in the Change and moves the KeyVersion of both.
func TestCatalogMoveBetweenCategoriesAndTags(t *testing.T) {
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
	chs, stop := recordChanges(c)
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
	checkLists(t, c, []string{"x", "other"})
}

// UpsertAll with the same ID several times applies them in order, in one
// Change that lists the ID once per change made, with the keys of every
// version.
func TestCatalogUpsertAllDuplicateIDs(t *testing.T) {
	c := NewCatalog()
	chs, stop := recordChanges(c)
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
	checkLists(t, c, []string{"d", "e"})

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

// TestCatalogConcurrent hammers one catalog from writers and readers; run
// with -race.
func TestCatalogConcurrent(t *testing.T) {
	c := NewCatalog()
	stop := c.Watch(func(ch Change) { _ = c.KeyVersion(SiteKey()) })
	defer stop()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				id := numbered("c", (w*300+i)%400)
				if i%7 == 0 {
					c.Delete(id)
					continue
				}
				a := art(id, i%50, catKanpur)
				a.Metrics.Views = int64(i)
				if err := c.Upsert(a); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				got, _ := c.Newest(CategoryKey("उत्तर-प्रदेश"), 0, 20)
				for j := 1; j < len(got); j++ {
					if got[j].Published.After(got[j-1].Published) {
						t.Error("Newest out of order")
						return
					}
				}
				c.Top(Query{Limit: 5}, func(a *Article) float64 { return float64(a.Metrics.Views) })
				c.Categories()
				c.Get("c001")
			}
		}()
	}
	wg.Wait()
	if n, _ := c.Newest(SiteKey(), 0, 0); len(n) != c.Len() {
		t.Errorf("site list has %d, Len %d", len(n), c.Len())
	}
}

// Watchers that start and stop while writers run: every Change a watcher
// sees lists, for each of its IDs, the site, its category with parent, its
// tag and author, and versions only go up.
func TestCatalogWatchRacesWriters(t *testing.T) {
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
	checkLists(t, c, all)
}

// Readers of every kind run while writers move, rename and delete
// articles; what they see is always consistent: lists newest first,
// counts matching lists, no nil article, snapshots that never change.
func TestCatalogReadersDuringWrites(t *testing.T) {
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
	checkLists(t, c, all)
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
