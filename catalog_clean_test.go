package khabar

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// Catalog's doc: "what it returns is valid UTF-8 holding only characters
// XML allows, so renderers need not check again." Every free text field
// the catalog stores is cleaned (control characters dropped, invalid
// UTF-8 replaced by U+FFFD); the clean part of each survives.
func TestCatalogCleansEveryTextField(t *testing.T) {
	c := NewCatalog()
	a := art("x", 0)
	a.Source = &Source{FeedURL: "https://up.example/feed", GUID: "g\x01\xff", Title: "t\x0b", OriginTitle: "o\x01\xff", OriginURL: "https://origin.example/"}
	a.Authors = []Author{{Name: "n", Email: "a\x02@b.example"}}
	a.Image = &Image{URL: "https://i.example/a.jpg", Type: "image/\x03jpeg\uffff"}
	if err := c.Upsert(a); err != nil {
		t.Fatal(err)
	}
	g, _ := c.Get("x")
	for _, f := range []struct{ name, got, want string }{
		{"source.guid", g.Source.GUID, "g\ufffd"},
		{"source.title", g.Source.Title, "t"},
		{"source.origin_title", g.Source.OriginTitle, "o\ufffd"},
		{"authors[0].email", g.Authors[0].Email, "a@b.example"},
		{"image.type", g.Image.Type, "image/jpeg"},
	} {
		if !utf8.ValidString(f.got) || CleanText(f.got) != f.got || f.got != f.want {
			t.Errorf("stored %s = %q, want %q (valid, XML-clean)", f.name, f.got, f.want)
		}
	}
	if au, _ := c.Author(g.Authors[0].Slug); au.Email != "a@b.example" {
		t.Errorf("Author(%s).Email = %q, want the cleaned email", g.Authors[0].Slug, au.Email)
	}
	// The caller's article is not changed.
	if a.Source.GUID != "g\x01\xff" || a.Authors[0].Email != "a\x02@b.example" {
		t.Errorf("Upsert changed its argument: %q %q", a.Source.GUID, a.Authors[0].Email)
	}
}

// URLs are identifiers: cleaning would change the address, so a URL with
// invalid UTF-8 or a character XML does not allow is a Validate problem
// on its field, for every URL field, and the catalog refuses the article.
func TestValidateRefusesUncleanURLs(t *testing.T) {
	for _, bad := range []string{"https://khabar.example/\xff/", "https://khabar.example/a\uffff", "https://khab\xe0ar.example/"} {
		for _, f := range []struct {
			field string
			set   func(a *Article)
		}{
			{"url", func(a *Article) { a.URL = bad }},
			{"authors[0].url", func(a *Article) { a.Authors[0].URL = bad }},
			{"image.url", func(a *Article) { a.Image = &Image{URL: bad} }},
			{"source.feed_url", func(a *Article) { a.Source = &Source{FeedURL: bad} }},
			{"source.origin_url", func(a *Article) { a.Source = &Source{FeedURL: "https://up.example/", OriginURL: bad} }},
		} {
			a := art("x", 0)
			f.set(a)
			err := a.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Field != f.field {
				t.Errorf("%s %q: Validate = %v, want one problem on %s", f.field, bad, err, f.field)
				continue
			}
			if !strings.Contains(ve.Problems[0].Problem, "UTF-8") {
				t.Errorf("%s %q: problem %q does not say why", f.field, bad, ve.Problems[0].Problem)
			}
			c := NewCatalog()
			if err := c.Upsert(a); err == nil || c.Len() != 0 {
				t.Errorf("%s %q: Upsert = %v, Len %d; want refused", f.field, bad, err, c.Len())
			}
		}
	}
	// Non-ASCII URLs (IRIs) that are clean stay valid.
	a := art("x", 0)
	a.URL = "https://उदाहरण.भारत/समाचार/"
	a.Source = &Source{FeedURL: "https://up.example/", OriginURL: "https://उदाहरण.भारत/feed"}
	if err := a.Validate(); err != nil {
		t.Errorf("clean IRIs: Validate = %v", err)
	}
}
