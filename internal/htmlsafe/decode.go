package htmlsafe

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Text and attribute values become what HTML5 reads them as: carriage
// returns become line feeds, NUL becomes U+FFFD where the tokenizer
// replaces it, and character references are decoded where the mode
// decodes them, as golang.org/x/net/html's Tokenizer does.

// plain reports whether raw reads as itself in mode, so that it needs no
// decoding.
func plain(raw string, mode textMode) bool {
	for i := 0; i < len(raw); i++ {
		if !plainSpecial[raw[i]] {
			continue
		}
		switch raw[i] {
		case '&':
			if mode != textRawText {
				return false
			}
		case '\r':
			return false
		case 0:
			if mode != textData {
				return false
			}
		}
	}
	return true
}

// plainSpecial are the bytes plain looks at.
var plainSpecial = [256]bool{'&': true, '\r': true, 0: true}

// plainText reports whether raw, read in any mode, comes out of decoding
// and appendEscaped as raw itself: it holds none of the bytes
// appendEscaped escapes or drops (escapeSpecial, which holds those that
// decoding changes: '&', CR, NUL).
func plainText(raw string) bool {
	for i := 0; i < len(raw); i++ {
		if escapeSpecial[raw[i]] {
			return false
		}
	}
	return true
}

// appendDecoded appends raw read in mode to b.
func appendDecoded(b []byte, raw string, mode textMode) []byte {
	last := 0
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\r':
			b = append(b, raw[last:i]...)
			b = append(b, '\n')
			i++
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
			last = i
		case c == 0 && mode != textData:
			b = append(b, raw[last:i]...)
			b = append(b, "\uFFFD"...)
			i++
			last = i
		case c == '&' && mode != textRawText:
			n, dec := entity(raw[i:], mode == textAttr)
			if n == 0 {
				i++
				continue
			}
			b = append(b, raw[last:i]...)
			b = append(b, dec...)
			i += n
			last = i
		default:
			i++
		}
	}
	return append(b, raw[last:]...)
}

// entity reads the character reference at the start of s (s[0] is '&')
// and returns its length and what it stands for, or 0 when it is not one
// (inAttr: as in an attribute value, where a name without ';' followed by
// '=' is not a reference, and only a whole name is).
func entity(s string, inAttr bool) (int, string) {
	switch {
	case strings.HasPrefix(s, "&amp;"):
		return 5, "&"
	case strings.HasPrefix(s, "&lt;"):
		return 4, "<"
	case strings.HasPrefix(s, "&gt;"):
		return 4, ">"
	case strings.HasPrefix(s, "&quot;"):
		return 6, `"`
	case strings.HasPrefix(s, "&#39;"):
		return 5, "'"
	case strings.HasPrefix(s, "&nbsp;"):
		return 6, "\u00a0"
	}
	// The reference runs over '#', an optional 'x' and digits, or over a
	// name of letters and digits, and an optional ';'.
	i := 1
	if i < len(s) && s[i] == '#' {
		i++
		hex := i < len(s) && (s[i] == 'x' || s[i] == 'X')
		if hex {
			i++
		}
		d := i
		for i < len(s) && (isDigit(s[i]) || hex && isHexLetter(s[i])) {
			i++
		}
		if i == d {
			return 0, ""
		}
	} else {
		for i < len(s) && (isLetter(s[i]) || isDigit(s[i])) {
			i++
		}
		if i == 1 {
			return 0, ""
		}
		semi := i < len(s) && s[i] == ';'
		if inAttr && !semi && i < len(s) && s[i] == '=' {
			return 0, ""
		}
		if semi {
			i++
		}
		ref := s[:i]
		dec := html.UnescapeString(ref)
		if dec == ref {
			return 0, ""
		}
		if inAttr && !exactEntity(ref, dec) {
			return 0, "" // only a prefix is a name: attributes take whole names only
		}
		return i, dec
	}
	if i < len(s) && s[i] == ';' {
		i++
	}
	return i, html.UnescapeString(s[:i])
}

// exactEntity reports whether dec, the decoding of the named reference
// ref, comes from ref's whole name rather than from the longest prefix of
// it that is a legacy name (such as "&amp" in "&ampx"). A whole name
// decodes to one or two characters and never leaves a trailing ';' or
// name character behind; a prefix leaves the rest of the name.
func exactEntity(ref, dec string) bool {
	n := utf8.RuneCountInString(dec)
	if n == 1 {
		return true
	}
	if n > 2 {
		return false
	}
	last := dec[len(dec)-1]
	if ref == "&fjlig;" { // the one two-letter decoding
		return true
	}
	return last != ref[len(ref)-1]
}

func isDigit(c byte) bool     { return '0' <= c && c <= '9' }
func isHexLetter(c byte) bool { return 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
