package khabar

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// The tests below are a review's reproductions of defects in this stop's
// model fixes (their comments say what was wrong); each now holds.

// f6d91b1 promises that a rename relabels the descendants and moves their
// KeyVersion. Re-upserting an unchanged article whose chain names the
// parent by its earlier name renames the parent back (Label of up and
// up/kanpur change) but put finds the article sameAll and never commits:
// the descendants' touch is dropped, KeyVersion does not move, a cached
// up/kanpur feed keeps the "UP" title.
func TestRenameByUnchangedUpsertMovesKeyVersion(t *testing.T) {
	c := NewCatalog()
	up := &Category{Name: "उत्तर प्रदेश", Slug: "up"}
	k := art("k", 0, Category{Name: "कानपुर", Slug: "kanpur", Parent: up})
	if err := c.Upsert(k); err != nil {
		t.Fatal(err)
	}
	if err := c.Upsert(art("b", 1, Category{Name: "UP", Slug: "up"})); err != nil {
		t.Fatal(err)
	}
	key := CategoryKey("up/kanpur")
	before := c.KeyVersion(key)
	if got, _ := c.Category("up/kanpur"); got.Label() != "UP › कानपुर" {
		t.Fatalf("setup: label %q", got.Label())
	}
	// The same article "k" again, unchanged.
	if err := c.Upsert(art("k", 0, Category{Name: "कानपुर", Slug: "kanpur", Parent: up})); err != nil {
		t.Fatal(err)
	}
	got, _ := c.Category("up/kanpur")
	if got.Label() == "UP › कानपुर" {
		t.Skip("no rename happened")
	}
	if v := c.KeyVersion(key); v == before {
		t.Errorf("Category(up/kanpur).Label() went from %q to %q but KeyVersion stayed %d", "UP › कानपुर", got.Label(), v)
	}
}

// d28b145: "%" and "#" are Unicode category Po, so Truncate now drops
// them from the end of the kept text and changes what the text says:
// "7.5%" becomes "7.5", "C#" becomes "C". A closing bracket or quote
// is dropped while its opening one stays.
func TestTruncateKeepsMeaningfulPunct(t *testing.T) {
	for _, c := range []struct {
		s    string
		max  int
		want string
	}{
		{"GDP बढ़कर 7.5% हुई, अर्थशास्त्रियों ने कहा", 15, "GDP बढ़कर 7.5%…"},
		{"sensex ne aaj 2% gain kiya aur nifty bhi upar gaya", 17, "sensex ne aaj 2%…"},
		{"He wrote C# and F# code for years", 12, "He wrote C#…"},
		{"मोदी (भाजपा) ने कहा कि चुनाव जल्द होंगे और नतीजे आएंगे", 10, "मोदी (भाजपा)…"},
		{"उन्होंने कहा “हम जीतेंगे” और फिर वे चले गए थे", 17, "उन्होंने कहा “हम जीतेंगे”…"},
	} {
		if got := Truncate(c.s, c.max); got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.s, c.max, got, c.want)
		}
	}
}

// 2b00617: the field named is the first of published/updated that fails
// on its own, not the one encoding/json stopped at. With both dates bad
// and "updated" written first, the error about updated's value is
// labelled "published".
func TestJSONLNamesTheBadDateField(t *testing.T) {
	line := `{"id":"a","title":"t","url":"https://khabar.example/a/","updated":"2026-11-25 09:00:00","published":"2026-11-24 10:00:00"}` + "\n"
	_, err := ReadJSONL(strings.NewReader(line))
	var le *LoadError
	if !errors.As(err, &le) || len(le.Lines) != 1 {
		t.Fatalf("err = %v", err)
	}
	msg := le.Lines[0].Err.Error()
	if strings.HasPrefix(msg, "published:") && strings.Contains(msg, "2026-11-25 09:00:00") {
		t.Errorf("error %q names published but quotes updated's value", msg)
	}
}

// memLog is a ChangeLog holding articles as a store kept them.
type memLog []ArticleChange

func (l memLog) Changes(_ context.Context, after int64, limit int) ([]ArticleChange, error) {
	var out []ArticleChange
	for _, c := range l {
		if c.Seq > after && (limit <= 0 || len(out) < limit) {
			out = append(out, c)
		}
	}
	return out, nil
}
func (memLog) Wait(ctx context.Context, _ int64) error { <-ctx.Done(); return ctx.Err() }

// 5d30c30, 7e4509d, d981544: articles that passed Validate, and so were
// stored by ArticleStore.Put (sqlite, postgres), are refused when a
// Follower loads them after the upgrade: they vanish from the catalog
// and every feed. Each of these validated at 0695e0d.
func TestStoredArticlesStillLoad(t *testing.T) {
	mk := func(id string, f func(a *Article)) *Article {
		a := art(id, 0)
		f(a)
		return a
	}
	stored := []*Article{
		mk("locale", func(a *Article) { a.Language = "hi_IN" }), // WordPress get_locale()
		mk("origin", func(a *Article) {
			a.Source = &Source{FeedURL: "https://f.example/feed", OriginURL: "//news.example/rss"}
		}),
		mk("post\t123", func(a *Article) { a.URL = "https://khabar.example/post-123/" }),
	}
	var log memLog
	for i, a := range stored {
		log = append(log, ArticleChange{Seq: int64(i + 1), ID: a.ID, Article: a})
	}
	c := NewCatalog()
	f := &Follower{Catalog: c, Log: log}
	_, err := f.CatchUp(context.Background())
	for _, a := range stored {
		if _, ok := c.Get(a.ID); !ok {
			t.Errorf("stored article %q not loaded", a.ID)
		}
	}
	if err != nil {
		t.Logf("CatchUp: %v", err)
	}
}

// f6d91b1: a batch that renames a parent and renames it back (two
// articles of one UpsertAll, as a Follower applies a store's changes, or
// one article whose two chains spell the parent differently) ends with
// every label as it was, yet relabel has touched every descendant: the
// KeyVersion of a category no article of the batch is in moves, and its
// cached feed is thrown away for nothing.
func TestRenameAndBackKeepsKeyVersion(t *testing.T) {
	c := NewCatalog()
	up := &Category{Name: "UP", Slug: "up"}
	if err := c.Upsert(art("agra", 0, Category{Name: "आगरा", Slug: "agra", Parent: up})); err != nil {
		t.Fatal(err)
	}
	agra := CategoryKey("up/agra")
	before, label := c.KeyVersion(agra), mustLabel(t, c, "up/agra")
	err := c.UpsertAll([]*Article{
		art("x", 1, Category{Name: "कानपुर", Slug: "kanpur", Parent: &Category{Name: "उत्तर प्रदेश", Slug: "up"}}),
		art("y", 2, Category{Name: "लखनऊ", Slug: "lucknow", Parent: &Category{Name: "UP", Slug: "up"}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustLabel(t, c, "up/agra"); got != label {
		t.Fatalf("label changed %q -> %q", label, got)
	}
	if v := c.KeyVersion(agra); v != before {
		t.Errorf("KeyVersion(up/agra) moved %d -> %d; its label (%q) and articles did not change", before, v, label)
	}
}

func mustLabel(t *testing.T, c *Catalog, path string) string {
	t.Helper()
	x, ok := c.Category(path)
	if !ok {
		t.Fatalf("Category(%s) missing", path)
	}
	return x.Label()
}
