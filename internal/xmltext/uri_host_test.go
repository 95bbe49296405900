package xmltext

import "testing"

// TestAppendURIHostPercent (review of be60117): URI now
// percent-encodes a host IDNA refuses, and appendPercent writes a "%" that
// starts no escape as "%25"; but AppendURI (what the RSS, Atom, JSON
// and sitemap writers call, "appends URI(iri)") takes its fast path for
// an authority without a byte of uriEscape, "@" or "&", and copies such a
// host as it is. Before be60117 both copied the host, so they agreed.
func TestAppendURIHostPercent(t *testing.T) {
	for _, in := range []string{"http://50%off.example/deals", "//a%zz.example/x", "https://%/"} {
		want := URI(in)
		if got := string(AppendURI(nil, in, "&")); got != want {
			t.Errorf("AppendURI(%q, \"&\") = %q, URI = %q", in, got, want)
		}
		if got := string(AppendURI(nil, in, "&amp;")); got != want {
			t.Errorf("AppendURI(%q, \"&amp;\") = %q, URI = %q", in, got, want)
		}
	}
}

// TestURIBracketedHostEscaped (review of be60117): the fix takes
// any host that starts with "[" and ends with "]" for an IP literal and
// copies it as written, so a space or a non-ASCII byte inside it goes out
// raw, though it is no IP-literal (RFC 3986 3.2.2: "[" IPv6address or
// IPvFuture "]", neither of which holds a space or a non-ASCII byte) and
// URI's godoc says every space and non-ASCII byte is percent-encoded;
// "[a b" (unclosed) is encoded, "[a b]" is not.
func TestURIBracketedHostEscaped(t *testing.T) {
	for _, in := range []string{"http://[a b]/x", "//[ü]/x", "http://[news<x>]/"} {
		got := URI(in)
		for i := 0; i < len(got); i++ {
			if c := got[i]; c >= 0x80 || c == ' ' || c == '<' || c == '>' {
				t.Errorf("URI(%q) = %q: byte %q left raw", in, got, c)
				break
			}
		}
	}
}
