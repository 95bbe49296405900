package khabar

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar/internal/index"
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

// Find and Top over a list whose newest articles arrived by the fast-path
// append (past a full block) and tie at the newest moment: the window
// bounds, the tie order by ID, and Top's tie-breaks match a brute force.
func TestCatalogFindTopAtTheNewestEnd(t *testing.T) {
	c := NewCatalog()
	var all []*Article
	for i := range index.BlockMax + 3 {
		a := art(numbered("s", i), i)
		a.Metrics.Views = int64(i % 3)
		all = append(all, a)
		if err := c.Upsert(a); err != nil {
			t.Fatal(err)
		}
	}
	newest := index.BlockMax + 2
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
		{"across the block boundary", at(index.BlockMax - 3), at(index.BlockMax + 1)},
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
	if want := []string{"later", numbered("s", newest), numbered("s", newest-1)}; !slices.Equal(ids(got), want) || n != index.BlockMax+4 {
		t.Errorf("Newest = %v (%d), want %v (%d)", ids(got), n, want, index.BlockMax+4)
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

func TestCatalogZeroValueReads(t *testing.T) {
	var c Catalog
	if _, ok := c.Get("x"); ok || c.Len() != 0 || c.Delete("x") {
		t.Error("an empty catalog reports an article")
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

// TestCatalogUpdatesFindTheirDocs upserts enough articles that many home
// buckets fill, then updates and deletes them all: every update must find
// its article (no duplicates), every delete must take it out.
func TestCatalogUpdatesFindTheirDocs(t *testing.T) {
	c := NewCatalog()
	const n = 20000
	var as []*Article
	for i := range n {
		as = append(as, art(numbered("a", i), i%500))
	}
	if err := c.UpsertAll(as); err != nil {
		t.Fatal(err)
	}
	for i, a := range as {
		b := *a
		b.Title = "updated " + a.ID
		if err := c.Upsert(&b); err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			if !c.Delete(a.ID) {
				t.Fatalf("Delete(%s) found nothing", a.ID)
			}
		}
	}
	want := n - (n+6)/7
	if c.Len() != want || c.Count(SiteKey()) != want {
		t.Fatalf("Len = %d, site count = %d, want %d", c.Len(), c.Count(SiteKey()), want)
	}
	for i, a := range as {
		g, ok := c.Get(a.ID)
		if i%7 == 0 {
			if ok {
				t.Fatalf("deleted %s is still there", a.ID)
			}
			continue
		}
		if !ok || g.Title != "updated "+a.ID {
			t.Fatalf("Get(%s) = %v, %v", a.ID, g, ok)
		}
	}
}

// Deleting and re-adding the same IDs over and over (tombstones, reused doc
// slots) keeps Get, Len and every list right, and never changes an
// article a reader already holds.
func TestCatalogDeleteReuseChurn(t *testing.T) {
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
		checkLists(t, c, all)
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
