package khabar

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// FieldError is one problem with one field of an article.
type FieldError struct {
	// Field names the field the way its JSON form does, with indexes:
	// "title", "authors[1].name", "image.url".
	Field string
	// Problem says what is wrong, in lower case.
	Problem string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Problem }

// ValidationError lists every problem Validate found in one article. Reach
// it with errors.As.
type ValidationError struct {
	// ID is the article's ID (possibly empty).
	ID string
	// Problems holds one entry per problem, in field order.
	Problems []FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("khabar: invalid article")
	if e.ID != "" {
		fmt.Fprintf(&b, " %q", e.ID)
	}
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Validate reports every problem with a at once, as a *ValidationError; it
// returns nil when a is valid. An article needs an ID, a title, an absolute
// http(s) URL and a publish date; everything else is optional but, when
// present, must be well formed (named authors, categories and tags, absolute
// image and author URLs, a BCP 47 language tag, no negative counters, an
// update no earlier than the publication).
func (a *Article) Validate() error {
	v := &ValidationError{ID: a.ID}
	add := func(field, format string, args ...any) {
		v.Problems = append(v.Problems, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if blank(a.ID) {
		add("id", "is empty")
	} else if !cleanOK(a.ID) {
		add("id", "%q holds control or non-XML characters", a.ID)
	}
	if blank(a.Title) {
		add("title", "is empty")
	}
	if a.URL == "" {
		add("url", "is empty")
	} else if err := checkAbsURL(a.URL); err != nil {
		add("url", "%v", err)
	}
	for i, au := range a.Authors {
		if blank(au.Name) {
			add(indexed("authors", i, ".name"), "is empty")
		} else if au.Key() == "" {
			add(indexed("authors", i, ".slug"), "is empty and cannot be derived from the name")
		} else if !slugOK(au.Slug) {
			add(indexed("authors", i, ".slug"), "%q holds a slash, a control character or white space", au.Slug)
		}
		if au.URL != "" {
			if err := checkAbsURL(au.URL); err != nil {
				add(indexed("authors", i, ".url"), "%v", err)
			}
		}
		if au.Email != "" && !strings.Contains(au.Email, "@") {
			add(indexed("authors", i, ".email"), "%q is not an email address", au.Email)
		}
	}
	for i := range a.Categories {
		depth := 0
		for c := &a.Categories[i]; c != nil; c = c.Parent {
			field := func(sub string) string {
				return indexed("categories", i, strings.Repeat(".parent", depth-1)+sub)
			}
			if depth++; depth > maxCategoryDepth {
				add(field(""), "category tree deeper than %d levels", maxCategoryDepth)
				break
			}
			if blank(c.Name) {
				add(field(".name"), "is empty")
			} else if c.slug() == "" {
				add(field(".slug"), "is empty and cannot be derived from the name")
			}
			if !slugOK(c.Slug) {
				add(field(".slug"), "%q holds a slash, a control character or white space", c.Slug)
			}
		}
	}
	for i, t := range a.Tags {
		if blank(t.Name) {
			add(indexed("tags", i, ".name"), "is empty")
		} else if t.Key() == "" {
			add(indexed("tags", i, ".slug"), "is empty and cannot be derived from the name")
		} else if !slugOK(t.Slug) {
			add(indexed("tags", i, ".slug"), "%q holds a slash, a control character or white space", t.Slug)
		}
	}
	if im := a.Image; im != nil {
		if im.URL == "" {
			add("image.url", "is empty")
		} else if err := checkAbsURL(im.URL); err != nil {
			add("image.url", "%v", err)
		}
		if im.Width < 0 {
			add("image.width", "is negative (%d)", im.Width)
		}
		if im.Height < 0 {
			add("image.height", "is negative (%d)", im.Height)
		}
		if im.Length < 0 {
			add("image.length", "is negative (%d)", im.Length)
		}
		if im.Type != "" && !strings.Contains(im.Type, "/") {
			add("image.type", "%q is not a media type", im.Type)
		}
	}
	if a.Published.IsZero() {
		add("published", "is missing")
	} else if y := a.Published.Year(); y < 1900 || y > 2200 {
		add("published", "year %d is out of range (1900–2200)", y)
	}
	if !a.Updated.IsZero() && !a.Published.IsZero() && a.Updated.Before(a.Published) {
		add("updated", "%s is before published %s", a.Updated.Format("2006-01-02T15:04:05Z07:00"), a.Published.Format("2006-01-02T15:04:05Z07:00"))
	}
	if a.Language != "" {
		if err := checkLanguage(a.Language); err != nil {
			add("language", "%q is not a BCP 47 tag", a.Language)
		}
	}
	if a.Metrics.Views < 0 {
		add("metrics.views", "is negative (%d)", a.Metrics.Views)
	}
	if a.Metrics.Shares < 0 {
		add("metrics.shares", "is negative (%d)", a.Metrics.Shares)
	}
	if a.Metrics.Comments < 0 {
		add("metrics.comments", "is negative (%d)", a.Metrics.Comments)
	}
	if s := a.Source; s != nil {
		if s.FeedURL == "" {
			add("source.feed_url", "is empty")
		} else if err := checkAbsURL(s.FeedURL); err != nil {
			add("source.feed_url", "%v", err)
		}
	}
	if len(v.Problems) == 0 {
		return nil
	}
	return v
}

// maxCategoryDepth bounds category chains so that a cyclic or absurd tree
// read from untrusted JSON cannot make the catalog loop.
const maxCategoryDepth = 16

func checkAbsURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", s, err.(*url.Error).Err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", s)
	}
	return nil
}

func indexed(name string, i int, sub string) string {
	return name + "[" + strconv.Itoa(i) + "]" + sub
}

// blank reports whether s is empty or only white space.
func blank(s string) bool {
	for _, r := range s {
		if !isSpace(r) {
			return false
		}
	}
	return true
}

// goodLanguages caches tags language.Parse accepted: a catalog sees the
// same few tags millions of times.
var (
	goodLanguages     sync.Map
	goodLanguageCount atomic.Int32
)

func checkLanguage(tag string) error {
	if _, ok := goodLanguages.Load(tag); ok {
		return nil
	}
	if _, err := language.Parse(tag); err != nil {
		return err
	}
	if goodLanguageCount.Add(1) <= 1000 {
		goodLanguages.Store(tag, struct{}{})
	}
	return nil
}

// slugOK reports whether an explicit slug can be one URL path segment:
// no slash, white space or control characters (it may be empty: then it
// is derived from the name).
func slugOK(slug string) bool {
	for _, r := range slug {
		if r == '/' || r < 0x20 || r == 0x7f || isSpace(r) || !xmlChar(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}
