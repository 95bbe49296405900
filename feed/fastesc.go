package feed

import (
	"encoding/binary"
	"strings"
	"unsafe"

	"github.com/khabar/khabar"
)

// The escapers below come in two kinds. appendEscaped and appendCDATA
// check their text first (xmlClean, one quick pass) and clean it with
// khabar.CleanText when it holds anything XML forbids: they write the
// feed-level strings and anything else of unknown origin. The *Clean
// variants skip the check: they write article fields, which a
// khabar.Catalog has already cleaned (Renderer.cleanArticle cleans the
// articles of hand-built pages). Both escape with a scan that skips eight
// bytes at a time while none of them can need attention (SWAR: "SIMD
// within a register").

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// bytesOf views s as a byte slice without copying; the slice must only be
// read.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// word returns b[i:i+8] as a little-endian integer (one load).
func word(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i:]) }

// hasByte reports whether any byte of x equals c.
func hasByte(x uint64, c byte) bool {
	y := x ^ (lsb * uint64(c))
	return (y-lsb)&^y&msb != 0
}

// hasControl reports whether any byte of x is below 0x20.
func hasControl(x uint64) bool { return (x-lsb*0x20)&^x&msb != 0 }

// Escaping modes.
const (
	modeText = iota // XML character data
	modeAttr        // XML attribute value in double quotes
	modeJSON        // JSON string body
)

// quiet reports whether none of the eight bytes in x needs attention in
// the given mode.
func quiet(x uint64, mode int) bool {
	if hasControl(x) { // tab, LF and CR need references in some modes
		return false
	}
	switch mode {
	case modeText:
		return !hasByte(x, '&') && !hasByte(x, '<') && !hasByte(x, '>')
	case modeAttr:
		return !hasByte(x, '&') && !hasByte(x, '<') && !hasByte(x, '>') && !hasByte(x, '"')
	}
	return !hasByte(x, '"') && !hasByte(x, '\\') && !hasByte(x, 0xE2) // E2 80 A8/A9: U+2028/9
}

// appendEscaped appends s escaped for mode, cleaned first as
// khabar.CleanText cleans when it holds anything XML forbids.
func appendEscaped(b []byte, s string, mode int) []byte {
	if !xmlClean(s) {
		s = khabar.CleanText(s)
	}
	return appendEscapedClean(b, s, mode)
}

// appendEscapedClean appends s escaped for mode without checking its
// characters: s must be text khabar.CleanText leaves as it is, such as
// every text field of an article stored in a khabar.Catalog. Eight bytes
// at a time are skipped while none of them needs escaping.
func appendEscapedClean(b []byte, s string, mode int) []byte {
	if len(s) >= 64 && nothingToEscape(s, mode) {
		return append(b, s...)
	}
	last := 0
	sb := bytesOf(s)
	for i := 0; i < len(s); {
		if i+8 <= len(s) && quiet(word(sb, i), mode) {
			i += 8
			continue
		}
		end := min(i+8, len(s))
		for ; i < end; i++ {
			c := s[i]
			if c >= 0x80 {
				// E2 80 A8/A9: U+2028 and U+2029 end lines in JavaScript.
				if c == 0xE2 && mode == modeJSON && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
					esc := `\u2028`
					if s[i+2] == 0xA9 {
						esc = `\u2029`
					}
					b = append(b, s[last:i]...)
					b = append(b, esc...)
					i += 2
					last = i + 1
				}
				continue
			}
			esc := escapeOf(c, mode)
			if esc == "" {
				continue
			}
			b = append(b, s[last:i]...)
			b = append(b, esc...)
			last = i + 1
		}
	}
	return append(b, s[last:]...)
}

// nothingToEscape reports whether clean text s has no byte that needs
// escaping in mode, with one vectorized search per such byte: most titles,
// names and summaries have none, and Devanagari text is all bytes >= 0x80
// that the SWAR loop would step through eight at a time.
func nothingToEscape(s string, mode int) bool {
	var specials string
	switch mode {
	case modeText:
		specials = "&<>\r"
	case modeAttr:
		specials = "&<>\"\t\n\r"
	default:
		specials = "\"\\\t\n\r\xe2"
	}
	for i := 0; i < len(specials); i++ {
		if strings.IndexByte(s, specials[i]) >= 0 {
			return false
		}
	}
	return true
}

// escapeOf returns the escape of the ASCII byte c in mode, "" for none.
func escapeOf(c byte, mode int) string {
	if mode == modeJSON {
		switch c {
		case '"':
			return `\"`
		case '\\':
			return `\\`
		case '\n':
			return `\n`
		case '\r':
			return `\r`
		case '\t':
			return `\t`
		}
		return ""
	}
	switch c {
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	case '\r':
		return "&#xD;"
	}
	if mode == modeAttr {
		switch c {
		case '"':
			return "&quot;"
		case '\t':
			return "&#x9;"
		case '\n':
			return "&#xA;"
		}
	}
	return ""
}

// indicMask and indicPair match two three-byte characters E0 A0–BF 80–BF
// in the low six bytes of a little-endian word.
const (
	indicMask = 0x0000_C0E0FF_C0E0FF
	indicPair = 0x0000_80A0E0_80A0E0
)

