package upstream

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestRSSItemBases(t *testing.T) {
	doc, _ := url.Parse("https://feed.example/path/feed.xml")
	tests := []struct {
		name, xml string
		want      []string // "" for nil
	}{
		{"none", `<rss><channel><item/><item></item></channel></rss>`, nil},
		{"root", `<rss xml:base="https://a.example/x/"><channel><item/><item>t</item></channel></rss>`,
			[]string{"https://a.example/x/", "https://a.example/x/"}},
		{"relative channel against root", `<rss xml:base="https://a.example/x/"><channel xml:base="y/"><item/></channel></rss>`,
			[]string{"https://a.example/x/y/"}},
		{"relative root against the document", `<rss xml:base="../b/"><channel><item/></channel></rss>`,
			[]string{"https://feed.example/b/"}},
		{"item only", `<rss><channel><item/><item xml:base='https://c.example/&amp;/'/><item/></channel></rss>`,
			[]string{"", "https://c.example/&/", ""}},
		{"rdf items outside the channel", `<rdf:RDF xml:base="https://r.example/"><channel xml:base="https://ch.example/"></channel><item/></rdf:RDF>`,
			[]string{"https://r.example/"}},
		{"decoys", `<!-- <item xml:base="https://d.example/"> --><?pi <item xml:base="https://d.example/"> ?><rss xml:base="https://a.example/"><channel><item><description><![CDATA[<item xml:base="https://d.example/">]]></description></item></channel></rss>`,
			[]string{"https://a.example/"}},
		{"attribute with > and a look-alike", `<rss title="a>b" data-xml:base="https://no.example/" xml:base = "https://a.example/"><channel><item/></channel></rss>`,
			[]string{"https://a.example/"}},
		{"doctype with subset", `<!DOCTYPE rss [<!ENTITY x "<item>">]><rss xml:base="https://a.example/"><item/></rss>`,
			[]string{"https://a.example/"}},
		{"not http", `<rss xml:base="javascript:alert(1)//"><channel><item/></channel></rss>`, nil},
		{"cut short", `<rss xml:base="https://a.example/"><channel><item/><item xml:base="b/`, []string{"https://a.example/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, u := range rssItemBases([]byte(tt.xml), doc) {
				if u == nil {
					got = append(got, "")
				} else {
					got = append(got, u.String())
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("rssItemBases = %q, want %q", got, tt.want)
			}
		})
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
	whole, werr := (&Parser{}).Parse(doc, "https://feeds.example/x", "")
	smallChunks(t)
	if len(doc) < chunkThreshold {
		t.Fatalf("document of %d bytes is too small to be chunked", len(doc))
	}
	chunked, cerr := (&Parser{}).Parse(doc, "https://feeds.example/x", "")
	if werr != nil || cerr != nil {
		t.Fatalf("errors: %v, %v", werr, cerr)
	}
	wj, _ := json.Marshal(whole)
	cj, _ := json.Marshal(chunked)
	if string(wj) != string(cj) {
		t.Errorf("chunked parse differs from the whole one")
	}
	if a := chunked.Articles[10]; a.Image == nil || a.Image.URL != "https://cdn10.example.net/u/img/10.jpg" || a.URL != "https://cdn10.example.net/u/n/10.html" {
		t.Errorf("article 10 = %s %+v, want its item's xml:base applied", a.URL, a.Image)
	}
	if a := chunked.Articles[399]; a.Image == nil || a.Image.URL != "https://static.example.com/hi/img/399.jpg" || !strings.Contains(a.ContentHTML, `href="https://static.example.com/hi/rel/399"`) {
		t.Errorf("article 399 = %+v, %s; want the root's xml:base applied", a.Image, a.ContentHTML)
	}
}

func BenchmarkRSSItemBases(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`<rss xml:base="https://a.example/"><channel>`)
	for i := range 50 {
		fmt.Fprintf(&sb, `<item><title>%d</title><description><![CDATA[<p>%s</p>]]></description></item>`, i, strings.Repeat("text <b>x</b> ", 100))
	}
	sb.WriteString(`</channel></rss>`)
	data := []byte(sb.String())
	doc, _ := url.Parse("https://feed.example/")
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		rssItemBases(data, doc)
	}
}

func TestAtomTextTitles(t *testing.T) {
	tests := []struct {
		name, xml string
		feed      bool
		entries   []bool
	}{
		{"defaults", `<feed><title>f</title><entry><title>a</title></entry><entry><title type="text">b</title></entry></feed>`, true, []bool{true, true}},
		{"html and xhtml", `<feed><title type="html">f</title><entry><title type="html">a</title></entry><entry><title type='xhtml'><div>b</div></title></entry><entry><title type="text/plain">c</title></entry></feed>`,
			false, []bool{false, false, true}},
		{"source and media titles skipped", `<feed><entry><media:title type="html">m</media:title><source><title type="html">s</title></source><title>a</title></entry><entry><source/><atom:title type="html">b</atom:title></entry></feed>`,
			true, []bool{true, false}},
		{"decoys", `<feed><!-- <entry><title type="html"> --><entry><title><![CDATA[<title type="html">]]></title></entry></feed>`, true, []bool{true}},
		{"entry without title", `<feed><entry><id>1</id></entry><entry><title type="html">x</title></entry></feed>`, true, []bool{true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed, entries := atomTextTitles([]byte(tt.xml))
			if feed != tt.feed || fmt.Sprint(entries) != fmt.Sprint(tt.entries) {
				t.Errorf("atomTextTitles = %v, %v; want %v, %v", feed, entries, tt.feed, tt.entries)
			}
		})
	}
}
