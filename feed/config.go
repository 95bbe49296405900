package feed

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/htmlsafe"
	"github.com/khabar/khabar/internal/xmltext"
)

// Errors returned by the package.
var (
	// ErrConfig is wrapped by every error NewRenderer and NewHandler return
	// for an unusable Config.
	ErrConfig = errors.New("feed: invalid config")
	// ErrNoFeed is wrapped when a key names no category, tag or author the
	// catalog knows.
	ErrNoFeed = errors.New("feed: no such feed")
	// ErrNoPage is wrapped when a page number is past the last page.
	ErrNoPage = errors.New("feed: no such page")
	// ErrZeroValue is returned by the methods of a Renderer or Handler
	// that was not made by NewRenderer or NewHandler.
	ErrZeroValue = errors.New("feed: zero value: make Renderers with NewRenderer and Handlers with NewHandler")
	// ErrFormat is returned for a Format other than RSS, Atom and JSON.
	ErrFormat = errors.New("feed: unknown format")
)

// Defaults used for zero Config fields.
const (
	DefaultLanguage  = "hi"
	DefaultGenerator = "khabar"
	DefaultPageSize  = 20
	DefaultTTL       = 15 * time.Minute
	DefaultMaxAge    = 5 * time.Minute
	// DefaultCacheBytes is the default Config.CacheBytes: 256 MiB.
	DefaultCacheBytes = 256 << 20
	// MaxPageSize caps Config.PageSize.
	MaxPageSize = 500
)

