package upstream

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
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
		// An unbalanced last field, a comment cut short or with a stray
		// ")", is dropped, and the comments before it.
		{"Mon, 10 Jun 2024 09:41:01 +0530 (IST", want, true},
		{"Mon, 10 Jun 2024 09:41:01 +0530 (", want, true},
		{"Mon, 10 Jun 2024 09:41:01 +0530 (IST))", want, true},
		{"Mon, 10 Jun 2024 09:41:01 +0530 ((IST)", want, true},
		{"Mon, 10 Jun 2024 09:41:01 +0530 (IST) (India", want, true},
		{"Mon, 10 Jun 2024 09:41:01 +0530 (IST) )", want, true},
		{"Mon, 10 Jun 2024 09:41:01 +0530 )", want, true},
		{"Mon Jun 10 2024 09:41:01 GMT+0530 (India", want, true},
		// Unbalanced parentheses anywhere else are not read.
		{"Mon, 10 Jun 2024 09:41:01 +0530 (India Standard Time", time.Time{}, false},
		{"Mon, 10 Jun 2024 09:41:01 +0530 India Standard Time)", time.Time{}, false},
		{"Mon, 10 Jun 2024 09:41:01 +0530(IST", time.Time{}, false},
		{"(Mon, 10 Jun 2024 09:41:01 +0530)", time.Time{}, false},
		{"(Mon, 10 Jun 2024 09:41:01 +0530", time.Time{}, false},
		{"(", time.Time{}, false},
		{")", time.Time{}, false},
	} {
		got, ok := parseDate(tc.raw, time.UTC)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v, %v", tc.raw, got, ok, tc.want, tc.ok)
		}
	}
}

