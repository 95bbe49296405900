package feed

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/khabar/khabar"
)

// appendText appends s as XML character data: forbidden characters
// dropped (khabar.CleanText), &, < and > escaped, and carriage returns
// written as a reference so parsers keep them.
func appendText(b []byte, s string) []byte {
	s = khabar.CleanText(s)
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}

// appendAttr appends s escaped for a double-quoted XML attribute value;
// whitespace other than spaces is written as references so that attribute
// normalization does not turn it into spaces.
func appendAttr(b []byte, s string) []byte {
	s = khabar.CleanText(s)
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&quot;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}

// appendElem appends <name>text</name>.
func appendElem(b []byte, name, text string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = appendText(b, text)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, ">\n"...)
}

// appendAttrPair appends ` name="value"`.
func appendAttrPair(b []byte, name, value string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, `="`...)
	b = appendAttr(b, value)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string: cleaned like XML text (so
// all three formats carry the same characters), with ", \ and control
// characters escaped, and U+2028 and U+2029 escaped for JavaScript.
func appendJSONString(b []byte, s string) []byte {
	s = khabar.CleanText(s)
	b = append(b, '"')
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[last:i]...)
			switch c {
			case '"':
				b = append(b, `\"`...)
			case '\\':
				b = append(b, `\\`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, `\u00`...)
				b = append(b, hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			last = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[last:i]...)
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&15])
			last = i + n
		}
		i += n
	}
	b = append(b, s[last:]...)
	return append(b, '"')
}

// appendJSONField appends `<indent>"name": "value",\n` style members; the
// caller handles commas through first.
func appendJSONMember(b []byte, indent, name string, first *bool) []byte {
	if !*first {
		b = append(b, ",\n"...)
	}
	*first = false
	b = append(b, indent...)
	b = append(b, '"')
	b = append(b, name...)
	return append(b, `": `...)
}

// rfc822 is RFC 822 as RSS readers and the W3C validator want it: four-
// digit year, numeric zone.
const rfc822 = "Mon, 02 Jan 2006 15:04:05 -0700"

func appendDate822(b []byte, t time.Time, loc *time.Location) []byte {
	return t.In(loc).AppendFormat(b, rfc822)
}

func appendDate3339(b []byte, t time.Time, loc *time.Location) []byte {
	return t.In(loc).AppendFormat(b, time.RFC3339)
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }
