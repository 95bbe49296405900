package feed

import (
	"strings"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/xmltext"
)

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
		return xmltext.AppendJSON(b, u, xmltext.Check)
	}
	return xmltext.AppendAttr(b, u, xmltext.Check)
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
