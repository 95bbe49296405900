package khabar

import (
	"testing"
)

// TestSlugsFiledInNFC: explicit slugs are filed in normalization form C,
// so a tag given decomposed by one article and composed by another is one
// tag, every lookup finds it by either spelling, and the stored article
// carries the NFC slug (the one its feed address is written with).
func TestSlugsFiledInNFC(t *testing.T) {
	const composed, decomposed = "caf\u00e9", "cafe\u0301"
	c := NewCatalog()
	a := art("a-1", 1, Category{Name: "Kānpur", Slug: "ka\u0304npur"})
	a.Tags = []Tag{{Name: "Café", Slug: decomposed}}
	a.Authors = []Author{{Name: "Zoë", Slug: "zoe\u0308"}}
	b := art("a-2", 2)
	b.Tags = []Tag{{Name: "Café", Slug: composed}}
	// क़ (U+0958) is excluded from composition: its NFC form is क + ़.
	b.Authors = []Author{{Name: "क़ादिर", Slug: "\u0958ादिर"}}
	if err := c.UpsertAll([]*Article{a, b}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []Key{TagKey(composed), TagKey(decomposed)} {
		if n := c.Count(k); n != 2 {
			t.Errorf("Count(%+q) = %d, want 2 (both spellings are one tag)", k.Slug, n)
		}
		if _, ok := c.Tag(k.Slug); !ok {
			t.Errorf("Tag(%+q) not found", k.Slug)
		}
	}
	if tags := c.Tags(); len(tags) != 1 || tags[0].Tag.Slug != composed || tags[0].Count != 2 {
		t.Errorf("Tags() = %+v, want the one tag, slug in NFC", tags)
	}
	for _, slug := range []string{"zoe\u0308", "zo\u00eb"} {
		if _, ok := c.Author(slug); !ok {
			t.Errorf("Author(%+q) not found", slug)
		}
	}
	if _, ok := c.Author("\u0915\u093cादिर"); !ok {
		t.Errorf("an author slug with U+0958 is not found under its NFC form")
	}
	for _, p := range []string{"k\u0101npur", "ka\u0304npur"} {
		if _, ok := c.Category(p); !ok {
			t.Errorf("Category(%+q) not found", p)
		}
	}
	got, _ := c.Get("a-1")
	if got.Tags[0].Slug != composed || got.Authors[0].Slug != "zo\u00eb" || got.Categories[0].Slug != "k\u0101npur" {
		t.Errorf("stored slugs %+q %+q %+q, want them in NFC", got.Tags[0].Slug, got.Authors[0].Slug, got.Categories[0].Slug)
	}
	if e := EscapeSlug(decomposed); e != EscapeSlug(composed) {
		t.Errorf("EscapeSlug gives two addresses for one slug: %s, %s", e, EscapeSlug(composed))
	}
	// Deleting the article with the decomposed spelling takes it out of
	// the tag's list: unfiling finds the list by the stored slug.
	if !c.Delete("a-1") {
		t.Fatal("Delete a-1")
	}
	if n := c.Count(TagKey(decomposed)); n != 1 {
		t.Errorf("after Delete, Count = %d, want 1", n)
	}
}