// Config describes the site the feeds belong to. Only HomeURL is required;
// the comment of each field says what its zero value means.
type Config struct {
	// HomeURL is the absolute http(s) address of the site's home page, such
	// as "https://example.com/". Category, tag and author pages are assumed
	// at WordPress's paths below it (category/{path}/, tag/{slug}/,
	// author/{slug}/). Required. Its host must be a domain name (or an
	// IPv4 address) unless IDHost is set: item ids are minted from it.
	HomeURL string
	// BaseURL is where the feeds are served (the Handler's mount point);
	// feed URLs are BaseURL + "feed/", BaseURL + "category/…/feed/atom/"
	// and so on. Empty means HomeURL.
	BaseURL string
	// IDHost is the domain name in item ids (tag:{IDHost},{date}:{ID}, see
	// Renderer.GUID), lowercased. Empty means the host of HomeURL as it is
	// written there, without the trailing dot of a fully qualified name
	// ("news.example.in." gives "news.example.in"; set IDHost to have
	// "News.Example.in" written in lower case). Set it to keep ids stable
	// when the feeds are served from another or a temporary address:
	// readers use ids to tell new items from seen ones. It also keeps the
	// Atom feed ids (atom:id) stable: with IDHost set they are the feed's
	// address under HomeURL whatever BaseURL, and when HomeURL is on
	// another host than IDHost (a temporary address),
	// "https://{IDHost}{HomeURL's path}…/feed/atom/"; with IDHost empty
	// they are the feed's address (FeedURL), which moves with BaseURL.
	IDHost string
	// Title is the site's name. Empty means the host of HomeURL.
	Title string
	// Description is the channel description and Atom subtitle. Empty
	// means Title.
	Description string
	// Language is the feeds' BCP 47 language tag. Empty means
	// DefaultLanguage ("hi").
	Language string
	// Copyright is the rights statement. Empty means none is written.
	Copyright string
	// Icon is the absolute URL of a square image of the site (RSS image,
	// Atom icon, JSON Feed icon). Empty means none.
	Icon string
	// Favicon is the absolute URL of a small icon for JSON Feed's favicon.
	// Empty means Icon.
	Favicon string
	// Author is the feed-level author (Atom and JSON Feed). A zero Author
	// means the site itself: Title as name, HomeURL as URL. Author feeds
	// use the author they are about.
	Author khabar.Author
	// Generator names the software in RSS generator and Atom generator.
	// Empty means DefaultGenerator.
	Generator string
	// TTL is RSS's ttl: how long a reader may cache the feed, written in
	// whole minutes. Zero means DefaultTTL; negative means none is written.
	TTL time.Duration
	// PageSize is the number of items per feed page. Zero means
	// DefaultPageSize; it is capped at MaxPageSize.
	PageSize int
	// Hub is the WebSub hub's URL. Empty means no hub: no rel="hub" links
	// and no publish pings.
	Hub string
	// MaxAge is the Cache-Control max-age of served feeds. Zero means
	// DefaultMaxAge; negative means "no-cache".
	MaxAge time.Duration
	// AllowOrigin lets feed readers that run in a web page on another
	// origin read the Handler's feeds (CORS): "*" for any origin, as
	// public feeds usually are, or one origin ("https://reader.example").
	// Responses then carry Access-Control-Allow-Origin and expose ETag,
	// Last-Modified and Link, and a preflight (OPTIONS, for a reader that
	// sends If-None-Match) is answered. Empty means no CORS headers: a
	// page on another origin cannot read the feeds.
	AllowOrigin string
	// CacheBytes bounds the memory used for cached rendered items (half)
	// and, in a Handler, cached pages (the other half); past it, cached
	// entries are dropped at random and rendered again when asked for.
	// Zero means DefaultCacheBytes; negative means no bound.
	CacheBytes int64
	// ContentPolicy says what happens to article bodies on their way into
	// the feeds. The zero value, SafeContent, passes them through
	// SafeHTML (scripts, frames, plugins, event handlers and style
	// attributes removed, relative URLs resolved against the article's
	// URL), so the W3C feed validator finds nothing to warn about in them;
	// RawContent writes them as stored.
	ContentPolicy ContentPolicy
	// Location is the time zone dates are written in. Nil means
	// khabar.DefaultLocation (Asia/Kolkata).
	Location *time.Location
	// Now is the clock. Nil means time.Now.
	//
	// Deprecated: feeds no longer read it. Their dates and Last-Modified
	// come from their articles (an empty feed is dated at the Unix
	// epoch), so that every replica serving one catalog sends the same
	// bytes, ETag and Last-Modified.
	Now func() time.Time
	// Client sends WebSub publish pings. Nil means a client with a
	// 10-second timeout.
	Client *http.Client
	// ErrorLog receives errors that have no caller to return to (failed
	// WebSub pings). Nil means they are dropped.
	ErrorLog func(error)
}

// site is a Config with defaults applied and URLs parsed.
type site struct {
	Config
	home     string // URI form, ends with "/"
	base     string // URI form, ends with "/"
	basePath string // path of base, ends with "/"
	host     string // host of HomeURL, for tag: URIs
	idBase   string // what Atom feed ids start with, ends with "/" (setURLs)
	origin   string // scheme://host[:port] of HomeURL (originOf)
	catDom   string // RSS category domain / Atom scheme for categories
	tagDom   string
	author   khabar.Author

	// The category and tag attributes every item repeats, escaped once:
	// ` domain="…"` (RSS) and ` scheme="…"` (Atom).
	catDomain, tagDomain, catScheme, tagScheme string
}

// absHTTP parses the IRI s of config field field as an absolute http(s)
// URL.
func absHTTP(field, s string) (*url.URL, error) {
	if u := htmlsafe.AbsHTTP(khabar.URI(s)); u != nil {
		return u, nil
	}
	return nil, fmt.Errorf("%w: %s %q is not an absolute http(s) URL", ErrConfig, field, s)
}

