package xmltext

import "math/bits"

// The clean check behind Clean (and so khabar.CleanText) reads s eight
// bytes at a time as one little-endian word (byte k of the word is bits
// 8k..8k+7) and works on all eight bytes at once ("SWAR"). Every per-byte
// fact is kept in bit 7 of that byte: shifting the word left by n moves bit
// 7-n of each byte to bit 7 of the same byte, so a fact costs a shift and
// an AND; a shift by whole bytes moves facts from one byte to another; and
// adding or subtracting a constant in every byte compares a field of each
// byte with it at once when no byte can carry or borrow. The other bits
// hold noise that is masked away (hiBits) only when a mask is tested. Pure
// Go, no unsafe: on amd64 and arm64 the compiler turns load64 into one
// load, and the bounds checks go away.
//
// A word is "plain" when its bytes are well-formed UTF-8 given the leads of
// the previous word (every continuation byte sits exactly where a lead byte
// one or, for E0..EF, two positions earlier expects one), an E0 lead is
// followed by A1..BF (80..9F would be overlong; A0 is left to the rune
// loop for speed), and it holds none of the rare leads C0, C1
// (always overlong), ED (surrogates follow), EE (private use), EF (U+FFFE
// and U+FFFF live there) or F0..FF (four-byte runes and invalid bytes).
// Bytes below 0x20 in a plain word are checked one by one: tab, newline and
// carriage return are fine. Any other word is checked rune by rune, exactly
// like the plain range loop would, from the start of the rune that holds
// its first byte (or the one before) to the first rune boundary at or
// after its end; then the word loop resumes there.
//
// Devanagari (U+0900..U+097F, E0 A4 80..E0 A5 BF) and the other Indic
// scripts, Latin-1, Greek, Cyrillic, Arabic, Hebrew and general
// punctuation (E2 80 xx, ₹ E2 82 B9) are all plain, so Hindi news text goes
// through the word loop almost throughout; an emoji or a U+FFFD sends only
// the word that holds it to the rune loop.
const hiBits = 0x8080808080808080

