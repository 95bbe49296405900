package serve

import (
	"testing"

	"github.com/khabar/khabar/feed"
)

// TestIDHost: every HomeURL an example builds from its listening address
// makes a Renderer, IPv6 ones ("-addr :8080" listens on [::]) with
// IDHost "localhost".
func TestIDHost(t *testing.T) {
	for home, want := range map[string]string{
		"http://127.0.0.1:8080/": "",
		"http://[::]:8080/":      "localhost",
		"http://[::1]:8080":      "localhost",
		"http://localhost:8080/": "",
	} {
		got := IDHost(home)
		if got != want {
			t.Errorf("IDHost(%q) = %q, want %q", home, got, want)
		}
		if _, err := feed.NewRenderer(feed.Config{HomeURL: home, IDHost: got}); err != nil {
			t.Errorf("%s: %v", home, err)
		}
	}
}
