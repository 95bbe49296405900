package feed

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/khabar/khabar"
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
	// Updated is the newest LastModified among Items, or the clock's time
	// when there are none.
	Updated time.Time
}

// Renderer writes feed pages for one site. It is safe for concurrent use.
//
// It keeps each article's rendered item, per format, until it is asked to
// render a different snapshot of the same article ID (the catalog replaces
// the snapshot on every update) or Forget drops it.
type Renderer struct {
	s *site

	mu        sync.RWMutex
	items     map[string]*itemCache
	heldBytes int64 // bytes held by items
}

type itemCache struct {
	a   *khabar.Article
	out [len(Formats)][]byte
	gz  [len(Formats)][]byte // out deflated as a piece of a gzip body (Handler)
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
		r.heldBytes -= ic.size()
		delete(r.items, id)
	}
	r.mu.Unlock()
}

// HomeURL returns the home page URL in URI form, ending with "/".
func (r *Renderer) HomeURL() string { return r.s.home }

// PageURL returns the address of k's HTML archive page: the home page for
// the site, HomeURL + "category/{path}/" and so on otherwise.
func (r *Renderer) PageURL(k khabar.Key) string { return r.s.home + keyPath(k) }

// FeedURL returns the address of page n (from 1) of k's feed in format f:
// BaseURL + "category/{path}/feed/atom/?paged=2", percent-encoded.
func (r *Renderer) FeedURL(k khabar.Key, f Format, n int) string {
	u := r.s.base + keyPath(k) + "feed/" + f.suffix()
	if n > 1 {
		u += "?paged=" + strconv.Itoa(n)
	}
	return u
}

// GUID returns the stable id of an article in every format: a tag: URI
// (RFC 4151) built from the site's host, the article's publication date
// (UTC) and its ID, such as "tag:example.com,2026-11-20:a-1042". It changes
// only if the ID, the publication date or the site's host does.
func (r *Renderer) GUID(a *khabar.Article) string {
	return "tag:" + r.s.host + "," + a.Published.UTC().Format("2006-01-02") + ":" + escapeTag(a.ID)
}

// escapeTag percent-encodes what RFC 4151's specific part does not allow
// (it allows RFC 3986 pchar, "/" and "?").
func escapeTag(id string) string {
	ok := true
	for i := 0; i < len(id); i++ {
		if !tagChar(id[i]) {
			ok = false
			break
		}
	}
	if ok {
		return id
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(id)*3)
	for i := 0; i < len(id); i++ {
		c := id[i]
		if tagChar(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
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
	p := &Page{Key: k, Number: n}
	switch k.Kind {
	case khabar.KindSite:
		p.Name = r.s.Title
		p.Title = r.s.Title
	case khabar.KindCategory:
		cat, ok := c.Category(k.Slug)
		if !ok {
			return nil, fmt.Errorf("%w: category %q", ErrNoFeed, k.Slug)
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
		p.Updated = r.s.Now()
	}
	return p, nil
}

// Render writes page n of k's feed in format f to w: Page then Write.
func (r *Renderer) Render(w io.Writer, c *khabar.Catalog, k khabar.Key, f Format, n int) error {
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
	bufs := r.fragments(p, f)
	_, err := bufs.WriteTo(w)
	return err
}

// AppendPage appends p rendered in format f to dst and returns the
// extended slice.
func (r *Renderer) AppendPage(dst []byte, p *Page, f Format) []byte {
	dst = r.appendHead(dst, p, f)
	for i, a := range p.Items {
		if i > 0 {
			dst = append(dst, itemSep[f]...)
		}
		dst = r.item(dst, a, f)
	}
	return append(dst, tail(f, len(p.Items) == 0)...)
}

func (r *Renderer) appendHead(dst []byte, p *Page, f Format) []byte {
	switch f {
	case Atom:
		return r.appendAtomHead(dst, p)
	case JSON:
		return r.appendJSONHead(dst, p)
	}
	return r.appendRSSHead(dst, p)
}

// itemSep is what goes between two items.
var itemSep = [len(Formats)]string{"", "", ",\n"}

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

// fragments returns p rendered in format f as the pieces it is made of:
// the head, each item (shared with the item cache: read-only), the
// separators and the tail. Written one after the other they are
// AppendPage's output; a network connection takes them in one writev.
func (r *Renderer) fragments(p *Page, f Format) net.Buffers {
	bufs := make(net.Buffers, 0, 2*len(p.Items)+2)
	bufs = append(bufs, r.appendHead(nil, p, f))
	for i, a := range p.Items {
		if i > 0 && itemSep[f] != "" {
			bufs = append(bufs, []byte(itemSep[f]))
		}
		bufs = append(bufs, r.itemBytes(a, f))
	}
	return append(bufs, []byte(tail(f, len(p.Items) == 0)))
}

func (r *Renderer) sizeHint(p *Page, f Format) int {
	n := 2048
	r.mu.RLock()
	for _, a := range p.Items {
		if ic := r.items[a.ID]; ic != nil && ic.a == a && ic.out[f] != nil {
			n += len(ic.out[f])
		} else {
			n += 2*len(a.ContentHTML) + 1024
		}
	}
	r.mu.RUnlock()
	return n
}

// itemBytes returns a's rendered item in format f, from the cache when
// it holds this snapshot of a, else rendered and cached. The result is
// shared: it must not be modified.
func (r *Renderer) itemBytes(a *khabar.Article, f Format) []byte {
	r.mu.RLock()
	ic := r.items[a.ID]
	var cached []byte
	if ic != nil && ic.a == a {
		cached = ic.out[f]
	}
	r.mu.RUnlock()
	if cached != nil {
		return cached
	}
	b := make([]byte, 0, len(a.ContentHTML)+len(a.ContentHTML)/8+len(a.Summary)+1024)
	switch f {
	case Atom:
		b = r.appendAtomEntry(b, a)
	case JSON:
		b = r.appendJSONItem(b, a)
	default:
		b = r.appendRSSItem(b, a)
	}
	b = b[:len(b):len(b)] // appending to a shared item must copy
	r.mu.Lock()
	ic = r.items[a.ID]
	if ic == nil || ic.a != a {
		if ic != nil {
			r.heldBytes -= ic.size()
		}
		ic = &itemCache{a: a}
		r.items[a.ID] = ic
	}
	r.heldBytes += int64(len(b) - len(ic.out[f]))
	ic.out[f] = b
	r.trimItems(a.ID)
	r.mu.Unlock()
	return b
}

// size is the number of bytes ic holds.
func (ic *itemCache) size() int64 {
	n := 0
	for f := range ic.out {
		n += len(ic.out[f]) + len(ic.gz[f])
	}
	return int64(n)
}

// trimItems drops cached items at random (Go's map order) until they use
// at most three quarters of their budget, keeping the one with ID keep.
// Called with r.mu held.
func (r *Renderer) trimItems(keep string) {
	limit := r.s.CacheBytes / 2
	if r.s.CacheBytes < 0 || r.heldBytes <= limit {
		return
	}
	for id, ic := range r.items {
		if r.heldBytes <= limit/4*3 {
			break
		}
		if id != keep {
			r.heldBytes -= ic.size()
			delete(r.items, id)
		}
	}
}

// item appends a's rendered item in format f.
func (r *Renderer) item(dst []byte, a *khabar.Article, f Format) []byte {
	return append(dst, r.itemBytes(a, f)...)
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

// itemTitle is the article's title as written: XML-safe, without
// surrounding white space.
func itemTitle(a *khabar.Article) string {
	return strings.TrimSpace(khabar.CleanText(a.Title))
}
