package upstream

import (
	"bytes"
	"html"
	"strings"
)

// The mechanics of reading a text construct's content as written in the
// document (the decisions are in text.go): its character data, and its
// inline markup as HTML. Both work on the bytes between the construct's
// start and end tags, which the pre-scan found with the package's tag
// scanner; DOCTYPE entities are never expanded here either.

// charData returns the character data of an element's content: entity
// and character references decoded, CDATA sections taken as they are,
// comments and processing instructions dropped, and tags (which a text
// construct should not hold) dropped with their text kept.
func charData(inner []byte) string {
	if bytes.IndexByte(inner, '<') < 0 {
		if bytes.IndexByte(inner, '&') < 0 {
			return string(inner)
		}
		return html.UnescapeString(string(inner))
	}
	var b strings.Builder
	b.Grow(len(inner))
	walkContent(inner, func(text []byte) {
		b.WriteString(html.UnescapeString(string(text)))
	}, func(cdata []byte) {
		b.Write(cdata)
	}, nil)
	return b.String()
}

// hasElements reports whether an element's content holds a child element.
func hasElements(inner []byte) bool {
	if bytes.IndexByte(inner, '<') < 0 {
		return false
	}
	found := false
	walkContent(inner, nil, nil, func([]byte) { found = true })
	return found
}

// walkContent splits an element's content into text (entities as
// written), CDATA sections (their content) and tags, skipping comments,
// processing instructions and DOCTYPEs; a nil function skips its kind.
// A "<" that starts no markup is text, and an unclosed comment or tag at
// the end is dropped.
func walkContent(inner []byte, text, cdata, tag func([]byte)) {
	emit := func(f func([]byte), b []byte) {
		if f != nil && len(b) > 0 {
			f(b)
		}
	}
	for len(inner) > 0 {
		i := bytes.IndexByte(inner, '<')
		if i < 0 {
			emit(text, inner)
			return
		}
		emit(text, inner[:i])
		rest := inner[i:]
		if skip := skipMarkup(rest); skip != 0 {
			if skip < 0 {
				return
			}
			if bytes.HasPrefix(rest, []byte("<![CDATA[")) {
				emit(cdata, rest[len("<![CDATA["):skip-len("]]>")])
			}
			inner = rest[skip:]
			continue
		}
		if len(rest) < 2 || !tagStart(rest[1]) {
			emit(text, rest[:1])
			inner = rest[1:]
			continue
		}
		end := tagEnd(rest)
		if end < 0 {
			return
		}
		emit(tag, rest[:end+1])
		inner = rest[end+1:]
	}
}

// tagStart reports whether c, after "<", starts a tag.
func tagStart(c byte) bool {
	return c == '/' || c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// markupHTML returns inline XML markup as HTML: the wrapping div of an
// XHTML construct removed when the content is that one div, element and
// attribute names without their namespace prefix, namespace declarations
// and other prefixed attributes dropped, CDATA sections escaped, and
// empty-element tags of non-void elements written as start and end tags.
// Text keeps its references as written, which HTML reads alike.
func markupHTML(inner []byte) string {
	inner = unwrapDiv(inner)
	var b strings.Builder
	b.Grow(len(inner))
	walkContent(inner, func(text []byte) {
		b.Write(text)
	}, func(cdata []byte) {
		b.WriteString(html.EscapeString(string(cdata)))
	}, func(tag []byte) {
		writeHTMLTag(&b, tag)
	})
	return b.String()
}

// unwrapDiv returns the content of the div that is the only element of
// inner (white space around it allowed), or inner itself.
func unwrapDiv(inner []byte) []byte {
	t := bytes.TrimSpace(inner)
	if len(t) == 0 || t[0] != '<' {
		return inner
	}
	end := tagEnd(t)
	if end < 0 || bytes.HasSuffix(t[:end+1], []byte("/>")) {
		return inner
	}
	name, closing := tagName(t)
	if closing || string(localName(name)) != "div" {
		return inner
	}
	s := tagScanner{data: t}
	depth := 0
	for {
		tag, off, ok := s.next()
		if !ok {
			return inner
		}
		n, closing := tagName(tag)
		if !bytes.Equal(n, name) || bytes.HasSuffix(tag, []byte("/>")) {
			continue
		}
		if !closing {
			depth++
			continue
		}
		if depth--; depth == 0 {
			if off+len(tag) != len(t) {
				return inner // something follows the div
			}
			return t[end+1 : off]
		}
	}
}

// voidElement reports whether an HTML element has no end tag.
func voidElement(local []byte) bool {
	switch strings.ToLower(string(local)) {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr":
		return true
	}
	return false
}

// writeHTMLTag writes an XML tag as an HTML tag (see markupHTML).
func writeHTMLTag(b *strings.Builder, tag []byte) {
	name, closing := tagName(tag)
	local := localName(name)
	if len(local) == 0 {
		return
	}
	if closing {
		b.WriteString("</")
		b.Write(local)
		b.WriteByte('>')
		return
	}
	b.WriteByte('<')
	b.Write(local)
	attrs := bytes.TrimSuffix(tag[1+len(name):len(tag)-1], []byte("/"))
	for len(attrs) > 0 {
		var key, val []byte
		var quoted bool
		key, val, quoted, attrs = nextAttr(attrs)
		if len(key) == 0 || bytes.IndexByte(key, ':') >= 0 || string(key) == "xmlns" {
			continue
		}
		b.WriteByte(' ')
		b.Write(key)
		if quoted {
			b.WriteString(`="`)
			b.WriteString(strings.ReplaceAll(string(val), `"`, "&quot;"))
			b.WriteByte('"')
		}
	}
	switch {
	case !bytes.HasSuffix(tag, []byte("/>")):
		b.WriteByte('>')
	case voidElement(local):
		b.WriteString("/>")
	default:
		b.WriteString("></")
		b.Write(local)
		b.WriteByte('>')
	}
}

// nextAttr reads the first attribute of s (a tag's attribute list): its
// name, its value without quotes and whether it had one, and the rest.
func nextAttr(s []byte) (key, val []byte, quoted bool, rest []byte) {
	s = bytes.TrimLeft(s, " \t\r\n")
	k := 0
	for k < len(s) && !isXMLSpace(s[k]) && s[k] != '=' {
		k++
	}
	key, s = s[:k], bytes.TrimLeft(s[k:], " \t\r\n")
	if len(s) == 0 || s[0] != '=' {
		return key, nil, false, s
	}
	s = bytes.TrimLeft(s[1:], " \t\r\n")
	if len(s) == 0 || (s[0] != '"' && s[0] != '\'') {
		// An unquoted value (not XML, but seen): up to white space.
		e := bytes.IndexAny(s, " \t\r\n")
		if e < 0 {
			e = len(s)
		}
		return key, s[:e], true, s[e:]
	}
	q := bytes.IndexByte(s[1:], s[0])
	if q < 0 {
		return key, s[1:], true, nil
	}
	return key, s[1 : 1+q], true, s[2+q:]
}
