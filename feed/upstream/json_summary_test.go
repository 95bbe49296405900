package upstream

import (
	"strings"
	"testing"
)

// TestJSONFeedSummaryIsPlainText: JSON Feed 1.1 (items): "summary
// (optional, string) is a plain text sentence or two describing the
// item"; the feed's description is plain text too. Like titles and
// content_text, they are read as written: "&amp;" stays "&amp;" and
// "<video>" is a word, not a tag. An item whose only text is its summary
// gets it as an escaped paragraph.
func TestJSONFeedSummaryIsPlainText(t *testing.T) {
	doc := `{"version":"https://jsonfeed.org/version/1.1","title":"T","home_page_url":"https://example.org/",
"description":"News in <b>bold</b> &amp; more",
"items":[{"id":"1","url":"https://example.org/1","title":"x",
"summary":"Write &amp; for an ampersand; the <video> tag is new",
"content_html":"<p>body</p>","date_published":"2024-06-10T09:41:01Z"},
{"id":"2","url":"https://example.org/2","title":"y",
"summary":"Only a summary: 1 < 2 & <script>x</script>","date_published":"2024-06-10T09:41:01Z"}]}`
	var p Parser
	f, err := p.Parse([]byte(doc), "https://example.org/feed.json", "application/feed+json")
	if f == nil || len(f.Articles) != 2 {
		t.Fatalf("feed %v, err %v", f, err)
	}
	if got, want := f.Description, "News in <b>bold</b> &amp; more"; got != want {
		t.Errorf("Feed.Description = %q, want %q (plain text, as written)", got, want)
	}
	const want = "Write &amp; for an ampersand; the <video> tag is new"
	if got := f.Articles[0].Summary; got != want {
		t.Errorf("Summary = %q, want %q (plain text, as written)", got, want)
	}
	if got := f.Articles[0].ContentHTML; got != "<p>body</p>" {
		t.Errorf("ContentHTML = %q, want the content_html", got)
	}
	b := f.Articles[1]
	if want := "Only a summary: 1 < 2 & <script>x</script>"; b.Summary != want {
		t.Errorf("summary-only item: Summary = %q, want %q", b.Summary, want)
	}
	if !strings.Contains(b.ContentHTML, "1 &lt; 2 &amp; &lt;script&gt;x&lt;/script&gt;") || strings.Contains(b.ContentHTML, "<script") {
		t.Errorf("summary-only item: ContentHTML = %q, want the summary escaped", b.ContentHTML)
	}
}
