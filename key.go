package khabar

import (
	"fmt"
	"time"
)

// KeyKind says what a Key selects.
type KeyKind uint8

// The kinds of Key.
const (
	KindSite     KeyKind = iota // every article
	KindCategory                // a category and its descendants
	KindTag                     // one tag
	KindAuthor                  // one author
)

// String returns "site", "category", "tag" or "author".
func (k KeyKind) String() string {
	switch k {
	case KindSite:
		return "site"
	case KindCategory:
		return "category"
	case KindTag:
		return "tag"
	case KindAuthor:
		return "author"
	}
	return fmt.Sprintf("KeyKind(%d)", uint8(k))
}

// Key names one of the article lists a Catalog keeps, and so one feed: the
// whole site, a category (Slug is its SlugPath, "उत्तर-प्रदेश/कानपुर"), a tag
// or an author (Slug is the slug). The zero Key is the site. A Catalog
// looks slugs up in Unicode normalization form C, the form it files them
// in: a slug spelled decomposed selects the same list.
type Key struct {
	Kind KeyKind
	Slug string
}

// SiteKey selects every article.
func SiteKey() Key { return Key{} }

// CategoryKey selects a category by its path (Category.SlugPath) and includes
// its descendants.
func CategoryKey(path string) Key { return Key{KindCategory, path} }

// TagKey selects a tag by slug.
func TagKey(slug string) Key { return Key{KindTag, slug} }

// AuthorKey selects an author by slug.
func AuthorKey(slug string) Key { return Key{KindAuthor, slug} }

// String returns "site", "category/उत्तर-प्रदेश/कानपुर", "tag/…" or "author/…".
func (k Key) String() string {
	if k.Kind == KindSite {
		return "site"
	}
	return k.Kind.String() + "/" + k.Slug
}

// Change describes one change to a Catalog, precisely enough for a cache to
// drop only what it touched.
type Change struct {
	// Version is the catalog version after the change.
	Version uint64
	// IDs are the articles inserted, updated or deleted.
	IDs []string
	// Keys are the lists whose content or order changed: the site, and each
	// category (with its ancestors), tag and author of the old and the new
	// version of every article in IDs. Empty when MetricsOnly.
	Keys []Key
	// MetricsOnly is set when only counters (views, shares, comments)
	// changed: no feed changes, but rankings may.
	MetricsOnly bool
}

// CategoryCount is a category with the number of articles filed under it or
// any of its descendants.
type CategoryCount struct {
	Category *Category
	Count    int
}

// TagCount is a tag with its number of articles.
type TagCount struct {
	Tag   Tag
	Count int
}

// AuthorCount is an author with their number of articles.
type AuthorCount struct {
	Author Author
	Count  int
}

// Query selects articles from one list of a Catalog, newest first.
type Query struct {
	// Key selects the list; the zero Key is the whole site.
	Key Key
	// Since and Until bound Published to [Since, Until); zero means
	// unbounded.
	Since, Until time.Time
	// Offset skips that many articles (after the time bounds).
	Offset int
	// Limit caps the result; zero or less means no cap.
	Limit int
}
