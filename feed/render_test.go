package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsMedia   = "http://search.yahoo.com/mrss/"
)

func TestGolden(t *testing.T) {
	c := fixture(t)
	r, err := NewRenderer(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		k    khabar.Key
		f    Format
		page int
	}{
		{"site.rss", khabar.SiteKey(), RSS, 1},
		{"site.atom", khabar.SiteKey(), Atom, 1},
		{"site.json", khabar.SiteKey(), JSON, 1},
		{"site-page2.rss", khabar.SiteKey(), RSS, 2},
		{"site-page2.atom", khabar.SiteKey(), Atom, 2},
		{"site-page2.json", khabar.SiteKey(), JSON, 2},
		{"category-up.rss", khabar.CategoryKey("उत्तर-प्रदेश"), RSS, 1},
		{"category-kanpur.atom", khabar.CategoryKey("उत्तर-प्रदेश/कानपुर"), Atom, 1},
		{"tag-tom-jerry.json", khabar.TagKey("tom-jerry"), JSON, 1},
		{"author-anita.atom", khabar.AuthorKey("anita-rao"), Atom, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, r, c, tt.k, tt.f, tt.page)
			golden(t, tt.name, got)
			// Rendering again, from the item cache, gives the same bytes.
			if again := render(t, r, c, tt.k, tt.f, tt.page); !bytes.Equal(again, got) {
				t.Error("second render (cached items) differs from the first")
			}
			// So does a fresh renderer.
			r2, _ := NewRenderer(testConfig())
			if fresh := render(t, r2, c, tt.k, tt.f, tt.page); !bytes.Equal(fresh, got) {
				t.Error("a fresh renderer gives different bytes")
			}
		})
	}
	empty := khabar.NewCatalog()
	for _, f := range Formats {
		t.Run("empty."+f.String(), func(t *testing.T) {
			got := render(t, r, empty, khabar.SiteKey(), f, 1)
			golden(t, "empty."+f.String(), got)
			checkFeed(t, r, f, got, nil)
		})
	}
}

// TestRules renders every feed of the fixture and of the shared corpus in
// every format and checks the validator rules the package relies on.
func TestRules(t *testing.T) {
	for _, src := range []struct {
		name string
		load func(testing.TB) *khabar.Catalog
	}{{"fixture", fixture}, {"corpus", corpus}} {
		t.Run(src.name, func(t *testing.T) {
			c := src.load(t)
			cfg := testConfig()
			cfg.PageSize = 10
			r, err := NewRenderer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range allKeys(c) {
				p, err := r.Page(c, k, 1)
				if err != nil {
					t.Fatalf("Page(%v): %v", k, err)
				}
				for n := 1; n <= p.Last; n++ {
					p, err := r.Page(c, k, n)
					if err != nil {
						t.Fatalf("Page(%v, %d): %v", k, n, err)
					}
					for _, f := range Formats {
						var buf bytes.Buffer
						if err := r.Write(&buf, p, f); err != nil {
							t.Fatal(err)
						}
						t.Run(fmt.Sprintf("%v/%d/%v", k, n, f), func(t *testing.T) { checkFeed(t, r, f, buf.Bytes(), p) })
					}
				}
			}
		})
	}
}

// checkFeed checks b, p rendered in f, against the W3C validator's rules
// for that format (those that apply to what this package writes) and
// against p's content.
func checkFeed(t *testing.T, r *Renderer, f Format, b []byte, p *Page) {
	t.Helper()
	switch f {
	case RSS:
		checkRSS(t, r, b, p)
	case Atom:
		checkAtom(t, r, b, p)
	case JSON:
		checkJSON(t, r, b, p)
	}
}

func must(t *testing.T, n *node, ns, local, where string) *node {
	t.Helper()
	c := n.one(ns, local)
	if c == nil {
		t.Fatalf("%s: missing %s", where, local)
	}
	return c
}

func checkDate(t *testing.T, what, layout, s string) time.Time {
	t.Helper()
	d, err := time.Parse(layout, s)
	if err != nil {
		t.Errorf("%s %q is not in the required format: %v", what, s, err)
	}
	return d
}

