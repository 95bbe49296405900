package indexpage

import (
	"bytes"
	"testing"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/htmlvalidate"
)

// TestHTMLValidate checks, with the HTML5 validator html-validate (npm,
// installed by .ci/install.sh), the feed server's home page and the
// aggregator's (with upstream feeds in every state) in Hindi and English,
// and the archive pages of a category (the Urdu one: its stories are not
// in the page's language), a tag and an author.
func TestHTMLValidate(t *testing.T) {
	c, h := bundledSite(t)
	ist := khabar.DefaultLocation()
	next := time.Date(2026, 11, 24, 18, 30, 0, 0, ist)
	upstream := []Upstream{
		{URL: "https://news.example.in/feed/", Title: "उदाहरण समाचार", Status: "ok", Stored: 42, Next: next},
		{URL: "https://old.example.com/rss", Status: "failed", Error: `503 "Service Unavailable" <html>`, Next: next},
		{URL: "https://partial.example.org/atom", Title: "Partial & co", Status: "partial", Stored: 3, Next: next},
		{URL: "https://new.example.org/rss.xml", Title: "New feed"},
	}
	var pages []htmlvalidate.Page
	render := func(name string, write func(*bytes.Buffer) error) {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		pages = append(pages, htmlvalidate.Page{Name: name, Kind: htmlvalidate.Web, HTML: b.Bytes()})
	}
	for _, lang := range []string{"hi", "en"} {
		render("feed-server-"+lang, func(b *bytes.Buffer) error {
			return Write(b, h, c, Page{Title: "ख़बर", Lang: lang, Location: ist})
		})
		render("aggregator-"+lang, func(b *bytes.Buffer) error {
			return Write(b, h, c, Page{Title: "khabar aggregator", Lang: lang, Location: ist, Upstream: upstream})
		})
		for name, k := range map[string]khabar.Key{"category": khabar.CategoryKey("urdu"), "tag": khabar.TagKey("5g"), "author": khabar.AuthorKey("amit-tripathi")} {
			render("archive-"+name+"-"+lang, func(b *bytes.Buffer) error { return WriteArchive(b, h, c, k, lang, ist) })
		}
	}
	htmlvalidate.Check(t, pages...)
}
