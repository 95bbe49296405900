package feed

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/xmltext"
)

// Page is one page of one feed: what the writers need besides the site's
// Config. Renderer.Page builds it from a catalog; it may also be built by
// hand (Items newest first) and written with Renderer.Write.
type Page struct {
	// Key is the feed the page belongs to.
	Key khabar.Key
	// Title is the feed title ("Site » उत्तर प्रदेश › कानपुर").
	Title string
	// Name is what the feed is about: the category label, tag name or
	// author name; the site title for the site feed.
	Name string
	// Author is set for an author feed.
	Author *khabar.Author
	// Number is the page number, from 1; Last is the last page's number
	// (1 for an empty feed). Total is the number of items over all pages.
	Number, Last, Total int
	// Items are the page's articles, newest first.
	Items []*khabar.Article
	// Updated is the newest LastModified among Items, or the Unix epoch
	// when there are none: a date the content decides, so that every
	// process rendering the same catalog writes the same bytes.
	Updated time.Time

	// fromCatalog holds the articles as Renderer.Page got them from the
	// catalog, whose text is clean: an item still the same pointer is
	// written without checking its characters; any other is cleaned
	// first (Renderer.cleanArticle).
	fromCatalog []*khabar.Article
}

// clean reports whether item i of p is an article Renderer.Page took from
// a catalog, whose text fields khabar.CleanText leaves unchanged.
func (p *Page) clean(i int) bool {
	return i < len(p.fromCatalog) && p.fromCatalog[i] == p.Items[i]
}

// Renderer writes feed pages for one site. It is safe for concurrent use.
//
// It keeps each article's rendered item, per format, until it is asked to
// render a different snapshot of the same article ID (the catalog replaces
// the snapshot on every update) or Forget drops it. The items a page
// render finds missing are rendered into one buffer, which stays in memory
// while any of them is cached; Config.CacheBytes counts the items. It also
// keeps, for up to 128 pages, the page's head without its date and the
// cache entries of its items, so that re-rendering a page after a change
// writes little more than the changed item.
type Renderer struct {
	s *site

	mu        sync.RWMutex
	items     map[string]*itemCache
	heldBytes int64 // bytes held by items
	// pageEnts are the entries of the items of each page as last
	// rendered (memoPage); it is cleared when it reaches maxHeads pages.
	pageEnts map[headKey][]*itemCache

	heads heads
}

// NewRenderer returns a Renderer for the site cfg describes, or an error
// wrapping ErrConfig.
func NewRenderer(cfg Config) (*Renderer, error) {
	s, err := newSite(cfg)
	if err != nil {
		return nil, err
	}
	return &Renderer{s: s, items: make(map[string]*itemCache)}, nil
}

// Forget drops the cached items of the article with the given ID (call it
// when an article is deleted, so its bytes do not stay in memory).
func (r *Renderer) Forget(id string) {
	r.mu.Lock()
	if ic := r.items[id]; ic != nil {
		r.drop(ic)
		delete(r.items, id)
	}
	r.mu.Unlock()
}

// HomeURL returns the home page URL in URI form, ending with "/". Like
// PageURL, FeedURL and GUID, it returns "" on a zero Renderer.
func (r *Renderer) HomeURL() string {
	if r == nil || r.s == nil {
		return ""
	}
	return r.s.home
}

// PageURL returns the address of k's HTML archive page: the home page for
// the site, HomeURL + "category/{path}/" and so on otherwise.
func (r *Renderer) PageURL(k khabar.Key) string {
	if r == nil || r.s == nil {
		return ""
	}
	return r.s.home + keyPath(k)
}

// FeedURL returns the address of page n (from 1) of k's feed in format f:
// BaseURL + "category/{path}/feed/atom/?paged=2", percent-encoded.
func (r *Renderer) FeedURL(k khabar.Key, f Format, n int) string {
	if r == nil || r.s == nil || !f.Valid() {
		return ""
	}
	u := r.s.base + keyPath(k) + "feed/" + f.suffix()
	if n > 1 {
		u += "?paged=" + strconv.Itoa(n)
	}
	return u
}

