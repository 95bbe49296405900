package feed

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/khabar/khabar"
)

// Handler serves a catalog's feeds under WordPress's URL scheme, relative
// to the path of Config.BaseURL:
//
//	feed/                      site, RSS (also feed/rss/ and feed/rss2/)
//	feed/atom/                 site, Atom
//	feed/json/                 site, JSON Feed
//	category/{a/b}/feed/[atom/|json/]
//	tag/{slug}/feed/[atom/|json/]
//	author/{slug}/feed/[atom/|json/]
//
//	news-sitemap.xml           site, Google News sitemap (see RenderNewsSitemap)
//	category/{slug}/news-sitemap.xml   a top-level category's
//
// Slugs may be raw UTF-8 or percent-encoded. Other spellings of a feed's
// address (no trailing slash, feed/rss/ or feed/rss2/, slugs escaped
// differently) get a 301 to the one its self link gives. ?paged=N selects
// a page. Unknown feeds and pages get a 404 with a short plain-text
// reason.
//
// Responses carry a strong ETag computed from the bytes, Last-Modified
// (the newest Updated or Published date among the page's articles),
// Cache-Control and Vary: Accept-Encoding; conditional requests get 304;
// HEAD is supported; gzip is used when the client accepts it. Vary and Link
// values that a wrapping handler set (Vary: Origin for CORS) are kept, the
// Handler's added to them. Rendered and gzipped bytes are cached per feed
// page and reused until the catalog's KeyVersion for that feed moves on;
// concurrent requests for a feed that is not cached render it once. After
// a change the gzip body is first put together from per-item pieces
// deflated once per article (fast), then replaced from a background
// goroutine by the page deflated in one go
// (smaller); the two have different ETags.
//
// The identity body, its ETag and Last-Modified depend on the catalog's
// content alone, not on the process or the time of rendering: replicas
// following one store (khabar.Follower) serve the same ones, and so does
// a restarted process. (The gzip body matches across replicas once the
// background deflate is done.) One exception keeps If-Modified-Since
// truthful: when a page's bytes change and its newest date does not move
// past the Last-Modified it was last served with (an article deleted, or
// added or edited without a newer date), Last-Modified becomes the time of
// the render that noticed the change, at least a second past the last one
// (also when the clock stepped back, or the last one was a date ahead of
// the clock: until the clock passes it, such a page is sent again to
// If-Modified-Since). The Handler remembers this for its last 16,384 or so
// pages; one it forgot gets no date before the time it forgot it. Such a
// date is the Handler's own, so another replica, or
// this one after a restart, may send another date for the same bytes; a
// client that revalidates with If-Modified-Since alone then gets the page
// again rather than a 304 for a page it does not have. (A process that
// starts after such a change was made elsewhere sends the content's date,
// which may be earlier than the one another process sent; clients that
// send If-None-Match, as most feed readers do, are never misled, since
// If-None-Match wins over If-Modified-Since.) A Last-Modified ahead of the
// clock (an article dated in the future) is sent as the time of the
// response.
//
// With Config.AllowOrigin set, responses carry CORS headers and
// preflight requests are answered, so that a feed reader in a web page
// on another origin can read and revalidate the feeds.
//
// When Config.Hub is set, the Handler pings the hub (hub.mode=publish) with
// the URLs of every feed a catalog change touches, from a background
// goroutine; Close stops it.
//
// A Handler is safe for concurrent use.
type Handler struct {
	r *Renderer
	c *khabar.Catalog
	s *site

	mu         sync.RWMutex
	cache      map[khabar.Key]map[pageKey]*entry
	cacheBytes int64 // bytes held by cached entries
	// served is what each page was last rendered as (its ETag and
	// Last-Modified), kept apart from cache, whose entries are dropped
	// under memory pressure: fill moves Last-Modified on from it. When it
	// is full, half of it is forgotten, and forgot is when: a page it
	// does not know gets no Last-Modified before that time.
	served map[cacheKey]servedAs
	forgot time.Time

	flight   singleflight.Group // one render per cold page, keyed by cacheKey.String
	ping     *pinger
	stop     func()
	bg       sync.WaitGroup // recompress goroutines
	renders  atomic.Int64   // pages rendered, for tests
	cacheCtl []string       // Cache-Control value
	now      func() time.Time
}

