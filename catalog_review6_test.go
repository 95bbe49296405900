package khabar

// A review's reproductions of defects left by 23c285d (their comments
// say what was wrong); each now holds.

// Reproductions of defects found reviewing 23c285d (renames judged by a
// change's net effect; Truncate drops an opening quote at the cut).

import (
	"slices"
	"testing"
)

// 23c285d marks a renamed category or tag (settleLabels) but not a renamed
// author: authorNode has no noteLabel. An author feed's title is
// "Site » " + Author(slug).Name and its <author> carries the name and URL
// (feed/render.go Page: p.Name = a.Name, p.Author = &a), cached until
// KeyVersion(AuthorKey) moves. Re-upserting an unchanged article that
// spells its author differently from the canonical value renames the
// author, yet nothing is committed: Version, KeyVersion and Watch all
// stay, so the cached author feed keeps the old title.
func TestAuthorRenameByUnchangedArticleTouched(t *testing.T) {
	for _, all := range []bool{false, true} {
		c := NewCatalog()
		mk := func(id string, h int, name, url string) *Article {
			a := art(id, h)
			a.Authors = []Author{{Name: name, Slug: "sunita-verma", URL: url}}
			return a
		}
		if err := c.Upsert(mk("a", 0, "सुनीता वर्मा", "")); err != nil {
			t.Fatal(err)
		}
		if err := c.Upsert(mk("b", 1, "Sunita Verma", "https://khabar.example/people/sunita")); err != nil {
			t.Fatal(err)
		}
		key := AuthorKey("sunita-verma")
		before := c.KeyVersion(key)
		v := c.Version()
		got, stop := recordChanges(c)
		var err error
		if all {
			err = c.UpsertAll([]*Article{mk("a", 0, "सुनीता वर्मा", "")})
		} else {
			err = c.Upsert(mk("a", 0, "सुनीता वर्मा", ""))
		}
		stop()
		if err != nil {
			t.Fatal(err)
		}
		au, _ := c.Author("sunita-verma")
		if au.Name != "सुनीता वर्मा" {
			t.Skipf("no rename: author %+v", au)
		}
		if c.KeyVersion(key) == before {
			t.Errorf("UpsertAll=%v: Author(sunita-verma) went from {Sunita Verma, https://khabar.example/people/sunita} to %+v (its feed's title and <author>), but KeyVersion(%v) stayed %d, Version %d -> %d, changes %+v",
				all, au, key, before, v, c.Version(), *got)
		}
	}
}

// The same with a counters change: 23c285d makes a rename "never
// MetricsOnly" for categories and tags, but an author rename filed by an
// article whose only change is its Metrics is published MetricsOnly with
// no Keys, which feed.Handler ignores.
func TestAuthorRenameWithMetricsOnlyChange(t *testing.T) {
	c := NewCatalog()
	mk := func(id string, h int, name string) *Article {
		a := art(id, h)
		a.Authors = []Author{{Name: name, Slug: "sunita-verma"}}
		return a
	}
	if err := c.Upsert(mk("a", 0, "सुनीता वर्मा")); err != nil {
		t.Fatal(err)
	}
	if err := c.Upsert(mk("b", 1, "Sunita Verma")); err != nil {
		t.Fatal(err)
	}
	key := AuthorKey("sunita-verma")
	got, stop := recordChanges(c)
	a := mk("a", 0, "सुनीता वर्मा")
	a.Metrics.Views = 10
	err := c.Upsert(a)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	if au, _ := c.Author("sunita-verma"); au.Name != "सुनीता वर्मा" {
		t.Skipf("no rename: author %+v", au)
	}
	if len(*got) != 1 {
		t.Fatalf("changes %+v", *got)
	}
	if ch := (*got)[0]; ch.MetricsOnly || !slices.Contains(ch.Keys, key) {
		t.Errorf("Change %+v: the author was renamed (\"Sunita Verma\" -> \"सुनीता वर्मा\"); want MetricsOnly false and Keys listing %v", ch, key)
	}
}

// 23c285d drops a dangling opening quote before the ellipsis only when it
// is a typographic one (Unicode Ps, Pi: “ ‘ «); the straight quotes " and '
// (Po), which most Hindi, Urdu and English headlines use, still dangle
// before the ellipsis in exactly the cases its own test fixes for “ ‘ «
// (TestTruncateDropsDanglingOpeningQuote). An opening straight quote (after
// a space, ":" or a dash) is as empty as “ there.
func TestTruncateDropsDanglingStraightQuote(t *testing.T) {
	for _, c := range []struct {
		s    string
		max  int
		want string
	}{
		{"उन्होंने कहा:\"हम जीतेंगे\" और फिर वे चले गए थे", 9, "उन्होंने कहा…"},
		{"मोदी बोले- 'हम जीतेंगे' और फिर वे चले गए थे", 9, "मोदी बोले…"},
		{"وزیراعظم نے کہا:\"ہم جیتیں گے\" اور پھر وہ چلے گئے", 18, "وزیراعظم نے کہا…"},
		{"Trump says:'No deal' with anyone today", 13, "Trump says…"},
		{"BREAKING—\"Unprecedented\" move by the government today", 11, "BREAKING…"},
	} {
		if got := Truncate(c.s, c.max); got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.s, c.max, got, c.want)
		}
	}
}
