package upstream

import (
	"strings"
	"testing"
)

// TestOPMLCategoryAttribute: OPML 2.0 ("Attributes of <outline>"):
// "category is a string of comma-separated slash-delimited category
// strings ... Examples: category="/Boston/Weather",
// category="/Harvard/Berkman,/Politics"." Subscription.Category is one
// folder path, so the first path is taken apart from the others; the
// outlines a feed is nested in still come first.
func TestOPMLCategoryAttribute(t *testing.T) {
	for _, tc := range []struct{ attr, want string }{
		{"/Harvard/Berkman,/Politics", "Harvard/Berkman"},
		{"/Boston/Weather", "Boston/Weather"},
		{"Politics", "Politics"},
		{" / News / India ,/World", "News/India"},
		{",/,/Politics", "Politics"},
		{"//a//b/", "a/b"},
		{",", ""},
		{"", ""},
	} {
		doc := `<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
<outline text="Berkman" type="rss" xmlUrl="https://cyber.example/feed.xml" category="` + tc.attr + `"/>
<outline text="Folder"><outline text="In a folder" type="rss" xmlUrl="https://cyber.example/2.xml" category="` + tc.attr + `"/></outline>
</body></opml>`
		subs, err := ReadOPML(strings.NewReader(doc), nil)
		if err != nil || len(subs) != 2 {
			t.Fatalf("%q: subs %v, err %v", tc.attr, subs, err)
		}
		if got := subs[0].Category; got != tc.want {
			t.Errorf("category=%q: Category = %q, want %q (the first slash-delimited path)", tc.attr, got, tc.want)
		}
		if got := subs[1].Category; got != "Folder" {
			t.Errorf("category=%q in a folder: Category = %q, want the folder %q", tc.attr, got, "Folder")
		}
	}
}
