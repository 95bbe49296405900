package khabar

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// fresh returns a copy of s in its own memory, as JSON decoding would give.
func fresh(s string) string { return strings.Clone(s) }

func TestCatalogSharesCanonicalValues(t *testing.T) {
	c := NewCatalog()
	a1, a2 := art("a1", 1, catKanpur), art("a2", 2, catKanpur)
	a2.Tags = []Tag{{Name: fresh("Ramesh Tiwari")}, {Name: fresh("बारिश")}}
	a2.Authors = []Author{{Name: fresh("सुनीता वर्मा"), Slug: fresh("sunita-verma")}}
	if err := c.UpsertAll([]*Article{a1, a2}); err != nil {
		t.Fatal(err)
	}
	g1, _ := c.Get("a1")
	g2, _ := c.Get("a2")
	same := func(what, x, y string) {
		t.Helper()
		if x != y || unsafe.StringData(x) != unsafe.StringData(y) {
			t.Errorf("%s: %q and %q are not one shared string", what, x, y)
		}
	}
	same("tag name", g1.Tags[1].Name, g2.Tags[1].Name)
	same("derived tag slug", g1.Tags[0].Slug, g2.Tags[0].Slug)
	same("author name", g1.Authors[0].Name, g2.Authors[0].Name)
	same("category name", g1.Categories[0].Name, g2.Categories[0].Name)
	if g1.Categories[0].Parent != g2.Categories[0].Parent {
		t.Error("the two articles' categories have different parent pointers")
	}
	if got, want := g1.Tags[0].Slug, "ramesh-tiwari"; got != want {
		t.Errorf("derived tag slug = %q, want %q", got, want)
	}
	if unsafe.StringData(g2.Tags[1].Name) == unsafe.StringData(a2.Tags[1].Name) {
		t.Error("the catalog kept the caller's second copy instead of its canonical one")
	}
}

func TestCatalogRenamesKeepSnapshots(t *testing.T) {
	c := NewCatalog()
	old := art("a1", 1, catKanpur)
	if err := c.Upsert(old); err != nil {
		t.Fatal(err)
	}
	before, _ := c.Get("a1")

	up := &Category{Name: "उत्तर प्रदेश (UP)", Slug: "उत्तर-प्रदेश"}
	renamed := art("a2", 2, Category{Name: "कानपुर नगर", Slug: "कानपुर", Parent: up})
	renamed.Tags = []Tag{{Name: "Ramesh Tiwari ji", Slug: "ramesh-tiwari"}}
	renamed.Authors = []Author{{Name: "सुनीता वर्मा", Slug: "sunita-verma", Email: "sunita@khabar.example"}}
	if err := c.Upsert(renamed); err != nil {
		t.Fatal(err)
	}
	after, _ := c.Get("a2")

	tests := []struct{ what, got, want string }{
		{"old article's tag", before.Tags[0].Name, "Ramesh Tiwari"},
		{"old article's category", before.Categories[0].Name, "कानपुर"},
		{"old article's parent", before.Categories[0].Parent.Name, "उत्तर प्रदेश"},
		{"old article's author email", before.Authors[0].Email, ""},
		{"new article's tag", after.Tags[0].Name, "Ramesh Tiwari ji"},
		{"new article's category", after.Categories[0].Name, "कानपुर नगर"},
		{"new article's parent", after.Categories[0].Parent.Name, "उत्तर प्रदेश (UP)"},
		{"new article's author email", after.Authors[0].Email, "sunita@khabar.example"},
		{"new article's category key", after.Categories[0].SlugPath(), "उत्तर-प्रदेश/कानपुर"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.what, tt.got, tt.want)
		}
	}
	if tag, _ := c.Tag("ramesh-tiwari"); tag.Name != "Ramesh Tiwari ji" {
		t.Errorf("Tag(ramesh-tiwari).Name = %q, want the new name", tag.Name)
	}
	if au, _ := c.Author("sunita-verma"); au.Email != "sunita@khabar.example" {
		t.Errorf("Author(sunita-verma).Email = %q, want the new one", au.Email)
	}
	if cat, _ := c.Category("उत्तर-प्रदेश/कानपुर"); cat.Label() != "उत्तर प्रदेश (UP) › कानपुर नगर" {
		t.Errorf("Category label = %q", cat.Label())
	}
	if n := c.Count(CategoryKey("उत्तर-प्रदेश/कानपुर")); n != 2 {
		t.Errorf("renaming moved articles out of the category: count %d, want 2", n)
	}
}

