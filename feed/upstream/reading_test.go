package upstream

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
	"github.com/mmcdole/gofeed"
)

// The reading corpus: documents in testdata/upstream/reading, each (x.xml)
// paired with the reading a tolerant feed reader must give (x.json). Every
// rule of what a feed means (text constructs, white space, where bodies
// hide, dates, encodings, sources and contributors, HTTP headers) has a
// document here.

const readingDir = fixtureDir + "/reading"

// expectation is the expected reading of one document. A nil field is not
// checked.
type expectation struct {
	Rule string `json:"rule"`
	// HTTP, when set, makes the document a fetch result parsed with
	// ParseResult.
	HTTP *struct {
		URL             string `json:"url"`
		ContentLocation string `json:"content_location"`
		ContentLanguage string `json:"content_language"`
	} `json:"http"`
	Feed  expectedFeed   `json:"feed"`
	Items []expectedItem `json:"items"`
}

type expectedFeed struct {
	Title       *string `json:"title"`
	Description *string `json:"description"`
	Rights      *string `json:"rights"`
	Language    *string `json:"language"`
}

// expectedItem: content_text and summary_text are the text of the body and
// summary with white space folded; content_has is a string the body's HTML
// must hold.
type expectedItem struct {
	Title       *string   `json:"title"`
	Link        *string   `json:"link"`
	ContentText *string   `json:"content_text"`
	SummaryText *string   `json:"summary_text"`
	ContentHas  *string   `json:"content_has"`
	Published   *string   `json:"published"`
	Updated     *string   `json:"updated"`
	Authors     *[]string `json:"authors"`
	OriginTitle *string   `json:"origin_title"`
	OriginURL   *string   `json:"origin_url"`
	Categories  *[]string `json:"categories"`
	Tags        *[]string `json:"tags"`
}

// reading is one parser's reading of a document, field by field, in the
// expectation's terms; ok is false for a field the parser does not expose.
type reading map[string]string

type readingDoc struct {
	name string
	data []byte
	want expectation
}

func readingDocs(t testing.TB) []readingDoc {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(readingDir, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no expectations in %s (%v)", readingDir, err)
	}
	var docs []readingDoc
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		data, err := os.ReadFile(filepath.Join(readingDir, name+".xml"))
		if err != nil {
			t.Fatal(err)
		}
		js, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		d := readingDoc{name: name, data: data}
		if err := json.Unmarshal(js, &d.want); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		docs = append(docs, d)
	}
	return docs
}

// fold folds white space for comparing texts.
func fold(s string) string { return strings.Join(strings.Fields(s), " ") }

// bodyText is the text of an HTML body, folded.
func bodyText(html string) string { return fold(khabar.PlainText(html)) }

func instant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// ours reads a document with this package.
func ours(t *testing.T, d readingDoc) (feed reading, items []reading) {
	t.Helper()
	p := &Parser{}
	var f *Feed
	var err error
	if h := d.want.HTTP; h != nil {
		f, err = p.ParseResult(&Result{URL: h.URL, Body: d.data, ContentLocation: h.ContentLocation, ContentLanguage: h.ContentLanguage}, h.URL)
	} else {
		f, err = p.Parse(d.data, "https://reading.example/"+d.name, "")
	}
	if f == nil {
		t.Fatalf("%s: no feed: %v", d.name, err)
	}
	feed = reading{"title": f.Title, "description": f.Description, "rights": f.Rights, "language": f.Language}
	for _, a := range f.Articles {
		var names, cats, tags []string
		for _, au := range a.Authors {
			names = append(names, au.Name)
		}
		for _, c := range a.Categories {
			cats = append(cats, c.Name)
		}
		for _, tg := range a.Tags {
			tags = append(tags, tg.Name)
		}
		items = append(items, reading{
			"title": a.Title, "link": a.URL, "content_text": bodyText(a.ContentHTML),
			"summary_text": fold(a.Summary), "content_html": a.ContentHTML,
			"published": instant(a.Published), "updated": instant(a.Updated),
			"authors": strings.Join(names, "|"), "origin_title": a.Source.OriginTitle, "origin_url": a.Source.OriginURL,
			"categories": strings.Join(cats, "|"), "tags": strings.Join(tags, "|"),
		})
	}
	return feed, items
}

// gofeedAlone reads a document with gofeed and nothing else, on the
// fields gofeed exposes.
func gofeedAlone(d readingDoc) (feed reading, items []reading) {
	gf, err := gofeed.NewParser().Parse(bytes.NewReader(d.data))
	if err != nil {
		return reading{}, nil
	}
	feed = reading{"title": gf.Title, "description": gf.Description, "rights": gf.Copyright, "language": gf.Language}
	for _, it := range gf.Items {
		body := it.Content
		if body == "" {
			body = it.Description
		}
		var names []string
		for _, au := range it.Authors {
			names = append(names, au.Name)
		}
		r := reading{
			"title": it.Title, "link": it.Link, "content_text": bodyText(body),
			"summary_text": bodyText(it.Description), "content_html": body,
			"authors": strings.Join(names, "|"), "categories": strings.Join(it.Categories, "|"),
		}
		if it.PublishedParsed != nil {
			r["published"] = instant(*it.PublishedParsed)
		}
		if it.UpdatedParsed != nil {
			r["updated"] = instant(*it.UpdatedParsed)
		}
		items = append(items, r)
	}
	return feed, items
}

