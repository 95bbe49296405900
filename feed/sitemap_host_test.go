package feed

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// TestNewsSitemapOnlyOwnHost: a catalog fed from upstream feeds (the
// library's own feed/upstream → Catalog → Handler path, as
// examples/aggregator does) holds articles whose URLs are on other
// sites. The sitemaps.org protocol says "all URLs in a Sitemap must be
// from a single host" (and, under "Sitemap file location", use the same
// protocol), and Google News requires <news:name> to be the publication
// the article belongs to: the news sitemap lists the site's own stories
// only, those on HomeURL's host however their URL writes it.
func TestNewsSitemapOnlyOwnHost(t *testing.T) {
	c := khabar.NewCatalog()
	pub := time.Date(2026, 11, 20, 9, 30, 0, 0, ist)
	for i, a := range []*khabar.Article{
		{ID: "own-1", Title: "अपनी ख़बर", URL: "https://news.example.in/2026/11/own/"},
		{ID: "own-2", Title: "Own, host in capitals", URL: "https://News.Example.IN/2026/11/own-2/"},
		{ID: "own-3", Title: "Own, default port and trailing dot", URL: "https://news.example.in.:443/2026/11/own-3/"},
		{ID: "up-1", Title: "Upstream story", URL: "https://other-paper.example.com/story/1",
			Source: &khabar.Source{FeedURL: "https://other-paper.example.com/feed/", Title: "Other Paper"}},
		{ID: "up-2", Title: "Look-alike host", URL: "https://news.example.in.evil.example/story"},
		{ID: "up-3", Title: "Other port", URL: "https://news.example.in:8443/story"},
		{ID: "up-4", Title: "Other protocol", URL: "http://news.example.in/story"},
	} {
		a.Published = pub.Add(time.Duration(i) * time.Minute)
		if err := c.Upsert(a); err != nil {
			t.Fatal(err)
		}
	}
	r, err := NewRenderer(testConfig()) // HomeURL https://news.example.in/
	if err != nil {
		t.Fatal(err)
	}
	set := newsSitemapLocs(t, r, c)
	sitemap, _ := url.Parse(r.NewsSitemapURL(khabar.SiteKey()))
	for _, u := range set.URLs {
		lu, err := url.Parse(u.Loc)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.EqualFold(strings.TrimSuffix(lu.Hostname(), "."), sitemap.Hostname()) || lu.Scheme != sitemap.Scheme {
			t.Errorf("news sitemap at %s lists %s, on another host (sitemaps.org: all URLs in a Sitemap must be from a single host)", sitemap, u.Loc)
		}
		if u.Name != r.s.Title {
			t.Errorf("%s: news:name %q, want the site's %q", u.Loc, u.Name, r.s.Title)
		}
	}
	if got, want := locs(set), []string{"https://news.example.in.:443/2026/11/own-3/", "https://News.Example.IN/2026/11/own-2/", "https://news.example.in/2026/11/own/"}; !slices.Equal(got, want) {
		t.Errorf("news sitemap lists %q, want the site's own stories %q", got, want)
	}
}

// TestNewsSitemapOwnAfterForeign: more than NewsSitemapMax newer stories
// of other sites do not push the site's own out of its news sitemap.
func TestNewsSitemapOwnAfterForeign(t *testing.T) {
	c := khabar.NewCatalog()
	pub := time.Date(2026, 11, 20, 9, 30, 0, 0, ist)
	var as []*khabar.Article
	for i := range NewsSitemapMax + 5 {
		as = append(as, &khabar.Article{ID: fmt.Sprintf("up-%d", i), Title: "t", URL: fmt.Sprintf("https://other.example/%d", i), Published: pub.Add(time.Duration(i) * time.Second)})
	}
	as = append(as, &khabar.Article{ID: "own", Title: "t", URL: "https://news.example.in/own/", Published: pub.Add(-time.Hour)})
	if err := c.UpsertAll(as); err != nil {
		t.Fatal(err)
	}
	r, _ := NewRenderer(testConfig())
	if got := locs(newsSitemapLocs(t, r, c)); !slices.Equal(got, []string{"https://news.example.in/own/"}) {
		t.Errorf("news sitemap lists %q, want the site's one story", got)
	}
}

type sitemapLocs struct {
	URLs []struct {
		Loc  string `xml:"loc"`
		Name string `xml:"news>publication>name"`
	} `xml:"url"`
}

func newsSitemapLocs(t *testing.T, r *Renderer, c *khabar.Catalog) sitemapLocs {
	t.Helper()
	var b strings.Builder
	if err := r.RenderNewsSitemap(&b, c, khabar.SiteKey()); err != nil {
		t.Fatal(err)
	}
	var set sitemapLocs
	if err := xml.Unmarshal([]byte(b.String()), &set); err != nil {
		t.Fatal(err)
	}
	return set
}

func locs(set sitemapLocs) []string {
	var out []string
	for _, u := range set.URLs {
		out = append(out, u.Loc)
	}
	return out
}
