// Package indexpage is the home page the example programs serve: every
// feed of the site (the site, each category, tag and author, in each
// format, with a feed server's news sitemaps), and optionally the upstream
// feeds an aggregator polls (an aggregator has no news sitemaps to link:
// its stories are other sites', which a news sitemap does not list). It is in Hindi, with an English version at ?lang=en,
// and reads on a 375 px phone as on a desktop; times carry their zone.
package indexpage

import (
	"bytes"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/feed"
)

// Upstream is one polled feed on an aggregator's page.
type Upstream struct {
	URL, Title string
	// Status is what the last poll found: "" before the first poll,
	// else "ok", "not-modified", "partial" (some items were bad) or
	// "failed"; the page says it in its language.
	Status string
	// Error is the last poll's error, as the fetcher gave it (in
	// English); empty when there was none.
	Error  string
	Stored int
	// Next is when it is polled again; zero before the first poll.
	Next time.Time
}

// Page is what the page shows.
type Page struct {
	// Title is the site's name.
	Title string
	// Lang is "hi" (the default) or "en".
	Lang string
	// Location is the zone times are shown in; nil means
	// khabar.DefaultLocation.
	Location *time.Location
	// Upstream lists the polled feeds; nil for a feed server.
	Upstream []Upstream
}

// Write writes the page for the feeds h serves from c to w.
func Write(w io.Writer, h *feed.Handler, c *khabar.Catalog, p Page) error {
	if p.Lang != "en" {
		p.Lang = "hi"
	}
	loc := p.Location
	if loc == nil {
		loc = khabar.DefaultLocation()
	}
	disc, err := h.Discovery(khabar.SiteKey())
	if err != nil {
		return err
	}
	r := h.Renderer()
	rowOf := func(k khabar.Key, name string, count int) row {
		out := row{Name: khabar.CleanText(name), Count: count, Page: r.PageURL(k)}
		for _, f := range feed.Formats {
			out.Links = append(out.Links, link{f.Name(), r.FeedURL(k, f, 1)})
		}
		if u := r.NewsSitemapURL(k); u != "" && p.Upstream == nil {
			out.Links = append(out.Links, link{words[p.Lang]["sitemap"], u})
		}
		return out
	}
	d := data{Page: p, Discovery: disc, T: words[p.Lang], Other: other[p.Lang]}
	d.Site = []row{rowOf(khabar.SiteKey(), words[p.Lang]["all"], c.Len())}
	for _, cc := range c.Categories() {
		d.Categories = append(d.Categories, rowOf(khabar.CategoryKey(cc.Category.SlugPath()), cc.Category.Label(), cc.Count))
	}
	for _, tc := range c.Tags() {
		d.Tags = append(d.Tags, rowOf(khabar.TagKey(tc.Tag.EffectiveSlug()), tc.Tag.Name, tc.Count))
	}
	for _, ac := range c.Authors() {
		d.Authors = append(d.Authors, rowOf(khabar.AuthorKey(ac.Author.EffectiveSlug()), ac.Author.Name, ac.Count))
	}
	for _, u := range p.Upstream {
		ur := upstreamRow{URL: u.URL, Title: u.Title, Stored: u.Stored, Error: u.Error}
		ur.Status = words[p.Lang]["poll-"+u.Status]
		if ur.Status == "" {
			ur.Status = words[p.Lang]["poll-"]
		}
		if !u.Next.IsZero() {
			ur.Next = u.Next.In(loc).Format(shownTime)
			ur.NextAt = u.Next.In(loc).Format(machineTime)
		}
		d.Upstreams = append(d.Upstreams, ur)
	}
	return tmpl.Execute(w, d)
}

type data struct {
	Page
	Discovery                       template.HTML
	T                               map[string]string
	Other                           switchLink
	Site, Categories, Tags, Authors []row
	Upstreams                       []upstreamRow
}

type row struct {
	Name  string
	Count int
	Page  string // the archive page, which the examples serve
	Links []link
}

type link struct{ Label, URL string }

type upstreamRow struct {
	URL, Title, Status, Error, Next string
	NextAt                          string // Next as <time datetime> wants it
	Stored                          int
}

// shownTime is how the pages show a time: with its zone's abbreviation,
// which is not a valid <time> text, so each <time> also carries the same
// minute in machineTime, a valid global date and time string (HTML's
// <time datetime>: offset, not abbreviation).
const (
	shownTime   = "2006-01-02 15:04 MST"
	machineTime = "2006-01-02T15:04Z07:00"
)

type switchLink struct{ Lang, Label, Query string }