// TestTrimCommentsLinear: trimComments reads a date once, from its end;
// it used to rescan the whole date for each trailing comment it removed,
// so a <pubDate> of 40,000 "()" (80 KB) took seconds and a megabyte
// minutes (DefaultMaxBodyBytes is 15 MB). Each shape here is 128 KB:
// linear, that is a fraction of a millisecond; quadratic, seconds.
func TestTrimCommentsLinear(t *testing.T) {
	const date = "Tue, 24 Nov 2026 18:30:00 +0530"
	n := 1 << 16 // pairs of bytes: 128 KB
	for _, tc := range []struct{ name, s, want string }{
		{"many comments", date + " " + strings.Repeat("()", n), date},
		{"many spaced comments", date + strings.Repeat(" (IST)", n/3), date},
		{"deeply nested", date + " " + strings.Repeat("(", n) + strings.Repeat(")", n), date},
		{"unbalanced, many closing", date + " " + strings.Repeat(")", 2*n), date},
		{"unbalanced, many opening", date + " " + strings.Repeat("(", 2*n) + ")", date},
		{"unbalanced, many comments", date + " (" + strings.Repeat("()", n), date},
		{"unbalanced before comments", date + " (India" + strings.Repeat(" ()", n), date},
		{"unbalanced not last", date + " (India Standard Time" + strings.Repeat(" ()", n), date + " (India Standard Time"},
		{"quoted-pairs", date + " (" + strings.Repeat(`\)`, n) + ")", date},
		{"backslashes", date + " (" + strings.Repeat(`\`, 2*n) + ")", date},
	} {
		start := time.Now()
		got := trimComments(tc.s)
		if d := time.Since(start); d > 300*time.Millisecond {
			t.Errorf("%s: trimComments of %d bytes took %v; want linear time (milliseconds)", tc.name, len(tc.s), d)
		}
		if got != tc.want {
			t.Errorf("%s: trimComments = %.60q (%d bytes), want %.60q (%d bytes)", tc.name, got, len(got), tc.want, len(tc.want))
		}
	}
}

// TestDateLongerThanMaxDateBytes: a date longer than MaxDateBytes, white
// space around it aside, is not read at all, not even by gofeed: the item
// is reported with a *DateError giving its length and its first
// MaxDateBytes bytes. One that fits once its white space is trimmed is
// read.
func TestDateLongerThanMaxDateBytes(t *testing.T) {
	const date = "Tue, 24 Nov 2026 18:30:00 +0530"
	want := time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC)
	long := date + " (" + strings.Repeat("India Standard Time ", 20) + ")"
	if len(long) <= MaxDateBytes {
		t.Fatalf("test date of %d bytes is not over MaxDateBytes", len(long))
	}
	var p Parser
	got, err := p.date("  "+long+"\n", nil)
	var de *DateError
	if !got.IsZero() || !errors.As(err, &de) || !errors.Is(err, ErrBadDate) {
		t.Fatalf("date(%d bytes) = %v, %v; want a *DateError", len(long), got, err)
	}
	if de.Len != len(long) || de.Raw != long[:MaxDateBytes] {
		t.Errorf("DateError{Raw: %d bytes, Len: %d}, want the first %d bytes and %d", len(de.Raw), de.Len, MaxDateBytes, len(long))
	}
	if msg := err.Error(); !strings.Contains(msg, "MaxDateBytes") || !strings.Contains(msg, strconv.Itoa(len(long))) {
		t.Errorf("error %q does not say the date is too long", msg)
	}
	if _, ok := parseDate(long, time.UTC); ok {
		t.Errorf("parseDate read a date of %d bytes", len(long))
	}
	// Gofeed's reading of it is not taken either.
	if got, err := p.date(long, &want); !got.IsZero() || !errors.As(err, &de) {
		t.Errorf("date(%d bytes, gofeed's reading) = %v, %v; want a *DateError", len(long), got, err)
	}
	fits := date + " (" + strings.Repeat("x", MaxDateBytes-len(date)-3) + ")"
	if got, err := p.date(strings.Repeat(" ", 300)+fits+strings.Repeat("\t", 300), nil); err != nil || !got.Equal(want) || len(fits) != MaxDateBytes {
		t.Errorf("date of %d bytes in white space = %v, %v; want %v", len(fits), got, err, want)
	}
	doc := `<rss version="2.0"><channel><title>t</title><item><title>x</title><link>https://d.example/1</link><pubDate>` + long + `</pubDate></item></channel></rss>`
	f, err := p.Parse([]byte(doc), "https://d.example/feed", "")
	var pe *ParseError
	if f == nil || len(f.Articles) != 1 || !errors.As(err, &pe) || len(pe.Items) != 1 || pe.Items[0].Field != "published" || !errors.As(pe.Items[0], &de) || de.Len != len(long) {
		t.Errorf("Parse: feed %v, err %v; want the article and a published *DateError", f, err)
	}
}

// TestDateUnclosedTrailingComment: before trimComments (2f50e5e),
// normalizeDate dropped a last field starting with "(", so a date whose
// comment was cut short ("+0530 (IST", "+0530 (") or carried a stray ")"
// was read; trimComments returned such a date as it was and no layout
// read it any more, leaving its item undated. feedparser reads all of
// these as 2026-11-24 13:00 UTC, and so do Parser.date and Parse again.
func TestDateUnclosedTrailingComment(t *testing.T) {
	want := time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC)
	for _, s := range []string{
		"Tue, 24 Nov 2026 18:30:00 +0530 (IST",
		"Tue, 24 Nov 2026 18:30:00 +0530 (",
		"Tue, 24 Nov 2026 18:30:00 +0530 (IST))",
		"Tue, 24 Nov 2026 18:30:00 +0530 (IST) (India",
		"Tue, 24 Nov 2026 18:30:00 IST (IST",
		"Tue, 24 Nov 2026 18:30:00 GMT+0530 (India",
	} {
		got, err := (&Parser{}).date(s, nil)
		if err != nil || !got.Equal(want) {
			t.Errorf("date(%q) = %v, %v; want %v", s, got, err, want)
		}
		doc := `<rss version="2.0"><channel><title>t</title><item><title>x</title><link>https://d.example/1</link><pubDate>` + s + `</pubDate></item></channel></rss>`
		f, err := (&Parser{}).Parse([]byte(doc), "https://d.example/feed", "")
		if f == nil || len(f.Articles) != 1 || err != nil || !f.Articles[0].Published.Equal(want) {
			t.Errorf("Parse with pubDate %q: feed %v, err %v; want one article published %v", s, f, err, want)
		}
	}
}
