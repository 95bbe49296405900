package feed

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/xmltext"
)

// The bounds of a news sitemap, as Google News asks for them.
const (
	// NewsSitemapWindow is how far back a news sitemap reaches, counted
	// from the newest story it covers.
	NewsSitemapWindow = 48 * time.Hour
	// NewsSitemapMax is the most URLs one news sitemap lists.
	NewsSitemapMax = 1000
)

// newsSitemapFile is the news sitemap's name under its scope's path.
const newsSitemapFile = "news-sitemap.xml"

// NewsSitemapURL returns the address of k's news sitemap:
// BaseURL + "news-sitemap.xml" for the site, BaseURL +
// "category/{slug}/news-sitemap.xml" for a top-level category,
// percent-encoded; "" for any other key, which has none, and on a zero
// Renderer.
func (r *Renderer) NewsSitemapURL(k khabar.Key) string {
	if r == nil || r.s == nil || !hasNewsSitemap(k) {
		return ""
	}
	return r.s.base + keyPath(k) + newsSitemapFile
}

// hasNewsSitemap reports whether k has a news sitemap: the site and each
// top-level category do.
func hasNewsSitemap(k khabar.Key) bool {
	return k.Kind == khabar.KindSite || k.Kind == khabar.KindCategory && k.Slug != "" && !strings.Contains(k.Slug, "/")
}

