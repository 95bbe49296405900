package khabar

import (
	"fmt"
	"hash/maphash"
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

func TestNodeTableCollisions(t *testing.T) {
	tab := nodeTable{seed: maphash.MakeSeed()}
	var nodes []*node
	// Many nodes under a handful of hashes: every lookup walks a probe
	// chain past others with its hash, and the table grows several times.
	for i := range 500 {
		n := &node{kind: KindTag, slug: fmt.Sprintf("t%d", i)}
		tab.add(uint64(i%7), n)
		nodes = append(nodes, n)
	}
	for i, n := range nodes {
		if got := tab.find(uint64(i%7), KindTag, nil, n.slug); got != n {
			t.Fatalf("find(%q) = %v, want its node", n.slug, got)
		}
		if got := tab.find(uint64(i%7), KindAuthor, nil, n.slug); got != nil {
			t.Fatalf("find(author %q) found a tag", n.slug)
		}
	}
	ws := []want{{kind: KindTag, slug: "t3"}, {kind: KindTag, slug: "absent"}}
	for i := range ws {
		ws[i].h = tab.hash(ws[i].kind, 0, ws[i].slug)
	}
	tab.resolve(ws, nil) // real hashes: nothing matches the forced ones
	if ws[0].n != nil || ws[1].n != nil {
		t.Errorf("resolve found nodes filed under other hashes: %v %v", ws[0].n, ws[1].n)
	}
	if got := 4 * len(tab.buckets); got < 2*len(nodes) {
		t.Errorf("table has %d slots for %d nodes, want at most half full", got, len(nodes))
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
	up := c.cats["उत्तर-प्रदेश"]
	mp := &Category{Name: "मध्य प्रदेश", Slug: "मध्य-प्रदेश"}
	hMP := c.nodes.hash(KindCategory, 0, mp.Slug)
	hKanpur := c.nodes.hash(KindCategory, hMP, "कानपुर")
	decoy := &node{kind: KindCategory, parent: up, slug: "कानपुर", name: "decoy"}
	decoy.cat = &Category{Name: "decoy", Slug: "कानपुर", Parent: up.cat, key: "decoy"}
	c.nodes.add(hKanpur, decoy)

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
	if decoy.l.n != 0 {
		t.Errorf("the decoy node got %d articles", decoy.l.n)
	}
}

// storedArticle must stay within the allocator's header-free sizes, and a
// node within a size class that is a multiple of 64 bytes, so that every
// node starts on a cache line (its hot fields share the first ones).
func TestStoredSizes(t *testing.T) {
	if got := unsafe.Sizeof(storedArticle{}); got > 512 {
		t.Errorf("storedArticle is %d bytes, want at most 512", got)
	}
	// Go's size classes between 288 and 512 that are multiples of 64.
	switch got := unsafe.Sizeof(node{}); {
	case got > 288 && got <= 320, got > 352 && got <= 384, got > 416 && got <= 448, got > 480 && got <= 512:
	default:
		t.Errorf("node is %d bytes: its size class is not a multiple of 64", got)
	}
}