// check compares a reading with the expectation field by field and
// returns the fields that differ, as "field: got %q, want %q".
func check(feed reading, items []reading, want expectation) map[string]string {
	bad := map[string]string{}
	cmp := func(key string, got reading, field string, w *string, contains bool) {
		if w == nil {
			return
		}
		g, ok := got[field]
		if !ok {
			bad[key] = notExposed
			return
		}
		if contains && strings.Contains(g, *w) || !contains && g == *w {
			return
		}
		bad[key] = "got " + strq(g) + ", want " + strq(*w)
	}
	cmp("feed.title", feed, "title", want.Feed.Title, false)
	cmp("feed.description", feed, "description", want.Feed.Description, false)
	cmp("feed.rights", feed, "rights", want.Feed.Rights, false)
	cmp("feed.language", feed, "language", want.Feed.Language, false)
	for i, w := range want.Items {
		key := "item " + strq(ptrOr(w.Title, "")) + "."
		if i >= len(items) {
			bad[key+"*"] = "missing"
			continue
		}
		got := items[i]
		joined := func(l *[]string) *string {
			if l == nil {
				return nil
			}
			s := strings.Join(*l, "|")
			return &s
		}
		authors := joined(w.Authors)
		cmp(key+"title", got, "title", w.Title, false)
		cmp(key+"link", got, "link", w.Link, false)
		cmp(key+"content_text", got, "content_text", w.ContentText, false)
		cmp(key+"summary_text", got, "summary_text", w.SummaryText, false)
		cmp(key+"content_has", got, "content_html", w.ContentHas, true)
		cmp(key+"published", got, "published", w.Published, false)
		cmp(key+"updated", got, "updated", w.Updated, false)
		cmp(key+"authors", got, "authors", authors, false)
		cmp(key+"origin_title", got, "origin_title", w.OriginTitle, false)
		cmp(key+"origin_url", got, "origin_url", w.OriginURL, false)
		cmp(key+"categories", got, "categories", joined(w.Categories), false)
		cmp(key+"tags", got, "tags", joined(w.Tags), false)
	}
	return bad
}

// notExposed is check's verdict on a field the parser does not expose.
const notExposed = "not exposed"

func strq(s string) string { b, _ := json.Marshal(s); return string(b) }

func ptrOr(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

// TestReadingRules: this package reads every document of the reading
// corpus as its expectation says, one subtest per rule.
func TestReadingRules(t *testing.T) {
	for _, d := range readingDocs(t) {
		t.Run(d.name, func(t *testing.T) {
			feed, items := ours(t, d)
			for field, problem := range check(feed, items, d.want) {
				t.Errorf("%s (%s): %s: %s", d.name, d.want.Rule, field, problem)
			}
		})
	}
}

// TestNoLossAgainstGofeed runs the reading corpus through gofeed alone
// and through this package, and fails on any field where gofeed's reading
// is right and this package's is not.
func TestNoLossAgainstGofeed(t *testing.T) {
	var shared, oursRight, gofeedRight int
	for _, d := range readingDocs(t) {
		of, oi := ours(t, d)
		gf, gi := gofeedAlone(d)
		oursBad, gofeedBad := check(of, oi, d.want), check(gf, gi, d.want)
		for field := range expectedFields(d.want) {
			ob, gb := oursBad[field], gofeedBad[field]
			if gb == notExposed || ob == notExposed {
				continue
			}
			shared++
			if ob == "" {
				oursRight++
			}
			if gb == "" {
				gofeedRight++
			}
			if ob != "" && gb == "" {
				t.Errorf("%s: %s: gofeed reads it right, this package does not: %s", d.name, field, ob)
			}
		}
	}
	t.Logf("fields both expose, read as expected: this package %d/%d, gofeed alone %d/%d", oursRight, shared, gofeedRight, shared)
}

// expectedFields lists the keys check uses for every field want sets.
func expectedFields(want expectation) map[string]bool {
	keys := map[string]bool{}
	add := func(key string, p *string) {
		if p != nil {
			keys[key] = true
		}
	}
	add("feed.title", want.Feed.Title)
	add("feed.description", want.Feed.Description)
	add("feed.rights", want.Feed.Rights)
	add("feed.language", want.Feed.Language)
	for _, w := range want.Items {
		key := "item " + strq(ptrOr(w.Title, "")) + "."
		add(key+"title", w.Title)
		add(key+"link", w.Link)
		add(key+"content_text", w.ContentText)
		add(key+"summary_text", w.SummaryText)
		add(key+"content_has", w.ContentHas)
		add(key+"published", w.Published)
		add(key+"updated", w.Updated)
		if w.Authors != nil {
			keys[key+"authors"] = true
		}
		add(key+"origin_title", w.OriginTitle)
		add(key+"origin_url", w.OriginURL)
		for field, l := range map[string]*[]string{"categories": w.Categories, "tags": w.Tags} {
			if l != nil {
				keys[key+field] = true
			}
		}
	}
	return keys
}
