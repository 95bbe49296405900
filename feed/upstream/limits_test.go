package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/khabar/khabar"
)

// limitOf returns the *LimitError in err's tree naming limit, for the
// item field field ("" for a document-level one).
func limitOf(err error, field, limit string) *LimitError {
	var pe *ParseError
	if !errors.As(err, &pe) {
		return nil
	}
	if field == "" {
		var le *LimitError
		if errors.As(pe.Err, &le) && le.Limit == limit {
			return le
		}
		return nil
	}
	for _, ie := range pe.Items {
		var le *LimitError
		if ie.Field == field && errors.As(ie.Err, &le) && le.Limit == limit {
			return le
		}
	}
	return nil
}

func rssItems(n int, after string) string {
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>T</title>`)
	for i := range n {
		fmt.Fprintf(&b, `<item><title>i%d</title><link>https://a.example/%d</link><pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate></item>`, i, i)
	}
	b.WriteString(after + `</channel></rss>`)
	return b.String()
}

func atomEntries(n int, after string) string {
	var b strings.Builder
	b.WriteString(`<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>`)
	for i := range n {
		fmt.Fprintf(&b, `<entry><title>i%d</title><link href="https://a.example/%d"/><updated>2026-11-24T10:00:00Z</updated></entry>`, i, i)
	}
	b.WriteString(after + `</feed>`)
	return b.String()
}

func jsonItems(n int, after string) string {
	var b strings.Builder
	b.WriteString(`{"version":"https://jsonfeed.org/version/1.1","items":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(" , ")
		}
		fmt.Fprintf(&b, `{"id":"%d","title":"i%d","url":"https://a.example/%d","date_published":"2026-11-24T10:00:00Z"}`, i, i, i)
	}
	b.WriteString(`]` + after + `}`)
	return b.String()
}

func TestMaxItems(t *testing.T) {
	prefixed := func(n int, after string) string { return strings.ReplaceAll(rssItems(n, after), "item>", "rss:item>") }
	for _, tc := range []struct {
		name  string
		doc   func(n int, after string) string
		after string
	}{
		{"rss", rssItems, `<description>after the items</description>`},
		{"atom", atomEntries, `<subtitle>after the items</subtitle>`},
		{"json", jsonItems, `,"description":"after the items"`},
		{"rss prefixed", prefixed, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Parser{MaxItems: 3}
			f, err := p.Parse([]byte(tc.doc(7, tc.after)), "https://a.example/feed", "")
			if f == nil {
				t.Fatalf("no feed: %v", err)
			}
			if len(f.Articles) != 3 || f.Articles[2].Title != "i2" {
				t.Errorf("got %d articles, want the first 3", len(f.Articles))
			}
			le := limitOf(err, "", "MaxItems")
			if le == nil || le.Value != 3 || !errors.Is(err, ErrLimit) {
				t.Fatalf("error %v, want a *LimitError for MaxItems (3)", err)
			}
			if !strings.Contains(tc.name, "prefixed") && f.Description != "after the items" {
				t.Errorf("description %q: what follows the items was lost", f.Description)
			}
			if f, err := p.Parse([]byte(tc.doc(3, tc.after)), "https://a.example/feed", ""); err != nil || len(f.Articles) != 3 {
				t.Errorf("a document within the limit: %v", err)
			}
		})
	}
	// Within the default, nothing is cut.
	f, err := (&Parser{}).Parse([]byte(rssItems(50, "")), "https://a.example/feed", "")
	if err != nil || len(f.Articles) != 50 {
		t.Errorf("50 items: %d articles, %v", len(f.Articles), err)
	}
}

func TestMaxItemErrors(t *testing.T) {
	var b strings.Builder
	for i := range 20 {
		fmt.Fprintf(&b, `<item><title>x%d</title></item>`, i) // no link, no date: 2 problems each
	}
	doc := []byte(`<rss version="2.0"><channel>` + b.String() + `</channel></rss>`)
	_, err := (&Parser{MaxItemErrors: 5}).Parse(doc, "https://a.example/feed", "")
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v", err)
	}
	if len(pe.Items) != 5 || pe.Omitted != 35 {
		t.Errorf("%d listed, %d omitted; want 5 and 35", len(pe.Items), pe.Omitted)
	}
	if !strings.Contains(err.Error(), "(40 item problems") {
		t.Errorf("message %q does not count every problem", err)
	}
}

func TestItemLabelLimits(t *testing.T) {
	var cats, creators, dup strings.Builder
	for i := range khabar.MaxCategories + 10 {
		fmt.Fprintf(&cats, `<category>c%d</category>`, i)
	}
	for i := range khabar.MaxAuthors + 10 {
		fmt.Fprintf(&creators, `<dc:creator>a%d</dc:creator>`, i)
	}
	for i := range khabar.MaxCategories {
		fmt.Fprintf(&dup, `<category>c%d</category>`, i)
	}
	dup.WriteString(strings.Repeat(`<category>c0</category>`, 1000))
	item := func(s string) []byte {
		return []byte(`<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><item><title>x</title><link>https://a.example/x</link><pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate>` + s + `</item></channel></rss>`)
	}
	var tags []string
	for i := range 3000 {
		tags = append(tags, fmt.Sprint("t", i))
	}
	tagDoc, _ := json.Marshal(map[string]any{"version": "https://jsonfeed.org/version/1.1", "title": "T",
		"items": []any{map[string]any{"id": "1", "url": "https://a.example/1", "tags": tags}}})

	p := &Parser{}
	f, err := p.Parse(item(cats.String()+creators.String()), "https://a.example/feed", "")
	a := f.Articles[0]
	if len(a.Categories) != khabar.MaxCategories || a.Categories[0].Name != "c0" || limitOf(err, "categories", "MaxCategories") == nil {
		t.Errorf("%d categories (first %v), error %v; want the first %d and a MaxCategories item error", len(a.Categories), a.Categories[0], err, khabar.MaxCategories)
	}
	if len(a.Authors) != khabar.MaxAuthors || a.Authors[0].Name != "a0" || limitOf(err, "authors", "MaxAuthors") == nil {
		t.Errorf("%d authors, error %v; want the first %d and a MaxAuthors item error", len(a.Authors), err, khabar.MaxAuthors)
	}
	if a.Validate() != nil {
		t.Errorf("a capped article does not pass Validate: %v", a.Validate())
	}
	f, err = p.Parse(tagDoc, "https://a.example/feed", "")
	if a := f.Articles[0]; len(a.Tags) != khabar.MaxTags || a.Tags[0].Name != "t0" || limitOf(err, "tags", "MaxTags") == nil {
		t.Errorf("%d tags, error %v; want the first %d and a MaxTags item error", len(a.Tags), err, khabar.MaxTags)
	}
	if f.Title != "T" {
		t.Errorf("feed title %q: cutting an item's array lost the feed's members", f.Title)
	}
	// Repeats of kept labels are not over the limit.
	f, err = p.Parse(item(dup.String()), "https://a.example/feed", "")
	if len(f.Articles[0].Categories) != khabar.MaxCategories || errors.Is(err, ErrLimit) {
		t.Errorf("repeated categories: %d kept, error %v", len(f.Articles[0].Categories), err)
	}
}