type pageKey struct {
	f Format
	n int
}

type cacheKey struct {
	k khabar.Key
	pageKey
}

// String is ck as the key of the render singleflight: distinct for
// distinct cache keys (a slug holds no NUL).
func (ck cacheKey) String() string {
	return strconv.Itoa(int(ck.k.Kind)) + "\x00" + ck.k.Slug + "\x00" + strconv.Itoa(int(ck.f)) + "\x00" + strconv.Itoa(ck.n)
}

// entry is a rendered feed page as served.
type entry struct {
	version  uint64 // KeyVersion it was rendered at
	body, gz []byte
	etag     string // strong ETag of body
	gzETag   string // gz's: etag with "-gz" (whole page deflated) or "-gzp" (pieces) inside the quotes
	gzWhole  bool   // gz is the whole page deflated in one go
	modified time.Time
	links    []string
	// Header values, ready to put in a response without allocating.
	etagH, gzETagH, lastModH, lenH, gzLenH []string
}

// servedAs is the identity ETag and the Last-Modified a page was last
// rendered with.
type servedAs struct {
	etag     string
	modified time.Time
}

// maxServed bounds Handler.served; past it a random half is forgotten.
// A variable for tests.
var maxServed = 1 << 14

// lastModified returns the Last-Modified of a page whose content's newest
// date is updated, rendered as etag, last served as prev (ok false: not
// remembered). It is the content's date, the same for every replica and
// after a restart, unless a client may hold a later date for other bytes:
// when the bytes changed while that date did not move past the one last
// served (an article deleted, or added or edited without a newer date),
// it is the render's time, and always past the one last served, also
// when the clock stepped back; for a page served before the Handler last
// forgot pages (at forgot), it is no earlier than that. So a client that
// revalidates with If-Modified-Since alone is never told "not modified"
// for a changed page (RFC 9110 13.1.3).
func lastModified(updated time.Time, etag string, prev servedAs, ok bool, forgot, now time.Time) time.Time {
	m := updated.UTC().Truncate(time.Second)
	switch {
	case !ok:
		if forgot.IsZero() || m.After(forgot) {
			return m
		}
		return forgot.Add(time.Second)
	case m.After(prev.modified):
		return m
	case etag == prev.etag:
		return prev.modified
	}
	next := prev.modified.Add(time.Second)
	if now = now.UTC().Truncate(time.Second); now.After(next) {
		return now
	}
	return next
}

// NewHandler returns a Handler serving c's feeds for the site cfg
// describes, or an error wrapping ErrConfig. Call Close when done with it.
func NewHandler(c *khabar.Catalog, cfg Config) (*Handler, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil Catalog", ErrConfig)
	}
	r, err := NewRenderer(cfg)
	if err != nil {
		return nil, err
	}
	h := &Handler{r: r, c: c, s: r.s, cache: make(map[khabar.Key]map[pageKey]*entry), cacheCtl: cacheControl(r.s.MaxAge), now: time.Now}
	if h.s.Hub != "" {
		h.ping = newPinger(khabar.URI(h.s.Hub), h.s.Client, h.s.ErrorLog)
	}
	h.stop = c.Watch(h.changed)
	return h, nil
}

// Renderer returns the Renderer the Handler uses.
func (h *Handler) Renderer() *Renderer { return h.r }

// Close stops watching the catalog, waits for background recompressions
// and stops the WebSub pinger (a ping in flight is cancelled, queued ones
// are dropped).
func (h *Handler) Close() error {
	if h.stop == nil {
		return nil // a zero Handler started nothing
	}
	h.stop()
	h.bg.Wait()
	if h.ping != nil {
		h.ping.close()
	}
	return nil
}

