package khabar

// A review's reproductions of defects in a989de5 (their comments say what
// was wrong); each now holds.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"
)

// Upsert's doc: "Storing an article equal to the one stored changes
// nothing and notifies no one." An article whose two categories name their
// shared parent differently (up "UP" under kanpur, up "उत्तर प्रदेश" under
// lucknow) renames the parent twice while it is filed; since a989de5 each
// re-upsert of the very same article commits: Version moves, watchers are
// notified, kanpur's and lucknow's KeyVersion move, every time.
func TestUnchangedUpsertWithTwoParentNamesQuiet(t *testing.T) {
	mk := func() *Article {
		return art("k", 0,
			Category{Name: "कानपुर", Slug: "kanpur", Parent: &Category{Name: "UP", Slug: "up"}},
			Category{Name: "लखनऊ", Slug: "lucknow", Parent: &Category{Name: "उत्तर प्रदेश", Slug: "up"}})
	}
	c := NewCatalog()
	if err := c.Upsert(mk()); err != nil {
		t.Fatal(err)
	}
	v := c.Version()
	kv := c.KeyVersion(CategoryKey("up/kanpur"))
	got, stop := recordChanges(c)
	defer stop()
	if err := c.Upsert(mk()); err != nil {
		t.Fatal(err)
	}
	if err := c.UpsertAll([]*Article{mk()}); err != nil {
		t.Fatal(err)
	}
	if c.Version() != v || len(*got) != 0 || c.KeyVersion(CategoryKey("up/kanpur")) != kv {
		t.Errorf("re-upserting the same article: Version %d -> %d, KeyVersion(up/kanpur) %d -> %d, changes %+v; want nothing changed, no one notified",
			v, c.Version(), kv, c.KeyVersion(CategoryKey("up/kanpur")), *got)
	}
}

// a989de5 commits a rename filed by an unchanged article, but only the
// renamed category's descendants are touched (relabel), not the renamed
// category itself: its Name and Label (its feed's title, feed/render.go
// p.Name = cat.Label()) change while its KeyVersion stays and the Change
// does not list it, so a cached "up" feed keeps the old title and no
// WebSub ping goes out for it.
func TestRenamedCategoryItselfTouched(t *testing.T) {
	c := NewCatalog()
	up := &Category{Name: "उत्तर प्रदेश", Slug: "up"}
	if err := c.Upsert(art("k", 0, Category{Name: "कानपुर", Slug: "kanpur", Parent: up})); err != nil {
		t.Fatal(err)
	}
	if err := c.Upsert(art("b", 1, Category{Name: "UP", Slug: "up"})); err != nil {
		t.Fatal(err)
	}
	key := CategoryKey("up")
	before := c.KeyVersion(key)
	got, stop := recordChanges(c)
	defer stop()
	// "k" again, unchanged: renames up back to "उत्तर प्रदेश".
	if err := c.Upsert(art("k", 0, Category{Name: "कानपुर", Slug: "kanpur", Parent: up})); err != nil {
		t.Fatal(err)
	}
	cat, _ := c.Category("up")
	if cat.Label() != "उत्तर प्रदेश" {
		t.Skipf("no rename: label %q", cat.Label())
	}
	if v := c.KeyVersion(key); v == before {
		t.Errorf("Category(up).Label() went from %q to %q but KeyVersion(category/up) stayed %d", "UP", cat.Label(), v)
	}
	if len(*got) != 1 || !slices.Contains((*got)[0].Keys, key) {
		t.Errorf("changes %+v: want one Change listing %v", *got, key)
	}
}

// Same for a category with no descendants: re-upserting an unchanged
// article renames "politics" back from "राजनीति" to "Politics" (its feed's
// title), touches nothing, so nothing is committed at all.
func TestRenamedLeafCategoryCommits(t *testing.T) {
	c := NewCatalog()
	pol := Category{Name: "Politics", Slug: "politics"}
	if err := c.Upsert(art("a", 0, pol)); err != nil {
		t.Fatal(err)
	}
	if err := c.Upsert(art("b", 1, Category{Name: "राजनीति", Slug: "politics"})); err != nil {
		t.Fatal(err)
	}
	key := CategoryKey("politics")
	before := c.KeyVersion(key)
	if err := c.Upsert(art("a", 0, pol)); err != nil {
		t.Fatal(err)
	}
	cat, _ := c.Category("politics")
	if cat.Label() != "Politics" {
		t.Skipf("no rename: label %q", cat.Label())
	}
	if v := c.KeyVersion(key); v == before {
		t.Errorf("Category(politics).Label() went from %q to %q but KeyVersion stayed %d", "राजनीति", cat.Label(), v)
	}
}

