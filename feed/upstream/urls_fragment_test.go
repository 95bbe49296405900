package upstream

import "testing"

// TestStripTrackingLeavesFragment: StripTracking's godoc says it removes
// tracking parameters "from the query of rawURL"; RFC 3986 section 3.5:
// the fragment starts at the first "#", and a "?" after it is part of
// the fragment, not a query. Hash-routed pages write "#/story?id=5&…":
// their fragment stays as written, whatever it holds.
func TestStripTrackingLeavesFragment(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://news.example/app#/story?id=5&utm_source=tw", "https://news.example/app#/story?id=5&utm_source=tw"},
		{"https://news.example/app?utm_medium=rss#/story?utm_source=tw", "https://news.example/app#/story?utm_source=tw"},
		{"https://news.example/app?p=1&fbclid=x#/s?gclid=y", "https://news.example/app?p=1#/s?gclid=y"},
		{"https://news.example/app?p=1#utm_source=tw", "https://news.example/app?p=1#utm_source=tw"},
		{"https://news.example/app#", "https://news.example/app#"},
	} {
		if got := StripTracking(tt.in); got != tt.want {
			t.Errorf("StripTracking(%q) = %q, want %q (the fragment is not a query)", tt.in, got, tt.want)
		}
	}
}
