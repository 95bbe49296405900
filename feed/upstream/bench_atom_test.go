package upstream

import (
	"bytes"
	"fmt"
	"html"
	"testing"

	"github.com/khabar/khabar/internal/synth"
)

// BenchmarkParseAtom50 is BenchmarkParse50's realistic case as Atom 1.0:
// html-typed content and summaries, the path whose text constructs are
// read from the document.
func BenchmarkParseAtom50(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Synthetic</title><id>tag:synth</id><updated>2026-11-24T10:00:00Z</updated><link href="https://synth.example.in/"/>` + "\n")
	for i, a := range synth.Generate(synth.Config{Articles: 50, ContentBytes: 3000}) {
		fmt.Fprintf(&buf, "<entry><title type=\"html\">%s</title><id>tag:synth,%d</id><link href=\"%s\"/><updated>%s</updated><author><name>%s</name></author><summary type=\"html\">%s</summary><content type=\"html\">%s</content></entry>\n",
			html.EscapeString(a.Title), i, html.EscapeString(a.URL), a.Published.Format("2006-01-02T15:04:05Z07:00"), html.EscapeString(a.Authors[0].Name),
			html.EscapeString(a.Summary), html.EscapeString(newsroomBody(i, a.ContentHTML)))
	}
	buf.WriteString("</feed>\n")
	benchParse(b, buf.Bytes())
}