var other = map[string]switchLink{
	"hi": {"en", "English", "?lang=en"},
	"en": {"hi", "हिन्दी", "?lang=hi"},
}

var words = map[string]map[string]string{
	"hi": {
		"feeds": "फ़ीड", "site": "पूरी साइट", "all": "सभी ख़बरें", "categories": "श्रेणियाँ",
		"tags": "टैग", "authors": "लेखक", "upstream": "स्रोत फ़ीड", "status": "पिछली जाँच",
		"stored": "लेख", "next": "अगली जाँच", "poll-": "अभी जाँची नहीं गई", "poll-ok": "ठीक", "poll-not-modified": "कोई बदलाव नहीं", "poll-partial": "कुछ लेख ख़राब", "poll-failed": "विफल", "sitemap": "न्यूज़ साइटमैप",
		"articles": "लेख",
	},
	"en": {
		"feeds": "Feeds", "site": "Site", "all": "All stories", "categories": "Categories",
		"tags": "Tags", "authors": "Authors", "upstream": "Upstream feeds", "status": "Last poll",
		"stored": "Articles", "next": "Next poll", "poll-": "not yet polled", "poll-ok": "ok", "poll-not-modified": "not modified", "poll-partial": "some items bad", "poll-failed": "failed", "sitemap": "News sitemap",
		"articles": "articles",
	},
}

var tmpl = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{.T.feeds}}</title>
{{.Discovery}}<style>
body{font-family:"Noto Sans","Noto Sans Devanagari","Noto Nastaliq Urdu",system-ui,sans-serif;line-height:1.5;max-width:60em;margin:0 auto;padding:0 1em}
header{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:.5em}
ul.rows{list-style:none;padding:0}
ul.rows li{padding:.4em 0;border-bottom:1px solid #ddd;display:flex;flex-wrap:wrap;gap:.3em .8em;align-items:baseline}
.name{flex:1 1 12em;overflow-wrap:anywhere}.count{color:#555}
.links a{margin-right:.6em;white-space:nowrap}
.up{overflow-wrap:anywhere}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}a{color:#8ab4f8}ul.rows li{border-color:#333}.count{color:#aaa}}
</style>
</head>
<body>
<header><h1>{{.Title}} · {{.T.feeds}}</h1><a href="{{.Other.Query}}" hreflang="{{.Other.Lang}}" lang="{{.Other.Lang}}">{{.Other.Label}}</a></header>
{{define "rows"}}<ul class="rows">
{{range .}}<li><span class="name"><a href="{{.Page}}"><bdi>{{.Name}}</bdi></a></span> <span class="count">{{.Count}}</span> <span class="links">{{range .Links}}<a href="{{.URL}}">{{.Label}}</a>{{end}}</span></li>
{{end}}</ul>{{end}}
{{if .Upstreams}}<h2>{{.T.upstream}}</h2>
<ul class="rows">
{{range .Upstreams}}<li class="up"><span class="name"><a href="{{.URL}}">{{or .Title .URL}}</a></span> <span>{{$.T.status}}: {{.Status}}{{if .Error}} (<span lang="en" dir="ltr">{{.Error}}</span>){{end}}</span> <span>{{$.T.stored}}: {{.Stored}}</span>{{if .Next}} <span>{{$.T.next}}: <time datetime="{{.NextAt}}">{{.Next}}</time></span>{{end}}</li>
{{end}}</ul>{{end}}
<h2>{{.T.site}}</h2>
{{template "rows" .Site}}
<h2>{{.T.categories}}</h2>
{{template "rows" .Categories}}
<h2>{{.T.tags}}</h2>
{{template "rows" .Tags}}
<h2>{{.T.authors}}</h2>
{{template "rows" .Authors}}
</body>
</html>
`))

// ArchiveKey returns the list an archive page path names: "/category/{path}/",
// "/tag/{slug}/" or "/author/{slug}/" (escaped as Renderer.PageURL writes
// them, without a base path). ok is false for any other path, feeds
// included.
func ArchiveKey(path string) (k khabar.Key, ok bool) {
	if !strings.HasSuffix(path, "/") {
		return k, false
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) < 2 || slices.Contains(segs, "feed") {
		return k, false
	}
	for i, s := range segs {
		u, err := khabar.UnescapeSlug(s)
		if err != nil || u == "" {
			return k, false
		}
		segs[i] = u
	}
	switch {
	case segs[0] == "category":
		return khabar.CategoryKey(strings.Join(segs[1:], "/")), true
	case segs[0] == "tag" && len(segs) == 2:
		return khabar.TagKey(segs[1]), true
	case segs[0] == "author" && len(segs) == 2:
		return khabar.AuthorKey(segs[1]), true
	}
	return k, false
}

// WriteArchive writes the archive page of k: its newest stories, with
// their dates in loc (nil: khabar.DefaultLocation), and its feeds. It
// returns an error wrapping feed.ErrNoFeed when c does not know k.
func WriteArchive(w io.Writer, h *feed.Handler, c *khabar.Catalog, k khabar.Key, lang string, loc *time.Location) error {
	if lang != "en" {
		lang = "hi"
	}
	if loc == nil {
		loc = khabar.DefaultLocation()
	}
	r := h.Renderer()
	p, err := r.Page(c, k, 1)
	if err != nil {
		return err
	}
	disc, err := h.Discovery(k)
	if err != nil {
		return err
	}
	d := archive{Lang: lang, Title: p.Title, Name: p.Name, Discovery: disc, T: words[lang], Home: r.HomeURL()}
	for _, f := range feed.Formats {
		d.Links = append(d.Links, link{f.Name(), r.FeedURL(k, f, 1)})
	}
	for _, a := range p.Items {
		when := a.Published.In(loc)
		d.Stories = append(d.Stories, story{Title: a.Title, URL: khabar.URI(a.URL), Lang: a.Language, When: when.Format(shownTime), At: when.Format(machineTime)})
	}
	return archiveTmpl.Execute(w, d)
}

type archive struct {
	Lang, Title, Name, Home string
	Discovery               template.HTML
	T                       map[string]string
	Links                   []link
	Stories                 []story
}

// story is one line of an archive page. Lang is the article's language
// (may be empty): a list mixes Hindi, English and Urdu stories on a page
// whose <html lang> is the reader's, so each title carries its own lang,
// and dir="auto" so that an Urdu title reads right to left.
type story struct{ Title, URL, Lang, When, At string }

var archiveTmpl = template.Must(template.New("archive").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
{{.Discovery}}<style>
body{font-family:"Noto Sans","Noto Sans Devanagari","Noto Nastaliq Urdu",system-ui,sans-serif;line-height:1.5;max-width:60em;margin:0 auto;padding:0 1em}
li{margin:.4em 0;overflow-wrap:anywhere}time{color:#555;white-space:nowrap}.links a{margin-right:.6em}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}a{color:#8ab4f8}time{color:#aaa}}
</style>
</head>
<body>
<p><a href="{{.Home}}">{{.T.feeds}}</a></p>
<h1>{{.Name}}</h1>
<p class="links">{{range .Links}}<a href="{{.URL}}">{{.Label}}</a>{{end}}</p>
<ul>
{{range .Stories}}<li><a href="{{.URL}}"{{with .Lang}} lang="{{.}}"{{end}} dir="auto">{{.Title}}</a> <time datetime="{{.At}}">{{.When}}</time></li>
{{end}}</ul>
</body>
</html>
`))

