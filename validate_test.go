package khabar

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidateOK(t *testing.T) {
	if err := art("a1", 0, catKanpur).Validate(); err != nil {
		t.Fatalf("valid article: %v", err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	a := &Article{
		Title:      "  ",
		URL:        "/relative",
		Authors:    []Author{{Name: ""}, {Name: "x", URL: "ftp://x"}},
		Categories: []Category{{Name: "a", Slug: "a/b"}},
		Tags:       []Tag{{Name: "!!!"}},
		Image:      &Image{URL: "", Width: -1},
		Updated:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Language:   "not a tag!",
		Metrics:    Metrics{Views: -5},
		Source:     &Source{},
	}
	err := a.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate() = %v, want a *ValidationError", err)
	}
	want := []string{"id", "title", "url", "authors[0].name", "authors[1].url",
		"categories[0].slug", "tags[0].slug", "image.url", "image.width", "published",
		"language", "metrics.views", "source.feed_url"}
	got := map[string]bool{}
	for _, p := range ve.Problems {
		got[p.Field] = true
	}
	for _, f := range want {
		if !got[f] {
			t.Errorf("no problem reported for %s; got %v", f, ve.Problems)
		}
	}
	if !strings.HasPrefix(err.Error(), "khabar: invalid article: id: is empty;") {
		t.Errorf("message = %q", err.Error())
	}
}

func TestValidateUpdatedBeforePublished(t *testing.T) {
	a := art("a1", 5)
	a.Updated = a.Published.Add(-time.Hour)
	err := a.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Field != "updated" {
		t.Fatalf("Validate() = %v, want one problem with updated", err)
	}
}

func TestValidateCyclicCategory(t *testing.T) {
	c := &Category{Name: "loop"}
	c.Parent = c
	a := art("a1", 0, *c)
	if err := a.Validate(); err == nil || !strings.Contains(err.Error(), "deeper than") {
		t.Fatalf("Validate() = %v, want a depth error", err)
	}
}
