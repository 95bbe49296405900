package digest

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// asciiDomain returns addr with its domain in ASCII, non-ASCII labels
// turned into punycode (IDNA 2008, as registries and resolvers use it):
// the form the envelope and the To field carry. The local part is left as
// it is: a non-ASCII local part can only be sent through a server that
// offers SMTPUTF8 (NeedsSMTPUTF8). It returns an error when the domain is
// not a valid internationalized domain name.
func asciiDomain(addr string) (string, error) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || isASCII(addr[at+1:]) {
		return addr, nil
	}
	d, err := idna.Lookup.ToASCII(addr[at+1:])
	if err != nil {
		return "", err
	}
	return addr[:at+1] + d, nil
}

// CanonicalAddress returns addr in the one spelling of its mailbox that
// a form filled in by a stranger (the signup form) stores it under, or an
// error saying why such a form may not take it. The domain is written as
// IDNA reads it for lookup, then back in Unicode: lower case, soft
// hyphens and zero-width characters gone, full-width letters narrowed,
// punycode labels decoded, "ẞ" and the other letters IDNA maps replaced.
// So every spelling the mail system delivers to one domain is one
// address (EmailKey, which reads domains the same way, gives them one
// key). Refused beside
// what CheckAddress refuses: an address literal ("[10.0.0.5]": a stranger
// would choose where the site's mail server connects), and a local part
// with non-ASCII letters that lower-casing changes (EmailKey would take
// it for another spelling that the receiving server may keep apart).
func CanonicalAddress(addr string) (string, error) {
	if err := CheckAddress(addr); err != nil {
		return "", err
	}
	at := strings.LastIndexByte(addr, '@')
	local, domain := addr[:at], addr[at+1:]
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w: address %q: %s", ErrInvalidSubscriber, addr, why)
	}
	if strings.HasPrefix(domain, "[") {
		return bad("an address literal")
	}
	if strings.ContainsFunc(local, func(r rune) bool { return r >= utf8.RuneSelf && unicode.ToLower(r) != r }) {
		return bad("non-ASCII letters in the local part that lower-casing changes")
	}
	a, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return bad("domain: " + err.Error())
	}
	u, err := idna.Lookup.ToUnicode(a)
	if err != nil {
		return bad("domain: " + err.Error())
	}
	return local + "@" + u, nil
}

// NeedsSMTPUTF8 reports whether the local part of addr (what stands
// before the last '@') is not ASCII. Mail to such an address can only be
// handed to an SMTP server that offers the SMTPUTF8 extension (RFC 6531);
// a non-ASCII domain alone needs no extension, since it is sent as
// punycode.
func NeedsSMTPUTF8(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		at = len(addr)
	}
	return !isASCII(addr[:at])
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
