package feed

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// newsSitemap is a news sitemap as encoding/xml reads it back.
type newsSitemap struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []struct {
		Loc  string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 loc"`
		News struct {
			Name     string `xml:"http://www.google.com/schemas/sitemap-news/0.9 publication>name"`
			Language string `xml:"http://www.google.com/schemas/sitemap-news/0.9 publication>language"`
			Date     string `xml:"http://www.google.com/schemas/sitemap-news/0.9 publication_date"`
			Title    string `xml:"http://www.google.com/schemas/sitemap-news/0.9 title"`
		} `xml:"http://www.google.com/schemas/sitemap-news/0.9 news"`
	} `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 url"`
}

func renderNewsSitemap(t testing.TB, r *Renderer, c *khabar.Catalog, k khabar.Key) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.RenderNewsSitemap(&buf, c, k); err != nil {
		t.Fatalf("RenderNewsSitemap(%v): %v", k, err)
	}
	return buf.Bytes()
}

// checkNewsSitemap parses b back and checks it against the catalog: the
// stories of k on the site's host within the window of its newest,
// newest first, each as the sitemap should write it.
func checkNewsSitemap(t *testing.T, r *Renderer, c *khabar.Catalog, k khabar.Key, b []byte) newsSitemap {
	t.Helper()
	checkChars(t, b)
	var sm newsSitemap
	if err := xml.Unmarshal(b, &sm); err != nil {
		t.Fatalf("%v: not well-formed: %v", k, err)
	}
	all, _ := c.Newest(k, 0, 0)
	home, err := url.Parse(r.HomeURL())
	if err != nil {
		t.Fatal(err)
	}
	var want []*khabar.Article
	for _, a := range all {
		u, err := url.Parse(khabar.URI(a.URL))
		own := err == nil && u.Scheme == home.Scheme && strings.EqualFold(strings.TrimSuffix(u.Host, "."), home.Host)
		if own && len(want) < NewsSitemapMax && !a.Published.Before(all[0].Published.Add(-NewsSitemapWindow)) {
			want = append(want, a)
		}
	}
	if len(sm.URLs) != len(want) {
		t.Fatalf("%v: %d URLs, want %d", k, len(sm.URLs), len(want))
	}
	for i, u := range sm.URLs {
		a := want[i]
		if u.Loc != khabar.URI(a.URL) {
			t.Errorf("%v: loc %q, want %q", k, u.Loc, khabar.URI(a.URL))
		}
		if u.News.Title != strings.TrimSpace(a.Title) || u.News.Name != r.s.Title {
			t.Errorf("%v: title %q, name %q", k, u.News.Title, u.News.Name)
		}
		lang := a.Language
		if lang == "" {
			lang = r.s.Language
		}
		if u.News.Language != strings.ToLower(strings.Split(lang, "-")[0]) {
			t.Errorf("%v: language %q for %q", k, u.News.Language, a.Language)
		}
		d, err := time.Parse(time.RFC3339, u.News.Date)
		if err != nil || !d.Equal(a.Published.Truncate(time.Second)) {
			t.Errorf("%v: publication_date %q (%v), want %v", k, u.News.Date, err, a.Published)
		}
		if _, off := d.Zone(); off != 5*3600+1800 {
			t.Errorf("%v: publication_date %q is not in the feed's Location", k, u.News.Date)
		}
	}
	return sm
}

func TestNewsSitemapGolden(t *testing.T) {
	c := corpus(t)
	cfg := testConfig()
	cfg.HomeURL = "https://khabar.example/" // the corpus's site
	r, err := NewRenderer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		k    khabar.Key
		file string
	}{
		{khabar.SiteKey(), "news-sitemap.xml"},
		{khabar.CategoryKey("उत्तर-प्रदेश"), "news-sitemap-up.xml"},
	} {
		b := renderNewsSitemap(t, r, c, tt.k)
		sm := checkNewsSitemap(t, r, c, tt.k, b)
		if len(sm.URLs) == 0 {
			t.Errorf("%v: empty news sitemap from the corpus", tt.k)
		}
		if again := renderNewsSitemap(t, r, c, tt.k); !bytes.Equal(again, b) {
			t.Errorf("%v: two renders differ", tt.k)
		}
		golden(t, tt.file, b)
	}
	// Every top-level category has one, consistent with the catalog.
	for _, cc := range c.Categories() {
		if cc.Category.Parent == nil {
			k := khabar.CategoryKey(cc.Category.SlugPath())
			checkNewsSitemap(t, r, c, k, renderNewsSitemap(t, r, c, k))
		}
	}
}

