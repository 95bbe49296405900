package upstream

import (
	"fmt"
	"testing"
	"time"
)

// TestDateTrailingComment: RFC 5322 section 3.3 allows a comment (CFWS)
// after the zone of a date-time, and RFC 822 dates in feeds often carry
// one: "+0530 (India Standard Time)", as JavaScript's
// Date.prototype.toString and many mailers write it. feedparser and
// Python's email.utils read these; an item dated so must not be left out
// as undated.
func TestDateTrailingComment(t *testing.T) {
	want := time.Date(2024, 6, 10, 9, 41, 1, 0, ist)
	for _, raw := range []string{
		"Mon, 10 Jun 2024 09:41:01 +0530 (India Standard Time)",
		"Mon Jun 10 2024 09:41:01 GMT+0530 (India Standard Time)",
		"Mon, 10 Jun 2024 04:11:01 +0000 (Coordinated Universal Time)",
	} {
		doc := fmt.Sprintf(`<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://news.example/</link><description>d</description>
<item><title>x</title><link>https://news.example/x</link><pubDate>%s</pubDate></item></channel></rss>`, raw)
		var p Parser
		f, err := p.Parse([]byte(doc), "https://news.example/feed", "application/rss+xml")
		if f == nil || len(f.Articles) != 1 {
			t.Fatalf("%q: feed %v, err %v", raw, f, err)
		}
		if got := f.Articles[0].Published; !got.Equal(want) || err != nil {
			t.Errorf("%q: Published = %v, err %v; want %v", raw, got, err, want)
		}
	}
}

// TestParseDateComments reads dates ending in RFC 5322 comments (section
// 3.2.2: nested, with quoted-pairs) and the ISO 8601 offsets feedparser
// also reads: hours alone ("+05") and one after a space.
func TestParseDateComments(t *testing.T) {
	want := time.Date(2024, 6, 10, 9, 41, 1, 0, ist)
	for _, tc := range []struct {
		raw  string
		want time.Time
		ok   bool
	}{
		{"Mon, 10 Jun 2024 09:41:01 +0530 (India Standard Time)", want, true},
		{"Mon, 10 Jun 2024 09:41:01 +0530 (IST)", want, true},
		{"Mon, 10 Jun 2024 09:41:01 +0530 (India (Kolkata) Time)", want, true},
		{`Mon, 10 Jun 2024 09:41:01 +0530 (a \) quoted paren)`, want, true},
		{"Mon, 10 Jun 2024 09:41:01 +0530 (IST) (India Standard Time)  ", want, true},
		{"Mon, 10 Jun 2024 09:41:01 +0530(IST)", want, true},
		{"Mon Jun 10 2024 09:41:01 GMT+0530 (India Standard Time)", want, true},
		{"Mon Jun 10 2024 04:11:01 GMT+0000 (Coordinated Universal Time)", want, true},
		{"2024-06-10T09:41:01+05", time.Date(2024, 6, 10, 4, 41, 1, 0, time.UTC), true},
		{"2024-01-02T10:00:00+05", time.Date(2024, 1, 2, 5, 0, 0, 0, time.UTC), true},
		{"2024-06-10T09:41:01 +05:30", want, true},
		{"Mon, 10 Jun 2024 09:41:01 +0530 (India Standard Time", time.Time{}, false},
		{"Mon, 10 Jun 2024 09:41:01 +0530 India Standard Time)", time.Time{}, false},
		{"(Mon, 10 Jun 2024 09:41:01 +0530)", time.Time{}, false},
	} {
		got, ok := parseDate(tc.raw, time.UTC)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v, %v", tc.raw, got, ok, tc.want, tc.ok)
		}
	}
}
