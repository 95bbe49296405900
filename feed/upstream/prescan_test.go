package upstream

import (
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
			for _, u := range scanDoc([]byte(tt.xml), doc, scanBases).bases {
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
		scanDoc(data, doc, scanBases)
	}
}

func TestAtomTextTitles(t *testing.T) {
	// Each title reads as "text:value" or "html:value"; "-" when absent.
	tests := []struct {
		name, xml string
		feed      string
		entries   []string
	}{
		{"defaults", `<feed><title>f</title><entry><title>a</title></entry><entry><title type="text">b</title></entry></feed>`, "text:f", []string{"text:a", "text:b"}},
		{"html and xhtml", `<feed><title type="html">f</title><entry><title type="html">a</title></entry><entry><title type='xhtml'><div>b</div></title></entry><entry><title type="text/plain">c</title></entry></feed>`,
			"html:f", []string{"html:a", "html:b", "text:c"}},
		{"source and media titles skipped", `<feed><entry><media:title type="html">m</media:title><source><title type="html">s</title></source><title>a</title></entry><entry><source/><atom:title type="html">b</atom:title></entry></feed>`,
			"-", []string{"text:a", "html:b"}},
		{"decoys", `<feed><!-- <entry><title type="html"> --><entry><title><![CDATA[<title type="html">]]></title></entry></feed>`, "-", []string{`text:<title type="html">`}},
		{"entry without title", `<feed><entry><id>1</id></entry><entry><title type="html">x</title></entry></feed>`, "-", []string{"-", "html:x"}},
		{"nested title in xhtml", `<feed><entry><title type="xhtml"><div><title>t</title> u</div></title><title>second</title></entry></feed>`, "-", []string{"html:<title>t</title> u"}},
		{"empty element", `<feed><title type="html"/><entry><title/></entry></feed>`, "html:", []string{"text:"}},
	}
	read := func(data []byte, r rawText, ok bool) string {
		if !ok {
			return "-"
		}
		v, isHTML := readText(data, r)
		if isHTML {
			return "html:" + v
		}
		return "text:" + v
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.xml)
			s := scanDoc(data, nil, scanTexts)
			r, ok := s.feedText(fieldTitle)
			feed := read(data, r, ok)
			var entries []string
			for i := range s.itemTexts {
				r, ok := s.text(i, fieldTitle)
				entries = append(entries, read(data, r, ok))
			}
			if feed != tt.feed || fmt.Sprintf("%q", entries) != fmt.Sprintf("%q", tt.entries) {
				t.Errorf("titles = %q, %q; want %q, %q", feed, entries, tt.feed, tt.entries)
			}
		})
	}
}

func TestItemBounds(t *testing.T) {
	tests := []struct {
		name, doc string
		want      [][2]int
		ok        bool
	}{
		{"rss", `<rss><channel><item>a</item><item x="1">b</item></channel></rss>`, [][2]int{{14, 28}, {28, 48}}, true},
		{"cdata hides tags", `<rss><item><![CDATA[</item><item>]]></item></rss>`, [][2]int{{5, 43}}, true},
		{"comment hides tags", `<rss><!-- <item> --><item/></rss>`, [][2]int{{20, 27}}, true},
		{"atom", "<feed><entry>\n</entry></feed>", [][2]int{{6, 22}}, true},
		{"items element is not an item", `<rdf:RDF><channel><items></items></channel><item>x</item></rdf:RDF>`, [][2]int{{43, 57}}, true},
		{"nested", `<rss><item><item></item></item></rss>`, nil, false},
		{"unclosed", `<rss><item>`, nil, false},
		{"unterminated cdata", `<rss><item><![CDATA[x</item></rss>`, nil, false},
		{"no items", `<rss><channel/></rss>`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scanDoc([]byte(tt.doc), nil, scanItems).items
			ok := got != nil
			if ok != tt.ok || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("itemBounds = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
