package khabar

import (
	"slices"
	"testing"
	"unicode"
)

// GB9c (UAX #29): do not break within InCB=Consonant
// [InCB=Extend InCB=Linker]* InCB=Linker [InCB=Extend InCB=Linker]* ×
// InCB=Consonant. InCB=Extend is every Grapheme_Cluster_Break=Extend mark
// and ZWJ but the linkers and ZWNJ: nukta, candrabindu (U+0901), stress
// signs (U+0951), CGJ; a spacing vowel sign (U+093F) or visarga (U+0903)
// is SpacingMark and ends the sequence. The wants are what Python's regex
// module (Unicode 17.0) gives for \X; 20,000 random strings over these
// scripts' consonants, linkers and marks, CR, LF, Hangul, Prepend, flags
// and emoji agreed with it when this was written.
func TestGraphemesFollowGB9c(t *testing.T) {
	for _, c := range []struct {
		name string
		s    string
		want []string
	}{
		{"vowel sign before the virama", "\u0915\u093f\u094d\u0937", []string{"\u0915\u093f\u094d", "\u0937"}},
		{"visarga before the virama", "\u0928\u0903\u094d\u092f", []string{"\u0928\u0903\u094d", "\u092f"}},
		{"visarga after the virama", "\u0915\u094d\u0903\u0937", []string{"\u0915\u094d\u0903", "\u0937"}},
		{"stress sign after the virama", "\u092e\u094d\u0951\u0924", []string{"\u092e\u094d\u0951\u0924"}},
		{"stress sign before the virama", "\u0915\u0951\u094d\u0937", []string{"\u0915\u0951\u094d\u0937"}},
		{"candrabindu after the virama", "\u0938\u094d\u0901\u092f", []string{"\u0938\u094d\u0901\u092f"}},
		{"three consonants", "\u0938\u094d\u0924\u094d\u0930", []string{"\u0938\u094d\u0924\u094d\u0930"}},
		{"four consonants", "\u0915\u094d\u0915\u094d\u0915\u094d\u0915", []string{"\u0915\u094d\u0915\u094d\u0915\u094d\u0915"}},
		{"ZWNJ breaks", "\u0915\u094d\u200c\u0937", []string{"\u0915\u094d\u200c", "\u0937"}},
		{"ZWJ joins", "\u0915\u094d\u200d\u0937", []string{"\u0915\u094d\u200d\u0937"}},
		{"CGJ joins", "\u0915\u094d\u034f\u0937", []string{"\u0915\u094d\u034f\u0937"}},
		{"nukta before the virama", "\u0915\u093c\u094d\u0937", []string{"\u0915\u093c\u094d\u0937"}},
		{"nukta after the virama", "\u0915\u094d\u093c\u0937", []string{"\u0915\u094d\u093c\u0937"}},
		{"Bengali", "\u0995\u09cd\u09b7", []string{"\u0995\u09cd\u09b7"}},
		{"Bengali AA is Extend", "\u0995\u09cd\u09be\u09b7", []string{"\u0995\u09cd\u09be\u09b7"}},
		{"across scripts", "\u0915\u094d\u09b7", []string{"\u0915\u094d\u09b7"}},
		{"Myanmar (Unicode 16)", "\u1000\u1039\u1000", []string{"\u1000\u1039\u1000"}},
		{"Khmer (Unicode 16)", "\u1780\u17d2\u1780", []string{"\u1780\u17d2\u1780"}},
		{"Balinese (Unicode 16)", "\u1b13\u1b44\u1b13", []string{"\u1b13\u1b44\u1b13"}},
		{"digit before the virama", "0\u094d\u0930", []string{"0\u094d", "\u0930"}},
		{"virama at the end", "\u0915\u094d\u0951", []string{"\u0915\u094d\u0951"}},
	} {
		if got := slices.Collect(Graphemes(c.s)); !slices.Equal(got, c.want) {
			t.Errorf("%s: Graphemes(%+q) = %+q, want %+q", c.name, c.s, got, c.want)
		}
		if got := GraphemeCount(c.s); got != len(c.want) {
			t.Errorf("%s: GraphemeCount(%+q) = %d, want %d", c.name, c.s, got, len(c.want))
		}
	}
}

// isIndicConsonant's Devanagari fast path says what the table says.
func TestIsIndicConsonantFastPath(t *testing.T) {
	for r := rune(0); r <= 0x0980; r++ {
		if got, want := isIndicConsonant(r), unicode.Is(incbConsonant, r); got != want {
			t.Errorf("isIndicConsonant(%U) = %v, table says %v", r, got, want)
		}
	}
}
