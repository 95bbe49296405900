package khabar_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/khabar/khabar"
)

func Example() {
	ist := time.FixedZone("IST", 5*3600+1800)
	up := &khabar.Category{Name: "उत्तर प्रदेश"}
	kanpur := khabar.Category{Name: "कानपुर", Parent: up}

	c := khabar.NewCatalog()
	err := c.Upsert(&khabar.Article{
		ID:         "kh-1",
		Title:      "कानपुर में भारी बारिश, स्कूल बंद",
		URL:        "https://khabar.example/2026/11/24/कानपुर-में-बारिश/",
		Published:  time.Date(2026, 11, 24, 9, 15, 0, 0, ist),
		Categories: []khabar.Category{kanpur},
		Tags:       []khabar.Tag{{Name: "Ramesh Tiwari"}, {Name: "मौसम"}},
		Language:   "hi",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The state's list includes its cities.
	news, total := c.Newest(khabar.CategoryKey("उत्तर-प्रदेश"), 0, 10)
	fmt.Println(total, news[0].Title)
	fmt.Println(news[0].Categories[0].Label())
	fmt.Println(khabar.URI(news[0].URL))
	for _, t := range c.Tags() {
		fmt.Println(t.Tag.Slug, t.Count)
	}
	// Output:
	// 1 कानपुर में भारी बारिश, स्कूल बंद
	// उत्तर प्रदेश › कानपुर
	// https://khabar.example/2026/11/24/%E0%A4%95%E0%A4%BE%E0%A4%A8%E0%A4%AA%E0%A5%81%E0%A4%B0-%E0%A4%AE%E0%A5%87%E0%A4%82-%E0%A4%AC%E0%A4%BE%E0%A4%B0%E0%A4%BF%E0%A4%B6/
	// ramesh-tiwari 1
	// मौसम 1
}

func ExampleSlugify() {
	fmt.Println(khabar.Slugify("उत्तर प्रदेश"))
	fmt.Println(khabar.Slugify("Latest News!"))
	fmt.Println(khabar.EscapeSlug(khabar.Slugify("कानपुर")))
	// Output:
	// उत्तर-प्रदेश
	// latest-news
	// %E0%A4%95%E0%A4%BE%E0%A4%A8%E0%A4%AA%E0%A5%81%E0%A4%B0
}

func ExampleTruncate() {
	fmt.Println(khabar.Truncate("स्वतंत्रता दिवस पर राष्ट्रपति का संदेश", 18))
	fmt.Println(khabar.Truncate("👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧", 2))
	// Output:
	// स्वतंत्रता दिवस पर राष्ट्रपति…
	// 👨‍👩‍👧…
}

func ExampleArticle_Validate() {
	a := &khabar.Article{ID: "x", URL: "khabar.example/x"}
	fmt.Println(a.Validate())
	// Output:
	// khabar: invalid article "x": title: is empty; url: "khabar.example/x" is not an absolute http(s) URL; published: is missing
}

func ExampleCatalog_ReadJSONL() {
	in := `{"id":"a","title":"एक","url":"https://khabar.example/a/","published":"2026-11-24T09:15:00+05:30"}
{"id":"b","title":"दो","url":"https://khabar.example/b/"}
not json
`
	c := khabar.NewCatalog()
	n, err := c.ReadJSONL(strings.NewReader(in))
	fmt.Println(n, "loaded")
	fmt.Println(err)
	_ = c.WriteJSONL(os.Stdout)
	// Output:
	// 1 loaded
	// khabar: 2 bad lines; line 2 (id "b"): khabar: invalid article "b": published: is missing; line 3: invalid character 'o' in literal null (expecting 'u')
	// {"id":"a","title":"एक","url":"https://khabar.example/a/","published":"2026-11-24T09:15:00+05:30"}
}

func ExampleCatalog_Upsert() {
	ist := time.FixedZone("IST", 5*3600+1800)
	c := khabar.NewCatalog()
	a := &khabar.Article{
		ID:        "kh-7",
		Title:     "कानपुर मेट्रो का ट्रायल",
		URL:       "https://khabar.example/kanpur-metro/",
		Published: time.Date(2026, 11, 24, 9, 15, 0, 0, ist),
	}
	fmt.Println(c.Upsert(a), c.Len(), c.Version())

	// The catalog keeps its own copy: changing a does nothing until it is
	// upserted again, which replaces the article with the same ID.
	a.Title = "कानपुर मेट्रो का पहला चरण खुला"
	fmt.Println(c.Upsert(a), c.Len(), c.Version())

	// Storing an equal article changes nothing: the version stays.
	fmt.Println(c.Upsert(a), c.Len(), c.Version())

	// An invalid article is refused and the catalog left as it was.
	err := c.Upsert(&khabar.Article{ID: "kh-8", Title: "बिना तारीख़", URL: "https://khabar.example/x/"})
	var ve *khabar.ValidationError
	fmt.Println(errors.As(err, &ve), c.Len(), c.Version())

	news, total := c.Newest(khabar.SiteKey(), 0, 10)
	fmt.Println(total, news[0].Title)
	// Output:
	// <nil> 1 1
	// <nil> 1 2
	// <nil> 1 2
	// true 1 2
	// 1 कानपुर मेट्रो का पहला चरण खुला
}