// changed is the catalog watcher: it drops cached pages past the first of
// every touched feed (page 1 stays, stale, so an identical re-render keeps
// its gzip body), forgets deleted articles' items and queues pings.
func (h *Handler) changed(ch khabar.Change) {
	if ch.MetricsOnly {
		return
	}
	for _, id := range ch.IDs {
		if _, ok := h.c.Get(id); !ok {
			h.r.Forget(id)
		}
	}
	h.mu.Lock()
	for _, k := range ch.Keys {
		for pk, e := range h.cache[k] {
			if pk.n > 1 {
				h.cacheBytes -= e.size()
				delete(h.cache[k], pk)
			}
		}
	}
	h.mu.Unlock()
	if h.ping != nil {
		urls := make([]string, 0, len(ch.Keys)*len(Formats))
		for _, k := range ch.Keys {
			for _, f := range Formats {
				urls = append(urls, h.r.FeedURL(k, f, 1))
			}
		}
		h.ping.queue(urls)
	}
}

// Discovery returns the autodiscovery links of k's feed, one
// <link rel="alternate"> per format, to put in the <head> of k's HTML page.
// It returns an error wrapping ErrNoFeed when the catalog does not know k.
func (h *Handler) Discovery(k khabar.Key) (template.HTML, error) {
	if h == nil || h.r == nil {
		return "", ErrZeroValue
	}
	return h.r.Discovery(h.c, k)
}

// Discovery returns the autodiscovery links of k's feed in c (see
// Handler.Discovery).
func (r *Renderer) Discovery(c *khabar.Catalog, k khabar.Key) (template.HTML, error) {
	p, err := r.Page(c, k, 1)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, f := range Formats {
		fmt.Fprintf(&b, `<link rel="alternate" type="%s" title="%s" href="%s">`+"\n",
			f.MediaType(), template.HTMLEscapeString(khabar.CleanText(p.Title)+" ("+f.Name()+")"),
			template.HTMLEscapeString(r.FeedURL(k, f, 1)))
	}
	return template.HTML(b.String()), nil
}

// ServeHTTP serves one feed request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if h.r == nil {
		plain(w, http.StatusInternalServerError, ErrZeroValue.Error())
		return
	}
	if h.s.AllowOrigin != "" {
		if req.Method == http.MethodOptions && req.Header.Get("Access-Control-Request-Method") != "" {
			h.preflight(w)
			return
		}
		h.cors(w.Header())
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		plain(w, http.StatusMethodNotAllowed, "method "+req.Method+" not allowed: use GET or HEAD")
		return
	}
	path := req.URL.EscapedPath()
	if strings.HasSuffix(path, "/"+newsSitemapFile) {
		h.serveNewsSitemap(w, req, path)
		return
	}
	k, f, err := h.route(path)
	if err != nil {
		plain(w, http.StatusNotFound, err.Error())
		return
	}
	if canon := h.s.basePath + keyPath(k) + "feed/" + f.suffix(); path != canon {
		// One address per feed, the one its self link gives (feed readers
		// and the W3C validator compare them): /feed, /feed/rss2/ and
		// differently escaped slugs redirect.
		if req.URL.RawQuery != "" {
			canon += "?" + req.URL.RawQuery
		}
		http.Redirect(w, req, canon, http.StatusMovedPermanently)
		return
	}
	n := 1
	if v := queryParam(req.URL.RawQuery, "paged"); v != "" {
		n, err = strconv.Atoi(v)
		if err != nil || n < 1 {
			plain(w, http.StatusBadRequest, fmt.Sprintf("feed: paged=%q is not a page number (1, 2, …)", v))
			return
		}
	}
	h.serve(w, req, cacheKey{k, pageKey{f, n}}, contentTypes[f])
}

