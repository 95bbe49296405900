package xmltext

import "testing"

func TestFoldSpace(t *testing.T) {
	for _, tc := range []struct {
		in         string
		ascii, all string
	}{
		{"", "", ""},
		{"a b", "a b", "a b"},
		{"  a \t\n b  ", "a b", "a b"},
		{"a\u00a0b", "a\u00a0b", "a b"},
		{"a \u2003 b", "a \u2003 b", "a b"},
		{"\u2009x\u2009", "\u2009x\u2009", "x"},
		{"कानपुर  मेट्रो ", "कानपुर मेट्रो", "कानपुर मेट्रो"},
		{"a ", "a", "a"},
	} {
		if got := FoldSpace(tc.in, false); got != tc.ascii {
			t.Errorf("FoldSpace(%q, false) = %q, want %q", tc.in, got, tc.ascii)
		}
		if got := FoldSpace(tc.in, true); got != tc.all {
			t.Errorf("FoldSpace(%q, true) = %q, want %q", tc.in, got, tc.all)
		}
	}
}
