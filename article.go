package khabar

import (
	"slices"
	"strings"
	"time"
)

// Article is one news story: the unit every package of khabar works with.
//
// The zero value is an empty, invalid article; Validate says what is missing.
// Its JSON form (see the field tags) is the one read and written by
// ReadJSONL and WriteJSONL.
type Article struct {
	// ID identifies the article forever; feeds derive their GUIDs from it.
	ID string `json:"id"`
	// Title is the headline, plain text.
	Title string `json:"title"`
	// Summary is the standfirst: one paragraph of plain text. It may be empty.
	Summary string `json:"summary,omitempty"`
	// ContentHTML is the body, an HTML fragment.
	ContentHTML string `json:"content_html,omitempty"`
	// URL is the absolute http(s) address of the article page. It may hold
	// non-ASCII characters (an IRI); feeds percent-encode it.
	URL string `json:"url"`
	// Authors are the bylines, in order.
	Authors []Author `json:"authors,omitempty"`
	// Categories are the sections the article is filed under. Each one
	// knows its parent, so filing under कानपुर (parent उत्तर प्रदेश) also
	// files under उत्तर प्रदेश.
	Categories []Category `json:"categories,omitempty"`
	// Tags are free labels; they may mix scripts.
	Tags []Tag `json:"tags,omitempty"`
	// Image is the featured image; nil when there is none.
	Image *Image `json:"image,omitempty"`
	// Published is when the article first appeared.
	Published time.Time `json:"published"`
	// Updated is the last substantive change; zero means never updated.
	Updated time.Time `json:"updated,omitzero"`
	// Language is a BCP 47 tag such as "hi", "en" or "ur"; empty means the
	// site's default.
	Language string `json:"language,omitempty"`
	// Metrics are the counters shown on the page.
	Metrics Metrics `json:"metrics,omitzero"`
	// Source is set for articles that came from an upstream feed.
	Source *Source `json:"source,omitempty"`
}

// Author is a byline.
type Author struct {
	Name string `json:"name"`
	// Slug is the author's URL key (/author/{slug}/); derived from Name with
	// Slugify when empty. The Catalog stores it in Unicode normalization
	// form C (so do Category and Tag).
	Slug  string `json:"slug,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Category is a section. Categories form a tree: Parent is nil for a
// top-level category.
type Category struct {
	Name string `json:"name"`
	// Slug is the category's own URL segment; derived from Name with
	// Slugify when empty.
	Slug   string    `json:"slug,omitempty"`
	Parent *Category `json:"parent,omitempty"`
}

// Tag is a free label.
type Tag struct {
	Name string `json:"name"`
	// Slug is the tag's URL key; derived from Name with Slugify when empty.
	Slug string `json:"slug,omitempty"`
}

// Image is a picture with what a feed or an email needs to show it.
type Image struct {
	URL     string `json:"url"`
	Alt     string `json:"alt,omitempty"`
	Caption string `json:"caption,omitempty"`
	// Width and Height are in pixels; zero means unknown.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// Type is the media type, such as "image/jpeg"; empty means unknown.
	Type string `json:"type,omitempty"`
	// Length is the file size in bytes; zero means unknown.
	Length int64 `json:"length,omitempty"`
}

// Metrics are an article's counters.
type Metrics struct {
	Views    int64 `json:"views,omitempty"`
	Shares   int64 `json:"shares,omitempty"`
	Comments int64 `json:"comments,omitempty"`
}

// Source says where an article imported from an upstream feed came from.
type Source struct {
	// FeedURL is the address of the upstream feed.
	FeedURL string `json:"feed_url"`
	// GUID is the item's id in that feed (RSS guid, Atom id, JSON id).
	GUID string `json:"guid,omitempty"`
	// Title is the upstream feed's title.
	Title string `json:"title,omitempty"`
	// OriginTitle and OriginURL name the feed an item was first
	// published in when the upstream feed re-publishes it (an Atom
	// entry's or an RSS item's source element): its title, and its
	// address (absolute http(s)). Both are empty for an item the upstream feed published
	// itself.
	OriginTitle string `json:"origin_title,omitempty"`
	OriginURL   string `json:"origin_url,omitempty"`
}

// SlugPath returns the category's slug with the slug of each ancestor in
// front, joined by "/": "उत्तर-प्रदेश/कानपुर" (an empty Slug is derived from
// Name). It is the category's identity in a Catalog (CategoryKey) and its
// path in WordPress-style URLs (/category/{path}/).
func (c *Category) SlugPath() string {
	if c == nil {
		return ""
	}
	if c.Parent == nil {
		return c.slug()
	}
	var b strings.Builder
	b.Grow(c.pathLen())
	c.writePath(&b)
	return b.String()
}

func (c *Category) pathLen() int {
	if c.Parent == nil {
		return len(c.slug())
	}
	return c.Parent.pathLen() + 1 + len(c.slug())
}

func (c *Category) writePath(b *strings.Builder) {
	if c.Parent != nil {
		c.Parent.writePath(b)
		b.WriteByte('/')
	}
	b.WriteString(c.slug())
}

func (c *Category) slug() string {
	if c.Slug != "" {
		return c.Slug
	}
	return Slugify(c.Name)
}

// Path returns the category and its ancestors, root first.
func (c *Category) Path() []*Category {
	var p []*Category
	for x := c; x != nil; x = x.Parent {
		p = append(p, x)
	}
	slices.Reverse(p)
	return p
}

// Label returns the names of the category and its ancestors joined by
// " › " (उत्तर प्रदेश › कानपुर).
func (c *Category) Label() string {
	var names []string
	for _, x := range c.Path() {
		names = append(names, x.Name)
	}
	return strings.Join(names, " › ")
}

// EffectiveSlug returns the tag's Slug, or when it is empty the slug
// derived from its Name.
func (t Tag) EffectiveSlug() string {
	if t.Slug != "" {
		return t.Slug
	}
	return Slugify(t.Name)
}

// EffectiveSlug returns the author's Slug, or when it is empty the slug
// derived from their Name.
func (a Author) EffectiveSlug() string {
	if a.Slug != "" {
		return a.Slug
	}
	return Slugify(a.Name)
}

// LastModified returns Updated, or Published when the article was never
// updated.
func (a *Article) LastModified() time.Time {
	if a.Updated.After(a.Published) {
		return a.Updated
	}
	return a.Published
}

// Clone returns a deep copy of a: no slice, pointer or category chain is
// shared with the original.
func (a *Article) Clone() *Article {
	b := *a
	b.Authors = slices.Clone(a.Authors)
	b.Tags = slices.Clone(a.Tags)
	if a.Categories != nil {
		b.Categories = make([]Category, len(a.Categories))
		for i := range a.Categories {
			b.Categories[i] = *cloneCategory(&a.Categories[i])
		}
	}
	if a.Image != nil {
		im := *a.Image
		b.Image = &im
	}
	if a.Source != nil {
		s := *a.Source
		b.Source = &s
	}
	return &b
}

func cloneCategory(c *Category) *Category {
	if c == nil {
		return nil
	}
	d := *c
	d.Parent = cloneCategory(c.Parent)
	return &d
}