func TestItemTextLimits(t *testing.T) {
	long := "https://a.example/" + strings.Repeat("x", MaxURLBytes)
	title := strings.Repeat("शब्द ", MaxTitleRunes)
	body := strings.Repeat("<p>ख़बर</p>", MaxContentBytes/16)
	doc := `<rss version="2.0"><channel>
<item><title>` + title + `</title><link>https://a.example/1</link></item>
<item><title>b</title><link>https://a.example/2</link><description><![CDATA[` + body + `]]></description></item>
<item><title>c</title><link>` + long + `</link></item>
</channel></rss>`
	f, err := (&Parser{}).Parse([]byte(doc), "https://a.example/feed", "")
	if f == nil || len(f.Articles) != 3 {
		t.Fatalf("feed %v, error %v", f, err)
	}
	if n := len(f.Articles[0].Title); n >= len(title) || limitOf(err, "title", "MaxTitleRunes") == nil {
		t.Errorf("title of %d bytes, error %v", n, err)
	}
	if n := len(f.Articles[1].ContentHTML); n > MaxContentBytes+MaxContentBytes/8 || n < MaxContentBytes/2 || limitOf(err, "content", "MaxContentBytes") == nil {
		t.Errorf("content of %d bytes, error %v", n, err)
	}
	if u := f.Articles[2].URL; u != "" || limitOf(err, "url", "MaxURLBytes") == nil {
		t.Errorf("URL of %d bytes kept, error %v", len(u), err)
	}
}