// load64 returns s[:8] as a little-endian word; the compiler turns it
// into one unaligned load.
func load64(s string) uint64 {
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// IsClean reports whether Clean would leave s as it is: s is valid UTF-8
// with no C0 control other than tab, newline and carriage return and no
// U+FFFE or U+FFFF (surrogates are not valid UTF-8; a real U+FFFD and
// U+007F are fine).
func IsClean(s string) bool {
	return CleanPrefix(s) == len(s)
}

// CleanPrefix returns the length of the longest prefix of s made of whole
// runes that Clean keeps as they are: s[:n] is clean and, when n <
// len(s), the rune utf8.DecodeRuneInString(s[n:]) decodes is an invalid
// byte, a C0 control other than tab, newline and carriage return, U+FFFE
// or U+FFFF.
func CleanPrefix(s string) int {
	var carry, e0 uint64 // the word loop's state, see plainWords
	// span is how far the rune loop goes past a word that is not plain. It
	// grows while such words come close together, so that text in which
	// most words are not plain (Korean has ED in a quarter of its
	// syllables, emoji take F0) runs at the rune loop's speed rather than
	// switching loops every few bytes.
	span := 8
	i := 0
	for {
		n, ctrlOnly := plainWords(s[i:], carry, e0)
		if n >= 24 {
			span = 8
		}
		i += n
		if i > len(s)-8 {
			break
		}
		if !ctrlOnly {
			// Not plain: check rune by rune from the start of the rune
			// before s[i] to the end of the word or span (and the end of
			// the rune that straddles it).
			j := cleanRunes(s, runeStart(s, i), i+span)
			if j < 0 {
				return ^j
			}
			i, carry, e0 = j, 0, 0
			span = min(2*span, 1024)
			continue
		}
		w := load64(s[i : i+8])
		if k := badCtrl(w, hiBits&^(w|w<<1|w<<2)); k >= 0 {
			return i + k
		}
		// The state after a plain word depends only on its last two bytes.
		carry, e0 = 0, 0
		if b := s[i+7]; b >= 0xc0 {
			carry = 0x80
			if b >= 0xe0 {
				carry |= 0x8000
			}
			if b == 0xe0 {
				e0 = 0x80
			}
		}
		if s[i+6] >= 0xe0 {
			carry |= 0x80
		}
		i += 8
	}
	// The last few bytes, from the start of the rune before s[i].
	if j := cleanRunes(s, runeStart(s, i), len(s)); j < 0 {
		return ^j
	}
	return len(s)
}

// plainWords skips the plain words without control characters at the
// start of s and returns how many bytes it skipped (a multiple of 8). The
// word that stops it, if any, is not plain, or is plain but holds bytes
// below 0x20 when ctrlOnly is true.
//
// carry and e0 carry the word loop's state from one word to the next; the
// caller passes the state the word before s leaves: bit 7 of each byte of
// carry marks a byte of the next word that leads in this one expect to be
// a continuation byte, bit 7 of e0 the first byte of the next word when it
// must be A0..BF because this word ends in E0. Their other bits are noise.
func plainWords(s string, carry, e0 uint64) (_ int, ctrlOnly bool) {
	j := 0
	if carry&hiBits == 0 {
		// Plain ASCII goes faster on its own.
		for ; j < len(s)-7; j += 8 {
			w := load64(s[j : j+8])
			if w&hiBits != 0 || (w|w<<1|w<<2)&hiBits != hiBits {
				break
			}
		}
	}
	for ; j < len(s)-7; j += 8 {
		w := load64(s[j : j+8])
		// Only bit 7 of each byte counts in the masks below; the other
		// bits are whatever falls out, and shifts by whole bytes keep them
		// out of bit 7.
		b6, b5 := w<<1, w<<2 // bits 6 and 5 of each byte at bit 7
		ctrl := w | b6 | b5  // bit 7 clear: a byte below 0x20
		lead2 := w & b6      // 11xxxxxx: C0..FF
		lead3 := lead2 & b5  // 111xxxxx: E0..FF
		// Continuation bytes (10xxxxxx) exactly where the leads expect them.
		bad := (w ^ lead2) ^ (carry | lead2<<8 | lead3<<16)
		carry = lead2>>56 | lead3>>48
		// The low six bits of a lead are its distance from C0. For x <=
		// 0x3f, x+n has bit 7 set when x >= 0x80-n, and n-x (n >= 0x80)
		// when x <= n-0x80: C2..EC are common, C0, C1 and ED..FF rare.
		l6 := w & 0x3f3f3f3f3f3f3f3f
		bad |= lead2 & ((0x8181818181818181 - l6) | (l6 + 0x5353535353535353))
		// An E0 lead must be followed by A0..BF. Bit 7 of small is set in
		// bytes whose low six bits are at most 0x20: E0 among the leads
		// E0..EC, and 80..A0 among continuation bytes. E0 A0 is fine but
		// rare (Samaritan, Mandaic) and left to the rune loop.
		small := 0xa0a0a0a0a0a0a0a0 - l6
		e0lead := lead3 & small
		bad |= (e0lead<<8 | e0) & small
		e0 = e0lead >> 56
		if (bad|^ctrl)&hiBits != 0 {
			return j, bad&hiBits == 0
		}
	}
	return j, false
}

// cleanRunes checks s rune by rune from i, a rune start, until the first
// rune boundary at or after end, and returns that boundary (at most
// len(s)); when it meets a rune Clean would change first, it returns
// ^start of that rune instead. It takes runes exactly as
// utf8.DecodeRuneInString does (the table of well-formed byte sequences in
// section 3.9 of the Unicode standard), without a call per rune.
func cleanRunes(s string, i, end int) int {
	for i < end && i < len(s) {
		c := s[i]
		if c < 0x80 {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return ^i
			}
			i++
			continue
		}
		t := leads[c]
		n := int(t & 7)
		if n == 0 || i+n > len(s) {
			return ^i // not a lead byte, or a sequence cut short
		}
		if b := s[i+1]; b < byte(t>>8) || b > byte(t>>16) {
			return ^i
		}
		if n > 2 {
			if s[i+2]&0xc0 != 0x80 {
				return ^i
			}
			if c == 0xef && s[i+1] == 0xbf && s[i+2] >= 0xbe {
				return ^i // U+FFFE, U+FFFF
			}
			if n > 3 && s[i+3]&0xc0 != 0x80 {
				return ^i
			}
		}
		i += n
	}
	return i
}

// leads describes each byte as the first of a multi-byte sequence: bits
// 0..2 hold the sequence's length (0: the byte cannot start one), bits
// 8..15 and 16..23 the least and greatest second byte it allows.
var leads = func() (t [256]uint32) {
	seq := func(n int, lo, hi byte) uint32 { return uint32(n) | uint32(lo)<<8 | uint32(hi)<<16 }
	for c := 0xc2; c <= 0xf4; c++ {
		switch {
		case c < 0xe0:
			t[c] = seq(2, 0x80, 0xbf)
		case c == 0xe0:
			t[c] = seq(3, 0xa0, 0xbf) // no overlongs
		case c == 0xed:
			t[c] = seq(3, 0x80, 0x9f) // no surrogates
		case c < 0xf0:
			t[c] = seq(3, 0x80, 0xbf)
		case c == 0xf0:
			t[c] = seq(4, 0x90, 0xbf) // no overlongs
		case c == 0xf4:
			t[c] = seq(4, 0x80, 0x8f) // nothing above U+10FFFF
		default:
			t[c] = seq(4, 0x80, 0xbf)
		}
	}
	return t
}()

// runeStart returns the start of the rune before s[i] (or 0), which the
// word loop or the rune loop has checked: it is a rune boundary, and the
// rune that holds s[i] starts there or at i.
func runeStart(s string, i int) int {
	if i == 0 {
		return 0
	}
	for i--; i > 0 && s[i]&0xc0 == 0x80; i-- {
	}
	return i
}

// badCtrl returns the index of the first byte of w that ctrl marks (bytes
// below 0x20) and that is not tab, newline or carriage return, or -1.
func badCtrl(w, ctrl uint64) int {
	for ; ctrl != 0; ctrl &= ctrl - 1 {
		k := bits.TrailingZeros64(ctrl) >> 3
		if c := byte(w >> (8 * k)); c != '\t' && c != '\n' && c != '\r' {
			return k
		}
	}
	return -1
}
