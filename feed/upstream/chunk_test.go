package upstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// smallChunks makes every document over 8 KB chunked in 4 KB runs of items
// for the rest of the test.
func smallChunks(t *testing.T) {
	oldT, oldB := chunkThreshold, chunkBytes
	chunkThreshold, chunkBytes = 8<<10, 4<<10
	t.Cleanup(func() { chunkThreshold, chunkBytes = oldT, oldB })
}

// parseChunkedLikeWhole runs parse, which parses doc, once whole and
// once in small chunks (see smallChunks), fails the test unless both read
// it without error and alike, and returns the chunked reading.
func parseChunkedLikeWhole(t *testing.T, doc []byte, parse func() (*Feed, error)) *Feed {
	t.Helper()
	whole, werr := parse()
	smallChunks(t)
	if scan := prescan(doc, nil); len(scan.items) < 2 {
		t.Fatalf("document of %d bytes is not chunked", len(doc))
	}
	chunked, cerr := parse()
	if werr != nil || cerr != nil {
		t.Fatalf("errors: %v, %v", werr, cerr)
	}
	wj, _ := json.Marshal(whole)
	cj, _ := json.Marshal(chunked)
	if string(wj) != string(cj) {
		t.Errorf("chunked parse differs from the whole one")
	}
	return chunked
}

func TestChunkedParseMatchesWhole(t *testing.T) {
	var buf bytes.Buffer
	genRSS(&buf, 120, 300)
	doc := buf.Bytes()
	// One item without a date, to check item indexes across chunks.
	doc = regexp.MustCompile(`(synth-77</guid>\n<pubDate>)[^<]*`).ReplaceAll(doc, []byte("${1}later"))
	whole, werr := (&Parser{}).Parse(doc, "https://synth.example.in/feed/", "")
	smallChunks(t)
	if len(doc) < chunkThreshold {
		t.Fatalf("document of %d bytes is too small to be chunked", len(doc))
	}
	chunked, cerr := (&Parser{}).Parse(doc, "https://synth.example.in/feed/", "")
	a, _ := json.Marshal(whole)
	b, _ := json.Marshal(chunked)
	if !bytes.Equal(a, b) {
		t.Errorf("chunked parse differs from the whole parse")
	}
	if fmt.Sprint(werr) != fmt.Sprint(cerr) {
		t.Errorf("errors differ: whole %v, chunked %v", werr, cerr)
	}
	var pe *ParseError
	if !errors.As(cerr, &pe) || len(pe.Items) != 1 || pe.Items[0].Index != 77 {
		t.Errorf("chunked error = %v, want one item error at index 77", cerr)
	}
}

func TestChunkedFallsBackOnBrokenItem(t *testing.T) {
	smallChunks(t)
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>t</title>`)
	for i := range 100 {
		title := fmt.Sprintf("item %d %s", i, strings.Repeat("x", 100))
		if i == 60 {
			title = "broken <<< item"
		}
		fmt.Fprintf(&b, "<item><title>%s</title><link>https://c.example/%d</link><pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate></item>\n", title, i)
	}
	b.WriteString(`</channel></rss>`)
	f, err := (&Parser{}).Parse([]byte(b.String()), "https://c.example/feed", "")
	var pe *ParseError
	if f == nil || len(f.Articles) != 99 || !errors.As(err, &pe) || len(pe.Items) != 1 || pe.Items[0].Index != 60 {
		t.Fatalf("got %v articles, err %v; want 99 and item 60 reported", f, err)
	}
}

// TestRSSXMLBaseChunked: a large RSS document with xml:base resolves the
// same when parsed in chunks as whole.
func TestRSSXMLBaseChunked(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<rss version="2.0" xml:base="https://static.example.com/hi/"><channel><title>t</title><link>https://www.example.com/</link>`)
	for i := range 400 {
		base := ""
		if i%7 == 3 {
			base = fmt.Sprintf(` xml:base="https://cdn%d.example.net/u/"`, i)
		}
		fmt.Fprintf(&b, `<item%s><title>item %d</title><link>n/%d.html</link><guid>g%d</guid><pubDate>Tue, 24 Nov 2026 09:15:00 IST</pubDate>`+
			`<description><![CDATA[<p><img src="img/%d.jpg"> <a href="rel/%d">more</a> padding padding padding padding</p>]]></description></item>`, base, i, i, i, i, i)
	}
	b.WriteString(`</channel></rss>`)
	doc := []byte(b.String())
	chunked := parseChunkedLikeWhole(t, doc, func() (*Feed, error) { return (&Parser{}).Parse(doc, "https://feeds.example/x", "") })
	if a := chunked.Articles[10]; a.Image == nil || a.Image.URL != "https://cdn10.example.net/u/img/10.jpg" || a.URL != "https://cdn10.example.net/u/n/10.html" {
		t.Errorf("article 10 = %s %+v, want its item's xml:base applied", a.URL, a.Image)
	}
	if a := chunked.Articles[399]; a.Image == nil || a.Image.URL != "https://static.example.com/hi/img/399.jpg" || !strings.Contains(a.ContentHTML, `href="https://static.example.com/hi/rel/399"`) {
		t.Errorf("article 399 = %+v, %s; want the root's xml:base applied", a.Image, a.ContentHTML)
	}
}

// TestAtomXMLBaseChunked: a large Atom document whose entries, some
// without content, take their xml:base from the feed or from themselves
// resolves the same when parsed in chunks as whole.
func TestAtomXMLBaseChunked(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xml:base="https://static.example.com/hi/"><title>t</title><id>urn:t</id><updated>2026-11-24T10:00:00Z</updated>`)
	for i := range 400 {
		base, content := "", ""
		if i%7 == 3 {
			base = fmt.Sprintf(` xml:base="https://cdn%d.example.net/u/"`, i)
		}
		if i%2 == 0 {
			content = fmt.Sprintf(`<content type="html">&lt;p&gt;&lt;a href="rel/%d"&gt;more&lt;/a&gt; padding padding padding padding&lt;/p&gt;</content>`, i)
		}
		fmt.Fprintf(&b, `<entry%s><title>entry %d</title><link href="n/%d.html"/><id>urn:e%d</id><updated>2026-11-24T10:00:00Z</updated><media:thumbnail url="img/%d.jpg"/>%s</entry>`, base, i, i, i, i, content)
	}
	b.WriteString(`</feed>`)
	doc := []byte(b.String())
	chunked := parseChunkedLikeWhole(t, doc, func() (*Feed, error) {
		return (&Parser{}).ParseResult(&Result{URL: "https://feeds.example/x", Body: doc}, "https://feeds.example/x")
	})
	for _, i := range []int{3, 10, 17, 201, 398, 399} {
		a, base := chunked.Articles[i], "https://static.example.com/hi/"
		if i%7 == 3 {
			base = fmt.Sprintf("https://cdn%d.example.net/u/", i)
		}
		if a.Image == nil || a.Image.URL != fmt.Sprintf("%simg/%d.jpg", base, i) || a.URL != fmt.Sprintf("%sn/%d.html", base, i) {
			t.Errorf("article %d = %s %+v, want the xml:base %s applied", i, a.URL, a.Image, base)
		}
		if i%2 == 0 && !strings.Contains(a.ContentHTML, fmt.Sprintf(`href="%srel/%d"`, base, i)) {
			t.Errorf("article %d: ContentHTML %s, want the xml:base %s applied", i, a.ContentHTML, base)
		}
	}
}