// xmlClean reports whether s is UTF-8 made only of characters XML allows,
// that is whether khabar.CleanText(s) == s, in one pass: eight ASCII bytes
// at a time, and runs of Devanagari and the other Indic scripts (lead byte
// 0xE0) without a general decode.
func xmlClean(s string) bool {
	b := bytesOf(s)
	n := len(b)
	for i := 0; i < n; {
		c := b[i]
		if c < 0x80 {
			if i+8 <= n {
				if x := word(b, i); x&msb == 0 {
					if hasControl(x) {
						for _, c := range b[i : i+8] {
							if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
								return false
							}
						}
					}
					i += 8
					continue
				}
			}
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			i++
			continue
		}
		// E0 A0–BF 80–BF: U+0800–U+0FFF, which holds the Indic scripts;
		// two such characters are checked with one load and one mask.
		if c == 0xE0 {
			for i+8 <= n && word(b, i)&indicMask == indicPair {
				i += 6
			}
			if i == n {
				return true
			}
			c = b[i]
		}
		for c == 0xE0 && i+2 < n && b[i+1] >= 0xA0 && b[i+1] <= 0xBF && b[i+2]&0xC0 == 0x80 {
			i += 3
			if i == n {
				return true
			}
			c = b[i]
		}
		if c < 0x80 {
			continue
		}
		switch {
		case c >= 0xE0 && c < 0xF0:
			if i+2 >= n {
				return false
			}
			c1, c2 := b[i+1], b[i+2]
			if c1&0xC0 != 0x80 || c2&0xC0 != 0x80 ||
				(c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || // overlong, surrogate
				(c == 0xEF && c1 == 0xBF && c2 >= 0xBE) { // U+FFFE, U+FFFF
				return false
			}
			i += 3
		case c >= 0xC2 && c < 0xE0:
			if i+1 >= n || b[i+1]&0xC0 != 0x80 {
				return false
			}
			i += 2
		case c >= 0xF0 && c <= 0xF4:
			if i+3 >= n {
				return false
			}
			c1 := b[i+1]
			if c1&0xC0 != 0x80 || b[i+2]&0xC0 != 0x80 || b[i+3]&0xC0 != 0x80 ||
				(c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F) {
				return false
			}
			i += 4
		default:
			return false
		}
	}
	return true
}

// appendCDATA appends s, cleaned, as one or more CDATA sections (see
// appendCDATAClean).
func appendCDATA(b []byte, s string) []byte {
	if !xmlClean(s) {
		s = khabar.CleanText(s)
	}
	return appendCDATAClean(b, s)
}

// appendCDATAClean appends s, which must be clean text (see
// appendEscapedClean), as one or more CDATA sections: a "]]>" inside s
// ends one section after "]]" and starts the next with ">". Nothing is
// escaped, so HTML bodies are copied as they are; a carriage return
// reaches readers as a line feed, as XML's line-end handling says.
func appendCDATAClean(b []byte, s string) []byte {
	b = append(b, "<![CDATA["...)
	for {
		i := strings.Index(s, "]]>")
		if i < 0 {
			break
		}
		b = append(b, s[:i+2]...)
		b = append(b, "]]><![CDATA["...)
		s = s[i+2:]
	}
	b = append(b, s...)
	return append(b, "]]>"...)
}

// appendURI appends khabar.URI(iri) with amp written for "&" ("&amp;" in
// XML, "&" in JSON; nothing else in a URI needs escaping in either),
// without building the URI as a string first when its authority is plain
// ASCII.
func appendURI(b []byte, iri, amp string) []byte {
	rest := iri
	if i := strings.Index(iri, "://"); i > 0 {
		authEnd := len(iri)
		if j := strings.IndexAny(iri[i+3:], "/?#"); j >= 0 {
			authEnd = i + 3 + j
		}
		for k := 0; k < authEnd; k++ {
			if c := iri[k]; uriEscapes(c) || c == '@' || c == '&' {
				return appendURIString(b, khabar.URI(iri), amp)
			}
		}
		b = append(b, iri[:authEnd]...)
		rest = iri[authEnd:]
	}
	escape := false
	for i := 0; i < len(rest); i++ {
		if uriClass[rest[i]]&uriTrigger != 0 {
			escape = true // what khabar.URI tests before escaping
			break
		}
	}
	if !escape {
		return appendAmp(b, rest, amp)
	}
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case uriEscapes(c):
			b = append(b, '%', hex[c>>4], hex[c&15])
		case c == '&':
			b = append(b, amp...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// uriClass classifies bytes the way khabar.URI does: uriTrigger marks the
// bytes whose presence makes it escape a URL's path, query and fragment,
// uriEscape those it then percent-encodes (the same set plus DEL).
var uriClass = func() (t [256]uint8) {
	for c := range 256 {
		if c >= 0x80 || c <= ' ' || strings.IndexByte(`"<>\^`+"`{|}", byte(c)) >= 0 {
			t[c] |= uriTrigger | uriEscape
		}
	}
	t[0x7f] |= uriEscape
	return t
}()

const (
	uriTrigger = 1 << iota
	uriEscape
)

// uriEscapes reports whether khabar.URI percent-encodes c.
func uriEscapes(c byte) bool { return uriClass[c]&uriEscape != 0 }

// appendURIString appends u, a khabar.URI result, with amp for "&". For a
// valid URL that is all; but khabar.URI copies a scheme as it is, and a
// host IDNA rejects, so whatever else they hold is escaped (and cleaned)
// for XML, or for a JSON string when amp is "&".
func appendURIString(b []byte, u, amp string) []byte {
	if amp == "&" {
		return appendEscaped(b, u, modeJSON)
	}
	return appendEscaped(b, u, modeAttr)
}

// appendAmp appends the URI u with amp for "&".
func appendAmp(b []byte, u, amp string) []byte {
	for {
		i := strings.IndexByte(u, '&')
		if i < 0 {
			return append(b, u...)
		}
		b = append(b, u[:i]...)
		b = append(b, amp...)
		u = u[i+1:]
	}
}
