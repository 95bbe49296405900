package khabar

import (
	"iter"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Graphemes yields the extended grapheme clusters of s: what a reader
// sees as one character. It follows Unicode's rules including GB9c (Unicode
// 15.1), which github.com/rivo/uniseg v0.4 predates: a consonant joined by
// a virama to the next consonant stays one cluster, so "क्ष" and "स्त्र"
// are never cut in half.
func Graphemes(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		state := -1
		rest := s
		start := 0 // start of the pending cluster in s
		pendingEnd := 0
		for len(rest) > 0 {
			var c string
			c, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
			end := len(s) - len(rest)
			cStart := end - len(c)
			if cStart > start && startsWithConsonant(s[start:cStart]) && endsWithLinker(s[start:cStart]) && startsWithConsonant(c) {
				pendingEnd = end // GB9c: join with the pending cluster
				continue
			}
			if pendingEnd > start {
				if !yield(s[start:pendingEnd]) {
					return
				}
			}
			start, pendingEnd = cStart, end
		}
		if pendingEnd > start {
			yield(s[start:pendingEnd])
		}
	}
}

// GraphemeCount returns the number of grapheme clusters in s, as Graphemes
// splits them.
func GraphemeCount(s string) int {
	n := 0
	for range Graphemes(s) {
		n++
	}
	return n
}

// endsWithLinker reports whether cluster ends with an Indic virama
// (InCB=Linker), possibly followed by ZWJ or ZWNJ... only ZWJ and marks of
// InCB=Extend may follow the linker for GB9c to apply.
func endsWithLinker(cluster string) bool {
	for len(cluster) > 0 {
		r, n := utf8.DecodeLastRuneInString(cluster)
		switch {
		case isLinker(r):
			return true
		case r == '\u200D' || isIndicExtend(r):
			cluster = cluster[:len(cluster)-n]
		default:
			return false
		}
	}
	return false
}

func startsWithConsonant(cluster string) bool {
	r, _ := utf8.DecodeRuneInString(cluster)
	return isIndicConsonant(r)
}

// isLinker reports InCB=Linker: the viramas of Devanagari, Bengali,
// Gujarati, Oriya, Telugu and Malayalam.
func isLinker(r rune) bool {
	switch r {
	case 0x094D, 0x09CD, 0x0ACD, 0x0B4D, 0x0C4D, 0x0D4D:
		return true
	}
	return false
}

// isIndicExtend approximates InCB=Extend for the scripts above: nukta and
// the combining marks that may sit between a consonant's virama and ZWJ.
func isIndicExtend(r rune) bool {
	switch r {
	case 0x093C, 0x09BC, 0x0ABC, 0x0B3C, 0x0C3C, 0x0D3B, 0x0D3C:
		return true
	}
	return false
}

// isIndicConsonant reports InCB=Consonant for the scripts with a linker.
func isIndicConsonant(r rune) bool {
	switch {
	case r >= 0x0915 && r <= 0x0939, r >= 0x0958 && r <= 0x095F, r >= 0x0978 && r <= 0x097F: // Devanagari
		return true
	case r >= 0x0995 && r <= 0x09A8, r >= 0x09AA && r <= 0x09B0, r == 0x09B2, r >= 0x09B6 && r <= 0x09B9,
		r == 0x09DC, r == 0x09DD, r == 0x09DF, r == 0x09F0, r == 0x09F1: // Bengali
		return true
	case r >= 0x0A95 && r <= 0x0AA8, r >= 0x0AAA && r <= 0x0AB0, r == 0x0AB2, r == 0x0AB3, r >= 0x0AB5 && r <= 0x0AB9, r == 0x0AF9: // Gujarati
		return true
	case r >= 0x0B15 && r <= 0x0B28, r >= 0x0B2A && r <= 0x0B30, r == 0x0B32, r == 0x0B33, r >= 0x0B35 && r <= 0x0B39,
		r == 0x0B5C, r == 0x0B5D, r == 0x0B5F, r == 0x0B71: // Oriya
		return true
	case r >= 0x0C15 && r <= 0x0C28, r >= 0x0C2A && r <= 0x0C39, r >= 0x0C58 && r <= 0x0C5A: // Telugu
		return true
	case r >= 0x0D15 && r <= 0x0D3A: // Malayalam
		return true
	}
	return false
}
