package feed

// From an adversarial review of the NFC slugs (963199e); each failed before its fix.

import (
	"strings"
	"testing"

	"github.com/khabar/khabar"
)

// TestDerivedSlugFeedReachable: a tag named "J̌ohn" (J + U+030C), with
// no explicit slug, gets the slug Slugify gives, "j" + U+030C, which is
// not NFC (NFC is "ǰ", U+01F0), and the catalog files it so. The feed
// address the Handler advertises for the tag the catalog lists (FeedURL,
// written by EscapeSlug in NFC) answers 404, and Discovery of that tag
// fails: the feed cannot be reached at all. See
// TestDerivedSlugsInNFC in package khabar.
//
// Expected: 200 for the tag's advertised feed address.
func TestDerivedSlugFeedReachable(t *testing.T) {
	c := fixture(t)
	a, _ := c.Get("a-1004")
	b := a.Clone()
	b.ID = "a-caron"
	b.Tags = []khabar.Tag{{Name: "J\u030cohn"}}
	if err := c.Upsert(b); err != nil {
		t.Fatal(err)
	}
	got, _ := c.Get("a-caron")
	k := khabar.TagKey(got.Tags[0].Slug)
	h := newTestHandler(t, c, nil)
	if _, err := h.Discovery(k); err != nil {
		t.Errorf("%+q (the slug the catalog stored) has no feed: %v", k.Slug, err)
	}
	raw := h.Renderer().FeedURL(k, RSS, 1)
	path := strings.TrimPrefix(raw, "https://news.example.in")
	if w := do(h, "GET", path); w.Code != 200 {
		t.Errorf("the tag's advertised feed address %s answers %d (Location %q)", path, w.Code, w.Header().Get("Location"))
	}
}