// serve answers req with the cached page ck, rendering it if needed.
func (h *Handler) serve(w http.ResponseWriter, req *http.Request, ck cacheKey, contentType []string) {
	e, err := h.get(ck)
	switch {
	case errors.Is(err, ErrNoFeed), errors.Is(err, ErrNoPage):
		plain(w, http.StatusNotFound, err.Error())
		return
	case err != nil:
		plain(w, http.StatusInternalServerError, "feed: cannot render this feed")
		if h.s.ErrorLog != nil {
			h.s.ErrorLog(err)
		}
		return
	}
	// Several Accept-Encoding lines are one list (RFC 9110 5.3).
	useGzip := acceptsGzip(strings.Join(req.Header.Values("Accept-Encoding"), ","))
	hd := w.Header()
	addVary(hd)
	if useGzip {
		hd["Etag"] = e.gzETagH
	} else {
		hd["Etag"] = e.etagH
	}
	hd["Last-Modified"] = e.lastModH
	if now := h.now(); e.modified.After(now) {
		// RFC 9110 8.8.2.1: never later than the response (an article
		// dated ahead of the clock). notModified still compares with
		// e.modified, so If-Modified-Since this date gets the feed.
		hd["Last-Modified"] = []string{now.UTC().Format(http.TimeFormat)}
	}
	hd["Cache-Control"] = h.cacheCtl
	if len(e.links) > 0 {
		if old := hd["Link"]; len(old) > 0 { // a wrapping handler's
			hd["Link"] = append(old, e.links...)
		} else {
			hd["Link"] = e.links
		}
	}
	if notModified(req, e, useGzip) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, clen := e.body, e.lenH
	if useGzip {
		body, clen = e.gz, e.gzLenH
		hd["Content-Encoding"] = gzipHdr
	}
	hd["Content-Type"] = contentType
	hd["X-Content-Type-Options"] = nosniff
	hd["Content-Length"] = clen
	w.WriteHeader(http.StatusOK)
	if req.Method != http.MethodHead {
		w.Write(body)
	}
}

var (
	varyAE       = []string{"Accept-Encoding"}
	gzipHdr      = []string{"gzip"}
	nosniff      = []string{"nosniff"}
	contentTypes = [...][]string{{RSS.ContentType()}, {Atom.ContentType()}, {JSON.ContentType()}}
)

// cors sets the CORS headers of a response (Config.AllowOrigin): the
// origin allowed, the headers a reader may read besides the simple ones,
// and Vary: Origin when the answer names one origin (the Handler adds
// Accept-Encoding to it).
func (h *Handler) cors(hd http.Header) {
	hd["Access-Control-Allow-Origin"] = []string{h.s.AllowOrigin}
	hd["Access-Control-Expose-Headers"] = corsExpose
	if h.s.AllowOrigin != "*" {
		hd["Vary"] = append(hd["Vary"], "Origin")
	}
}

// preflight answers a CORS preflight request: GET and HEAD, with the
// conditional request headers a feed reader sends, for a day.
func (h *Handler) preflight(w http.ResponseWriter) {
	hd := w.Header()
	h.cors(hd)
	hd["Access-Control-Allow-Methods"] = []string{"GET, HEAD"}
	hd["Access-Control-Allow-Headers"] = []string{"If-None-Match, If-Modified-Since"}
	hd["Access-Control-Max-Age"] = []string{"86400"}
	w.WriteHeader(http.StatusNoContent)
}

var corsExpose = []string{"ETag, Last-Modified, Link"}

// addVary adds Accept-Encoding to the response's Vary, keeping what a
// wrapping handler put there (Origin, for CORS): a shared cache must not
// give one origin's Access-Control-Allow-Origin to another.
func addVary(hd http.Header) {
	old := hd["Vary"]
	if len(old) == 0 {
		hd["Vary"] = varyAE
		return
	}
	for _, v := range old {
		for t := range strings.SplitSeq(v, ",") {
			if t = strings.TrimSpace(t); t == "*" || strings.EqualFold(t, "Accept-Encoding") {
				return
			}
		}
	}
	hd["Vary"] = append(old, varyAE[0])
}

