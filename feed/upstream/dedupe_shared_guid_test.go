package upstream

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/khabar/khabar"
)

// TestSharedGUIDKeepsIDAcrossPolls: a CMS that writes the same <guid> on
// every item. ArticleID promises "the same item polled again gets the
// same ID, so it updates its article instead of adding one". Poll 1
// serves one item (guid g, link /a): keyed by g alone. Poll 2 serves a new
// item with the same guid and the old item: the old one keeps its ID (it
// is the one stored under g), the new one is keyed by g and its link.
// Later polls keep both IDs, whichever items come and go. (A new item
// served alone with the GUID would take the GUID-alone ID: nothing tells
// it from an ordinary item whose link changed, which must keep its ID.)
func TestSharedGUIDKeepsIDAcrossPolls(t *testing.T) {
	const guid = "https://news.example/"
	item := func(path string) string {
		return fmt.Sprintf(`<item><title>Story %s</title><link>https://news.example/%s</link><guid isPermaLink="false">%s</guid><pubDate>Tue, 24 Nov 2026 10:00:00 +0530</pubDate></item>`, strings.ToUpper(path), path, guid)
	}
	var mu sync.Mutex
	var serve []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		var items string
		for _, p := range serve {
			items += item(p)
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://news.example/</link><description>d</description>%s</channel></rss>`, items)
	}))
	defer srv.Close()
	feedURL := srv.URL + "/feed"
	alone := ArticleID(feedURL, DedupeKey(guid, "", "", ""))
	withLink := func(path string) string { return ArticleID(feedURL, guidLinkKey(guid, "https://news.example/"+path)) }

	cat := khabar.NewCatalog()
	p := &Poller{Catalog: cat, Fetcher: &Fetcher{AllowPrivate: true}}
	p.Add(Subscription{URL: feedURL})
	want := map[string]string{} // title → ID
	for round, tc := range []struct {
		items []string
		ids   map[string]string // new titles' IDs
	}{
		{[]string{"a"}, map[string]string{"Story A": alone}},
		{[]string{"b", "a"}, map[string]string{"Story B": withLink("b")}},
		{[]string{"b"}, nil},
		{[]string{"c", "b", "a"}, map[string]string{"Story C": withLink("c")}},
		{[]string{"a"}, nil},
		{[]string{"d", "b"}, map[string]string{"Story D": withLink("d")}},
	} {
		mu.Lock()
		serve = tc.items
		mu.Unlock()
		for _, r := range p.PollAll(context.Background()) {
			if r.Failed {
				t.Fatalf("round %d: %v", round, r.Err)
			}
		}
		for title, id := range tc.ids {
			want[title] = id
		}
		got := map[string]string{}
		for _, a := range cat.Find(khabar.Query{}) {
			if id, dup := got[a.Title]; dup {
				t.Errorf("round %d: %s stored twice, as %s and %s", round, a.Title, id, a.ID)
			}
			got[a.Title] = a.ID
		}
		if len(got) != len(want) {
			t.Errorf("round %d (items %v): catalog holds %v, want %v", round, tc.items, got, want)
		}
		for title, id := range want {
			if got[title] != id {
				t.Errorf("round %d (items %v): %s has ID %s, want %s", round, tc.items, title, got[title], id)
			}
		}
	}
}

// TestSharedGUIDFirstSeenTogether: items that share a GUID from their
// first poll are keyed by GUID and link, and keep those IDs when one of
// them is later served alone.
func TestSharedGUIDFirstSeenTogether(t *testing.T) {
	const feedURL = "https://news.example/feed"
	stored := map[string]string{} // ID → link
	known := func(id string) (string, bool) { link, ok := stored[id]; return link, ok }
	parse := func(paths ...string) []*khabar.Article {
		var items string
		for _, p := range paths {
			items += `<item><title>` + p + `</title><link>https://news.example/` + p + `</link><guid>g</guid><pubDate>Tue, 24 Nov 2026 10:00:00 +0530</pubDate></item>`
		}
		doc := `<rss version="2.0"><channel><title>T</title><link>https://news.example/</link>` + items + `</channel></rss>`
		f, _ := (&Parser{}).parseResult(&Result{URL: feedURL, Body: []byte(doc)}, feedURL, known)
		for _, a := range f.Articles {
			stored[a.ID] = a.URL
		}
		return f.Articles
	}
	first := parse("a", "b")
	if len(first) != 2 || first[0].ID != ArticleID(feedURL, guidLinkKey("g", "https://news.example/a")) {
		t.Fatalf("first poll: %v", first)
	}
	for _, p := range []string{"a", "b"} {
		again := parse(p)
		if want := ArticleID(feedURL, guidLinkKey("g", "https://news.example/"+p)); len(again) != 1 || again[0].ID != want {
			t.Errorf("%s alone: ID %s, want %s (its ID of the first poll)", p, again[0].ID, want)
		}
	}
}

// TestUniqueGUIDIDsUnchanged: items of an ordinary feed (one GUID each)
// are keyed by GUID alone whatever is stored, so that no stored article
// gets a second copy on upgrade; an item whose link changed keeps its ID.
func TestUniqueGUIDIDsUnchanged(t *testing.T) {
	const feedURL = "https://news.example/feed"
	alone := map[string]bool{ArticleID(feedURL, "guid:g1"): true, ArticleID(feedURL, "guid:g2"): true}
	for _, known := range []storedLink{
		nil,
		func(string) (string, bool) { return "", false },
		func(id string) (string, bool) { return "https://news.example/a", alone[id] },
		func(id string) (string, bool) { return "https://news.example/old-slug", alone[id] },
	} {
		doc := `<rss version="2.0"><channel><title>T</title><link>https://news.example/</link>
<item><title>a</title><link>https://news.example/a</link><guid>g1</guid><pubDate>Tue, 24 Nov 2026 10:00:00 +0530</pubDate></item>
<item><title>b</title><link>https://news.example/b</link><guid>g2</guid><pubDate>Tue, 24 Nov 2026 10:00:00 +0530</pubDate></item>
</channel></rss>`
		f, _ := (&Parser{}).parseResult(&Result{URL: feedURL, Body: []byte(doc)}, feedURL, known)
		for i, g := range []string{"g1", "g2"} {
			if want := ArticleID(feedURL, DedupeKey(g, "", "", "")); f.Articles[i].ID != want {
				t.Errorf("item %s: ID %s, want %s (GUID alone)", g, f.Articles[i].ID, want)
			}
		}
	}
}