// RenderNewsSitemap writes the Google News sitemap of the site (the zero
// Key) or of a top-level category: a sitemaps.org urlset with the news
// extension, listing newest first the site's own stories published within
// NewsSitemapWindow of the newest story in c's list for k, at most
// NewsSitemapMax, each with the publication (Config.Title and the story's
// language), its publication date in Config.Location with the offset, and
// its title. The window is relative to the newest story rather than the
// clock so that the sitemap depends on the catalog alone. It returns an
// error wrapping ErrNoFeed for a key without a news sitemap or a category
// c does not know.
//
// The site's own stories are those whose URL is on HomeURL's host (same
// scheme, host and port). Others, such as the stories of other sites a
// catalog took from upstream feeds, are left out: sitemaps.org requires
// every URL of a sitemap to be on one host, and news:name must name the
// publication the story belongs to. A BaseURL on another host than
// HomeURL serves the sitemap away from the stories' host, which
// sitemaps.org allows only when that host's robots.txt names the sitemap
// ("Sitemap: " + NewsSitemapURL).
func (r *Renderer) RenderNewsSitemap(w io.Writer, c *khabar.Catalog, k khabar.Key) error {
	b, err := r.AppendNewsSitemap(nil, c, k)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// AppendNewsSitemap appends k's news sitemap (see RenderNewsSitemap) to
// dst.
func (r *Renderer) AppendNewsSitemap(dst []byte, c *khabar.Catalog, k khabar.Key) ([]byte, error) {
	b, _, err := r.appendNewsSitemap(dst, c, k)
	return b, err
}

// appendNewsSitemap is AppendNewsSitemap, also returning the newest change
// among its stories (the zero time when it lists none): its Last-Modified.
func (r *Renderer) appendNewsSitemap(dst []byte, c *khabar.Catalog, k khabar.Key) (_ []byte, newest time.Time, _ error) {
	if r == nil || r.s == nil {
		return dst, newest, ErrZeroValue
	}
	if !hasNewsSitemap(k) {
		return dst, newest, fmt.Errorf("%w: %v has no news sitemap (the site and top-level categories have one)", ErrNoFeed, k)
	}
	if _, ok := c.Category(k.Slug); k.Kind == khabar.KindCategory && !ok {
		return dst, newest, fmt.Errorf("%w: no category %q", ErrNoFeed, k.Slug)
	}
	var stories []*khabar.Article
	if newest, _ := c.Newest(k, 0, 1); len(newest) > 0 {
		q := khabar.Query{Key: k, Since: newest[0].Published.Add(-NewsSitemapWindow), Limit: NewsSitemapMax}
		found := c.Find(q)
		stories = r.s.ownStories(found)
		if len(found) == q.Limit && len(stories) < len(found) {
			// Stories of other sites took room: take the whole window.
			q.Limit = 0
			stories = r.s.ownStories(c.Find(q))
			stories = stories[:min(len(stories), NewsSitemapMax)]
		}
	}
	b := append(dst, `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
`...)
	for _, a := range stories {
		if t := a.LastModified(); t.After(newest) {
			newest = t
		}
		a = cleanArticle(a)
		b = append(b, "<url>\n<loc>"...)
		b = xmltext.AppendURI(b, a.URL, "&amp;")
		b = append(b, "</loc>\n<news:news>\n<news:publication>\n"...)
		b = appendElem(b, "news:name", r.s.Title, xmltext.Check)
		b = appendElem(b, "news:language", newsLanguage(a.Language, r.s.Language), xmltext.Check)
		b = append(b, "</news:publication>\n<news:publication_date>"...)
		b = appendDate3339(b, a.Published.Truncate(time.Second), r.s.Location)
		b = append(b, "</news:publication_date>\n"...)
		b = appendElem(b, "news:title", itemTitle(a), xmltext.Trusted)
		b = append(b, "</news:news>\n</url>\n"...)
	}
	if newest.IsZero() {
		newest = emptyUpdated
	}
	return append(b, "</urlset>\n"...), newest, nil
}

// ownStories returns the articles of as that are on the site's host
// (onSite), in as's array. A news sitemap lists only these: sitemaps.org
// wants all the URLs of a sitemap on one host, and Google News's
// news:name is the publication the story belongs to, which for a story
// of another site (one an aggregating catalog took from its feed, with
// Source set) is not this one.
func (s *site) ownStories(as []*khabar.Article) []*khabar.Article {
	return slices.DeleteFunc(as, func(a *khabar.Article) bool { return !s.onSite(a.URL) })
}

// newsLanguage is the language code Google News wants for the BCP 47 tag
// lang (def when empty): the ISO 639 code, lower case, except zh-cn and
// zh-tw for Chinese.
func newsLanguage(lang, def string) string {
	if lang == "" {
		lang = def
	}
	lang = strings.ToLower(strings.ReplaceAll(lang, "_", "-"))
	base, rest, _ := strings.Cut(lang, "-")
	if base == "zh" {
		for _, s := range strings.Split(rest, "-") {
			if s == "hant" || s == "tw" || s == "hk" || s == "mo" {
				return "zh-tw"
			}
		}
		return "zh-cn"
	}
	return base
}

// newsSitemapPage is the page number under which a Handler caches a key's
// news sitemap: 0, which no feed page has.
const newsSitemapPage = 0

var newsSitemapType = []string{"application/xml; charset=utf-8"}

// serveNewsSitemap serves the request for path, which ends in
// "/news-sitemap.xml", with the conditional GET, gzip and caching of the
// feeds; a sitemap is stale when its key's KeyVersion has moved on.
func (h *Handler) serveNewsSitemap(w http.ResponseWriter, req *http.Request, path string) {
	k, err := h.newsSitemapRoute(path)
	if err != nil {
		plain(w, http.StatusNotFound, err.Error())
		return
	}
	if canon := h.s.basePath + keyPath(k) + newsSitemapFile; path != canon {
		http.Redirect(w, req, canon, http.StatusMovedPermanently)
		return
	}
	h.serve(w, req, cacheKey{k, pageKey{RSS, newsSitemapPage}}, newsSitemapType)
}

// newsSitemapRoute parses an escaped request path ending in
// "/news-sitemap.xml" into the key of the sitemap's scope.
func (h *Handler) newsSitemapRoute(path string) (khabar.Key, error) {
	rest, ok := strings.CutPrefix(path, h.s.basePath)
	if !ok {
		return khabar.Key{}, fmt.Errorf("%w: %s is outside %s", ErrNoFeed, path, h.s.basePath)
	}
	scope := strings.TrimSuffix(strings.TrimSuffix(rest, newsSitemapFile), "/")
	if scope == "" {
		return khabar.SiteKey(), nil
	}
	if cat, ok := strings.CutPrefix(scope, "category/"); ok && !strings.Contains(cat, "/") {
		if slug, err := khabar.UnescapeSlug(cat); err == nil && slug != "" {
			return khabar.CategoryKey(slug), nil
		}
	}
	return khabar.Key{}, fmt.Errorf("%w: %s is not a news sitemap (news-sitemap.xml, category/{slug}/news-sitemap.xml)", ErrNoFeed, path)
}
