package khabar

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestValidateOK(t *testing.T) {
	if err := art("a1", 0, catKanpur).Validate(); err != nil {
		t.Fatalf("valid article: %v", err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	a := &Article{
		Title:      "  ",
		URL:        "/relative",
		Authors:    []Author{{Name: ""}, {Name: "x", URL: "ftp://x"}},
		Categories: []Category{{Name: "a", Slug: "a/b"}},
		Tags:       []Tag{{Name: "!!!"}},
		Image:      &Image{URL: "", Width: -1},
		Updated:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Language:   "not a tag!",
		Metrics:    Metrics{Views: -5},
		Source:     &Source{},
	}
	err := a.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate() = %v, want a *ValidationError", err)
	}
	want := []string{"id", "title", "url", "authors[0].name", "authors[1].url",
		"categories[0].slug", "tags[0].slug", "image.url", "image.width", "published",
		"language", "metrics.views", "source.feed_url"}
	got := map[string]bool{}
	for _, p := range ve.Problems {
		got[p.Field] = true
	}
	for _, f := range want {
		if !got[f] {
			t.Errorf("no problem reported for %s; got %v", f, ve.Problems)
		}
	}
	if !strings.HasPrefix(err.Error(), "khabar: invalid article: id: is empty;") {
		t.Errorf("message = %q", err.Error())
	}
}

func TestValidateUpdatedBeforePublished(t *testing.T) {
	a := art("a1", 5)
	a.Updated = a.Published.Add(-time.Hour)
	err := a.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Field != "updated" {
		t.Fatalf("Validate() = %v, want one problem with updated", err)
	}
}

func TestValidateCyclicCategory(t *testing.T) {
	c := &Category{Name: "loop"}
	c.Parent = c
	a := art("a1", 0, *c)
	if err := a.Validate(); err == nil || !strings.Contains(err.Error(), "deeper than") {
		t.Fatalf("Validate() = %v, want a depth error", err)
	}
}

// TestValidateMessages pins the exact text of every kind of problem: other
// packages' tests and users' logs rely on it, and the fast paths in
// Validate must not change a byte of it.
func TestValidateMessages(t *testing.T) {
	ok := func(edit func(a *Article)) *Article {
		a := art("a1", 0, catKanpur)
		edit(a)
		return a
	}
	deep := Category{Name: "c0"}
	for i := 1; i <= maxCategoryDepth; i++ {
		parent := deep
		deep = Category{Name: numbered("c", i), Parent: &parent}
	}
	cyclic := &Category{Name: "loop"}
	cyclic.Parent = cyclic
	farEast := time.FixedZone("UTC+14", 14*3600)
	farWest := time.FixedZone("UTC-12", -12*3600)
	absurd := time.FixedZone("absurd", 400*24*3600) // FixedZone takes any offset
	tests := []struct {
		name string
		a    *Article
		want string
	}{
		{"zero", &Article{}, "khabar: invalid article: id: is empty; title: is empty; url: is empty; published: is missing"},
		{"white space only", &Article{ID: " \t", Title: "\u00a0\u3000\n", URL: "https://x/", Published: time.Unix(0, 0)}, "khabar: invalid article \" \\t\": id: is empty; title: is empty"},
		{"id control", ok(func(a *Article) { a.ID = "a\x01b" }), "khabar: invalid article \"a\\x01b\": id: \"a\\x01b\" holds control or non-XML characters"},
		{"id bad utf8", ok(func(a *Article) { a.ID = "a\xffb" }), "khabar: invalid article \"a\\xffb\": id: \"a\\xffb\" holds control or non-XML characters"},
		{"id U+FFFF", ok(func(a *Article) { a.ID = "a\uffff" }), "khabar: invalid article \"a\\uffff\": id: \"a\\uffff\" holds control or non-XML characters"},
		{"url relative", ok(func(a *Article) { a.URL = "/a/b" }), "khabar: invalid article \"a1\": url: \"/a/b\" is not an absolute http(s) URL"},
		{"url no scheme", ok(func(a *Article) { a.URL = "//khabar.example/a" }), "khabar: invalid article \"a1\": url: \"//khabar.example/a\" is not an absolute http(s) URL"},
		{"url ftp", ok(func(a *Article) { a.URL = "ftp://khabar.example/a" }), "khabar: invalid article \"a1\": url: \"ftp://khabar.example/a\" is not an absolute http(s) URL"},
		{"url opaque", ok(func(a *Article) { a.URL = "http:/x" }), "khabar: invalid article \"a1\": url: \"http:/x\" has no host"},
		{"url no host", ok(func(a *Article) { a.URL = "https://" }), "khabar: invalid article \"a1\": url: \"https://\" has no host"},
		{"url empty host with path", ok(func(a *Article) { a.URL = "https:///a" }), "khabar: invalid article \"a1\": url: \"https:///a\" has no host"},
		{"url bad escape", ok(func(a *Article) { a.URL = "https://khabar.example/%zz" }), "khabar: invalid article \"a1\": url: \"https://khabar.example/%zz\" is not a URL: invalid URL escape \"%zz\""},
		{"url bad escape in fragment", ok(func(a *Article) { a.URL = "https://khabar.example/#%4" }), "khabar: invalid article \"a1\": url: \"https://khabar.example/#%4\" is not a URL: invalid URL escape \"%4\""},
		{"url control", ok(func(a *Article) { a.URL = "https://khabar.example/a\nb" }), "khabar: invalid article \"a1\": url: \"https://khabar.example/a\\nb\" is not a URL: net/url: invalid control character in URL"},
		{"url missing scheme", ok(func(a *Article) { a.URL = ":foo" }), "khabar: invalid article \"a1\": url: \":foo\" is not a URL: missing protocol scheme"},
		{"url bad port", ok(func(a *Article) { a.URL = "https://khabar.example:8o/" }), "khabar: invalid article \"a1\": url: \"https://khabar.example:8o/\" is not a URL: invalid port \":8o\" after host"},
		{"url two colons", ok(func(a *Article) { a.URL = "https://a:1:2/" }), "khabar: invalid article \"a1\": url: \"https://a:1:2/\" is not a URL: invalid port \":1:2\" after host"},
		{"url bad ipv6", ok(func(a *Article) { a.URL = "https://[::1/" }), "khabar: invalid article \"a1\": url: \"https://[::1/\" is not a URL: missing ']' in host"},
		{"url ipv4 literal", ok(func(a *Article) { a.URL = "https://[1.2.3.4]/" }), "khabar: invalid article \"a1\": url: \"https://[1.2.3.4]/\" is not a URL: invalid IP-literal"},
		{"url bad host char", ok(func(a *Article) { a.URL = "https://kha bar.example/" }), "khabar: invalid article \"a1\": url: \"https://kha bar.example/\" is not a URL: invalid character \" \" in host name"},
		{"url escaped ascii host", ok(func(a *Article) { a.URL = "https://%41.example/" }), "khabar: invalid article \"a1\": url: \"https://%41.example/\" is not a URL: invalid URL escape \"%41\""},
		{"url bad userinfo", ok(func(a *Article) { a.URL = "https://a b@khabar.example/" }), "khabar: invalid article \"a1\": url: \"https://a b@khabar.example/\" is not a URL: net/url: invalid userinfo"},
		{"author empty", ok(func(a *Article) { a.Authors = []Author{{Name: "x"}, {Name: " "}} }), "khabar: invalid article \"a1\": authors[1].name: is empty"},
		{"author no slug", ok(func(a *Article) { a.Authors = []Author{{Name: "!!!"}} }), "khabar: invalid article \"a1\": authors[0].slug: is empty and cannot be derived from the name"},
		{"author bad slug", ok(func(a *Article) { a.Authors = []Author{{Name: "x", Slug: "a b"}} }), "khabar: invalid article \"a1\": authors[0].slug: \"a b\" holds a slash, a control character or white space"},
		{"author bad url and email", ok(func(a *Article) {
			a.Authors = []Author{{Name: "x", URL: "mailto:x@y", Email: "x.example"}}
		}), "khabar: invalid article \"a1\": authors[0].url: \"mailto:x@y\" is not an absolute http(s) URL; authors[0].email: \"x.example\" is not an email address"},
		{"category empty name", ok(func(a *Article) { a.Categories = []Category{catLatest, {Name: ""}} }), "khabar: invalid article \"a1\": categories[1].name: is empty"},
		{"category no slug", ok(func(a *Article) { a.Categories = []Category{{Name: "…", Parent: catUP}} }), "khabar: invalid article \"a1\": categories[0].slug: is empty and cannot be derived from the name"},
		{"category bad slug", ok(func(a *Article) { a.Categories = []Category{{Name: "x", Slug: "x/y"}} }), "khabar: invalid article \"a1\": categories[0].slug: \"x/y\" holds a slash, a control character or white space"},
		{"category empty name bad slug", ok(func(a *Article) { a.Categories = []Category{{Name: "", Slug: "\x7f"}} }), "khabar: invalid article \"a1\": categories[0].name: is empty; categories[0].slug: \"\\x7f\" holds a slash, a control character or white space"},
		{"category bad parent", ok(func(a *Article) {
			a.Categories = []Category{{Name: "x", Parent: &Category{Name: "y", Parent: &Category{Name: "\t", Slug: "a\u00a0b"}}}}
		}), "khabar: invalid article \"a1\": categories[0].parent.parent.name: is empty; categories[0].parent.parent.slug: \"a\\u00a0b\" holds a slash, a control character or white space"},
		{"category too deep", ok(func(a *Article) { a.Categories = []Category{deep} }), "khabar: invalid article \"a1\": categories[0].parent.parent.parent.parent.parent.parent.parent.parent.parent.parent.parent.parent.parent.parent.parent.parent: category tree deeper than 16 levels"},
		{"category cyclic", ok(func(a *Article) { a.Categories = []Category{catLatest, *cyclic} }), "khabar: invalid article \"a1\": categories[1].parent.parent.parent.parent.parent.parent.parent.parent.parent.parent.parent.parent.parent.parent.parent.parent: category tree deeper than 16 levels"},
		{"tag empty", ok(func(a *Article) { a.Tags = []Tag{{Name: ""}, {Name: "x"}} }), "khabar: invalid article \"a1\": tags[0].name: is empty"},
		{"tag no slug", ok(func(a *Article) { a.Tags = []Tag{{Name: "x"}, {Name: "—"}} }), "khabar: invalid article \"a1\": tags[1].slug: is empty and cannot be derived from the name"},
		{"tag bad slug", ok(func(a *Article) { a.Tags = []Tag{{Name: "x", Slug: "x\uffff"}} }), "khabar: invalid article \"a1\": tags[0].slug: \"x\\uffff\" holds a slash, a control character or white space"},
		{"image", ok(func(a *Article) {
			a.Image = &Image{URL: "img.jpg", Width: -1, Height: -2, Length: -3, Type: "jpeg"}
		}), "khabar: invalid article \"a1\": image.url: \"img.jpg\" is not an absolute http(s) URL; image.width: is negative (-1); image.height: is negative (-2); image.length: is negative (-3); image.type: \"jpeg\" is not a media type"},
		{"image empty url", ok(func(a *Article) { a.Image = &Image{} }), "khabar: invalid article \"a1\": image.url: is empty"},
		{"published 1899", ok(func(a *Article) { a.Published = time.Date(1899, 12, 31, 23, 59, 59, 0, time.UTC) }), "khabar: invalid article \"a1\": published: year 1899 is out of range (1900–2200)"},
		{"published 2201", ok(func(a *Article) { a.Published = time.Date(2201, 1, 1, 0, 0, 0, 0, time.UTC) }), "khabar: invalid article \"a1\": published: year 2201 is out of range (1900–2200)"},
		{"published 1900 local", ok(func(a *Article) { a.Published = time.Date(1900, 1, 1, 0, 0, 0, 0, ist) }), ""},
		{"published 2200 local", ok(func(a *Article) { a.Published = time.Date(2200, 12, 31, 23, 59, 59, 999999999, farWest) }), ""},
		{"published 2201 local only", ok(func(a *Article) {
			a.Published = time.Date(2200, 12, 31, 12, 0, 0, 0, time.UTC).In(farEast)
		}), "khabar: invalid article \"a1\": published: year 2201 is out of range (1900–2200)"},
		{"published 1899 local only", ok(func(a *Article) {
			a.Published = time.Date(1900, 1, 1, 6, 0, 0, 0, time.UTC).In(farWest)
		}), "khabar: invalid article \"a1\": published: year 1899 is out of range (1900–2200)"},
		{"published absurd zone", ok(func(a *Article) { a.Published = a.Published.In(absurd) }), ""},
		{"published absurd zone out", ok(func(a *Article) {
			a.Published = time.Date(2200, 6, 1, 0, 0, 0, 0, time.UTC).In(absurd)
		}), "khabar: invalid article \"a1\": published: year 2201 is out of range (1900–2200)"},
		{"published year 0", ok(func(a *Article) { a.Published = time.Date(0, 1, 1, 0, 0, 0, 1, time.UTC) }), "khabar: invalid article \"a1\": published: year 0 is out of range (1900–2200)"},
		{"updated before published", ok(func(a *Article) { a.Updated = a.Published.Add(-time.Second) }), "khabar: invalid article \"a1\": updated: 2026-11-20T05:59:59+05:30 is before published 2026-11-20T06:00:00+05:30"},
		{"language", ok(func(a *Article) { a.Language = "hindi!" }), "khabar: invalid article \"a1\": language: \"hindi!\" is not a BCP 47 tag"},
		{"metrics", ok(func(a *Article) { a.Metrics = Metrics{Views: -1, Shares: -2, Comments: -3} }), "khabar: invalid article \"a1\": metrics.views: is negative (-1); metrics.shares: is negative (-2); metrics.comments: is negative (-3)"},
		{"source empty", ok(func(a *Article) { a.Source = &Source{} }), "khabar: invalid article \"a1\": source.feed_url: is empty"},
		{"source bad", ok(func(a *Article) { a.Source = &Source{FeedURL: "feed.xml"} }), "khabar: invalid article \"a1\": source.feed_url: \"feed.xml\" is not an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.a.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Validate()\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestValidateNoAllocs pins the point of Validate's fast paths: a valid
// article, with derived or explicit slugs, costs no allocation.
func TestValidateNoAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage counters may allocate")
	}
	as := append(validCorpus(t), art("a1", 0, catKanpur, catLatest))
	for _, a := range as {
		if err := a.Validate(); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(10, func() { _ = a.Validate() }); n != 0 {
			t.Errorf("Validate(%s) makes %v allocations, want 0", a.ID, n)
		}
	}
}

// TestValidateConcurrent hammers Validate on shared articles, valid and
// not, from several goroutines, with new language tags arriving (the tag
// cache is written while read); run it with -race.
func TestValidateConcurrent(t *testing.T) {
	as := validCorpus(t)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				a := as[(i*7+g)%len(as)]
				if err := a.Validate(); err != nil {
					t.Errorf("Validate(%s) = %v", a.ID, err)
					return
				}
				if err := checkLanguage(fmt.Sprintf("en-x-g%di%d", g, i%40)); err != nil {
					t.Errorf("checkLanguage: %v", err)
					return
				}
				bad := &Article{ID: a.ID, URL: "x", Language: "!"}
				if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), `language: "!" is not a BCP 47 tag`) {
					t.Errorf("Validate(bad) = %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestCheckLanguageCacheBound checks that the cache of good tags stops
// growing at maxGoodLanguages and still answers for tags it left out.
func TestCheckLanguageCacheBound(t *testing.T) {
	saved := goodLanguages.Load()
	t.Cleanup(func() { goodLanguages.Store(saved) }) // leave room for the tags other tests use
	for i := 0; i < maxGoodLanguages+50; i++ {
		if err := checkLanguage(fmt.Sprintf("hi-x-b%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(*goodLanguages.Load()); n != maxGoodLanguages {
		t.Errorf("cache holds %d tags, want %d", n, maxGoodLanguages)
	}
	if err := checkLanguage("hi-x-bextra"); err != nil {
		t.Errorf("good tag beyond the cache: %v", err)
	}
	if err := checkLanguage("!!"); err == nil {
		t.Error("bad tag accepted")
	}
}

// FuzzValidate decodes an article from JSON and checks that Validate and
// the pre-optimisation code agree on it. Seeds: every line of the corpus.
func FuzzValidate(f *testing.F) {
	file, err := os.Open("testdata/articles.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, MaxLineBytes)
	for sc.Scan() {
		f.Add(sc.Text())
	}
	file.Close()
	if err := sc.Err(); err != nil {
		f.Fatal(err)
	}
	f.Add(`{"id":" ","title":"\u00a0","url":"HTTPS://उदाहरण.भारत/%E0%A4","tags":[{"name":"\u0958"}],"published":"2200-12-31T23:59:59-12:00"}`)
	f.Fuzz(func(t *testing.T, line string) {
		var a Article
		if json.Unmarshal([]byte(line), &a) != nil {
			return
		}
		sameAsReference(t, &a)
	})
}

// TestStoredArticlesPassValidate: the catalog stores text through
// CleanText, so Validate must judge the cleaned text. A title, author,
// category or tag name made only of control or non-XML characters was
// accepted, cleaned to nothing and stored, and feeds then carried empty
// titles and names. Now such an article is refused, and whatever the
// catalog accepts, read back, passes Validate.
func TestStoredArticlesPassValidate(t *testing.T) {
	base := func() *Article {
		return &Article{
			ID: "x", Title: "शीर्षक", URL: "https://khabar.example/x/",
			Published:  time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC),
			Authors:    []Author{{Name: "लेखक"}},
			Categories: []Category{{Name: "कानपुर", Parent: &Category{Name: "उत्तर प्रदेश"}}},
			Tags:       []Tag{{Name: "चुनाव"}},
		}
	}
	c := NewCatalog()
	a := base()
	a.Title = "\x01\x02\ufffe"
	var ve *ValidationError
	if err := c.Upsert(a); !errors.As(err, &ve) || !strings.Contains(err.Error(), "title: has no text") {
		t.Fatalf("title of control characters only: err %v, want a *ValidationError about the title", err)
	}
	set := []func(a *Article, s string){
		func(a *Article, s string) { a.Title = s },
		func(a *Article, s string) { a.Authors[0].Name = s },
		func(a *Article, s string) { a.Categories[0].Name = s },
		func(a *Article, s string) { a.Categories[0].Parent.Name = s },
		func(a *Article, s string) { a.Tags[0].Name = s },
	}
	values := append([]string{"\x01", "\x7f\x01 \x02", "\uffff", " \x00\t", "\ufffe\u00a0"}, hostileStrings...)
	for fi, f := range set {
		for _, v := range values {
			a := base()
			f(a, v)
			if err := c.Upsert(a); err != nil {
				continue
			}
			got, ok := c.Get("x")
			if !ok {
				t.Fatalf("field %d = %q: accepted but not stored", fi, v)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("field %d = %q: the stored article fails Validate: %v", fi, v, err)
			}
		}
	}
}

// TestValidateTaxonomyLimits: an article with more authors, categories or
// tags than the limits is refused with a message naming the limit, and
// only the first Max of each are checked (60,000 bad tags give one line,
// not 60,000).
func TestValidateTaxonomyLimits(t *testing.T) {
	a := &Article{ID: "x", Title: "t", URL: "https://khabar.example/x/", Published: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	for range 60000 {
		a.Tags = append(a.Tags, Tag{Name: "चुनाव"})
	}
	for range MaxCategories + 1 {
		a.Categories = append(a.Categories, Category{Name: "कानपुर"})
	}
	for range MaxAuthors + 1 {
		a.Authors = append(a.Authors, Author{Name: "लेखक"})
	}
	err := a.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err %v, want a *ValidationError", err)
	}
	want := []string{
		"authors: 51 authors, more than MaxAuthors (50)",
		"categories: 51 categories, more than MaxCategories (50)",
		"tags: 60000 tags, more than MaxTags (100)",
	}
	if len(ve.Problems) != len(want) {
		t.Fatalf("%d problems, want %d: %v", len(ve.Problems), len(want), err)
	}
	for i, p := range ve.Problems {
		if got := p.Field + ": " + p.Problem; got != want[i] {
			t.Errorf("problem %d = %q, want %q", i, got, want[i])
		}
	}
	a.Tags = a.Tags[:MaxTags]
	a.Categories = a.Categories[:MaxCategories]
	a.Authors = a.Authors[:MaxAuthors]
	if err := a.Validate(); err != nil {
		t.Errorf("at the limits: %v", err)
	}
}
