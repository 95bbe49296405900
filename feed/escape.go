package feed

import (
	"strconv"
	"time"
)

// appendText appends s as XML character data: characters XML forbids
// dropped as khabar.CleanText drops them, &, < and > escaped, and carriage
// returns written as a reference so parsers keep them.
func appendText(b []byte, s string) []byte { return appendEscaped(b, s, modeText) }

// appendAttr appends s escaped for a double-quoted XML attribute value;
// white space other than spaces is written as references so that
// attribute-value normalization does not turn it into spaces.
func appendAttr(b []byte, s string) []byte { return appendEscaped(b, s, modeAttr) }

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

// appendJSONString appends s as a JSON string: cleaned like XML text (so
// all three formats carry the same characters), with ", \ and control
// characters escaped, and U+2028 and U+2029 escaped for JavaScript.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendEscaped(b, s, modeJSON)
	return append(b, '"')
}

// appendJSONMember appends the separator and `<indent>"name": ` of an
// object member; first tracks whether a comma is needed.
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

// The C variants below write article fields: text known to be clean (see
// appendEscapedClean), escaped without a check.

// appendTextC is appendText for clean text.
func appendTextC(b []byte, s string) []byte { return appendEscapedClean(b, s, modeText) }

// appendElemC is appendElem for clean text.
func appendElemC(b []byte, name, text string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = appendEscapedClean(b, text, modeText)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, ">\n"...)
}

// appendAttrPairC is appendAttrPair for a clean value.
func appendAttrPairC(b []byte, name, value string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, `="`...)
	b = appendEscapedClean(b, value, modeAttr)
	return append(b, '"')
}

// appendJSONStringC is appendJSONString for clean text.
func appendJSONStringC(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendEscapedClean(b, s, modeJSON)
	return append(b, '"')
}