func checkRSS(t *testing.T, r *Renderer, b []byte, p *Page) {
	t.Helper()
	root := parseXML(t, b)
	if root.Name.Local != "rss" || root.attr("version") != "2.0" {
		t.Fatalf("root is %v version %q, want rss 2.0", root.Name, root.attr("version"))
	}
	ch := must(t, root, "", "channel", "rss")
	for _, el := range []string{"title", "link", "description", "language", "lastBuildDate", "generator"} {
		if n := ch.all("", el); len(n) != 1 || strings.TrimSpace(n[0].Text) == "" {
			t.Errorf("channel: want one non-empty %s, have %d", el, len(n))
		}
	}
	if l := ch.one("", "link"); l != nil && !isURI(l.Text) {
		t.Errorf("channel link %q is not a URI", l.Text)
	}
	checkDate(t, "lastBuildDate", rfc822, ch.one("", "lastBuildDate").Text)
	if img := ch.one("", "image"); img != nil {
		if img.one("", "title").Text != ch.one("", "title").Text || img.one("", "link").Text != ch.one("", "link").Text {
			t.Error("image title and link must match the channel's")
		}
	}
	self := 0
	for _, l := range ch.all(nsAtom, "link") {
		if !isURI(l.attr("href")) {
			t.Errorf("atom:link href %q is not a URI", l.attr("href"))
		}
		if l.attr("rel") == "self" {
			self++
			if l.attr("type") != "application/rss+xml" {
				t.Errorf("self link type %q", l.attr("type"))
			}
		}
	}
	if self != 1 {
		t.Errorf("want one atom:link rel=self, have %d", self)
	}
	items := ch.all("", "item")
	if p != nil && len(items) != len(p.Items) {
		t.Fatalf("%d items, want %d", len(items), len(p.Items))
	}
	guids := map[string]bool{}
	for i, it := range items {
		where := fmt.Sprintf("item %d", i)
		for _, el := range []string{"title", "link", "guid", "pubDate"} {
			if n := it.all("", el); len(n) != 1 {
				t.Errorf("%s: want one %s, have %d", where, el, len(n))
			}
		}
		if len(it.all("", "author")) > 0 {
			t.Errorf("%s: uses author (needs an email) instead of dc:creator", where)
		}
		for _, el := range []string{"description", "enclosure"} {
			if len(it.all("", el)) > 1 {
				t.Errorf("%s: more than one %s", where, el)
			}
		}
		if len(it.all(nsContent, "encoded")) > 1 {
			t.Errorf("%s: more than one content:encoded", where)
		}
		link := it.one("", "link").Text
		if !isURI(link) {
			t.Errorf("%s: link %q is not a URI", where, link)
		}
		g := it.one("", "guid")
		if g.attr("isPermaLink") != "false" {
			t.Errorf("%s: guid isPermaLink=%q, want false (it is not a URL)", where, g.attr("isPermaLink"))
		}
		if guids[g.Text] {
			t.Errorf("%s: duplicate guid %q", where, g.Text)
		}
		guids[g.Text] = true
		pub := checkDate(t, where+" pubDate", rfc822, it.one("", "pubDate").Text)
		for _, e := range it.all("", "enclosure") {
			n, err := strconv.ParseInt(e.attr("length"), 10, 64)
			if err != nil || n <= 0 || e.attr("type") == "" || !strings.Contains(e.attr("type"), "/") || !isURI(e.attr("url")) {
				t.Errorf("%s: enclosure needs url, a positive length and a type: %v", where, e.Attr)
			}
		}
		for _, m := range append(it.all(nsMedia, "content"), it.all(nsMedia, "thumbnail")...) {
			if !isURI(m.attr("url")) {
				t.Errorf("%s: media url %q", where, m.attr("url"))
			}
			for _, a := range []string{"width", "height", "fileSize"} {
				if v := m.attr(a); v != "" {
					if n, err := strconv.Atoi(v); err != nil || n <= 0 {
						t.Errorf("%s: media %s=%q is not a positive integer", where, a, v)
					}
				}
			}
		}
		for _, cat := range it.all("", "category") {
			if strings.TrimSpace(cat.Text) == "" || !isURI(cat.attr("domain")) {
				t.Errorf("%s: category %q domain %q", where, cat.Text, cat.attr("domain"))
			}
		}
		if p == nil {
			continue
		}
		a := p.Items[i]
		if want := itemTitle(a); it.one("", "title").Text != want {
			t.Errorf("%s: title %q, want %q", where, it.one("", "title").Text, want)
		}
		if want := khabar.URI(a.URL); link != want {
			t.Errorf("%s: link %q, want %q", where, link, want)
		}
		if !pub.Equal(a.Published.Truncate(time.Second)) {
			t.Errorf("%s: pubDate %v, want %v", where, pub, a.Published)
		}
		if got := len(it.all(nsDC, "creator")); got != len(a.Authors) {
			t.Errorf("%s: %d dc:creator, want %d", where, got, len(a.Authors))
		}
		if got, want := len(it.all("", "category")), len(a.Categories)+len(a.Tags); got != want {
			t.Errorf("%s: %d categories, want %d", where, got, want)
		}
		if a.ContentHTML != "" {
			if got := it.one(nsContent, "encoded"); got == nil || got.Text != r.s.filterBody(cleanArticle(a)) {
				t.Errorf("%s: content:encoded does not carry the body", where)
			}
		}
	}
}