// feedID returns the id of k's Atom feed (atom:id, RFC 4287 4.2.6),
// which must not change when the feed is relocated: page 1's address
// with IDHost empty, else the same on the site's own host (idBase).
func (r *Renderer) feedID(k khabar.Key) string {
	return r.s.idBase + keyPath(k) + "feed/" + Atom.suffix()
}

// GUID returns the stable id of an article in every format: a tag: URI
// (RFC 4151) built from the site's host (Config.IDHost lowercased, else
// HomeURL's as written there), the article's publication date (UTC) and
// its ID, such as "tag:example.com,2026-11-20:a-1042". It changes only if
// the ID, the publication date or that host does (a HomeURL host written
// with capitals gives ids with capitals: set IDHost to have them in lower
// case).
func (r *Renderer) GUID(a *khabar.Article) string {
	if r == nil || r.s == nil {
		return ""
	}
	return string(r.appendGUID(nil, a, "&"))
}

// appendGUID appends GUID(a) with amp for "&": "&amp;" in XML, "&" in
// JSON. Nothing else in it needs escaping in XML or JSON.
func (r *Renderer) appendGUID(b []byte, a *khabar.Article, amp string) []byte {
	b = append(b, "tag:"...)
	b = append(b, r.s.host...)
	b = append(b, ',')
	b = appendDay(b, a.Published)
	b = append(b, ':')
	const hex = "0123456789ABCDEF"
	id := a.ID
	for i := 0; i < len(id); i++ {
		// RFC 4151's specific part allows RFC 3986 pchar, "/" and "?";
		// the rest is percent-encoded.
		switch c := id[i]; {
		case c == '&':
			b = append(b, amp...)
		case tagChar(c):
			b = append(b, c)
		default:
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return b
}

func tagChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@', '/', '?':
		return true
	}
	return false
}

// Page builds page n (from 1) of k's feed from c. It returns an error
// wrapping ErrNoFeed when c knows no such category, tag or author, and
// ErrNoPage when n is out of range. The site feed and page 1 of any known
// feed always exist, even empty.
func (r *Renderer) Page(c *khabar.Catalog, k khabar.Key, n int) (*Page, error) {
	if r == nil || r.s == nil {
		return nil, ErrZeroValue
	}
	if c == nil {
		return nil, errors.New("feed: Page: nil Catalog")
	}
	p := &Page{Key: k, Number: n}
	switch k.Kind {
	case khabar.KindSite:
		p.Name = r.s.Title
		p.Title = r.s.Title
	case khabar.KindCategory:
		cat, ok := c.Category(k.Slug)
		if !ok {
			return nil, noCategory(c, k.Slug)
		}
		p.Name = cat.Label()
	case khabar.KindTag:
		t, ok := c.Tag(k.Slug)
		if !ok {
			return nil, fmt.Errorf("%w: tag %q", ErrNoFeed, k.Slug)
		}
		p.Name = t.Name
	case khabar.KindAuthor:
		a, ok := c.Author(k.Slug)
		if !ok {
			return nil, fmt.Errorf("%w: author %q", ErrNoFeed, k.Slug)
		}
		p.Name = a.Name
		p.Author = &a
	default:
		return nil, fmt.Errorf("%w: key %v", ErrNoFeed, k)
	}
	if k.Kind != khabar.KindSite {
		p.Title = r.s.Title + " » " + p.Name
	}
	if n < 1 {
		return nil, fmt.Errorf("%w: page %d of %v", ErrNoPage, n, k)
	}
	size := r.s.PageSize
	p.Items, p.Total = c.Newest(k, (n-1)*size, size)
	p.fromCatalog = slices.Clone(p.Items)
	p.Last = max(1, (p.Total+size-1)/size)
	if n > p.Last {
		return nil, fmt.Errorf("%w: page %d of %v (last is %d)", ErrNoPage, n, k, p.Last)
	}
	for _, a := range p.Items {
		if t := a.LastModified(); t.After(p.Updated) {
			p.Updated = t
		}
	}
	if p.Updated.IsZero() {
		p.Updated = emptyUpdated
	}
	return p, nil
}

