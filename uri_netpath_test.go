package khabar

import "testing"

// TestURINetworkPathIPLiteral: the brackets of an IP-literal host are
// kept in a network-path reference ("//[::1]/a", RFC 3986 4.2) as after
// "scheme://".
func TestURINetworkPathIPLiteral(t *testing.T) {
	for _, in := range []string{
		"//[2001:db8::1]/a.png",
		"//[2001:db8::1]:8080/a",
		"//[::1]",
	} {
		if got := URI(in); got != in {
			t.Errorf("URI(%q) = %q, want it unchanged (the brackets of an IP-literal host are kept)", in, got)
		}
	}
}