func checkAtom(t *testing.T, r *Renderer, b []byte, p *Page) {
	t.Helper()
	root := parseXML(t, b)
	if root.Name.Space != nsAtom || root.Name.Local != "feed" {
		t.Fatalf("root is %v, want Atom feed", root.Name)
	}
	if root.Attr[xml_lang] == "" {
		t.Error("feed has no xml:lang")
	}
	for _, el := range []string{"id", "title", "updated"} {
		if n := root.all(nsAtom, el); len(n) != 1 || strings.TrimSpace(n[0].Text) == "" {
			t.Errorf("feed: want one non-empty %s, have %d", el, len(n))
		}
	}
	checkDate(t, "feed updated", time.RFC3339, root.one(nsAtom, "updated").Text)
	feedAuthor := len(root.all(nsAtom, "author")) > 0
	if !feedAuthor {
		t.Error("feed has no author: entries without one would be invalid")
	}
	rels := map[string]int{}
	for _, l := range root.all(nsAtom, "link") {
		rels[l.attr("rel")]++
		if !isURI(l.attr("href")) {
			t.Errorf("link href %q is not a URI", l.attr("href"))
		}
	}
	if rels["self"] != 1 || rels["alternate"] != 1 {
		t.Errorf("feed links %v: want one self and one alternate", rels)
	}
	entries := root.all(nsAtom, "entry")
	if p != nil && len(entries) != len(p.Items) {
		t.Fatalf("%d entries, want %d", len(entries), len(p.Items))
	}
	ids := map[string]bool{}
	for i, e := range entries {
		where := fmt.Sprintf("entry %d", i)
		for _, el := range []string{"id", "title", "updated", "published"} {
			if n := e.all(nsAtom, el); len(n) != 1 {
				t.Errorf("%s: want one %s, have %d", where, el, len(n))
			}
		}
		id := e.one(nsAtom, "id").Text
		if u, err := url.Parse(id); err != nil || u.Scheme == "" || !isASCII(id) {
			t.Errorf("%s: id %q is not an absolute IRI in ASCII", where, id)
		}
		if ids[id] {
			t.Errorf("%s: duplicate id", where)
		}
		ids[id] = true
		upd := checkDate(t, where+" updated", time.RFC3339, e.one(nsAtom, "updated").Text)
		pub := checkDate(t, where+" published", time.RFC3339, e.one(nsAtom, "published").Text)
		if upd.Before(pub) {
			t.Errorf("%s: updated before published", where)
		}
		alt := 0
		for _, l := range e.all(nsAtom, "link") {
			if !isURI(l.attr("href")) {
				t.Errorf("%s: link href %q", where, l.attr("href"))
			}
			if l.attr("rel") == "alternate" {
				alt++
			}
		}
		if alt != 1 {
			t.Errorf("%s: %d alternate links, want 1", where, alt)
		}
		for _, c := range e.all(nsAtom, "category") {
			if c.attr("term") == "" {
				t.Errorf("%s: category without term", where)
			}
		}
		for _, au := range e.all(nsAtom, "author") {
			if au.one(nsAtom, "name") == nil {
				t.Errorf("%s: author without name", where)
			}
		}
		if p == nil {
			continue
		}
		a := p.Items[i]
		if got, want := e.one(nsAtom, "title").Text, itemTitle(a); got != want {
			t.Errorf("%s: title %q, want %q", where, got, want)
		}
		if !pub.Equal(a.Published.Truncate(time.Second)) || !upd.Equal(a.LastModified().Truncate(time.Second)) {
			t.Errorf("%s: dates %v %v, want %v %v", where, pub, upd, a.Published, a.LastModified())
		}
		if got := len(e.all(nsAtom, "author")); got != len(a.Authors) {
			t.Errorf("%s: %d authors, want %d", where, got, len(a.Authors))
		}
		if got, want := len(e.all(nsAtom, "category")), len(a.Categories)+len(a.Tags); got != want {
			t.Errorf("%s: %d categories, want %d", where, got, want)
		}
		if id != r.GUID(a) {
			t.Errorf("%s: id %q, want %q", where, id, r.GUID(a))
		}
	}
}

