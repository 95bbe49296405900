package xmltext

import "testing"

// TestZoneWithPercentEncoding (8dbcdc3): isIPLiteral takes only
// unreserved characters after the zone's "%25", but RFC 6874 2 has
// ZoneID = 1*( unreserved / pct-encoded ): "[fe80::1%25%65th0]" (zone
// "eth0", its "e" percent-encoded) is an IP-literal, which url.Parse
// takes. URI percent-encodes its brackets instead, and url.Parse refuses
// the result ("invalid port ... after host": the host is now a reg-name
// with colons). Before 8dbcdc3 the host was kept as written.
func TestZoneWithPercentEncoding(t *testing.T) {
	for _, in := range []string{"http://[fe80::1%25en%300]/feed", "http://[fe80::1%25%65th0]:8080/"} {
		if got := URI(in); got != in {
			t.Errorf("URI(%q) = %q, want it unchanged (an RFC 6874 IP-literal)", in, got)
		}
		if got := string(AppendURI(nil, in, "&amp;")); got != in {
			t.Errorf("AppendURI(%q) = %q, want it unchanged", in, got)
		}
	}
}