func cacheControl(maxAge time.Duration) []string {
	if maxAge < 0 {
		return []string{"no-cache"}
	}
	return []string{"public, max-age=" + strconv.Itoa(int(maxAge/time.Second))}
}

func plain(w http.ResponseWriter, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}

// queryParam returns the last value of name in a raw query, "" when
// absent; it does not allocate for the empty query of most requests.
// Pairs that do not decode (utm_source=%zz) are skipped unless they are
// name's: its value is then returned as it is, and is no page number.
func queryParam(raw, name string) string {
	v, found := "", false
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		k, val, _ := strings.Cut(pair, "=")
		if k != name {
			if u, err := url.QueryUnescape(k); err != nil || u != name {
				continue
			}
		}
		if u, err := url.QueryUnescape(val); err == nil {
			val = u
		}
		v, found = val, true
	}
	if found && v == "" {
		return "0" // paged= is no page number
	}
	return v
}

// route parses an escaped request path into a feed key and format.
func (h *Handler) route(path string) (khabar.Key, Format, error) {
	var zero khabar.Key
	rest, ok := strings.CutPrefix(path, h.s.basePath)
	if !ok {
		if path+"/" != h.s.basePath {
			return zero, 0, fmt.Errorf("%w: %s is outside %s", ErrNoFeed, path, h.s.basePath)
		}
		rest = ""
	}
	rest = strings.TrimSuffix(rest, "/")
	segs := strings.Split(rest, "/")
	f := RSS
	switch segs[len(segs)-1] {
	case "atom":
		f = Atom
		segs = segs[:len(segs)-1]
	case "json":
		f = JSON
		segs = segs[:len(segs)-1]
	case "rss", "rss2":
		segs = segs[:len(segs)-1]
	}
	if len(segs) == 0 || segs[len(segs)-1] != "feed" {
		return zero, 0, fmt.Errorf("%w: %s is not a feed address (…/feed/, …/feed/atom/, …/feed/json/)", ErrNoFeed, path)
	}
	segs = segs[:len(segs)-1]
	for i, s := range segs {
		u, err := khabar.UnescapeSlug(s)
		if err != nil || u == "" {
			return zero, 0, fmt.Errorf("%w: bad path segment %q in %s", ErrNoFeed, s, path)
		}
		segs[i] = u
	}
	switch {
	case len(segs) == 0:
		return khabar.SiteKey(), f, nil
	case segs[0] == "category" && len(segs) > 1:
		return khabar.CategoryKey(strings.Join(segs[1:], "/")), f, nil
	case segs[0] == "tag" && len(segs) == 2:
		return khabar.TagKey(segs[1]), f, nil
	case segs[0] == "author" && len(segs) == 2:
		return khabar.AuthorKey(segs[1]), f, nil
	}
	return zero, 0, fmt.Errorf("%w: %s is not a site, category, tag or author feed", ErrNoFeed, path)
}

// get returns the cached page, rendering it when missing or stale.
func (h *Handler) get(ck cacheKey) (*entry, error) {
	v := h.c.KeyVersion(ck.k)
	h.mu.RLock()
	e := h.cache[ck.k][ck.pageKey]
	h.mu.RUnlock()
	if e != nil && e.version == v {
		return e, nil
	}
	got, err, _ := h.flight.Do(ck.String(), func() (any, error) { return h.fill(ck) })
	if err != nil {
		return nil, err
	}
	return got.(*entry), nil
}

