package khabar

import (
	"slices"
	"testing"
)

// Renaming a category (same slug, new name, through a later Upsert)
// changes the label of every descendant: Category(path).Label(), Path()
// and Categories() of each descendant name the new parent, and each
// descendant's KeyVersion moves (feed titles come from Label), while an
// unrelated category's does not.
func TestCatalogParentRenameRelabelsDescendants(t *testing.T) {
	c := NewCatalog()
	up := &Category{Name: "उत्तर प्रदेश", Slug: "up"}
	kanpur := &Category{Name: "कानपुर", Slug: "kanpur", Parent: up}
	if err := c.Upsert(art("a", 0, Category{Name: "किदवई नगर", Slug: "kidwai", Parent: kanpur})); err != nil {
		t.Fatal(err)
	}
	if err := c.Upsert(art("l", 0, Category{Name: "लखनऊ", Slug: "lucknow", Parent: up}, catLatest)); err != nil {
		t.Fatal(err)
	}
	keys := []Key{CategoryKey("up/kanpur"), CategoryKey("up/kanpur/kidwai"), CategoryKey("up/lucknow")}
	before := map[Key]uint64{}
	for _, k := range keys {
		before[k] = c.KeyVersion(k)
	}
	latest := c.KeyVersion(CategoryKey("latest-news"))
	oldA, _ := c.Get("a")
	got, stop := recordChanges(c)
	defer stop()

	const newName = "उत्तरप्रदेश (UP)"
	if err := c.Upsert(art("b", 1, Category{Name: newName, Slug: "up"})); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if v := c.KeyVersion(k); v != c.Version() || v == before[k] {
			t.Errorf("KeyVersion(%v) = %d (was %d), want the rename's version %d", k, v, before[k], c.Version())
		}
	}
	if v := c.KeyVersion(CategoryKey("latest-news")); v != latest {
		t.Errorf("KeyVersion(latest-news) moved from %d to %d; it did not change", latest, v)
	}
	if len(*got) != 1 {
		t.Fatalf("%d changes, want 1", len(*got))
	}
	ks := keyStrings((*got)[0].Keys)
	for _, k := range keys {
		if !slices.Contains(ks, k.String()) {
			t.Errorf("Change.Keys = %v, want %v among them", ks, k)
		}
	}

	p, _ := c.Category("up")
	if p.Name != newName {
		t.Fatalf("parent name %q, want %q", p.Name, newName)
	}
	for path, want := range map[string]string{
		"up/kanpur":        newName + " › कानपुर",
		"up/kanpur/kidwai": newName + " › कानपुर › किदवई नगर",
		"up/lucknow":       newName + " › लखनऊ",
	} {
		k, ok := c.Category(path)
		if !ok {
			t.Fatalf("Category(%s) missing", path)
		}
		if got := k.Label(); got != want {
			t.Errorf("Category(%s).Label() = %q, want %q", path, got, want)
		}
		if root := k.Path()[0]; root != p {
			t.Errorf("Category(%s).Path()[0] = %p %q, want Category(up) %p", path, root, root.Name, p)
		}
	}
	for _, cc := range c.Categories() {
		if root := cc.Category.Path()[0]; cc.Category.SlugPath() != "latest-news" && root.Name != newName {
			t.Errorf("Categories(): %s's root is %q, want %q", cc.Category.SlugPath(), root.Name, newName)
		}
	}
	// Snapshots keep what they were stored with.
	if got := oldA.Categories[0].Label(); got != "उत्तर प्रदेश › कानपुर › किदवई नगर" {
		t.Errorf("old snapshot's label became %q", got)
	}
	checkLists(t, c, []string{"a", "b", "l"})
}