func TestCutJSONItems(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"items":[1,2,3,4]}`, `{"items":[1,2]}`},
		{`{"items" : [ {"a":[1,2]} , {"b":"]},{"} ,{} ] , "x":{"items":[1,2,3]}}`, `{"items" : [ {"a":[1,2]} , {"b":"]},{"}] , "x":{"items":[1,2,3]}}`},
		{`{"\u0069tems":[1,2,3]}`, `{"\u0069tems":[1,2]}`},
		{`{"items":[1,2,3`, `{"items":[1,2`},
		{`{"items":[[1,2,3],{}]}`, `{"items":[[1,2,3],{}]}`},
	} {
		got, _ := cutJSONItems([]byte(tc.in), 2)
		if string(got) != tc.want {
			t.Errorf("cutJSONItems(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	long := `{"items":[{"tags":[` + strings.Repeat(`"t",`, 500) + `"t"],"id":"1"}]}`
	got, cut := cutJSONItems([]byte(long), 2)
	var v struct {
		Items []struct {
			Tags []string
			ID   string
		}
	}
	if err := json.Unmarshal(got, &v); err != nil || cut || len(v.Items[0].Tags) != maxItemArray || v.Items[0].ID != "1" {
		t.Errorf("cut %v, %v, %+v", cut, err, v)
	}
}

// FuzzCutItems checks that cutting the items of a valid JSON or XML
// document leaves it valid (JSON) and never leaves more than max items.
func FuzzCutItems(f *testing.F) {
	f.Add([]byte(jsonItems(4, "")), 2)
	f.Add([]byte(`{"items":[{"tags":[1,2,3]},{"authors":[{}]}],"x":[]}`), 1)
	f.Add([]byte(rssItems(4, "")), 2)
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		if max < 1 || max > 1000 {
			return
		}
		out, _ := cutItems(data, max)
		if len(out) > len(data) {
			t.Fatalf("cutting grew the document from %d to %d bytes", len(data), len(out))
		}
		if firstByte(data) == '{' && json.Valid(data) {
			if !json.Valid(out) {
				t.Fatalf("cut %s to invalid JSON %s", data, out)
			}
			var v struct{ Items []json.RawMessage }
			if json.Unmarshal(out, &v) == nil && len(v.Items) > max {
				t.Fatalf("%d items left of %s, max %d", len(v.Items), data, max)
			}
		}
	})
}

// TestPollerKeepsValidatorsOverMaxItems: a document whole but over
// MaxItems reads the same when fetched again, so its poll keeps the
// validators that let the server answer 304.
func TestPollerKeepsValidatorsOverMaxItems(t *testing.T) {
	fs := newFixtureServer(t)
	fs.set("big.xml", []byte(rssItems(5, "")))
	p := &Poller{Catalog: khabar.NewCatalog(), Fetcher: testFetcher(), Parser: &Parser{MaxItems: 2}}
	p.Add(subsFor(fs, "big.xml")...)
	reports := p.PollDue(context.Background())
	if len(reports) != 1 || !errors.Is(reports[0].Err, ErrLimit) || reports[0].Stored != 2 {
		t.Fatalf("reports %+v, want 2 stored and ErrLimit", reports)
	}
	st, _ := p.store.Load(context.Background(), fs.URL+"/big.xml")
	if st.LastModified == "" {
		t.Errorf("state %+v: the validators were dropped", st)
	}
}

// TestElementFloods: an item with more than MaxItemElements elements is
// left out and reported, its neighbours kept; a document past MaxElements
// is cut and reported; an ordinary document is returned as it is.
func TestElementFloods(t *testing.T) {
	head := `<rss version="2.0" xmlns:x="urn:x"><channel><title>t</title>`
	item := func(title string, n int) string {
		return `<item><title>` + title + `</title><link>https://a.example/` + title + `</link>` + strings.Repeat(`<x:y/>`, n) + `</item>`
	}
	doc := head + item("a", 3) + item("flood", MaxItemElements+1) + item("b", MaxItemElements-2) + `</channel></rss>`
	f, err := (&Parser{}).Parse([]byte(doc), "https://a.example/feed", "")
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != "MaxItemElements" {
		t.Fatalf("err %v, want a *LimitError naming MaxItemElements", err)
	}
	if f == nil || len(f.Articles) != 2 || f.Articles[0].Title != "a" || f.Articles[1].Title != "b" {
		t.Fatalf("articles %v, want a and b", f)
	}
	plain := []byte(head + item("a", 3) + item("b", 3) + `</channel></rss>`)
	if got, hit := cutElementFloods(plain); hit != nil || !bytes.Equal(got, plain) {
		t.Errorf("an ordinary document changed: %v", hit)
	}
	var b strings.Builder
	b.WriteString(head)
	for i := 0; i*100 < MaxElements+1000; i++ {
		b.WriteString(item("i", 98))
	}
	b.WriteString(`</channel></rss>`)
	got, hit := cutElementFloods([]byte(b.String()))
	if hit == nil || hit.Limit != "MaxElements" || len(got) >= b.Len() {
		t.Errorf("a document past MaxElements: limit %v, %d of %d bytes", hit, len(got), b.Len())
	}
}
