package khabar

import (
	"iter"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Graphemes yields the extended grapheme clusters of s: what a reader
// sees as one character. It follows UAX #29 including GB9c, with the
// Indic_Conjunct_Break property of Unicode 17.0, which
// github.com/rivo/uniseg v0.4 (its other rules) and Go's unicode tables
// predate: a consonant joined by a virama to the next consonant stays one
// cluster, so "क्ष" and "स्त्र" are never cut in half. Marks between the virama and the consonants may be any
// InCB=Extend mark (nukta, candrabindu, stress signs, ZWJ); a spacing
// vowel sign or visarga (SpacingMark) ends the sequence, so "कि्ष" is two
// clusters.
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
			if cStart > start && startsWithConsonant(c) && endsWithLinkedConsonant(s[start:cStart]) {
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

// endsWithLinkedConsonant reports whether text ends as GB9c requires
// before a consonant it joins: InCB=Consonant, then any InCB=Extend and
// InCB=Linker characters, at least one of them a Linker.
func endsWithLinkedConsonant(text string) bool {
	linked := false
	for len(text) > 0 {
		r, n := utf8.DecodeLastRuneInString(text)
		switch {
		case isLinker(r):
			linked = true
		case isInCBExtend(r):
		default:
			return linked && isIndicConsonant(r)
		}
		text = text[:len(text)-n]
	}
	return false
}

func startsWithConsonant(cluster string) bool {
	r, _ := utf8.DecodeRuneInString(cluster)
	return isIndicConsonant(r)
}

// isLinker reports InCB=Linker: the viramas of Devanagari, Bengali,
// Gujarati, Oriya, Telugu and Malayalam (Unicode 15.1), and the linking
// marks of the scripts Unicode 16.0 and 17.0 added (Myanmar, Khmer,
// Balinese, …).
func isLinker(r rune) bool {
	return r >= 0x094D && unicode.Is(incbLinker, r)
}

// isInCBExtend reports InCB=Extend as Unicode 17.0 derives it: the
// characters of Grapheme_Cluster_Break Extend (Grapheme_Extend, that is Mn,
// Me and Other_Grapheme_Extend, and the emoji modifiers) and ZWJ, less the
// linkers and ZWNJ (which asks for the conjunct not to form). It thus
// holds for nukta, candrabindu (U+0901), anusvara, the stress signs
// (U+0951) and the non-spacing vowel signs, and not for spacing vowel
// signs (U+093F) or visarga (U+0903), which are SpacingMark.
func isInCBExtend(r rune) bool {
	switch {
	case r == 0x200D:
		return true
	case r < 0x0300 || r == 0x200C || isLinker(r):
		return false
	case 0x1F3FB <= r && r <= 0x1F3FF: // Emoji_Modifier
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Other_Grapheme_Extend)
}

// isIndicConsonant reports InCB=Consonant. Devanagari, which Graphemes
// sees at the start of most clusters of a Hindi text, is answered without
// the table's search.
func isIndicConsonant(r rune) bool {
	if r <= 0x097F {
		return 0x0915 <= r && r <= 0x0939 || 0x0958 <= r && r <= 0x095F || 0x0978 <= r
	}
	return unicode.Is(incbConsonant, r)
}

// incbConsonant and incbLinker are Indic_Conjunct_Break=Consonant and
// =Linker as Unicode 17.0's DerivedCoreProperties.txt lists them (Go's
// unicode package has no such property).
var incbConsonant = &unicode.RangeTable{
	R16: []unicode.Range16{
		{0x0915, 0x0939, 1},
		{0x0958, 0x095F, 1},
		{0x0978, 0x097F, 1},
		{0x0995, 0x09A8, 1},
		{0x09AA, 0x09B0, 1},
		{0x09B2, 0x09B2, 1},
		{0x09B6, 0x09B9, 1},
		{0x09DC, 0x09DD, 1},
		{0x09DF, 0x09DF, 1},
		{0x09F0, 0x09F1, 1},
		{0x0A95, 0x0AA8, 1},
		{0x0AAA, 0x0AB0, 1},
		{0x0AB2, 0x0AB3, 1},
		{0x0AB5, 0x0AB9, 1},
		{0x0AF9, 0x0AF9, 1},
		{0x0B15, 0x0B28, 1},
		{0x0B2A, 0x0B30, 1},
		{0x0B32, 0x0B33, 1},
		{0x0B35, 0x0B39, 1},
		{0x0B5C, 0x0B5D, 1},
		{0x0B5F, 0x0B5F, 1},
		{0x0B71, 0x0B71, 1},
		{0x0C15, 0x0C28, 1},
		{0x0C2A, 0x0C39, 1},
		{0x0C58, 0x0C5A, 1},
		{0x0D15, 0x0D3A, 1},
		{0x1000, 0x102A, 1},
		{0x103F, 0x103F, 1},
		{0x1050, 0x1055, 1},
		{0x105A, 0x105D, 1},
		{0x1061, 0x1061, 1},
		{0x1065, 0x1066, 1},
		{0x106E, 0x1070, 1},
		{0x1075, 0x1081, 1},
		{0x108E, 0x108E, 1},
		{0x1780, 0x17B3, 1},
		{0x1A20, 0x1A54, 1},
		{0x1B0B, 0x1B0C, 1},
		{0x1B13, 0x1B33, 1},
		{0x1B45, 0x1B4C, 1},
		{0x1B83, 0x1BA0, 1},
		{0x1BAE, 0x1BAF, 1},
		{0x1BBB, 0x1BBD, 1},
		{0xA989, 0xA98B, 1},
		{0xA98F, 0xA9B2, 1},
		{0xA9E0, 0xA9E4, 1},
		{0xA9E7, 0xA9EF, 1},
		{0xA9FA, 0xA9FE, 1},
		{0xAA60, 0xAA6F, 1},
		{0xAA71, 0xAA73, 1},
		{0xAA7A, 0xAA7A, 1},
		{0xAA7E, 0xAA7F, 1},
		{0xAAE0, 0xAAEA, 1},
		{0xABC0, 0xABDA, 1},
	},
	R32: []unicode.Range32{
		{0x10A00, 0x10A00, 1},
		{0x10A10, 0x10A13, 1},
		{0x10A15, 0x10A17, 1},
		{0x10A19, 0x10A35, 1},
		{0x11103, 0x11126, 1},
		{0x11144, 0x11144, 1},
		{0x11147, 0x11147, 1},
		{0x11380, 0x11389, 1},
		{0x1138B, 0x1138B, 1},
		{0x1138E, 0x1138E, 1},
		{0x11390, 0x113B5, 1},
		{0x11900, 0x11906, 1},
		{0x11909, 0x11909, 1},
		{0x1190C, 0x11913, 1},
		{0x11915, 0x11916, 1},
		{0x11918, 0x1192F, 1},
		{0x11A00, 0x11A00, 1},
		{0x11A0B, 0x11A32, 1},
		{0x11A50, 0x11A50, 1},
		{0x11A5C, 0x11A83, 1},
		{0x11F04, 0x11F10, 1},
		{0x11F12, 0x11F33, 1},
	},
}

var incbLinker = &unicode.RangeTable{
	R16: []unicode.Range16{
		{0x094D, 0x094D, 1},
		{0x09CD, 0x09CD, 1},
		{0x0ACD, 0x0ACD, 1},
		{0x0B4D, 0x0B4D, 1},
		{0x0C4D, 0x0C4D, 1},
		{0x0D4D, 0x0D4D, 1},
		{0x1039, 0x1039, 1},
		{0x17D2, 0x17D2, 1},
		{0x1A60, 0x1A60, 1},
		{0x1B44, 0x1B44, 1},
		{0x1BAB, 0x1BAB, 1},
		{0xA9C0, 0xA9C0, 1},
		{0xAAF6, 0xAAF6, 1},
	},
	R32: []unicode.Range32{
		{0x10A3F, 0x10A3F, 1},
		{0x11133, 0x11133, 1},
		{0x113D0, 0x113D0, 1},
		{0x1193E, 0x1193E, 1},
		{0x11A47, 0x11A47, 1},
		{0x11A99, 0x11A99, 1},
		{0x11F42, 0x11F42, 1},
	},
}