func newSite(cfg Config) (*site, error) {
	s := &site{Config: cfg}
	if err := s.setURLs(); err != nil {
		return nil, err
	}
	if cfg.ContentPolicy > RawContent {
		return nil, fmt.Errorf("%w: unknown ContentPolicy %d", ErrConfig, cfg.ContentPolicy)
	}
	s.setDefaults()
	s.author = cfg.Author
	if strings.TrimSpace(s.author.Name) == "" {
		s.author = khabar.Author{Name: s.Title, URL: s.home}
	}
	s.catDom = s.home + "category/"
	s.tagDom = s.home + "tag/"
	s.catDomain = string(appendAttrPair(nil, "domain", s.catDom, xmltext.Trusted))
	s.tagDomain = string(appendAttrPair(nil, "domain", s.tagDom, xmltext.Trusted))
	s.catScheme = string(appendAttrPair(nil, "scheme", s.catDom, xmltext.Trusted))
	s.tagScheme = string(appendAttrPair(nil, "scheme", s.tagDom, xmltext.Trusted))
	return s, nil
}

// setURLs checks the configured URLs and derives the home and base URLs
// (with a trailing slash, no query) and the host that IDs are minted for.
func (s *site) setURLs() error {
	if s.HomeURL == "" {
		return fmt.Errorf("%w: HomeURL is empty", ErrConfig)
	}
	hu, err := dirURL("HomeURL", s.HomeURL)
	if err != nil {
		return err
	}
	s.home = hu.String()
	s.origin = originOf(hu)
	// Item ids keep the host as HomeURL writes it (the ids readers
	// already hold), without a fully qualified name's trailing dot, which
	// no tag: URI has; IDHost gives them another, in lower case.
	s.host = strings.TrimSuffix(hu.Hostname(), ".")
	switch {
	case s.IDHost != "":
		if !validIDHost(s.IDHost) {
			return fmt.Errorf("%w: IDHost %q is not a domain name", ErrConfig, s.IDHost)
		}
		s.host = strings.ToLower(s.IDHost)
	case !validIDHost(s.host):
		return fmt.Errorf("%w: HomeURL's host %q is not a domain name, which item ids (tag: URIs, RFC 4151) need: set IDHost", ErrConfig, hu.Hostname())
	}
	bu := hu
	if s.BaseURL != "" {
		if bu, err = dirURL("BaseURL", s.BaseURL); err != nil {
			return err
		}
	}
	s.base = bu.String()
	s.basePath = bu.EscapedPath()
	s.idBase = s.base // the feed's address, as before IDHost existed
	if s.IDHost != "" {
		// Where the site is, not where it is served from: HomeURL when it
		// is on IDHost (the id the feed had without BaseURL), else, with
		// HomeURL another or a temporary address, https://IDHost and
		// HomeURL's path.
		s.idBase = hu.String()
		if canonHost(hu) != s.host {
			s.idBase = "https://" + s.host + hu.EscapedPath()
		}
	}
	if o := s.AllowOrigin; o != "" && o != "*" {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("%w: AllowOrigin %q is neither \"*\" nor an origin (scheme://host[:port])", ErrConfig, o)
		}
	}
	for _, f := range []struct{ name, v string }{{"Icon", s.Icon}, {"Favicon", s.Favicon}, {"Hub", s.Hub}, {"Author.URL", s.Author.URL}} {
		if f.v != "" {
			if _, err := absHTTP(f.name, f.v); err != nil {
				return err
			}
		}
	}
	return nil
}

// canonHost returns the host of u in the form RFC 3986 6.2.2-6.2.3 make
// canonical: lower case, without the trailing dot of a fully qualified
// name, an IPv6 address without its brackets.
func canonHost(u *url.URL) string {
	return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
}

// originOf returns "scheme://host[:port]" of u, the host canonical
// (canonHost) and a default port left out: what two URLs on the same host
// share, however they write it.
func originOf(u *url.URL) string {
	host := canonHost(u)
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	switch port := u.Port(); {
	case port == "", port == "443" && u.Scheme == "https", port == "80" && u.Scheme == "http":
		return u.Scheme + "://" + host
	default:
		return u.Scheme + "://" + host + ":" + port
	}
}