// Site serves a site's feeds (Feeds), its home page (at "/", the index
// of every feed) and the archive page of each category, tag and author,
// which the feeds and the home page link to.
type Site struct {
	Feeds   *feed.Handler
	Catalog *khabar.Catalog
	// Title is the site's name on the pages.
	Title string
	// Location is the zone of the times on the pages; nil means
	// khabar.DefaultLocation.
	Location *time.Location
	// Upstream, when set, lists the feeds an aggregator polls on the
	// home page.
	Upstream func() []Upstream
}

// ServeHTTP serves one request.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("lang")
	page := r.Method == http.MethodGet || r.Method == http.MethodHead // HEAD as GET, without the body
	if r.URL.Path == "/" && page {
		p := Page{Title: s.Title, Lang: lang, Location: s.Location}
		if s.Upstream != nil {
			p.Upstream = s.Upstream()
		}
		s.html(w, r, func(b *bytes.Buffer) error { return Write(b, s.Feeds, s.Catalog, p) })
		return
	}
	if k, ok := ArchiveKey(r.URL.EscapedPath()); ok && page {
		s.html(w, r, func(b *bytes.Buffer) error { return WriteArchive(b, s.Feeds, s.Catalog, k, lang, s.Location) })
		return
	}
	s.Feeds.ServeHTTP(w, r)
}

// html writes the page write makes (its headers alone for HEAD), or a 404
// naming its error.
func (s *Site) html(w http.ResponseWriter, r *http.Request, write func(*bytes.Buffer) error) {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	if r.Method != http.MethodHead {
		w.Write(b.Bytes())
	}
}