func (h *Handler) fill(ck cacheKey) (*entry, error) {
	v := h.c.KeyVersion(ck.k) // read before rendering: a change meanwhile makes the entry stale, never wrong
	h.mu.RLock()
	old := h.cache[ck.k][ck.pageKey]
	h.mu.RUnlock()
	if old != nil && old.version == v {
		return old, nil
	}
	e := &entry{version: v}
	var p *Page // nil for a news sitemap
	var updated time.Time
	if ck.n == newsSitemapPage {
		body, newest, err := h.r.appendNewsSitemap(nil, h.c, ck.k)
		if err != nil {
			return nil, err
		}
		e.body, updated = body, newest
	} else {
		var err error
		if p, err = h.r.Page(h.c, ck.k, ck.n); err != nil {
			return nil, err
		}
		e.body = h.r.AppendPage(make([]byte, 0, h.r.sizeHint(p, ck.f)), p, ck.f)
		updated = p.Updated
	}
	h.renders.Add(1)
	sum := sha256.Sum256(e.body)
	tag := base64.RawURLEncoding.EncodeToString(sum[:18])
	e.etag = `"` + tag + `"`
	// Last-Modified comes from the content, like the ETag, so that every
	// replica serving the same catalog sends the same one, but moves on
	// with every change of the bytes (lastModified).
	h.mu.RLock()
	prev, seen := h.served[ck]
	forgot := h.forgot
	h.mu.RUnlock()
	if !seen && old != nil {
		prev, seen = servedAs{old.etag, old.modified}, true
	}
	e.modified = lastModified(updated, e.etag, prev, seen, forgot, h.now())
	upgrade := false
	if old != nil && old.etag == e.etag {
		e.gz, e.gzETag = old.gz, old.gzETag
		upgrade = !old.gzWhole
	} else {
		if p != nil {
			// Quick gzip from cached item pieces now; the page deflated
			// in one go (smaller) replaces it from the background.
			e.gz, e.gzETag = h.r.gzipPage(p, ck.f, e.body), `"`+tag+`-gzp"`
			upgrade = true
		} else {
			e.gz, e.gzETag, e.gzWhole = gzipWhole(e.body), `"`+tag+`-gz"`, true
		}
	}
	e.etagH, e.gzETagH = []string{e.etag}, []string{e.gzETag}
	e.lastModH = []string{e.modified.Format(http.TimeFormat)}
	e.lenH, e.gzLenH = []string{strconv.Itoa(len(e.body))}, []string{strconv.Itoa(len(e.gz))}
	if p != nil {
		e.links = append(e.links, "<"+h.r.FeedURL(ck.k, ck.f, ck.n)+`>; rel="self"`)
		if h.s.Hub != "" {
			e.links = append(e.links, "<"+khabar.URI(h.s.Hub)+`>; rel="hub"`)
		}
		for _, l := range navLinks(p) {
			e.links = append(e.links, "<"+h.r.FeedURL(ck.k, ck.f, l.n)+`>; rel="`+l.rel+`"`)
		}
		// Every response for the page shares the slice: no spare
		// capacity, so a wrapper's Header().Add("Link", …) copies it.
		e.links = slices.Clip(e.links)
	}
	h.mu.Lock()
	m := h.cache[ck.k]
	if m == nil {
		m = make(map[pageKey]*entry)
		h.cache[ck.k] = m
	}
	if prev := m[ck.pageKey]; prev != nil {
		h.cacheBytes -= prev.size()
	}
	m[ck.pageKey] = e
	h.cacheBytes += e.size()
	h.trimPages(e)
	h.remember(ck, servedAs{e.etag, e.modified})
	h.mu.Unlock()
	if upgrade {
		h.bg.Add(1)
		go h.recompress(ck, e, tag)
	}
	return e, nil
}

// remember notes what page ck was served as; when Handler.served is
// full, a random half of it (Go's map order) is forgotten first, and when.
// Called with h.mu held.
func (h *Handler) remember(ck cacheKey, as servedAs) {
	if h.served == nil {
		h.served = make(map[cacheKey]servedAs)
	}
	if _, ok := h.served[ck]; !ok && len(h.served) >= maxServed {
		// forgot never goes back: it is past every date forgotten, also
		// when the clock stepped back since one was served.
		forgot := max(h.forgot.Unix(), h.now().Unix())
		for k, as := range h.served {
			if len(h.served) <= maxServed/2 {
				break
			}
			forgot = max(forgot, as.modified.Unix())
			delete(h.served, k)
		}
		h.forgot = time.Unix(forgot, 0).UTC()
	}
	h.served[ck] = as
}

