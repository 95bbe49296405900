package khabar

import "testing"

// TestURINetworkPathHostEscaped (review of b94880a): URI now
// reads the authority of a network-path reference ("//host/…") and keeps
// its host unless IDNA converts it; a host IDNA rejects is copied as it
// is, raw space, "[", non-ASCII bytes and all. URI's godoc promises every
// space, non-ASCII byte and "[" outside an IP-literal host
// percent-encoded, and before b94880a these inputs were ("//a%20b/").
// (The same copying after "scheme://" predates b94880a.)
func TestURINetworkPathHostEscaped(t *testing.T) {
	for in, want := range map[string]string{
		"//a b/x":         "//a%20b/x",
		"//ü_x.example/a": "//%C3%BC_x.example/a",
		"//[x/a":          "//%5Bx/a",
		"//news<x>.in/a":  "//news%3Cx%3E.in/a",
	} {
		if got := URI(in); got != want {
			t.Errorf("URI(%q) = %q, want %q (as before b94880a)", in, got, want)
		}
	}
}