// noCategory is the error for a category path c does not know. A path
// that names a category only by its last segments (CategoryKey("कानपुर")
// for उत्तर-प्रदेश/कानपुर) gets the full paths it could mean.
func noCategory(c *khabar.Catalog, path string) error {
	var could []string
	for _, cc := range c.Categories() {
		if full := cc.Category.SlugPath(); strings.HasSuffix(full, "/"+path) {
			could = append(could, full)
		}
	}
	if len(could) == 0 {
		return fmt.Errorf("%w: category %q", ErrNoFeed, path)
	}
	return fmt.Errorf("%w: category %q is not a full path; did you mean %s?", ErrNoFeed, path, strings.Join(quoteAll(could), " or "))
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// check returns an error for a nil page or a nil item in it, which a
// hand-built Page may have, before anything is written.
func (p *Page) check() error {
	if p == nil {
		return errors.New("feed: nil Page")
	}
	for i, a := range p.Items {
		if a == nil {
			return fmt.Errorf("feed: page %s/%d, item %d: %w", p.Key, p.Number, i, ErrNilItem)
		}
	}
	return nil
}

// emptyUpdated is the Updated date of a page without articles.
var emptyUpdated = time.Unix(0, 0).UTC()

// Render writes page n of k's feed in format f to w: Page then Write.
func (r *Renderer) Render(w io.Writer, c *khabar.Catalog, k khabar.Key, f Format, n int) error {
	if err := f.check(); err != nil {
		return err
	}
	p, err := r.Page(c, k, n)
	if err != nil {
		return err
	}
	return r.Write(w, p, f)
}

// Write writes p in format f to w. The items come from the Renderer's
// cache without being copied into one buffer first: w receives the page as
// a sequence of Write calls (one writev when w is a network connection).
func (r *Renderer) Write(w io.Writer, p *Page, f Format) error {
	if r == nil || r.s == nil {
		return ErrZeroValue
	}
	if err := f.check(); err != nil {
		return err
	}
	if err := p.check(); err != nil {
		return err
	}
	ps := piecesPool.Get().(*pieces)
	r.fragments(ps, p, f)
	bufs := ps.bufs // WriteTo consumes its receiver
	_, err := bufs.WriteTo(w)
	ps.release()
	return err
}

// AppendPage appends p rendered in format f to dst and returns the
// extended slice. It appends nothing for a zero Renderer, a Format that
// is not Valid or a nil Page or item (Write says why).
func (r *Renderer) AppendPage(dst []byte, p *Page, f Format) []byte {
	if r == nil || r.s == nil || !f.Valid() || p.check() != nil {
		return dst
	}
	dst = r.appendHead(dst, p, f)
	for i, it := range r.pageItems(nil, p, f) {
		if i > 0 {
			dst = append(dst, itemSep[f]...)
		}
		dst = append(dst, it...)
	}
	return append(dst, tail(f, len(p.Items) == 0)...)
}

// itemSep is what goes between two items.
var (
	itemSep      = [len(Formats)]string{"", "", ",\n"}
	itemSepBytes = [len(Formats)][]byte{nil, nil, []byte(",\n")}
)

// tail is what follows the last item.
func tail(f Format, empty bool) string {
	switch f {
	case Atom:
		return "</feed>\n"
	case JSON:
		if empty {
			return "]\n}\n"
		}
		return "\n  ]\n}\n"
	}
	return "</channel>\n</rss>\n"
}

// summary returns the item's plain-text summary: the standfirst, or an
// excerpt of the body when there is none.
func summary(a *khabar.Article) string {
	if a.Summary != "" {
		return a.Summary
	}
	if a.ContentHTML != "" {
		return khabar.Excerpt(a.ContentHTML, 300)
	}
	return ""
}

// imageType returns the image's media type, or one inferred from a
// well-known file extension, or "".
func imageType(im *khabar.Image) string {
	if im.Type != "" {
		return im.Type
	}
	u, err := url.Parse(khabar.URI(im.URL))
	if err != nil {
		return ""
	}
	p := u.Path
	for i := len(p) - 1; i >= 0 && i >= len(p)-6; i-- {
		if p[i] == '.' {
			switch lower(p[i+1:]) {
			case "jpg", "jpeg":
				return "image/jpeg"
			case "png":
				return "image/png"
			case "gif":
				return "image/gif"
			case "webp":
				return "image/webp"
			case "avif":
				return "image/avif"
			}
			return ""
		}
	}
	return ""
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// navLinks returns the RFC 5005 paging links of p: rel and page number.
func navLinks(p *Page) []struct {
	rel string
	n   int
} {
	if p.Last <= 1 {
		return nil
	}
	type l = struct {
		rel string
		n   int
	}
	out := []l{{"first", 1}}
	if p.Number > 1 {
		out = append(out, l{"previous", p.Number - 1})
	}
	if p.Number < p.Last {
		out = append(out, l{"next", p.Number + 1})
	}
	return append(out, l{"last", p.Last})
}

// feedAuthor is the feed-level author of p.
func (r *Renderer) feedAuthor(p *Page) khabar.Author {
	if p.Author != nil {
		return *p.Author
	}
	return r.s.author
}

// itemTitle is the article's title as written, without surrounding white
// space; a's text must be clean.
func itemTitle(a *khabar.Article) string {
	return strings.TrimSpace(a.Title)
}

// cleanArticle returns a when every text field the writers use is clean
// (khabar.CleanText leaves it unchanged), else a copy with those fields
// cleaned. Articles from a catalog are clean already; this is the safety
// net for pages built by hand.
func cleanArticle(a *khabar.Article) *khabar.Article {
	if articleClean(a) {
		return a
	}
	b := *a
	ct := khabar.CleanText
	b.Title, b.Summary, b.ContentHTML, b.Language = ct(a.Title), ct(a.Summary), ct(a.ContentHTML), ct(a.Language)
	b.Authors = slices.Clone(a.Authors)
	for i := range b.Authors {
		b.Authors[i].Name = ct(b.Authors[i].Name)
	}
	b.Categories = slices.Clone(a.Categories)
	for i := range b.Categories {
		b.Categories[i] = *cleanCategory(&b.Categories[i])
	}
	b.Tags = slices.Clone(a.Tags)
	for i := range b.Tags {
		b.Tags[i].Name = ct(b.Tags[i].Name)
	}
	if a.Image != nil {
		im := *a.Image
		im.Alt, im.Caption, im.Type = ct(im.Alt), ct(im.Caption), ct(im.Type)
		b.Image = &im
	}
	if a.Source != nil {
		src := *a.Source
		src.Title = ct(src.Title)
		b.Source = &src
	}
	return &b
}

func cleanCategory(c *khabar.Category) *khabar.Category {
	if c == nil {
		return nil
	}
	n := *c
	n.Name = khabar.CleanText(c.Name)
	n.Parent = cleanCategory(c.Parent)
	return &n
}

// articleClean reports whether every text field of a that cleanArticle
// would clean is clean already.
func articleClean(a *khabar.Article) bool {
	ok := xmltext.IsClean(a.Title) && xmltext.IsClean(a.Summary) && xmltext.IsClean(a.ContentHTML) && xmltext.IsClean(a.Language)
	for i := 0; ok && i < len(a.Authors); i++ {
		ok = xmltext.IsClean(a.Authors[i].Name)
	}
	for i := 0; ok && i < len(a.Categories); i++ {
		for c := &a.Categories[i]; ok && c != nil; c = c.Parent {
			ok = xmltext.IsClean(c.Name)
		}
	}
	for i := 0; ok && i < len(a.Tags); i++ {
		ok = xmltext.IsClean(a.Tags[i].Name)
	}
	if ok && a.Image != nil {
		ok = xmltext.IsClean(a.Image.Alt) && xmltext.IsClean(a.Image.Caption) && xmltext.IsClean(a.Image.Type)
	}
	if ok && a.Source != nil {
		ok = xmltext.IsClean(a.Source.Title)
	}
	return ok
}