// onSite reports whether the URL u (an IRI, such as an article's) is on
// the site's host: the scheme, host and port of HomeURL (originOf).
func (s *site) onSite(u string) bool {
	if rest, ok := strings.CutPrefix(u, s.origin); ok && (rest == "" || rest[0] == '/' || rest[0] == '?' || rest[0] == '#') {
		return true // the common case, written as HomeURL writes it
	}
	pu, err := url.Parse(khabar.URI(u))
	return err == nil && pu.Host != "" && originOf(pu) == s.origin
}

// dirURL is absHTTP without query or fragment, its path ending in "/".
func dirURL(field, v string) (*url.URL, error) {
	u, err := absHTTP(field, v)
	if err != nil {
		return nil, err
	}
	u.RawQuery, u.Fragment = "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		u.RawPath = ""
	}
	return u, nil
}

// setDefaults fills the zero fields of the configuration with what their
// comments promise.
func (s *site) setDefaults() {
	if s.Title = strings.TrimSpace(s.Title); s.Title == "" {
		s.Title = s.host
	}
	if s.Description = strings.TrimSpace(s.Description); s.Description == "" {
		s.Description = s.Title
	}
	if s.Language == "" {
		s.Language = DefaultLanguage
	}
	if s.Favicon == "" {
		s.Favicon = s.Icon
	}
	if s.Generator == "" {
		s.Generator = DefaultGenerator
	}
	if s.TTL == 0 {
		s.TTL = DefaultTTL
	}
	switch {
	case s.PageSize <= 0:
		s.PageSize = DefaultPageSize
	case s.PageSize > MaxPageSize:
		s.PageSize = MaxPageSize
	}
	if s.MaxAge == 0 {
		s.MaxAge = DefaultMaxAge
	}
	if s.CacheBytes == 0 {
		s.CacheBytes = DefaultCacheBytes
	}
	if s.Location == nil {
		s.Location = khabar.DefaultLocation()
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Client == nil {
		s.Client = &http.Client{Timeout: 10 * time.Second}
	}
}

// keyPath is the path of k's archive page relative to the home or base
// URL, escaped, ending with "/" (empty for the site).
func keyPath(k khabar.Key) string {
	switch k.Kind {
	case khabar.KindCategory:
		return "category/" + khabar.EscapePath(k.Slug) + "/"
	case khabar.KindTag:
		return "tag/" + khabar.EscapeSlug(k.Slug) + "/"
	case khabar.KindAuthor:
		return "author/" + khabar.EscapeSlug(k.Slug) + "/"
	}
	return ""
}

// appendAuthorURL appends the page of an author, escaped by esc
// (xmltext.AppendText or AppendJSON) in Check mode: their own URL or the
// site's author archive page, HomeURL + "author/{slug}/". The archive
// address is not built as a string first: its parts are escaped one after
// the other, which escapes the whole (they are ASCII).
func (s *site) appendAuthorURL(b []byte, a khabar.Author, esc func([]byte, string, xmltext.Mode) []byte) []byte {
	if a.URL != "" {
		return esc(b, khabar.URI(a.URL), xmltext.Check)
	}
	b = esc(b, s.home, xmltext.Check)
	b = append(b, "author/"...)
	b = esc(b, khabar.EscapeSlug(a.EffectiveSlug()), xmltext.Check)
	return append(b, '/')
}

// validIDHost reports whether h is an ASCII domain name: RFC 4151's
// DNSname, the authorityName of a tag: URI without the email form, each
// dot-separated component letters, digits and hyphens, starting and
// ending with a letter or digit. An IPv4 address is one; an IPv6 address,
// a name with a trailing dot or an underscore is not.
func validIDHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for comp := range strings.SplitSeq(h, ".") {
		if comp == "" || comp[0] == '-' || comp[len(comp)-1] == '-' {
			return false
		}
		for i := 0; i < len(comp); i++ {
			c := comp[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
