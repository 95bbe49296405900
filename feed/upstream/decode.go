package upstream

import (
	"bytes"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// toUTF8 returns data as UTF-8, deciding its encoding the way a feed reader
// must: a byte order mark (UTF-8, UTF-16 or UTF-32, LE/BE) first, then the
// width of the first character, "<" (XML 1.0 appendix F: UTF-16 and UTF-32
// without a BOM show themselves by their zero bytes, whatever they
// declare), then the charset parameter of contentType (the HTTP
// Content-Type; may be empty), then the encoding named in the XML
// declaration; a document that declares nothing and is not valid UTF-8 is
// read as windows-1252. Labels the bytes contradict lose, as in browsers:
// a single-byte label (Latin-1, windows-1252, …) on a body that is valid
// UTF-8 and not plain ASCII, or a UTF-16 or UTF-32 label on a body without
// zero bytes, and the body is read as UTF-8. Bytes that are invalid in
// the chosen encoding never cause an error: in a UTF-8 document each one is
// read as its windows-1252 character, elsewhere it becomes U+FFFD.
//
// When the document was transcoded, the encoding in its XML declaration is
// rewritten to UTF-8 so that an XML parser does not transcode it again.
// The result is data itself when nothing had to change. It also returns the
// name of the encoding it decided on.
func toUTF8(data []byte, contentType string) ([]byte, string) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return fixDeclaration(repairUTF8(data[3:])), "utf-8"
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE, 0, 0}):
		return decodeWith(utf32.UTF32(utf32.LittleEndian, utf32.ExpectBOM), data), "utf-32le"
	case bytes.HasPrefix(data, []byte{0, 0, 0xFE, 0xFF}):
		return decodeWith(utf32.UTF32(utf32.BigEndian, utf32.ExpectBOM), data), "utf-32be"
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), data), "utf-16le"
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), data), "utf-16be"
	}
	if len(data) >= 4 {
		// Without a BOM, "<" written in UTF-32 or UTF-16 still has its
		// zero bytes.
		switch {
		case data[0] == '<' && data[1] == 0 && data[2] == 0 && data[3] == 0:
			return decodeWith(utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), data), "utf-32le"
		case data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] == '<':
			return decodeWith(utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), data), "utf-32be"
		case data[0] == '<' && data[1] == 0 && data[2] != 0:
			return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), data), "utf-16le"
		case data[0] == 0 && data[1] == '<' && data[3] != 0:
			return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), data), "utf-16be"
		}
	}
	label := httpCharset(contentType)
	if label == "" {
		label = declaredEncoding(data)
	}
	if label == "" {
		if utf8.Valid(data) {
			return data, "utf-8"
		}
		return fixDeclaration(repairUTF8(data)), "windows-1252"
	}
	enc, name := charset.Lookup(label)
	if enc != nil && singleByte(name) && hasNonASCII(data) && utf8.Valid(data) {
		// A legacy single-byte label on a body that is valid UTF-8 with
		// non-ASCII text is a misconfigured server (or a declaration
		// left over from an old template): real windows-1252 or Latin-1
		// text is practically never valid UTF-8.
		return fixDeclaration(data), "utf-8"
	}
	switch {
	case enc == nil || name == "utf-8":
		// Unknown labels are read as UTF-8 (repaired) rather than failing.
		if utf8.Valid(data) && name == "utf-8" {
			return data, "utf-8"
		}
		return fixDeclaration(repairUTF8(data)), "utf-8"
	case name == "utf-16le" || name == "utf-16be":
		// A document labelled UTF-16 but holding single-byte text (it
		// would have a BOM or zero bytes otherwise) is mislabelled.
		if !bytes.Contains(data[:min(len(data), 64)], []byte{0}) {
			return fixDeclaration(repairUTF8(data)), "utf-8"
		}
	}
	return decodeWith(enc, data), name
}

// decodeWith transcodes data with enc; invalid sequences become U+FFFD.
func decodeWith(enc encoding.Encoding, data []byte) []byte {
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		// Decoders from x/text replace invalid input rather than fail; a
		// failure here means a broken encoder, so keep what is valid.
		out = repairUTF8(data)
	}
	return fixDeclaration(repairUTF8(out))
}

// repairUTF8 returns data with every byte that is not part of a valid UTF-8
// sequence replaced by its windows-1252 character (bytes that are
// undefined in windows-1252 become U+FFFD). Valid input is returned as is.
func repairUTF8(data []byte) []byte {
	if utf8.Valid(data) {
		return data
	}
	out := make([]byte, 0, len(data)+len(data)/8)
	dec := charmap.Windows1252
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			c := dec.DecodeByte(data[i])
			if c == utf8.RuneError || (c >= 0x80 && c <= 0x9F) {
				c = utf8.RuneError
			}
			out = utf8.AppendRune(out, c)
			i++
			continue
		}
		out = append(out, data[i:i+n]...)
		i += n
	}
	return out
}

// httpCharset returns the charset parameter of a Content-Type value.
func httpCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(params["charset"])
}

// xmlDecl locates the XML declaration at the start of data and the value
// of its encoding pseudo-attribute: data[vs:ve] is the value (vs == ve == 0
// when there is none).
func xmlDecl(data []byte) (vs, ve int) {
	if !bytes.HasPrefix(data, []byte("<?xml")) {
		return 0, 0
	}
	end := bytes.Index(data[:min(len(data), 512)], []byte("?>"))
	if end < 0 {
		return 0, 0
	}
	decl := data[:end]
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return 0, 0
	}
	j := i + len("encoding")
	for j < len(decl) && (decl[j] == ' ' || decl[j] == '\t' || decl[j] == '\r' || decl[j] == '\n') {
		j++
	}
	if j >= len(decl) || decl[j] != '=' {
		return 0, 0
	}
	j++
	for j < len(decl) && (decl[j] == ' ' || decl[j] == '\t' || decl[j] == '\r' || decl[j] == '\n') {
		j++
	}
	if j >= len(decl) || (decl[j] != '"' && decl[j] != '\'') {
		return 0, 0
	}
	q := decl[j]
	k := bytes.IndexByte(decl[j+1:], q)
	if k < 0 {
		return 0, 0
	}
	return j + 1, j + 1 + k
}

// declaredEncoding returns the encoding named in the XML declaration.
func declaredEncoding(data []byte) string {
	vs, ve := xmlDecl(data)
	return strings.TrimSpace(string(data[vs:ve]))
}

// fixDeclaration rewrites the declared encoding of UTF-8 data to "UTF-8".
func fixDeclaration(data []byte) []byte {
	vs, ve := xmlDecl(data)
	if ve == 0 || strings.EqualFold(string(data[vs:ve]), "utf-8") {
		return data
	}
	out := make([]byte, 0, len(data)-(ve-vs)+5)
	out = append(out, data[:vs]...)
	out = append(out, "UTF-8"...)
	return append(out, data[ve:]...)
}

// singleByte reports whether an encoding name (as charset.Lookup returns
// it) is a legacy single-byte encoding.
func singleByte(name string) bool {
	return strings.HasPrefix(name, "windows-125") || strings.HasPrefix(name, "iso-8859-") ||
		name == "koi8-r" || name == "koi8-u" || name == "macintosh" || name == "ibm866" ||
		name == "windows-874" || name == "x-mac-cyrillic"
}

func hasNonASCII(data []byte) bool {
	for _, c := range data {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// firstByte returns the first byte of data that is not white space, or 0.
func firstByte(data []byte) byte {
	t := bytes.TrimLeft(data[:min(len(data), 1024)], " \t\r\n")
	if len(t) == 0 {
		return 0
	}
	return t[0]
}