func TestNewsSitemapBounds(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	end := time.Date(2026, 11, 24, 22, 0, 0, 0, ist)
	c := khabar.NewCatalog()
	var as []*khabar.Article
	// 1,200 stories over the last 40 hours, and 10 older than 48 hours.
	for i := range 1210 {
		pub := end.Add(-time.Duration(i) * 2 * time.Minute)
		if i >= 1200 {
			pub = end.Add(-NewsSitemapWindow - time.Duration(i-1199)*time.Minute)
		}
		as = append(as, &khabar.Article{
			ID: fmt.Sprintf("s-%04d", i), Title: fmt.Sprintf("ख़बर %d & <बात>", i),
			URL:       fmt.Sprintf("https://news.example.in/2026/11/ख़बर-%d/?a=1&b=2", i),
			Published: pub, Categories: []khabar.Category{{Name: "देश"}},
		})
	}
	if err := c.UpsertAll(as); err != nil {
		t.Fatal(err)
	}
	r, _ := NewRenderer(testConfig())
	for _, k := range []khabar.Key{khabar.SiteKey(), khabar.CategoryKey("देश")} {
		sm := checkNewsSitemap(t, r, c, k, renderNewsSitemap(t, r, c, k))
		if len(sm.URLs) != NewsSitemapMax {
			t.Errorf("%v: %d URLs, want %d", k, len(sm.URLs), NewsSitemapMax)
		}
		if want := "https://news.example.in/2026/11/%E0%A4%96%E0%A4%BC%E0%A4%AC%E0%A4%B0-0/?a=1&b=2"; sm.URLs[0].Loc != want {
			t.Errorf("loc %q, want %q", sm.URLs[0].Loc, want)
		}
	}

	// Only the older stories: the window follows the newest of them.
	old := khabar.NewCatalog()
	if err := old.UpsertAll(as[1200:]); err != nil {
		t.Fatal(err)
	}
	if sm := checkNewsSitemap(t, r, old, khabar.SiteKey(), renderNewsSitemap(t, r, old, khabar.SiteKey())); len(sm.URLs) != 10 {
		t.Errorf("%d URLs, want 10", len(sm.URLs))
	}
	// An empty catalog: an empty urlset.
	checkNewsSitemap(t, r, khabar.NewCatalog(), khabar.SiteKey(), renderNewsSitemap(t, r, khabar.NewCatalog(), khabar.SiteKey()))

	for _, k := range []khabar.Key{khabar.TagKey("x"), khabar.AuthorKey("x"), khabar.CategoryKey("देश/दिल्ली"), khabar.CategoryKey("nope")} {
		if err := r.RenderNewsSitemap(io.Discard, c, k); !errors.Is(err, ErrNoFeed) {
			t.Errorf("%v: err = %v, want ErrNoFeed", k, err)
		}
		if u := r.NewsSitemapURL(k); u != "" && k.Slug != "nope" {
			t.Errorf("NewsSitemapURL(%v) = %q, want none", k, u)
		}
	}
}

func TestNewsLanguage(t *testing.T) {
	for _, tt := range []struct{ lang, want string }{
		{"hi", "hi"}, {"hi-IN", "hi"}, {"EN_in", "en"}, {"", "ur"}, {"zh-Hans-CN", "zh-cn"}, {"zh-TW", "zh-tw"}, {"zh-Hant", "zh-tw"}, {"zh", "zh-cn"},
	} {
		if got := newsLanguage(tt.lang, "ur"); got != tt.want {
			t.Errorf("newsLanguage(%q) = %q, want %q", tt.lang, got, tt.want)
		}
	}
}