// A rename filed by an article whose only change is its counters is
// committed with MetricsOnly set and Keys listing the relabelled
// categories. Change's doc: Keys are "Empty when MetricsOnly"; feed.Handler
// returns on MetricsOnly before looking at Keys, so the relabelled feeds
// get no WebSub ping.
func TestRenameWithMetricsOnlyChange(t *testing.T) {
	for _, all := range []bool{false, true} {
		c := NewCatalog()
		up := &Category{Name: "उत्तर प्रदेश", Slug: "up"}
		if err := c.Upsert(art("k", 0, Category{Name: "कानपुर", Slug: "kanpur", Parent: up})); err != nil {
			t.Fatal(err)
		}
		if err := c.Upsert(art("b", 1, Category{Name: "UP", Slug: "up"})); err != nil {
			t.Fatal(err)
		}
		got, stop := recordChanges(c)
		k := art("k", 0, Category{Name: "कानपुर", Slug: "kanpur", Parent: up})
		k.Metrics.Views = 10
		var err error
		if all {
			err = c.UpsertAll([]*Article{k})
		} else {
			err = c.Upsert(k)
		}
		stop()
		if err != nil {
			t.Fatal(err)
		}
		if len(*got) != 1 {
			t.Fatalf("UpsertAll=%v: changes %+v", all, *got)
		}
		ch := (*got)[0]
		if ch.MetricsOnly && len(ch.Keys) > 0 {
			t.Errorf("UpsertAll=%v: Change %+v: MetricsOnly with Keys (feed.Handler ignores the relabelled lists)", all, ch)
		}
	}
}

// Validate's doc still says source origin URLs must be absolute, but
// a989de5 accepts any origin URL that is clean ("//news.example/rss").
func TestValidateDocOriginURL(t *testing.T) {
	a := art("o", 0)
	a.Source = &Source{FeedURL: "https://f.example/feed", OriginURL: "//news.example/rss"}
	if err := a.Validate(); err != nil {
		t.Skipf("relative origin URL refused: %v", err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "validate.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "Validate" && fd.Doc != nil {
			doc := strings.Join(strings.Fields(fd.Doc.Text()), " ")
			if strings.Contains(doc, "absolute image, author and source origin URLs") {
				t.Errorf("Validate's doc says %q, but it accepts OriginURL %q", "absolute image, author and source origin URLs", a.Source.OriginURL)
			}
		}
	}
}

// a989de5's trailingCut drops an opening bracket ("which the ellipsis
// leaves with nothing to open") but keeps an opening quote (“ ‘ «, Unicode
// Pi), which the ellipsis leaves with nothing to quote; before a989de5
// (every P dropped) these gave "उन्होंने कहा…".
func TestTruncateDropsDanglingOpeningQuote(t *testing.T) {
	for _, c := range []struct {
		s    string
		max  int
		want string
	}{
		{"उन्होंने कहा:“हम जीतेंगे” और फिर वे चले गए थे", 9, "उन्होंने कहा…"},
		{"وزیراعظم نے کہا:«ہم جیتیں گے» اور پھر وہ چلے گئے", 18, "وزیراعظم نے کہا…"},
		{"Trump says:‘No deal’ with anyone today", 13, "Trump says…"},
		{"BREAKING—“Unprecedented” move by the government today", 11, "BREAKING…"},
	} {
		if got := Truncate(c.s, c.max); got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.s, c.max, got, c.want)
		}
	}
}

// The same for a tag (its feed's title is the tag's Name): re-upserting an
// unchanged article renames the tag back, nothing is committed.
func TestRenamedTagCommits(t *testing.T) {
	c := NewCatalog()
	mk := func(id string, h int, name string) *Article {
		a := art(id, h)
		a.Tags = []Tag{{Name: name, Slug: "election"}}
		return a
	}
	if err := c.Upsert(mk("a", 0, "Election")); err != nil {
		t.Fatal(err)
	}
	if err := c.Upsert(mk("b", 1, "चुनाव")); err != nil {
		t.Fatal(err)
	}
	key := TagKey("election")
	before := c.KeyVersion(key)
	if err := c.Upsert(mk("a", 0, "Election")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range c.Tags() {
		if tc.Tag.Slug == "election" && tc.Tag.Name == "Election" && c.KeyVersion(key) == before {
			t.Errorf("tag election renamed from %q to %q but KeyVersion stayed %d", "चुनाव", tc.Tag.Name, before)
		}
	}
}
