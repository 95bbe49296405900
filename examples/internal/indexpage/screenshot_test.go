package indexpage

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/feed"
	"github.com/khabar/khabar/internal/browsertest"
)

// TestScreenshots opens the feed server's home page and the aggregator's
// (with its upstream feeds) in a headless Chromium at 375 px, in Hindi
// and English, writes the screenshots to out/screenshots and checks that
// the page fits the phone, its language is the one its words are in, and
// its times carry their zone.
func TestScreenshots(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	c, h := bundledSite(t)
	ist := khabar.DefaultLocation()
	next := time.Date(2026, 11, 24, 18, 30, 0, 0, ist)
	sites := map[string]*Site{
		"feed-server": {Feeds: h, Catalog: c, Title: "ख़बर", Location: ist},
		"aggregator": {Feeds: h, Catalog: c, Title: "khabar aggregator", Location: ist, Upstream: func() []Upstream {
			return []Upstream{
				{URL: "https://news.example.in/feed/", Title: "उदाहरण समाचार: उत्तर प्रदेश की ख़बरें", Status: "ok", Stored: 42, Next: next},
				{URL: "https://very-long-hostname-of-a-regional-newspaper.example.com/category/uttar-pradesh/kanpur/feed/atom/?paged=2", Title: "", Status: "failed", Error: "503 Service Unavailable", Next: next},
				{URL: "https://new.example.org/rss.xml", Title: "New feed"},
			}
		}},
	}
	ctx := browsertest.New(t)
	for name, site := range sites {
		srv := httptest.NewServer(site)
		for _, lang := range []string{"hi", "en"} {
			browsertest.Open(t, ctx, srv.URL+"/?lang="+lang, browsertest.View{Width: 375, Height: 812})
			browsertest.Screenshot(t, ctx, name+"-"+lang+"-375.png")
			page := browsertest.PageLayout(t, ctx)
			page.CheckFits(t, name+" "+lang)
			if page.Lang != lang {
				t.Errorf("%s %s: <html lang=%q>", name, lang, page.Lang)
			}
			heading := map[string]string{"hi": "श्रेणियाँ", "en": "Categories"}[lang]
			if !strings.Contains(page.Text, heading) {
				t.Errorf("%s %s: no %q heading", name, lang, heading)
			}
			if name == "aggregator" && !strings.Contains(page.Text, "18:30 IST") {
				t.Errorf("%s %s: the next poll is not shown with its zone (18:30 IST)", name, lang)
			}
			if name == "aggregator" && !strings.Contains(page.Text, "very-long-hostname") {
				t.Errorf("%s %s: an upstream feed without a title is not named by its URL", name, lang)
			}
		}
		srv.Close()
	}
}

// bundledSite returns the bundled articles in a catalog and a feed handler
// over it, closed when t ends.
func bundledSite(t *testing.T) (*khabar.Catalog, *feed.Handler) {
	t.Helper()
	f, err := os.Open("../../../testdata/articles.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := khabar.NewCatalog()
	if _, err := c.ReadJSONL(f); err != nil {
		t.Fatal(err)
	}
	h, err := feed.NewHandler(c, feed.Config{HomeURL: "http://127.0.0.1/", Title: "ख़बर", Description: "ताज़ा ख़बरें"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return c, h
}
