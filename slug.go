package khabar

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/khabar/khabar/internal/xmltext"
	"golang.org/x/text/unicode/norm"
)

// Slugify turns a name into a URL slug the way WordPress does: Unicode
// letters, combining marks and digits are kept (so Devanagari stays
// Devanagari: "उत्तर प्रदेश" → "उत्तर-प्रदेश"), Latin letters are lowered,
// every run of anything else becomes one "-", and dashes at the ends are
// dropped. The result is in Unicode normalization form C. Use EscapeSlug to
// put a slug into a URL.
func Slugify(name string) string {
	name = norm.NFC.String(name)
	var b strings.Builder
	b.Grow(len(name))
	dash := false
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(unicode.ToLower(r))
		case unicode.Is(unicode.Cf, r):
			// zero-width joiners and marks of direction: invisible in a URL
		default:
			dash = true
		}
	}
	// Lower-casing, and dropping a format character between a letter and
	// its mark, can leave what NFC composes ("J̌" → "j" + U+030C, "ǰ").
	return nfc(b.String())
}

// EscapeSlug percent-encodes a slug for use as one URL path segment:
// "उत्तर-प्रदेश" → "%E0%A4%89%E0%A4%A4...". UnescapeSlug reverses it. The
// slug is written in Unicode normalization form C, the form the Catalog
// files slugs under and UnescapeSlug reads them back in, so that a slug
// given decomposed ("cafe" + U+0301) has one address.
func EscapeSlug(slug string) string { return url.PathEscape(nfc(slug)) }

// nfc returns s in Unicode normalization form C: s itself, without
// allocating, when the quick check passes (ASCII, most Devanagari).
func nfc(s string) string {
	if norm.NFC.QuickSpanString(s) == len(s) {
		return s
	}
	return norm.NFC.String(s)
}

// UnescapeSlug decodes a percent-encoded path segment back to the slug; a
// segment that is not encoded is returned as it is (in NFC), so raw and
// encoded forms of a Unicode slug resolve alike. Upper- and lower-case hex
// digits are both accepted.
func UnescapeSlug(seg string) (string, error) {
	s, err := url.PathUnescape(seg)
	if err != nil {
		return "", err
	}
	if !utf8.ValidString(s) {
		return "", &url.Error{Op: "unescape", URL: seg, Err: errInvalidUTF8}
	}
	return norm.NFC.String(s), nil
}

// EscapePath percent-encodes each "/"-separated segment of a category key
// such as "उत्तर-प्रदेश/कानपुर", in normalization form C as EscapeSlug does.
func EscapePath(key string) string {
	segs := strings.Split(nfc(key), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// URI turns an IRI (an address that may hold non-ASCII characters, such as
// https://khabar.example/2026/11/24/कानपुर-में-बारिश/) into a URI, which is
// what RSS and email headers require: the host goes to its ASCII (punycode)
// form and every other non-ASCII byte, space or character URLs forbid is
// percent-encoded. Existing percent escapes are kept. A string that is not
// a URL is returned with the same encoding applied.
//
// The characters URLs forbid (RFC 3986 sections 2 and 3.3-3.5) are the
// controls, DEL, space and `"<>\^{|}` and the backquote; "[" and "]"
// outside an IP-literal host ("[::1]", section 3.2.2, whose brackets are
// kept); a "%" that starts no escape ("%" and two hex digits, section
// 2.1), written %25; and each "#" after the one that starts the fragment
// (section 3.5), written %23.
func URI(iri string) string { return xmltext.URI(iri) }
