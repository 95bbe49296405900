package upstream

import (
	"strings"
	"testing"
)

func TestOneLine(t *testing.T) {
	// Only ASCII white space folds; no-break, en, em and thin spaces are
	// the publisher's.
	for _, in := range []string{"", " ", "a", " a", "a ", "a  b", "a\nb", "कानपुर  में\tमेट्रो", "कानपुर में", "a\f\r\n b", "  "} {
		if got, want := oneLine(in), strings.Join(strings.Fields(in), " "); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"a\u00a0 b":        "a\u00a0 b",
		"x\u2003y":         "x\u2003y",
		" \u00a0a \u2009 ": "\u00a0a \u2009",
		"1\u2002–\u20022":  "1\u2002–\u20022",
	} {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
