package upstream

import (
	"strings"
	"testing"
)

func TestOneLine(t *testing.T) {
	for _, in := range []string{"", " ", "a", " a", "a ", "a  b", "a\nb", "कानपुर  में\tमेट्रो", "कानपुर में", "a\u00a0 b", "x\u2003y", "  "} {
		if got, want := oneLine(in), strings.Join(strings.Fields(in), " "); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