// recompress gzips e's body in one go and, if e is still the cached entry,
// replaces it with a copy carrying that smaller gzip body. Entries are
// never changed in place: requests in flight keep the one they have.
func (h *Handler) recompress(ck cacheKey, e *entry, tag string) {
	defer h.bg.Done()
	ne := *e
	ne.gz, ne.gzWhole = gzipWhole(e.body), true
	ne.gzETag = `"` + tag + `-gz"`
	ne.gzETagH, ne.gzLenH = []string{ne.gzETag}, []string{strconv.Itoa(len(ne.gz))}
	h.mu.Lock()
	if m := h.cache[ck.k]; m != nil && m[ck.pageKey] == e {
		m[ck.pageKey] = &ne
		h.cacheBytes += ne.size() - e.size()
	}
	h.mu.Unlock()
}

// size is the number of bytes e holds.
func (e *entry) size() int64 { return int64(len(e.body) + len(e.gz)) }

// trimPages drops cached pages at random (Go's map order) until they use
// at most three quarters of their half of Config.CacheBytes, keeping keep.
// Called with h.mu held.
func (h *Handler) trimPages(keep *entry) {
	limit := h.s.CacheBytes / 2
	if h.s.CacheBytes < 0 || h.cacheBytes <= limit {
		return
	}
	for k, m := range h.cache {
		for pk, e := range m {
			if h.cacheBytes <= limit/4*3 {
				return
			}
			if e != keep {
				h.cacheBytes -= e.size()
				delete(m, pk)
			}
		}
		if len(m) == 0 {
			delete(h.cache, k)
		}
	}
}

// gzipWhole returns body gzipped in one go.
func gzipWhole(body []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(body) / 4)
	zw := gzipPool.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Write(body)
	zw.Close()
	gzipPool.Put(zw)
	return buf.Bytes()
}

var gzipPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return zw
}}

// notModified applies If-None-Match (weak comparison, as RFC 9110 asks
// for GET and HEAD) with the tag of the encoding served (gz: the gzip
// body), or If-Modified-Since when there is no If-None-Match. The tag of
// the identity body does not match a gzip response, nor a gzip tag an
// identity one: they name other bytes, and a cache holding those could
// not update them from a 304 carrying this tag (RFC 9110 13.1.2, RFC
// 9111 4.3.4). Either gzip tag of the same content ("-gzp", "-gz") matches
// a gzip response: the body built from pieces and the whole-page one
// that later replaces it inflate to the same bytes.
func notModified(req *http.Request, e *entry, gz bool) bool {
	if inm := req.Header.Values("If-None-Match"); len(inm) > 0 {
		for _, line := range inm {
			for t := range strings.SplitSeq(line, ",") {
				t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
				if t == "*" || !gz && t == e.etag || gz && sameBody(t, e.etag) {
					return true
				}
			}
		}
		return false
	}
	if ims := req.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !e.modified.After(t)
	}
	return false
}

// sameBody reports whether the entity tag t is a gzip variant ("-gz" or
// "-gzp" inside the quotes) of the body whose tag is etag.
func sameBody(t, etag string) bool {
	if len(t) < 2 || !strings.HasPrefix(t, etag[:len(etag)-1]) {
		return false
	}
	rest := t[len(etag)-1:]
	return rest == `-gz"` || rest == `-gzp"`
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip (by
// name or through "*") with a non-zero quality.
func acceptsGzip(ae string) bool {
	if ae == "" {
		return false
	}
	star := false
	for part := range strings.SplitSeq(ae, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if name == "*" {
			star = q > 0
			continue
		}
		return q > 0
	}
	return star
}
