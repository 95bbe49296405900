package khabar

import (
	"cmp"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func newTestCatalog(t *testing.T) *Catalog {
	t.Helper()
	c := NewCatalog()
	as := []*Article{
		art("a1", 1, catKanpur, catLatest),
		art("a2", 2, catLucknow),
		art("a3", 3, catKanpur),
		art("a4", 4, catLatest),
		art("a5", 4, catLatest), // same time as a4: ID breaks the tie
	}
	as[3].Tags = []Tag{{Name: "BJP", Slug: "bjp"}}
	as[4].Authors = []Author{{Name: "Amit Singh"}}
	if err := c.UpsertAll(as); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCatalogNewest(t *testing.T) {
	c := newTestCatalog(t)
	tests := []struct {
		key           Key
		offset, limit int
		want          []string
		total         int
	}{
		{SiteKey(), 0, 0, []string{"a4", "a5", "a3", "a2", "a1"}, 5},
		{SiteKey(), 1, 2, []string{"a5", "a3"}, 5},
		{SiteKey(), 10, 2, nil, 5},
		{CategoryKey("उत्तर-प्रदेश"), 0, 0, []string{"a3", "a2", "a1"}, 3},
		{CategoryKey("उत्तर-प्रदेश/कानपुर"), 0, 0, []string{"a3", "a1"}, 2},
		{CategoryKey("latest-news"), 0, 2, []string{"a4", "a5"}, 3},
		{TagKey("bjp"), 0, 0, []string{"a4"}, 1},
		{TagKey("ramesh-tiwari"), 0, 0, []string{"a5", "a3", "a2", "a1"}, 4},
		{TagKey("बारिश"), 0, 0, []string{"a5", "a3", "a2", "a1"}, 4},
		{AuthorKey("amit-singh"), 0, 0, []string{"a5"}, 1},
		{AuthorKey("sunita-verma"), 0, 0, []string{"a4", "a3", "a2", "a1"}, 4},
		{TagKey("missing"), 0, 0, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.key.String(), func(t *testing.T) {
			got, total := c.Newest(tt.key, tt.offset, tt.limit)
			if !slices.Equal(ids(got), tt.want) || total != tt.total {
				t.Errorf("Newest(%v, %d, %d) = %v, %d; want %v, %d", tt.key, tt.offset, tt.limit, ids(got), total, tt.want, tt.total)
			}
			if n := c.Count(tt.key); n != tt.total {
				t.Errorf("Count = %d, want %d", n, tt.total)
			}
		})
	}
}

func TestCatalogFindWindow(t *testing.T) {
	c := newTestCatalog(t)
	base := time.Date(2026, 11, 20, 6, 0, 0, 0, ist)
	got := c.Find(Query{Since: base.Add(2 * time.Hour), Until: base.Add(4 * time.Hour)})
	if want := []string{"a3", "a2"}; !slices.Equal(ids(got), want) {
		t.Errorf("Find window = %v, want %v", ids(got), want)
	}
	got = c.Find(Query{Since: base.Add(4 * time.Hour)})
	if want := []string{"a4", "a5"}; !slices.Equal(ids(got), want) {
		t.Errorf("Find since = %v, want %v", ids(got), want)
	}
	got = c.Find(Query{Key: CategoryKey("उत्तर-प्रदेश"), Until: base.Add(3 * time.Hour), Limit: 1})
	if want := []string{"a2"}; !slices.Equal(ids(got), want) {
		t.Errorf("Find until = %v, want %v", ids(got), want)
	}
}

func TestCatalogTop(t *testing.T) {
	c := newTestCatalog(t)
	views := map[string]float64{"a1": 10, "a2": 50, "a3": 50, "a4": 5, "a5": 99}
	score := func(a *Article) float64 { return views[a.ID] }
	got := c.Top(Query{Limit: 3}, score)
	// a2 and a3 tie: the newer (a3) first.
	if want := []string{"a5", "a3", "a2"}; !slices.Equal(ids(got), want) {
		t.Errorf("Top = %v, want %v", ids(got), want)
	}
	got = c.Top(Query{Key: CategoryKey("उत्तर-प्रदेश/कानपुर"), Limit: 5}, score)
	if want := []string{"a3", "a1"}; !slices.Equal(ids(got), want) {
		t.Errorf("Top kanpur = %v, want %v", ids(got), want)
	}
}

func TestCatalogUpsertMovesAndDeletes(t *testing.T) {
	c := newTestCatalog(t)
	a := art("a1", 10, catLucknow) // moved from Kanpur to Lucknow, now newest
	if err := c.Upsert(a); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Newest(CategoryKey("उत्तर-प्रदेश/कानपुर"), 0, 0); !slices.Equal(ids(got), []string{"a3"}) {
		t.Errorf("kanpur after move = %v", ids(got))
	}
	if got, _ := c.Newest(CategoryKey("उत्तर-प्रदेश/लखनऊ"), 0, 0); !slices.Equal(ids(got), []string{"a1", "a2"}) {
		t.Errorf("lucknow after move = %v", ids(got))
	}
	if got, _ := c.Newest(CategoryKey("latest-news"), 0, 0); !slices.Equal(ids(got), []string{"a4", "a5"}) {
		t.Errorf("latest after move = %v", ids(got))
	}
	if !c.Delete("a4") || c.Delete("a4") {
		t.Error("Delete should report true once, then false")
	}
	if _, ok := c.Get("a4"); ok {
		t.Error("a4 still there")
	}
	if got, n := c.Newest(TagKey("bjp"), 0, 0); len(got) != 0 || n != 0 {
		t.Errorf("bjp after delete = %v, %d", ids(got), n)
	}
	if c.Len() != 4 {
		t.Errorf("Len = %d, want 4", c.Len())
	}
	var tags []string
	for _, tc := range c.Tags() {
		tags = append(tags, tc.Tag.Slug)
	}
	if want := []string{"ramesh-tiwari", "बारिश"}; !slices.Equal(tags, want) {
		t.Errorf("Tags() = %v, want %v (bjp has no articles left)", tags, want)
	}
}

func TestCatalogInvalidUpsertLeavesCatalog(t *testing.T) {
	c := newTestCatalog(t)
	v := c.Version()
	bad := art("a1", 0)
	bad.Title = ""
	err := c.Upsert(bad)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.ID != "a1" {
		t.Fatalf("Upsert(invalid) = %v, want *ValidationError for a1", err)
	}
	if got, _ := c.Get("a1"); got.Title != "ख़बर a1" || c.Version() != v {
		t.Error("invalid upsert changed the catalog")
	}
}

func TestCatalogSnapshotsAreIsolated(t *testing.T) {
	c := NewCatalog()
	a := art("x", 0, catKanpur)
	if err := c.Upsert(a); err != nil {
		t.Fatal(err)
	}
	a.Title = "changed by caller"
	a.Tags[0].Name = "changed"
	a.Categories[0].Parent.Name = "changed"
	got, _ := c.Get("x")
	if got.Title != "ख़बर x" || got.Tags[0].Name != "Ramesh Tiwari" || got.Categories[0].Parent.Name != "उत्तर प्रदेश" {
		t.Errorf("caller's changes leaked into the catalog: %+v", got)
	}
	catUP.Name = "उत्तर प्रदेश" // the shared fixture was changed through a
}

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

// TestCatalogMatchesModel runs random upserts and deletes against a plain
// map and checks every list the catalog keeps against a sort of the map.
func TestCatalogMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	c := NewCatalog()
	model := map[string]*Article{}
	cats := []Category{catKanpur, catLucknow, catLatest}
	n := 3000
	if testing.Short() {
		n = 600
	}
	for i := 0; i < n; i++ {
		id := numbered("m", rng.IntN(1500))
		if rng.IntN(5) == 0 {
			c.Delete(id)
			delete(model, id)
			continue
		}
		a := art(id, rng.IntN(200), cats[rng.IntN(3)])
		a.Tags = []Tag{{Name: numbered("t", rng.IntN(20))}}
		if err := c.Upsert(a); err != nil {
			t.Fatal(err)
		}
		model[id] = a
	}
	check := func(k Key, in func(*Article) bool) {
		var want []*Article
		for _, a := range model {
			if in(a) {
				want = append(want, a)
			}
		}
		slices.SortFunc(want, func(a, b *Article) int {
			return cmp.Or(b.Published.Compare(a.Published), strings.Compare(a.ID, b.ID))
		})
		got, total := c.Newest(k, 0, 0)
		if !slices.Equal(ids(got), ids(want)) || total != len(want) {
			t.Errorf("%v: catalog has %d articles, model %d", k, total, len(want))
		}
		if len(want) > 60 {
			page, _ := c.Newest(k, 40, 20)
			if !slices.Equal(ids(page), ids(want[40:60])) {
				t.Errorf("%v: page 40..60 differs", k)
			}
		}
	}
	check(SiteKey(), func(*Article) bool { return true })
	check(CategoryKey("उत्तर-प्रदेश"), func(a *Article) bool { return a.Categories[0].Parent != nil })
	check(CategoryKey("latest-news"), func(a *Article) bool { return a.Categories[0].Slug == "latest-news" })
	check(TagKey("t007"), func(a *Article) bool { return a.Tags[0].Name == "t007" })
	if c.Len() != len(model) {
		t.Errorf("Len = %d, model %d", c.Len(), len(model))
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

func TestCatalogStoresCleanText(t *testing.T) {
	c := NewCatalog()
	a := art("dirty", 0, Category{Name: "क\x01ानपुर", Slug: "kanpur"})
	a.Title = "बजट\x01 & आप\uFFFF"
	a.Summary = "सार\x0b"
	a.ContentHTML = "<p>a\x08b</p>"
	a.Tags = []Tag{{Name: "टैग\x1f", Slug: "tag"}}
	a.Image = &Image{URL: "https://img.khabar.example/x.jpg", Alt: "alt\x02", Caption: "cap\uFFFE"}
	if err := c.Upsert(a); err != nil {
		t.Fatal(err)
	}
	got, _ := c.Get("dirty")
	for name, s := range map[string]string{
		"title": got.Title, "summary": got.Summary, "content": got.ContentHTML,
		"category": got.Categories[0].Name, "tag": got.Tags[0].Name,
		"alt": got.Image.Alt, "caption": got.Image.Caption,
	} {
		if CleanText(s) != s {
			t.Errorf("%s = %q is not clean", name, s)
		}
	}
	if got.Title != "बजट & आप" {
		t.Errorf("title = %q", got.Title)
	}
	bad := art("bad\x01id", 0)
	bad.Tags = []Tag{{Name: "x", Slug: "a b"}}
	var ve *ValidationError
	if err := c.Upsert(bad); !errors.As(err, &ve) || len(ve.Problems) != 3 { // id, url (built from the id), tag slug
		t.Errorf("Upsert(control character in ID, space in slug) = %v, want three problems", err)
	}
}
