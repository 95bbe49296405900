package upstream

import (
	"testing"
)

// TestUnclosedElementKeepsEntryRecords (review of ef4ee7f): the
// pre-scan now records an entry only at the feed's child level, counted
// from its own push of every start tag and pop of every end tag. gofeed
// reads XML leniently and takes an element left open (an HTML-style
// <link href="…"> without "/>", which hand-written feeds have), closed
// by its parent's end tag; the pre-scan's count then stays one level too
// deep from there on, every later entry is at "level 2" and gets no
// record, and its xml:lang, xml:base (images) and text construct types
// are lost. Before ef4ee7f every entry was recorded whatever the depth,
// and these articles kept their language and image (the same test passes
// at ef4ee7f^).
func TestUnclosedElementKeepsEntryRecords(t *testing.T) {
	const feedHead = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xml:lang="hi">
<title>F</title><id>urn:f</id><updated>2024-01-02T03:04:05Z</updated>`
	const later = `<entry xml:lang="en" xml:base="http://img.example/a/"><id>urn:2</id><title>Two</title><updated>2024-01-02T03:04:05Z</updated><link href="http://site.example/2"/><media:thumbnail url="t2.jpg"/></entry>
<entry xml:lang="en"><id>urn:3</id><title>Three</title><updated>2024-01-02T03:04:05Z</updated><link href="http://site.example/3"/></entry>
</feed>`
	for _, tc := range []struct{ name, doc string }{
		{"first entry's link left open", feedHead + `<link href="http://site.example/"/>
<entry><id>urn:1</id><title>One</title><updated>2024-01-02T03:04:05Z</updated><link href="http://site.example/1"></entry>
` + later},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Parser
			f, err := p.ParseResult(&Result{Body: []byte(tc.doc), URL: "http://doc.example/feeds/feed.xml"}, "http://doc.example/feeds/feed.xml")
			if f == nil || len(f.Articles) != 3 {
				t.Fatalf("feed %v, %v: want 3 articles", f, err)
			}
			for _, a := range f.Articles[1:] {
				if a.Language != "en" {
					t.Errorf("%s: language %q, want the entry's xml:lang \"en\"", a.URL, a.Language)
				}
				if a.URL == "http://site.example/2" && (a.Image == nil || a.Image.URL != "http://img.example/a/t2.jpg") {
					t.Errorf("%s: image %+v, want http://img.example/a/t2.jpg (the entry's xml:base)", a.URL, a.Image)
				}
			}
		})
	}
}
