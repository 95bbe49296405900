package xmltext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Mode says whether an escaper checks its text first, in the manner of
// encoding/json's appendString(dst, src, escapeHTML).
type Mode uint8

const (
	// Check, the zero Mode, cleans the text as Clean does when IsClean
	// says it holds anything XML forbids, then escapes it: for text of
	// unknown origin.
	Check Mode = iota
	// Trusted escapes without the check: the text must be one Clean
	// leaves as it is, such as every text field of an article stored in a
	// khabar.Catalog.
	Trusted
)

// context is where escaped text goes.
type context uint8

const (
	inText context = iota // XML character data
	inAttr                // XML attribute value in double quotes
	inJSON                // JSON string body
)

// AppendText appends s as XML character data: &, < and > escaped, and
// carriage returns written as a reference so parsers keep them.
func AppendText(dst []byte, s string, m Mode) []byte { return appendEscaped(dst, s, inText, m) }

// AppendAttr appends s escaped for a double-quoted XML attribute value;
// white space other than spaces is written as references so that
// attribute-value normalization does not turn it into spaces.
func AppendAttr(dst []byte, s string, m Mode) []byte { return appendEscaped(dst, s, inAttr, m) }

// AppendJSON appends s as the body of a JSON string (without the quotes):
// ", \, tab, newline and carriage return escaped, and U+2028 and U+2029
// escaped for JavaScript. Text is cleaned like XML text, so that every
// feed format carries the same characters.
func AppendJSON(dst []byte, s string, m Mode) []byte { return appendEscaped(dst, s, inJSON, m) }

// AppendFromJSON appends the text whose AppendJSON form is s: the
// inverse of AppendJSON for clean text, for a writer that finds a body
// JSON-escaped and needs it as it was. A \u escape of a surrogate is not
// paired; a backslash before anything else is dropped, as JSON reads it.
func AppendFromJSON(dst []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, '\\')
		if i < 0 || i+1 == len(s) {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		c := s[i+1]
		switch c {
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'u':
			if i+6 <= len(s) {
				if v, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
					dst = utf8.AppendRune(dst, rune(v))
					s = s[i+6:]
					continue
				}
			}
			dst = append(dst, '\\') // not an escape: kept as it is
		}
		dst = append(dst, c) // ", \ and /
		s = s[i+2:]
	}
}

// AppendCDATA appends s as one or more CDATA sections: a "]]>" inside s
// ends one section after "]]" and starts the next with ">". Nothing is
// escaped, so HTML bodies are copied as they are; a carriage return
// reaches readers as a line feed, as XML's line-end handling says.
func AppendCDATA(dst []byte, s string, m Mode) []byte {
	if m == Check && !IsClean(s) {
		s = Clean(s)
	}
	dst = append(dst, "<![CDATA["...)
	for {
		i := strings.Index(s, "]]>")
		if i < 0 {
			break
		}
		dst = append(dst, s[:i+2]...)
		dst = append(dst, "]]><![CDATA["...)
		s = s[i+2:]
	}
	dst = append(dst, s...)
	return append(dst, "]]>"...)
}

// The escape loop skips eight bytes at a time while none of them can need
// attention in its context (SWAR, as in clean.go).

const lsb = 0x0101010101010101

// hasControl reports whether any byte of x is below 0x20.
func hasControl(x uint64) bool { return (x-lsb*0x20)&^x&hiBits != 0 }

// quietBytes are, per context, the bytes besides the control bytes that
// need attention there (repeated to fill four): a word holds none of them
// and no control byte (tab, LF and CR need references in some contexts)
// when it is quiet. E2 80 A8/A9 are U+2028/9.
var quietBytes = [...][4]byte{
	inText: {'&', '<', '>', '&'},
	inAttr: {'&', '<', '>', '"'},
	inJSON: {'"', '\\', 0xE2, '"'},
}

// hasZero reports whether any byte of y is zero.
func hasZero(y uint64) bool { return (y-lsb)&^y&hiBits != 0 }

// appendEscaped appends s escaped for context c, cleaned first in Check
// mode when it holds anything XML forbids.
func appendEscaped(b []byte, s string, c context, m Mode) []byte {
	if m == Check && !IsClean(s) {
		s = Clean(s)
	}
	if len(s) >= 64 && nothingToEscape(s, c) {
		return append(b, s...)
	}
	// The quiet test is written out here, its four bytes spread over
	// words once, rather than called for every word.
	q := &quietBytes[c]
	m0, m1, m2, m3 := lsb*uint64(q[0]), lsb*uint64(q[1]), lsb*uint64(q[2]), lsb*uint64(q[3])
	last := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			x := load64(s[i : i+8])
			if !hasControl(x) && !hasZero(x^m0) && !hasZero(x^m1) && !hasZero(x^m2) && !hasZero(x^m3) {
				i += 8
				continue
			}
		}
		end := min(i+8, len(s))
		for ; i < end; i++ {
			ch := s[i]
			if ch >= 0x80 {
				// E2 80 A8/A9: U+2028 and U+2029 end lines in JavaScript.
				if ch == 0xE2 && c == inJSON && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
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
			esc := escapeOf(ch, c)
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
// escaping in context c, with one vectorized search per such byte: most
// titles, names and summaries have none, and Devanagari text is all bytes
// >= 0x80 that the SWAR loop would step through eight at a time.
func nothingToEscape(s string, c context) bool {
	var specials string
	switch c {
	case inText:
		specials = "&<>\r"
	case inAttr:
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

// escapeOf returns the escape of the ASCII byte ch in context c, "" for
// none.
func escapeOf(ch byte, c context) string {
	if c == inJSON {
		switch ch {
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
	switch ch {
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	case '\r':
		return "&#xD;"
	}
	if c == inAttr {
		switch ch {
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
