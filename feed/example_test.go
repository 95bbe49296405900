package feed_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/feed"
)

func exampleCatalog() *khabar.Catalog {
	ist := time.FixedZone("IST", 5*3600+1800)
	up := &khabar.Category{Name: "उत्तर प्रदेश", Slug: "उत्तर-प्रदेश"}
	c := khabar.NewCatalog()
	err := c.Upsert(&khabar.Article{
		ID:          "a-1",
		Title:       "कानपुर में नई सूची जारी",
		Summary:     "मतदाता सूची जारी।",
		ContentHTML: "<p>422,087 मतदाता</p>",
		URL:         "https://news.example.in/2026/11/सूची/",
		Authors:     []khabar.Author{{Name: "रमेश शर्मा", Slug: "ramesh"}},
		Categories:  []khabar.Category{{Name: "कानपुर", Slug: "कानपुर", Parent: up}},
		Tags:        []khabar.Tag{{Name: "Election", Slug: "election"}},
		Published:   time.Date(2026, 11, 20, 9, 30, 0, 0, ist),
	})
	if err != nil {
		panic(err)
	}
	return c
}

func ExampleRenderer_Render() {
	r, err := feed.NewRenderer(feed.Config{
		HomeURL:  "https://news.example.in/",
		Title:    "ख़बर",
		Location: time.FixedZone("IST", 5*3600+1800),
	})
	if err != nil {
		panic(err)
	}
	if err := r.Render(os.Stdout, exampleCatalog(), khabar.TagKey("election"), feed.JSON, 1); err != nil {
		panic(err)
	}
	// Output:
	// {
	//   "version": "https://jsonfeed.org/version/1.1",
	//   "title": "ख़बर » Election",
	//   "home_page_url": "https://news.example.in/tag/election/",
	//   "feed_url": "https://news.example.in/tag/election/feed/json/",
	//   "description": "ख़बर",
	//   "language": "hi",
	//   "authors": [{"name": "ख़बर", "url": "https://news.example.in/"}],
	//   "items": [
	//     {
	//       "id": "tag:news.example.in,2026-11-20:a-1",
	//       "url": "https://news.example.in/2026/11/%E0%A4%B8%E0%A5%82%E0%A4%9A%E0%A5%80/",
	//       "title": "कानपुर में नई सूची जारी",
	//       "content_html": "<p>422,087 मतदाता</p>",
	//       "summary": "मतदाता सूची जारी।",
	//       "date_published": "2026-11-20T09:30:00+05:30",
	//       "authors": [{"name": "रमेश शर्मा", "url": "https://news.example.in/author/ramesh/"}],
	//       "tags": ["कानपुर", "Election"]
	//     }
	//   ]
	// }
}

func ExampleRenderer_FeedURL() {
	r, _ := feed.NewRenderer(feed.Config{HomeURL: "https://news.example.in/"})
	fmt.Println(r.FeedURL(khabar.SiteKey(), feed.RSS, 1))
	fmt.Println(r.FeedURL(khabar.CategoryKey("उत्तर-प्रदेश/कानपुर"), feed.Atom, 2))
	// Output:
	// https://news.example.in/feed/
	// https://news.example.in/category/%E0%A4%89%E0%A4%A4%E0%A5%8D%E0%A4%A4%E0%A4%B0-%E0%A4%AA%E0%A5%8D%E0%A4%B0%E0%A4%A6%E0%A5%87%E0%A4%B6/%E0%A4%95%E0%A4%BE%E0%A4%A8%E0%A4%AA%E0%A5%81%E0%A4%B0/feed/atom/?paged=2
}

func ExampleHandler() {
	h, err := feed.NewHandler(exampleCatalog(), feed.Config{HomeURL: "https://news.example.in/", Title: "ख़बर"})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	for _, path := range []string{"/category/उत्तर-प्रदेश/feed/atom/", "/category/%E0%A4%89%E0%A4%A4%E0%A5%8D%E0%A4%A4%E0%A4%B0-%E0%A4%AA%E0%A5%8D%E0%A4%B0%E0%A4%A6%E0%A5%87%E0%A4%B6/feed/", "/tag/nobody/feed/"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Println(w.Code, w.Header().Get("Content-Type"))
	}
	// Output:
	// 200 application/atom+xml; charset=utf-8
	// 200 application/rss+xml; charset=utf-8
	// 404 text/plain; charset=utf-8
}

func ExampleHandler_Discovery() {
	h, _ := feed.NewHandler(exampleCatalog(), feed.Config{HomeURL: "https://news.example.in/", Title: "ख़बर"})
	defer h.Close()
	links, _ := h.Discovery(khabar.AuthorKey("ramesh"))
	fmt.Print(links)
	// Output:
	// <link rel="alternate" type="application/rss+xml" title="ख़बर » रमेश शर्मा (RSS)" href="https://news.example.in/author/ramesh/feed/">
	// <link rel="alternate" type="application/atom+xml" title="ख़बर » रमेश शर्मा (Atom)" href="https://news.example.in/author/ramesh/feed/atom/">
	// <link rel="alternate" type="application/feed+json" title="ख़बर » रमेश शर्मा (JSON Feed)" href="https://news.example.in/author/ramesh/feed/json/">
}
