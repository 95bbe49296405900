package khabar

import (
	"fmt"
	"net/url"
)

// checkAbsURL returns nil when s is an absolute http(s) URL with a host,
// as url.Parse sees it, and otherwise an error saying why. The common
// shape is recognised by a single scan (fastAbsURL) that only ever
// accepts; anything it does not recognise goes to parseAbsURL, so the
// verdict and the message are always url.Parse's. FuzzCheckAbsURL checks
// that the two agree.
func checkAbsURL(s string) error {
	if fastAbsURL(s) {
		return nil
	}
	return parseAbsURL(s)
}

// checkURL is what Validate asks of every URL field: checkAbsURL, and
// valid UTF-8 holding only characters XML allows. url.Parse takes any
// byte from 0x80 up (and control characters in a fragment), but the
// catalog returns only clean text, and it stores a URL as it is given:
// cleaning would change the address.
func checkURL(s string) error {
	if err := checkAbsURL(s); err != nil {
		return err
	}
	if !cleanOK(s) {
		return fmt.Errorf("%q holds invalid UTF-8 or characters XML does not allow", s)
	}
	return nil
}

// parseAbsURL is checkAbsURL by way of url.Parse: the reference, and the
// fallback for every string fastAbsURL does not accept.
func parseAbsURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", s, err.(*url.Error).Err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", s)
	}
	return nil
}

// Byte classes of fastAbsURL.
const (
	urlHost  = 1 << iota // may stand in a host name as it is
	urlPath              // may stand in a path, query or fragment as it is
	urlDigit             // 0-9, for the port
	urlHex               // 0-9, A-F, a-f, after a %
)

// urlBytes classifies every byte for fastAbsURL. Host bytes are letters,
// digits, "-._~" and every byte from 0x80 (url.Parse takes non-ASCII
// bytes of a host as they are, and ASCII ones only if they need no
// escaping). Path bytes are those plus the RFC 3986 sub-delims, ":" and
// "@" and "/" (pchar and the path separator) and "?" (legal in a query
// and a fragment; the first one ends the path). url.Parse accepts all of
// them unescaped in a path, query or fragment; control characters, space,
// "%" (checked separately), "#", "[", "]", "\", "^", "`", "{", "|", "}",
// "<", ">" and '"' are left to it.
var urlBytes = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			t[c] = urlHost | urlPath
			if c|0x20 <= 'f' {
				t[c] |= urlHex
			}
		case '0' <= c && c <= '9':
			t[c] = urlHost | urlPath | urlDigit | urlHex
		case c >= 0x80:
			t[c] = urlHost | urlPath
		}
	}
	for _, c := range []byte("-._~") {
		t[c] = urlHost | urlPath
	}
	for _, c := range []byte("!$&'()*+,;=:@/?") {
		t[c] = urlPath
	}
	return t
}()

// fastAbsURL reports whether s certainly passes parseAbsURL: it has the
// shape http(s)://host[:port][/path][?query][#fragment], with a scheme in
// any case, a non-empty host of host bytes, a port of digits (possibly
// none: url.Parse accepts "host:"), and path, query and fragment made of
// path bytes and %XX escapes with two hex digits. It never rejects: false
// only means "ask url.Parse". It does not allocate.
func fastAbsURL(s string) bool {
	// Scheme: "http" or "https", any case, then "://".
	if len(s) < len("http://") || s[0]|0x20 != 'h' || s[1]|0x20 != 't' || s[2]|0x20 != 't' || s[3]|0x20 != 'p' {
		return false
	}
	i := 4
	if s[i]|0x20 == 's' {
		i++
	}
	if len(s) < i+3 || s[i] != ':' || s[i+1] != '/' || s[i+2] != '/' {
		return false
	}
	i += 3
	// Host: at least one byte, then an optional port.
	start := i
	for i < len(s) && urlBytes[s[i]]&urlHost != 0 {
		i++
	}
	if i == start {
		return false
	}
	if i < len(s) && s[i] == ':' {
		i++
		for i < len(s) && urlBytes[s[i]]&urlDigit != 0 {
			i++
		}
	}
	if i == len(s) {
		return true
	}
	if c := s[i]; c != '/' && c != '?' && c != '#' {
		return false
	}
	// Path, query and fragment. The first "#" starts the fragment; one
	// more "#" is left to url.Parse.
	frag := false
	for ; i < len(s); i++ {
		c := s[i]
		if urlBytes[c]&urlPath != 0 {
			continue
		}
		switch {
		case c == '%':
			if i+2 >= len(s) || urlBytes[s[i+1]]&urlHex == 0 || urlBytes[s[i+2]]&urlHex == 0 {
				return false
			}
			i += 2
		case c == '#' && !frag:
			frag = true
		default:
			return false
		}
	}
	return true
}