// Renames at every level of a three-level chain leave old snapshots as they
// were and are seen by new readers.
func TestCatalogDeepRenamesKeepSnapshots(t *testing.T) {
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

func TestCatalogKeepsKindsAndParentsApart(t *testing.T) {
	c := NewCatalog()
	mp := &Category{Name: "मध्य प्रदेश", Slug: "मध्य-प्रदेश"}
	a1 := art("a1", 1, catLucknow)                                            // उत्तर-प्रदेश/लखनऊ
	a2 := art("a2", 2, Category{Name: "लखनऊ (MP)", Slug: "लखनऊ", Parent: mp}) // मध्य-प्रदेश/लखनऊ
	a3 := art("a3", 3, Category{Name: "लखनऊ top", Slug: "लखनऊ"})              // लखनऊ
	a3.Tags = []Tag{{Name: "लखनऊ tag", Slug: "लखनऊ"}}
	a3.Authors = []Author{{Name: "लखनऊ author", Slug: "लखनऊ"}}
	if err := c.UpsertAll([]*Article{a1, a2, a3}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key  Key
		want string // the one article in that list
	}{
		{CategoryKey("उत्तर-प्रदेश/लखनऊ"), "a1"},
		{CategoryKey("मध्य-प्रदेश/लखनऊ"), "a2"},
		{CategoryKey("लखनऊ"), "a3"},
		{TagKey("लखनऊ"), "a3"},
		{AuthorKey("लखनऊ"), "a3"},
	} {
		got, n := c.Newest(tt.key, 0, 0)
		if n != 1 || got[0].ID != tt.want {
			t.Errorf("Newest(%v) = %v, want [%s]", tt.key, ids(got), tt.want)
		}
	}
	g2, _ := c.Get("a2")
	if g2.Categories[0].Name != "लखनऊ (MP)" || g2.Categories[0].Parent.Name != "मध्य प्रदेश" {
		t.Errorf("a2's category = %q under %q", g2.Categories[0].Name, g2.Categories[0].Parent.Name)
	}
	if got := len(c.Categories()); got != 5 {
		t.Errorf("Categories() has %d entries, want 5 (2 states, 2 cities, 1 root)", got)
	}
}

// An article naming a tag, an author or a category twice, or two categories
// under one parent, is in each list once; the Change names each key once;
// deleting it empties them all.
func TestCatalogDuplicateNames(t *testing.T) {
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
	chs, stop := recordChanges(c)
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
			checkLists(t, c, append(ids(filler), "dup"))
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
			checkLists(t, c, ids(filler))
		})
	}
}

// Slugs left empty are derived from names, for tags, authors and every
// level of a category chain, and the lists are filed under them.
func TestCatalogDerivedSlugs(t *testing.T) {
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

// A derived slug comes from the name as stored (cleaned), for tags,
// authors and categories alike.
func TestCatalogDerivedSlugUsesCleanedName(t *testing.T) {
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

func TestCatalogManyNodes(t *testing.T) {
	c := NewCatalog()
	var as []*Article
	for i := range 3000 {
		a := art(numbered("a", i), i)
		a.Tags = []Tag{{Name: fmt.Sprintf("tag %d", i%1500)}, {Name: fmt.Sprintf("टैग %d", i%700)}}
		a.Categories = []Category{{Name: fmt.Sprintf("city %d", i%900), Parent: &Category{Name: fmt.Sprintf("state %d", i%30)}}}
		as = append(as, a)
	}
	if err := c.UpsertAll(as); err != nil {
		t.Fatal(err)
	}
	if got := len(c.Tags()); got != 2200 {
		t.Errorf("%d tags, want 2200", got)
	}
	if got := c.Count(TagKey("tag-7")); got != 2 {
		t.Errorf("Count(tag-7) = %d, want 2", got)
	}
	if got := c.Count(CategoryKey("state-7/city-7")); got != 4 {
		t.Errorf("Count(state-7/city-7) = %d, want 4", got)
	}
	// city i under state i%30: the 900 cities are 900 distinct (state, city) pairs
	if got := len(c.Categories()); got != 930 {
		t.Errorf("%d categories, want 930", got)
	}
}

// A category below the root is looked up before its parent's node is
// known, by a hash of its path; a node with that hash, slug and kind but
// another parent must not be taken for it.
func TestCatalogCategoryHashCollision(t *testing.T) {
	c := NewCatalog()
	if err := c.Upsert(art("a1", 1, catKanpur)); err != nil {
		t.Fatal(err)
	}
	up := c.lists[CategoryKey("उत्तर-प्रदेश")]
	mp := &Category{Name: "मध्य प्रदेश", Slug: "मध्य-प्रदेश"}
	hMP := c.nodes.Hash(uint8(KindCategory), 0, mp.Slug)
	hKanpur := c.nodes.Hash(uint8(KindCategory), hMP, "कानपुर")
	decoy := &node{Kind: uint8(KindCategory), Parent: up, Slug: "कानपुर"}
	decoy.Data.name, decoy.Data.path = "decoy", "decoy"
	decoy.Data.cat = &Category{Name: "decoy", Slug: "कानपुर", Parent: up.Data.cat}
	c.nodes.Add(hKanpur, decoy)

	if err := c.Upsert(art("a2", 2, Category{Name: "कानपुर", Slug: "कानपुर", Parent: mp})); err != nil {
		t.Fatal(err)
	}
	g, _ := c.Get("a2")
	if got := g.Categories[0].SlugPath(); got != "मध्य-प्रदेश/कानपुर" {
		t.Errorf("a2 filed under %q, want मध्य-प्रदेश/कानपुर", got)
	}
	if n := c.Count(CategoryKey("मध्य-प्रदेश/कानपुर")); n != 1 {
		t.Errorf("Count(मध्य-प्रदेश/कानपुर) = %d, want 1", n)
	}
	if n := decoy.List.Len(); n != 0 {
		t.Errorf("the decoy node got %d articles", n)
	}
}

// storedArticle must stay within the allocator's header-free sizes, and a
// node within a size class that is a multiple of 64 bytes, so that every
// node starts on a cache line (its hot fields share the first ones).
func TestStoredSizes(t *testing.T) {
	if got := unsafe.Sizeof(storedArticle{}); got > 512 {
		t.Errorf("storedArticle is %d bytes, want at most 512", got)
	}
	// Go's size classes up to 512 that are multiples of 64, each with the
	// class below it.
	switch got := unsafe.Sizeof(node{}); {
	case got > 176 && got <= 192, got > 240 && got <= 256, got > 288 && got <= 320, got > 352 && got <= 384, got > 416 && got <= 448, got > 480 && got <= 512:
	default:
		t.Errorf("node is %d bytes: its size class is not a multiple of 64", got)
	}
}
