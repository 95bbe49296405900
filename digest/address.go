package digest

import (
	"strings"
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