func TestHandlerNewsSitemap(t *testing.T) {
	c := corpusOrFixture(t)
	h := newTestHandler(t, c, nil)
	up := "/category/" + url.PathEscape("उत्तर-प्रदेश") + "/news-sitemap.xml"
	if got := h.Renderer().NewsSitemapURL(khabar.CategoryKey("उत्तर-प्रदेश")); got != "https://news.example.in"+up {
		t.Errorf("NewsSitemapURL = %q, want …%s", got, up)
	}
	for _, tt := range []struct {
		path string
		code int
	}{
		{"/news-sitemap.xml", 200},
		{up, 200},
		{"/category/उत्तर-प्रदेश/news-sitemap.xml", 200},
		{strings.ToLower(up), 301},
		{"/category/" + url.PathEscape("उत्तर-प्रदेश") + "/" + url.PathEscape("कानपुर") + "/news-sitemap.xml", 404},
		{"/tag/x/news-sitemap.xml", 404},
		{"/category/no-such/news-sitemap.xml", 404},
		{"/category//news-sitemap.xml", 404},
		{"/feed/news-sitemap.xml", 404},
	} {
		w := do(h, "GET", tt.path)
		if w.Code != tt.code {
			t.Errorf("%s: %d, want %d: %s", tt.path, w.Code, tt.code, w.Body)
			continue
		}
		if tt.code == 301 && w.Header().Get("Location") != up {
			t.Errorf("%s: redirect to %q, want %q", tt.path, w.Header().Get("Location"), up)
		}
		if tt.code != 200 {
			continue
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/xml; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tt.path, ct)
		}
		k := khabar.SiteKey()
		if tt.path != "/news-sitemap.xml" {
			k = khabar.CategoryKey("उत्तर-प्रदेश")
		}
		if want := renderNewsSitemap(t, h.Renderer(), c, k); !bytes.Equal(w.Body.Bytes(), want) {
			t.Errorf("%s: served body differs from RenderNewsSitemap", tt.path)
		}
	}

	// Conditional GET and gzip, as for the feeds.
	w := do(h, "GET", "/news-sitemap.xml")
	etag, lm := w.Header().Get("Etag"), w.Header().Get("Last-Modified")
	if etag == "" || lm == "" || w.Header().Get("Cache-Control") == "" {
		t.Fatalf("headers: %v", w.Header())
	}
	if w := do(h, "GET", "/news-sitemap.xml", "If-None-Match", etag); w.Code != 304 {
		t.Errorf("If-None-Match: %d, want 304", w.Code)
	}
	if w := do(h, "HEAD", "/news-sitemap.xml", "If-Modified-Since", lm); w.Code != 304 {
		t.Errorf("If-Modified-Since: %d, want 304", w.Code)
	}
	gz := do(h, "GET", "/news-sitemap.xml", "Accept-Encoding", "gzip")
	zr, err := gzip.NewReader(gz.Body)
	if err != nil || gz.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %v %v", err, gz.Header())
	}
	if plainBody, _ := io.ReadAll(zr); !bytes.Equal(plainBody, w.Body.Bytes()) {
		t.Error("gzip body differs")
	}

	// Cached until a change touches the sitemap's list, and only then.
	renders := h.renders.Load()
	do(h, "GET", "/news-sitemap.xml")
	do(h, "GET", up)
	if n := h.renders.Load(); n != renders {
		t.Errorf("cached sitemaps rendered again (%d renders)", n-renders)
	}
	a := &khabar.Article{ID: "sitemap-new", Title: "नई ख़बर", URL: "https://news.example.in/नई/",
		Published: time.Date(2026, 11, 25, 9, 0, 0, 0, ist), Categories: []khabar.Category{{Name: "खेल", Slug: "sports"}}}
	if err := c.Upsert(a); err != nil {
		t.Fatal(err)
	}
	do(h, "GET", up)
	if n := h.renders.Load(); n != renders {
		t.Errorf("a change elsewhere re-rendered उत्तर-प्रदेश's sitemap")
	}
	w2 := do(h, "GET", "/news-sitemap.xml")
	if n := h.renders.Load(); n != renders+1 {
		t.Errorf("%d renders after a change to the site, want 1", n-renders)
	}
	if !strings.Contains(w2.Body.String(), "https://news.example.in/%E0%A4%A8%E0%A4%88/") || w2.Header().Get("Etag") == etag {
		t.Error("the site's sitemap does not show the new story")
	}
}
