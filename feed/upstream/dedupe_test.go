package upstream

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/khabar/khabar"
)

// TestDuplicateItems: within one document a repeated item is returned
// once, and items with different links that share a GUID are all kept,
// keyed by GUID and link.
func TestDuplicateItems(t *testing.T) {
	const feedURL = "https://dup.example/feed"
	item := func(guid, link, title string) string {
		g := ""
		if guid != "" {
			g = "<guid isPermaLink=\"false\">" + guid + "</guid>"
		}
		return fmt.Sprintf("<item><title>%s</title><link>%s</link>%s<pubDate>Mon, 23 Nov 2026 10:00:00 IST</pubDate></item>", title, link, g)
	}
	doc := func(items ...string) []byte {
		return []byte(`<rss version="2.0"><channel><title>d</title><link>https://dup.example/</link>` + strings.Join(items, "") + `</channel></rss>`)
	}
	tests := []struct {
		name      string
		items     []string
		wantIDs   []string // dedupe keys
		wantTitle []string
		wantErrs  []error // in document order
	}{
		{
			name:      "same guid and link twice",
			items:     []string{item("g1", "https://dup.example/1", "first"), item("g1", "https://dup.example/1?utm_source=x", "again")},
			wantIDs:   []string{"guid:g1"},
			wantTitle: []string{"first"},
			wantErrs:  []error{ErrDuplicateItem},
		},
		{
			name: "one guid for every item",
			items: []string{item("https://dup.example/", "https://dup.example/1", "one"), item("https://dup.example/", "https://dup.example/2", "two"),
				item("https://dup.example/", "https://dup.example/3", "three"), item("https://dup.example/", "https://dup.example/2", "two again")},
			wantIDs: []string{guidLinkKey("https://dup.example/", "https://dup.example/1"), guidLinkKey("https://dup.example/", "https://dup.example/2"),
				guidLinkKey("https://dup.example/", "https://dup.example/3")},
			wantTitle: []string{"one", "two", "three"},
			wantErrs:  []error{ErrDuplicateGUID, ErrDuplicateGUID, ErrDuplicateItem},
		},
		{
			name:      "same link without guid",
			items:     []string{item("", "https://dup.example/a#x", "a"), item("", "https://DUP.example/a", "a2")},
			wantIDs:   []string{"link:https://dup.example/a"},
			wantTitle: []string{"a"},
			wantErrs:  []error{ErrDuplicateItem},
		},
		{
			name:      "distinct items",
			items:     []string{item("g1", "https://dup.example/1", "x"), item("g2", "https://dup.example/1", "y")},
			wantIDs:   []string{"guid:g1", "guid:g2"},
			wantTitle: []string{"x", "y"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := (&Parser{}).Parse(doc(tt.items...), feedURL, "")
			if f == nil {
				t.Fatalf("no feed: %v", err)
			}
			var gotTitles []string
			for i, a := range f.Articles {
				gotTitles = append(gotTitles, a.Title)
				if i < len(tt.wantIDs) {
					if want := ArticleID(feedURL, tt.wantIDs[i]); a.ID != want {
						t.Errorf("article %d ID = %s, want %s (key %q)", i, a.ID, want, tt.wantIDs[i])
					}
				}
			}
			if strings.Join(gotTitles, "|") != strings.Join(tt.wantTitle, "|") {
				t.Errorf("titles = %q, want %q", gotTitles, tt.wantTitle)
			}
			var pe *ParseError
			if len(tt.wantErrs) == 0 {
				if err != nil {
					t.Errorf("err = %v, want nil", err)
				}
				return
			}
			if !errors.As(err, &pe) || len(pe.Items) != len(tt.wantErrs) {
				t.Fatalf("err = %v, want %d item errors", err, len(tt.wantErrs))
			}
			for i, ie := range pe.Items {
				if !errors.Is(ie, tt.wantErrs[i]) || ie.Field != "guid" {
					t.Errorf("item error %d = %v (field %q), want %v on guid", i, ie, ie.Field, tt.wantErrs[i])
				}
			}
		})
	}
}

func TestCanonicalLink(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://A.Example/x?utm_source=rss#comments", "https://a.example/x"},
		{"HTTP://a.example:80/x", "http://a.example/x"},
		{"https://a.example:443", "https://a.example/"},
		{"https://[::1]:443/x", "https://[::1]/x"},
		{"https://a.example:8443/x?id=1", "https://a.example:8443/x?id=1"},
		{" https://a.example/x ", "https://a.example/x"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := canonicalLink(tt.in); got != tt.want {
				t.Errorf("canonicalLink(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStableIDs(t *testing.T) {
	const feedURL = "https://ids.example/feed"
	doc := func(title, pub string) []byte {
		return []byte(`<rss version="2.0"><channel><title>t</title><link>https://ids.example/</link>
<item><title>` + title + `</title><link>https://ids.example/a</link><guid>a-1</guid><pubDate>` + pub + `</pubDate></item>
<item><title>no guid</title><link>https://ids.example/b?utm_source=x</link><pubDate>` + pub + `</pubDate></item>
<item><title>neither</title><description>body</description><pubDate>` + pub + `</pubDate></item>
</channel></rss>`)
	}
	var p Parser
	f1, _ := p.Parse(doc("first", "Mon, 23 Nov 2026 10:00:00 IST"), feedURL, "")
	f2, _ := p.Parse(doc("edited title", "Mon, 23 Nov 2026 11:00:00 IST"), feedURL, "")
	if len(f1.Articles) != 3 || len(f2.Articles) != 3 {
		t.Fatalf("got %d and %d articles, want 3", len(f1.Articles), len(f2.Articles))
	}
	if f1.Articles[0].ID != f2.Articles[0].ID {
		t.Errorf("GUID item IDs differ after an edit: %s, %s", f1.Articles[0].ID, f2.Articles[0].ID)
	}
	if f1.Articles[1].ID != f2.Articles[1].ID || f1.Articles[1].ID != ArticleID(feedURL, "link:https://ids.example/b") {
		t.Errorf("link item ID = %s, want the ID of its stripped link", f1.Articles[1].ID)
	}
	if f1.Articles[2].ID != f2.Articles[2].ID {
		t.Errorf("hash item IDs differ for the same title and content")
	}
	g, _ := p.Parse(doc("first", "Mon, 23 Nov 2026 10:00:00 IST"), "https://other.example/feed", "")
	if g.Articles[0].ID == f1.Articles[0].ID {
		t.Errorf("the same GUID in two feeds gave the same ID %s", g.Articles[0].ID)
	}
	c := khabar.NewCatalog()
	for _, f := range []*Feed{f1, f2, f1, f2} {
		for _, a := range f.Articles[:2] { // the third has no link: invalid
			if err := c.Upsert(a); err != nil {
				t.Fatalf("Upsert: %v", err)
			}
		}
	}
	if c.Len() != 2 {
		t.Errorf("catalog holds %d articles after four polls, want 2", c.Len())
	}
	if a, _ := c.Get(f1.Articles[0].ID); a.Title != "edited title" {
		// The last poll was f2.
		t.Errorf("title = %q, want the edited title", a.Title)
	}
}
