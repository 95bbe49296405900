package khabar_test

import (
	"fmt"
	"time"

	"github.com/khabar/khabar"
)

// pageCatalog is a small site for the article-page examples.
func pageCatalog() *khabar.Catalog {
	ist := time.FixedZone("IST", 5*3600+1800)
	latest := khabar.Category{Name: "ताज़ा ख़बरें"}
	sports := khabar.Category{Name: "खेल"}
	c := khabar.NewCatalog()
	for i, s := range []struct {
		id, title string
		cat       khabar.Category
		tags      []string
	}{
		{"kh-1", "विश्व कप: भारत ने पाकिस्तान को हराया", sports, []string{"विश्व कप", "क्रिकेट"}},
		{"kh-2", "कानपुर में भारी बारिश", latest, []string{"मौसम"}},
		{"kh-3", "विश्व कप: सेमीफ़ाइनल की टीमें तय", sports, []string{"विश्व कप", "क्रिकेट"}},
		{"kh-4", "रणजी ट्रॉफ़ी: उत्तर प्रदेश जीता", sports, []string{"क्रिकेट"}},
		{"kh-5", "सोने के दाम बढ़े", latest, []string{"बाज़ार"}},
		{"kh-6", "विश्व कप: फ़ाइनल रविवार को", latest, []string{"विश्व कप"}},
	} {
		a := &khabar.Article{
			ID: s.id, Title: s.title, URL: "https://khabar.example/" + s.id + "/",
			Published:  time.Date(2026, 11, 24, 8+i, 0, 0, 0, ist),
			Categories: []khabar.Category{s.cat}, Language: "hi",
		}
		for _, t := range s.tags {
			a.Tags = append(a.Tags, khabar.Tag{Name: t})
		}
		if err := c.Upsert(a); err != nil {
			panic(err)
		}
	}
	return c
}

// Related fills an article page's "related posts": kh-1 shares both tags and
// the category of kh-3, kh-4 a tag and the category, kh-6 one tag.
func ExampleCatalog_Related() {
	c := pageCatalog()
	for _, a := range c.Related("kh-3", 3) {
		fmt.Println(a.ID, a.Title)
	}
	// Output:
	// kh-1 विश्व कप: भारत ने पाकिस्तान को हराया
	// kh-4 रणजी ट्रॉफ़ी: उत्तर प्रदेश जीता
	// kh-6 विश्व कप: फ़ाइनल रविवार को
}

// Adjacent gives the "previous" and "next" links of an article page, here
// within its category; the site's list is khabar.SiteKey().
func ExampleCatalog_Adjacent() {
	c := pageCatalog()
	newer, older := c.Adjacent("kh-3", khabar.CategoryKey("खेल"))
	fmt.Println("newer:", newer.Title)
	fmt.Println("older:", older.Title)
	newer, older = c.Adjacent("kh-6", khabar.SiteKey())
	fmt.Println(newer == nil, older.Title)
	// Output:
	// newer: रणजी ट्रॉफ़ी: उत्तर प्रदेश जीता
	// older: विश्व कप: भारत ने पाकिस्तान को हराया
	// true सोने के दाम बढ़े
}

// The "latest stories" sidebar of an article page is Newest on the site's
// list (or a category's), with the dates shown in the site's time zone.
func ExampleCatalog_Newest() {
	c := pageCatalog()
	ist := time.FixedZone("IST", 5*3600+1800)
	latest, total := c.Newest(khabar.SiteKey(), 0, 3)
	for _, a := range latest {
		fmt.Println(a.Published.In(ist).Format("2 Jan 15:04"), a.Title)
	}
	fmt.Println(total, "stories in all")
	// Output:
	// 24 Nov 13:00 विश्व कप: फ़ाइनल रविवार को
	// 24 Nov 12:00 सोने के दाम बढ़े
	// 24 Nov 11:00 रणजी ट्रॉफ़ी: उत्तर प्रदेश जीता
	// 6 stories in all
}
