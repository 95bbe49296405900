package upstream

import (
	"strings"
	"testing"
)

// TestAtomNestedEntryNotRecorded: the pre-scan records the xml:base and
// xml:lang of the entries gofeed reads, the children of the feed, and no
// other element named entry: an entry nested inside an extension element
// (a GData gd:feedLink holding its comments feed inline) or inside a
// foreign wrapper used to be recorded too, and every later entry then
// read the records of the entry before it (its images resolved against
// another host, its language another's).
func TestAtomNestedEntryNotRecorded(t *testing.T) {
	head := `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xmlns:gd="http://schemas.google.com/g/2005" xml:lang="hi">
<title>F</title><id>urn:f</id><updated>2024-01-02T03:04:05Z</updated><link href="http://site.example/"/>
`
	second := `<entry><id>urn:2</id><title>Two</title><updated>2024-01-02T03:04:05Z</updated><link href="http://site.example/2"/><media:thumbnail url="t2.jpg"/></entry>
</feed>`
	for _, tc := range []struct{ name, first string }{
		{"inline feed in gd:feedLink", `<entry><id>urn:1</id><title>One</title><updated>2024-01-02T03:04:05Z</updated><link href="http://site.example/1"/>
<gd:comments><gd:feedLink><feed><entry xml:base="http://other.example/x/" xml:lang="en"><id>urn:c</id><title>Comment</title></entry></feed></gd:feedLink></gd:comments></entry>
`},
		{"entry in a foreign namespace", `<entry><id>urn:1</id><title>One</title><updated>2024-01-02T03:04:05Z</updated><link href="http://site.example/1"/></entry>
<x:wrap xmlns:x="http://x.example/"><entry xmlns="http://x.example/" xml:base="http://other.example/x/" xml:lang="en"><id>q</id></entry></x:wrap>
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Parser
			f, err := p.ParseResult(&Result{Body: []byte(head + tc.first + second), URL: "http://doc.example/feeds/feed.xml"}, "http://doc.example/feeds/feed.xml")
			if f == nil {
				t.Fatal(err)
			}
			if len(f.Articles) != 2 {
				t.Fatalf("%d articles, want 2 (%v)", len(f.Articles), err)
			}
			a := f.Articles[1]
			if a.URL != "http://site.example/2" {
				t.Fatalf("article 1 is %q", a.URL)
			}
			if a.Image == nil || a.Image.URL != "http://doc.example/feeds/t2.jpg" {
				t.Errorf("image %+v, want http://doc.example/feeds/t2.jpg (no xml:base in scope of this entry)", a.Image)
			}
			if a.Language != "hi" {
				t.Errorf("language %q, want the feed's \"hi\" (the entry writes no xml:lang)", a.Language)
			}
		})
	}
}

// TestFeedUpdatedOverMaxDateBytes: a date longer than MaxDateBytes "is
// not read at all", the feed's own (RSS lastBuildDate, Atom updated) as
// an item's: feedUpdated used to take gofeed's reading of it.
func TestFeedUpdatedOverMaxDateBytes(t *testing.T) {
	date := "Tue, 02 Jan 2024" + strings.Repeat(" ", 300) + "03:04:05 +0000"
	doc := `<rss version="2.0"><channel><title>x</title><link>http://a.example/</link><lastBuildDate>` + date +
		`</lastBuildDate><item><title>a</title><link>http://a.example/1</link><pubDate>` + date + `</pubDate></item></channel></rss>`
	var p Parser
	f, _ := p.Parse([]byte(doc), "http://a.example/f", "")
	if f == nil || len(f.Articles) != 1 {
		t.Fatal("no feed")
	}
	if !f.Articles[0].Published.IsZero() {
		t.Fatalf("item date read: %v", f.Articles[0].Published)
	}
	if !f.Updated.IsZero() {
		t.Errorf("Feed.Updated = %v from a date of %d bytes, over MaxDateBytes (%d): want it not read", f.Updated, len(date), MaxDateBytes)
	}
}
