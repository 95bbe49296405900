package serve

import (
	"net"
	"testing"

	"github.com/khabar/khabar/feed"
)

// TestHomeSpecificIPv6: an example listening on a specific IPv6 address
// links its pages and mails to that address (localhost, which a review
// found Home gave, is where nothing listens); only unspecified and
// loopback addresses become localhost.
func TestHomeSpecificIPv6(t *testing.T) {
	a := &net.TCPAddr{IP: net.ParseIP("2001:db8::5"), Port: 8080}
	if got, want := Home(a), "http://[2001:db8::5]:8080/"; got != want {
		t.Errorf("Home(%s) = %q, want %q (the address the example can be reached at)", a, got, want)
	}
}

// TestIDHostForSpecificIPv6: such a home URL gets IDHost localhost, so
// the examples still make their Renderers.
func TestIDHostForSpecificIPv6(t *testing.T) {
	home := Home(&net.TCPAddr{IP: net.ParseIP("2001:db8::5"), Port: 8080})
	if got := IDHost(home); got != "localhost" {
		t.Errorf("IDHost(%q) = %q, want localhost", home, got)
	}
	if _, err := feed.NewRenderer(feed.Config{HomeURL: home, IDHost: IDHost(home)}); err != nil {
		t.Error(err)
	}
	if got := IDHost("http://127.0.0.1:8080/"); got != "" {
		t.Errorf("IDHost of an IPv4 home = %q, want \"\"", got)
	}
}
