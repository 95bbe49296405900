package htmlsafe

import (
	"strings"
	"unsafe"

	"golang.org/x/net/html/atom"
)

// appendEscaped appends s escaped as html.EscapeString escapes it (&, ',
// <, >, " and carriage return), so that attribute values (and Incoming's
// text) come out as html.Token.String writes them; and it drops the
// characters XML 1.0 cannot hold (C0 controls but tab and newline,
// U+FFFE, U+FFFF), as khabar.CleanText does. Those come only from
// decoding a character reference ("&#1;"): bodies are clean, but a feed
// carries what a policy writes into XML and JSON as it is.
func appendEscaped[T string | []byte](b []byte, s T) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		if !escapeSpecial[s[i]] {
			continue // most bytes: one table load, not the switch
		}
		var esc string
		n := 1 // bytes replaced
		switch c := s[i]; c {
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		case '\r':
			esc = "&#13;"
		case 0xEF: // U+FFFE and U+FFFF are EF BF BE and EF BF BF
			if i+2 >= len(s) || s[i+1] != 0xBF || s[i+2] != 0xBE && s[i+2] != 0xBF {
				continue
			}
			n = 3
		default: // a C0 control: dropped
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		i += n - 1
		last = i + 1
	}
	return append(b, s[last:]...)
}

// appendLT appends s with each '<' written "&lt;".
func appendLT(b []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			return append(b, s...)
		}
		b = append(b, s[:i]...)
		b = append(b, "&lt;"...)
		s = s[i+1:]
	}
}

// escapeSpecial are the bytes appendEscaped escapes or drops, and the
// lead byte of U+FFFE and U+FFFF.
var escapeSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = c != '\t' && c != '\n'
	}
	for _, c := range []byte{'&', '\'', '<', '>', '"', 0xEF} {
		t[c] = true
	}
	return t
}()

// attr is one attribute of a tag, as the tokenizer reads it: a view of
// the body or of the run's scratch buffer, valid until the next tag, so
// what outlives the tag (the first image) is cloned.
type attr struct{ key, val string }

// intern returns name as a string, without allocating when it is one of
// the names package atom knows (nearly every tag and attribute name).
func intern(name []byte) string {
	if a := atom.Lookup(name); a != 0 {
		return a.String()
	}
	return string(name)
}

// view returns b as a string without copying; b must not change while
// the string is in use.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// appendStartTag appends <name key="val" ...> with the values escaped;
// selfClose is what goes before the ">" of a self-closing tag.
func appendStartTag(b []byte, name string, attrs []attr, selfClose string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	for _, a := range attrs {
		b = append(b, ' ')
		b = append(b, a.key...)
		b = append(b, `="`...)
		b = appendEscaped(b, a.val)
		b = append(b, '"')
	}
	b = append(b, selfClose...)
	return append(b, '>')
}

func appendEndTag[T string | []byte](b []byte, name T) []byte {
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

// needsLower reports whether a tag or attribute name has ASCII upper
// case or a NUL, which HTML reads as lower case and U+FFFD.
func needsLower(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; 'A' <= c && c <= 'Z' || c == 0 {
			return true
		}
	}
	return false
}

// appendLower appends name to b as HTML reads it: ASCII lower case, NUL
// as U+FFFD.
func appendLower(b []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'A' <= c && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c == 0:
			b = append(b, "\uFFFD"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

func setOf(words string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