var xml_lang = xmlName("http://www.w3.org/XML/1998/namespace", "lang")

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// jsonFeed is JSON Feed 1.1 as the tests read it.
type jsonFeed struct {
	Version     string          `json:"version"`
	Title       string          `json:"title"`
	HomePageURL string          `json:"home_page_url"`
	FeedURL     string          `json:"feed_url"`
	NextURL     string          `json:"next_url"`
	Language    string          `json:"language"`
	Authors     []jsonAuthor    `json:"authors"`
	Items       json.RawMessage `json:"items"`
}

type jsonAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type jsonItem struct {
	ID            string       `json:"id"`
	URL           string       `json:"url"`
	Title         string       `json:"title"`
	ContentHTML   string       `json:"content_html"`
	ContentText   string       `json:"content_text"`
	Summary       string       `json:"summary"`
	Image         string       `json:"image"`
	DatePublished string       `json:"date_published"`
	DateModified  string       `json:"date_modified"`
	Authors       []jsonAuthor `json:"authors"`
	Tags          []string     `json:"tags"`
	Author        any          `json:"author"`
}

func checkJSON(t *testing.T, r *Renderer, b []byte, p *Page) {
	t.Helper()
	if !json.Valid(b) {
		t.Fatalf("not valid JSON:\n%s", b)
	}
	var jf jsonFeed
	if err := json.Unmarshal(b, &jf); err != nil {
		t.Fatal(err)
	}
	if jf.Version != "https://jsonfeed.org/version/1.1" || jf.Title == "" {
		t.Errorf("version %q title %q", jf.Version, jf.Title)
	}
	if !isURI(jf.HomePageURL) || !isURI(jf.FeedURL) {
		t.Errorf("home_page_url %q feed_url %q", jf.HomePageURL, jf.FeedURL)
	}
	if len(jf.Authors) == 0 || jf.Authors[0].Name == "" {
		t.Error("no feed authors")
	}
	if string(jf.Items) == "null" || len(jf.Items) == 0 || jf.Items[0] != '[' {
		t.Fatalf(`"items" must be an array, even empty; got %s`, jf.Items)
	}
	var items []jsonItem
	if err := json.Unmarshal(jf.Items, &items); err != nil {
		t.Fatal(err)
	}
	if p != nil && len(items) != len(p.Items) {
		t.Fatalf("%d items, want %d", len(items), len(p.Items))
	}
	if p != nil && (p.Number < p.Last) != (jf.NextURL != "") {
		t.Errorf("next_url %q on page %d of %d", jf.NextURL, p.Number, p.Last)
	}
	for i, it := range items {
		where := fmt.Sprintf("item %d", i)
		if it.ID == "" || !isURI(it.URL) {
			t.Errorf("%s: id %q url %q", where, it.ID, it.URL)
		}
		if it.Author != nil {
			t.Errorf("%s: deprecated author member", where)
		}
		if it.ContentHTML == "" && it.ContentText == "" {
			t.Errorf("%s: neither content_html nor content_text (JSON Feed requires one)", where)
		}
		pub := checkDate(t, where+" date_published", time.RFC3339, it.DatePublished)
		if p == nil {
			continue
		}
		a := p.Items[i]
		if it.Title != itemTitle(a) || it.URL != khabar.URI(a.URL) || it.ID != r.GUID(a) {
			t.Errorf("%s: title/url/id %q %q %q", where, it.Title, it.URL, it.ID)
		}
		if !pub.Equal(a.Published.Truncate(time.Second)) {
			t.Errorf("%s: date_published %v, want %v", where, pub, a.Published)
		}
		if len(it.Authors) != len(a.Authors) {
			t.Errorf("%s: %d authors, want %d", where, len(it.Authors), len(a.Authors))
		}
	}
}

