package digest

import (
	"fmt"
	"net/mail"
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

// ASCIIAddress returns addr with its domain in ASCII (IDNA 2008 punycode,
// as registries and resolvers use it): the form an address takes in a
// message's header fields, Message-IDs and List-Id when the message goes
// out without SMTPUTF8, and in the envelope. "digest@ख़बर.भारत" becomes
// "digest@xn--...". The local part is left as it is (see NeedsSMTPUTF8).
// It returns an error when the domain is not a valid internationalized
// domain name.
func ASCIIAddress(addr string) (string, error) { return asciiDomain(addr) }

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

// mailtoURI returns the mailto: URI of addr (RFC 6068): its domain in
// punycode, and in its local part every byte that is not unreserved or
// one of RFC 6068's some-delims percent-encoded (a UTF-8 local part, '%',
// '?', '#', '&', '=', '/' and the quotes of a quoted-string among them).
func mailtoURI(addr string) (string, error) {
	a, err := asciiDomain(addr)
	if err != nil {
		return "", err
	}
	// net/mail gives a quoted-string's content without its quotes, and
	// writes it quoted again (RFC 6068 6.1's "not@me" example).
	a = (&mail.Address{Address: a}).String()
	a = a[1 : len(a)-1]
	at := strings.LastIndexByte(a, '@')
	local := a[:at]
	const hex = "0123456789ABCDEF"
	b := []byte("mailto:")
	for i := 0; i < len(local); i++ {
		c := local[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~!$'()*+,;:", c) >= 0:
			b = append(b, c)
		default:
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(append(b, a[at:]...)), nil
}
