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
// a URL is returned with the same encoding applied. An IRI with nothing to
// change is returned as it is, without allocating.
func URI(iri string) string {
	prefix, rest := "", iri // the scheme and authority, and what follows
	changed := false        // prefix is not as iri has it
	if authStart, authEnd := authority(iri); authStart >= 0 {
		auth := iri[authStart:authEnd]
		userinfo := ""
		if k := strings.LastIndexByte(auth, '@'); k >= 0 {
			userinfo, auth = auth[:k+1], auth[k+1:]
		}
		host, port := auth, ""
		if k := strings.LastIndexByte(auth, ':'); k >= 0 && !strings.Contains(auth[k:], "]") {
			host, port = auth[:k], auth[k:]
		}
		ascii := host
		ipLiteral := isIPLiteral(host) // keeps its brackets
		if !ipLiteral && needsEscape(host) {
			// A name IDNA takes goes to punycode; what is left (a space,
			// "<", a name IDNA refuses) is percent-encoded, as a reg-name
			// may be (RFC 3986 3.2.2).
			if a, err := idna.Lookup.ToASCII(host); err == nil && !needsEscape(a) {
				ascii = a
			} else {
				ascii = string(appendPercent(nil, host, "&"))
			}
		}
		prefix, rest = iri[:authEnd], iri[authEnd:]
		if ascii != host || needsEscape(userinfo) {
			prefix, changed = iri[:authStart]+string(appendPercent(nil, userinfo, "&"))+ascii+port, true
		}
	}
	if !needsEscape(rest) {
		if !changed {
			return iri // nothing to change
		}
		return prefix + rest
	}
	b := make([]byte, 0, len(prefix)+len(rest)*3)
	return string(appendPercent(append(b, prefix...), rest, "&"))
}

// authority returns where the authority of iri starts and ends: after
// "scheme://" (RFC 3986 3: a scheme is a letter, then letters, digits,
// "+", "-" and "."), or after the "//" of a network-path reference
// ("//host/path", 4.2), up to the first "/", "?" or "#"; -1, -1 when iri
// has none.
func authority(iri string) (start, end int) {
	switch {
	case strings.HasPrefix(iri, "//"):
		start = 2
	default:
		i := 0
		for i < len(iri) && (isAlpha(iri[i]) || i > 0 && (iri[i] >= '0' && iri[i] <= '9' || iri[i] == '+' || iri[i] == '-' || iri[i] == '.')) {
			i++
		}
		if i == 0 || !strings.HasPrefix(iri[i:], "://") {
			return -1, -1
		}
		start = i + 3
	}
	end = start
	for end < len(iri) && iri[end] != '/' && iri[end] != '?' && iri[end] != '#' {
		end++
	}
	return start, end
}

// isIPLiteral reports whether host is an RFC 3986 IP-literal: "[" an IPv6
// address (hex digits, ":" and "." for an embedded IPv4 one), with a zone
// "%25" and unreserved or percent-encoded characters after it (RFC 6874),
// or an IPvFuture
// ("v" hex "." and unreserved, sub-delims or ":"), then "]".
func isIPLiteral(host string) bool {
	if len(host) < 3 || host[0] != '[' || host[len(host)-1] != ']' {
		return false
	}
	in := host[1 : len(host)-1]
	if in[0] == 'v' || in[0] == 'V' {
		for i := 1; i < len(in); i++ {
			if c := in[i]; !(isAlpha(c) || '0' <= c && c <= '9' || strings.IndexByte("-._~!$&'()*+,;=:", c) >= 0) {
				return false
			}
		}
		return strings.Contains(in, ".")
	}
	addr, zone, zoned := strings.Cut(in, "%25")
	for i := 0; i < len(addr); i++ {
		if c := addr[i]; !(isHex(c) || c == ':' || c == '.') {
			return false
		}
	}
	for i := 0; zoned && i < len(zone); i++ { // ZoneID = 1*( unreserved / pct-encoded )
		switch c := zone[i]; {
		case isAlpha(c) || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0:
		case c == '%' && i+2 < len(zone) && isHex(zone[i+1]) && isHex(zone[i+2]):
			i += 2
		default:
			return false
		}
	}
	return strings.Contains(addr, ":") && (!zoned || zone != "")
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// needsEscape reports whether URI percent-encodes any byte of s (a URL's
// userinfo, or what follows its authority).
func needsEscape(s string) bool {
	hash := false
	return nextEscape(s, &hash) < len(s)
}

// nextEscape returns the index of the first byte of s that URI
// percent-encodes, or len(s). hash says whether a "#" came before s (the
// fragment has started); it is updated as the bytes are passed.
func nextEscape(s string, hash *bool) int {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		switch k := uriClass[c]; {
		case k == 0:
		case k&uriEscape != 0:
			return i
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return i
			}
			i += 2
		case c == '#':
			if *hash {
				return i
			}
			*hash = true
		}
	}
	return i
}

// appendPercent appends s, a URL's userinfo or what follows its
// authority, with the bytes URI percent-encodes encoded and amp written
// for "&".
func appendPercent(b []byte, s, amp string) []byte {
	const hex = "0123456789ABCDEF"
	hash := false
	i := nextEscape(s, &hash)
	b = appendAmp(b, s[:i], amp)
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case uriClass[c]&uriEscape != 0:
			b = append(b, '%', hex[c>>4], hex[c&15])
		case uriClass[c] == 0:
			b = append(b, c)
		case c == '&':
			b = append(b, amp...)
		case c == '%':
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				b = append(b, s[i:i+3]...)
				i += 2
			} else {
				b = append(b, "%25"...)
			}
		case hash: // c == '#'
			b = append(b, "%23"...)
		default:
			hash = true
			b = append(b, c)
		}
	}
	return b
}

// AppendURI appends URI(iri) with amp written for "&" ("&amp;" in
// XML, "&" in JSON; nothing else in a URI needs escaping in either),
// without building the URI as a string first when its authority is plain
// ASCII.
func AppendURI(b []byte, iri, amp string) []byte {
	rest := iri
	if authStart, authEnd := authority(iri); authStart >= 0 {
		for k := 0; k < authEnd; k++ {
			if c := iri[k]; uriClass[c]&uriEscape != 0 || c == '@' || c == '&' || c == '%' {
				return AppendURIString(b, URI(iri), amp)
			}
		}
		b = append(b, iri[:authEnd]...)
		rest = iri[authEnd:]
	}
	return appendPercent(b, rest, amp)
}

// uriClass classifies bytes for URI: uriEscape marks those it always
// percent-encodes, uriCheck "%" and "#", which it encodes where they are
// out of place (nextEscape), and uriAmp "&", which AppendURI may write
// otherwise.
var uriClass = func() (t [256]uint8) {
	for c := range 256 {
		if c >= 0x80 || c <= ' ' || c == 0x7f || strings.IndexByte(`"<>\^`+"`{|}[]", byte(c)) >= 0 {
			t[c] |= uriEscape
		}
	}
	t['%'] |= uriCheck
	t['#'] |= uriCheck
	t['&'] |= uriAmp
	return t
}()

const (
	uriEscape = 1 << iota
	uriCheck
	uriAmp
)

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

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
	if amp == "&" {
		return append(b, u...)
	}
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
