package digest

import (
	"strings"
	"testing"
)

// TestMailtoQuotedLocalPart (found by a review of 244c5a8).
//
// mailtoURI's godoc promises to percent-encode "the quotes of a
// quoted-string", but NewBuilder hands it net/mail's Address, from which
// ParseAddress has already stripped the quotes: UnsubscribeMailto
// `"not@me"@example.org` gives "mailto:not%40me@example.org", whose
// addr-spec after percent-decoding is not@me@example.org — no address.
// RFC 6068 section 6.1 gives this very address as
// <mailto:%22not%40me%22@example.org>. (Likewise `"un sub"@x` becomes
// mailto:un%20sub@x.)
func TestMailtoQuotedLocalPart(t *testing.T) {
	m := buildAsha(t, func(c *Config) { c.UnsubscribeMailto = `"not@me"@example.org` })
	v := readBack(t, m).Header.Get("List-Unsubscribe")
	if want := "<mailto:%22not%40me%22@example.org?subject=unsubscribe%20"; !strings.Contains(v, want) {
		t.Errorf("List-Unsubscribe %q; want it to hold %q (RFC 6068 6.1)", v, want)
	}
}
