package serve

import (
	"net"
	"testing"

	"github.com/khabar/khabar/feed"
)

// TestHomeZonedIPv6 (review of be60117): Home now keeps an IPv6
// address that is neither unspecified nor loopback, but a link-local
// listener's address carries its zone ("[fe80::1%eth0]:8080",
// net.TCPAddr.String), which net.ParseIP refuses and Home writes as it
// is: "http://[fe80::1%eth0]:8080/", whose "%et" is no URL escape (RFC
// 6874: the zone's "%" is written "%25"). url.Parse refuses it, so
// IDHost gives "" and the examples' Renderer is not made; before
// be60117 Home gave http://localhost:8080/ and the example started.
func TestHomeZonedIPv6(t *testing.T) {
	home := Home(&net.TCPAddr{IP: net.ParseIP("fe80::1"), Zone: "eth0", Port: 8080})
	if _, err := feed.NewRenderer(feed.Config{HomeURL: home, IDHost: IDHost(home)}); err != nil {
		t.Errorf("Home = %q, IDHost %q: NewRenderer: %v", home, IDHost(home), err)
	}
}