func TestPageErrors(t *testing.T) {
	c := fixture(t)
	r, _ := NewRenderer(testConfig())
	tests := []struct {
		k    khabar.Key
		n    int
		want error
	}{
		{khabar.CategoryKey("nowhere"), 1, ErrNoFeed},
		{khabar.TagKey("nobody"), 1, ErrNoFeed},
		{khabar.AuthorKey("nobody"), 1, ErrNoFeed},
		{khabar.SiteKey(), 3, ErrNoPage},
		{khabar.SiteKey(), 0, ErrNoPage},
		{khabar.CategoryKey("खेल"), 2, ErrNoPage},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%d", tt.k, tt.n), func(t *testing.T) {
			err := r.Render(&bytes.Buffer{}, c, tt.k, RSS, tt.n)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{HomeURL: "/relative/"},
		{HomeURL: "ftp://example.com/"},
		{HomeURL: "https://example.com/", BaseURL: "example.com"},
		{HomeURL: "https://example.com/", Hub: "hub"},
		{HomeURL: "https://example.com/", Icon: "icon.png"},
		{HomeURL: "https://example.com/", IDHost: "बुरा.example"},
		{HomeURL: "https://example.com/", IDHost: "a b"},
	} {
		if _, err := NewRenderer(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("NewRenderer(%+v) = %v, want ErrConfig", cfg, err)
		}
	}
	r, err := NewRenderer(Config{HomeURL: "https://समाचार.example/"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.FeedURL(khabar.CategoryKey("उत्तर-प्रदेश/कानपुर"), Atom, 2), "https://xn--61b3bh3a5ab.example/category/%E0%A4%89%E0%A4%A4%E0%A5%8D%E0%A4%A4%E0%A4%B0-%E0%A4%AA%E0%A5%8D%E0%A4%B0%E0%A4%A6%E0%A5%87%E0%A4%B6/%E0%A4%95%E0%A4%BE%E0%A4%A8%E0%A4%AA%E0%A5%81%E0%A4%B0/feed/atom/?paged=2"; got != want {
		t.Errorf("FeedURL = %s\nwant %s", got, want)
	}
}

func TestGUID(t *testing.T) {
	r, _ := NewRenderer(Config{HomeURL: "https://news.example.in/"})
	tests := []struct{ id, want string }{
		{"a-1", "tag:news.example.in,2026-11-20:a-1"},
		{"a 1/ü?#", "tag:news.example.in,2026-11-20:a%201/%C3%BC?%23"},
	}
	for _, tt := range tests {
		a := &khabar.Article{ID: tt.id, Published: time.Date(2026, 11, 21, 1, 0, 0, 0, ist)}
		if got := r.GUID(a); got != tt.want {
			t.Errorf("GUID(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
	// IDHost pins the ids whatever address serves the feeds.
	local, _ := NewRenderer(Config{HomeURL: "http://127.0.0.1:8080/", IDHost: "News.Example.IN"})
	a := &khabar.Article{ID: "a-1", Published: time.Date(2026, 11, 21, 1, 0, 0, 0, ist)}
	if got, want := local.GUID(a), r.GUID(a); got != want {
		t.Errorf("with IDHost: %q, want %q", got, want)
	}
}
