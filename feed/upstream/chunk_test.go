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
			got, ok := itemBounds([]byte(tt.doc))
			if ok != tt.ok || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("itemBounds = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
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
