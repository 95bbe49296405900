package upstream

import (
	"errors"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/khabar/khabar"
)

// fuzzDeadline is how long one input may take before FuzzParse calls it a
// hang (generous: the race detector and a busy machine slow parsing).
const fuzzDeadline = 10 * time.Second

// FuzzParse runs the whole parse-and-normalize path (charset detection,
// gofeed, repair of broken documents, dates, URLs, sanitizing) on
// arbitrary input. It must never panic or hang, and what it returns must
// hold: valid UTF-8 text, sanitized HTML, IDs, and errors of the
// documented types.
func FuzzParse(f *testing.F) {
	for _, name := range fixtures(f) {
		data := readFixture(f, name)
		f.Add(data, "")
		if len(data) > 200 {
			f.Add(data[:len(data)/2], "")
		}
	}
	for _, d := range readingDocs(f) {
		f.Add(d.data, "")
	}
	f.Add([]byte(`<rss><channel><item><title>x</title><pubDate>24 Nov 2026 10:15 AM IST</pubDate></item></channel></rss>`), "text/xml; charset=windows-1252")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","content_text":"<b>"}]}`), "application/feed+json")
	f.Add([]byte("\xff\xfe<\x00r\x00s\x00s\x00>\x00"), "")
	p := &Parser{}
	f.Fuzz(func(t *testing.T, data []byte, contentType string) {
		var feed *Feed
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			feed, err = p.Parse(data, "https://fuzz.example/feed/", contentType)
		}()
		select {
		case <-done:
		case <-time.After(fuzzDeadline):
			var stacks strings.Builder
			pprof.Lookup("goroutine").WriteTo(&stacks, 2)
			t.Fatalf("Parse hung for %v on %d bytes; goroutines:\n%s", fuzzDeadline, len(data), stacks.String())
		}
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is a %T, want *ParseError", err, err)
			}
		}
		if bounds := scanDoc(data, nil, scanItems).items; bounds != nil {
			prev := 0
			for _, b := range bounds {
				if b[0] < prev || b[1] <= b[0] || b[1] > len(data) || data[b[0]] != '<' || data[b[1]-1] != '>' {
					t.Fatalf("itemBounds gave %v in a %d-byte document", bounds, len(data))
				}
				prev = b[1]
			}
		}
		if feed == nil {
			if err == nil {
				t.Fatal("nil feed and nil error")
			}
			return
		}
		if len(feed.Articles) > DefaultMaxItems {
			t.Errorf("%d articles, more than DefaultMaxItems", len(feed.Articles))
		}
		for i, a := range feed.Articles {
			if len(a.Authors) > khabar.MaxAuthors || len(a.Categories) > khabar.MaxCategories || len(a.Tags) > khabar.MaxTags || len(a.URL) > MaxURLBytes {
				t.Errorf("article %d: over a limit: %d authors, %d categories, %d tags, URL of %d bytes", i, len(a.Authors), len(a.Categories), len(a.Tags), len(a.URL))
			}
			if a.ID == "" || a.Source == nil || a.Source.FeedURL != "https://fuzz.example/feed/" {
				t.Errorf("article %d: ID %q, source %+v", i, a.ID, a.Source)
			}
			for _, s := range []string{a.Title, a.Summary, a.ContentHTML, a.URL} {
				if !utf8.ValidString(s) {
					t.Errorf("article %d: invalid UTF-8 in %q", i, s)
				}
			}
			if strings.ContainsAny(a.Title, "\n\x00") {
				t.Errorf("article %d: title %q is not one clean line", i, a.Title)
			}
			if !balanced(a.ContentHTML) {
				t.Errorf("article %d: content leaves elements open or closes unopened ones: %q", i, a.ContentHTML)
			}
			low := strings.ToLower(a.ContentHTML)
			for _, bad := range []string{"<script", "javascript:", " onerror=", " onclick=", "<style"} {
				if strings.Contains(low, bad) {
					t.Errorf("article %d: content keeps %q: %q", i, bad, a.ContentHTML)
				}
			}
			if a.URL != "" && absHTTP(a.URL) == nil {
				t.Errorf("article %d: URL %q is not absolute http(s)", i, a.URL)
			}
			if a.Image != nil && absHTTP(a.Image.URL) == nil {
				t.Errorf("article %d: image URL %q is not absolute http(s)", i, a.Image.URL)
			}
		}
	})
}
