package xmltext

import (
	"strings"

	"golang.org/x/net/idna"
)

// URI is khabar.URI: it turns an IRI (an address that may hold non-ASCII characters, such as
// https://khabar.example/2026/11/24/कानपुर-में-बारिश/) into a URI, which is
// what RSS and email headers require: the host goes to its ASCII (punycode)
// form and every other non-ASCII byte, space or character URLs forbid is
// percent-encoded. Existing percent escapes are kept. A string that is not
// a URL is returned with the same encoding applied.
func URI(iri string) string {
	rest := iri
	prefix := ""
	if i := strings.Index(iri, "://"); i > 0 {
		authEnd := len(iri)
		if j := strings.IndexAny(iri[i+3:], "/?#"); j >= 0 {
			authEnd = i + 3 + j
		}
		auth := iri[i+3 : authEnd]
		userinfo := ""
		if k := strings.LastIndexByte(auth, '@'); k >= 0 {
			userinfo, auth = auth[:k+1], auth[k+1:]
		}
		host, port := auth, ""
		if k := strings.LastIndexByte(auth, ':'); k >= 0 && !strings.Contains(auth[k:], "]") {
			host, port = auth[:k], auth[k:]
		}
		if needsEscape(host) {
			if a, err := idna.Lookup.ToASCII(host); err == nil {
				host = a
			}
		}
		prefix = iri[:i+3] + escapeIRI(userinfo) + host + port
		rest = iri[authEnd:]
	}
	if !needsEscape(rest) {
		return prefix + rest
	}
	return prefix + escapeIRI(rest)
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c <= ' ' || strings.IndexByte(`"<>\^`+"`{|}", c) >= 0 {
			return true
		}
	}
	return false
}

func escapeIRI(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 2)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c <= ' ' || c == 0x7f || strings.IndexByte(`"<>\^`+"`{|}", c) >= 0 {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// AppendURI appends URI(iri) with amp written for "&" ("&amp;" in
// XML, "&" in JSON; nothing else in a URI needs escaping in either),
// without building the URI as a string first when its authority is plain
// ASCII.
func AppendURI(b []byte, iri, amp string) []byte {
	rest := iri
	if i := strings.Index(iri, "://"); i > 0 {
		// The authority ends at the first "/", "?" or "#" after "://".
		authEnd := i + 3
		for authEnd < len(iri) && iri[authEnd] != '/' && iri[authEnd] != '?' && iri[authEnd] != '#' {
			authEnd++
		}
		for k := 0; k < authEnd; k++ {
			if c := iri[k]; uriEscapes(c) || c == '@' || c == '&' {
				return AppendURIString(b, URI(iri), amp)
			}
		}
		b = append(b, iri[:authEnd]...)
		rest = iri[authEnd:]
	}
	escape := false
	for i := 0; i < len(rest); i++ {
		if uriClass[rest[i]]&uriTrigger != 0 {
			escape = true // what URI tests before escaping
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

// uriClass classifies bytes the way URI does: uriTrigger marks the
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

// uriEscapes reports whether URI percent-encodes c.
func uriEscapes(c byte) bool { return uriClass[c]&uriEscape != 0 }

// AppendURIString appends u, a URI result, with amp for "&". For a
// valid URL that is all; but URI copies a scheme as it is, and a
// host IDNA rejects, so whatever else they hold is escaped (and cleaned)
// for XML, or for a JSON string when amp is "&".
func AppendURIString(b []byte, u, amp string) []byte {
	if amp == "&" {
		return AppendJSON(b, u, Check)
	}
	return AppendAttr(b, u, Check)
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
