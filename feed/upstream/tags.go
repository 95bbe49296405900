package upstream

import (
	"bytes"
	"html"
)

// The one XML tag tokenizer of this package: the pre-scan reads
// documents with it, and repairing shares its tag-name rules. It is not
// a validating parser: it finds tags quickly and leaves judging the
// document to gofeed and encoding/xml.

// tagScanner yields the start, end and empty-element tags of an XML
// document in order, passing over comments, CDATA sections, DOCTYPEs and
// processing instructions. It stops at the first one left unclosed, and
// then says so in cut.
type tagScanner struct {
	data []byte
	pos  int
	cut  bool
}

// next returns the next tag and its offset; ok is false at the end.
func (s *tagScanner) next() (tag []byte, off int, ok bool) {
	for s.pos < len(s.data) {
		j := bytes.IndexByte(s.data[s.pos:], '<')
		if j < 0 {
			break
		}
		off = s.pos + j
		rest := s.data[off:]
		if skip := skipMarkup(rest); skip > 0 {
			s.pos = off + skip
			continue
		} else if skip < 0 {
			s.cut = true
			break
		}
		end := tagEnd(rest)
		if end < 0 {
			s.cut = true
			break
		}
		s.pos = off + end + 1
		return rest[:end+1], off, true
	}
	s.pos = len(s.data)
	return nil, 0, false
}

// skipMarkup returns how many bytes the comment, CDATA section, DOCTYPE
// or processing instruction at the start of s spans, 0 when s starts with
// none, and -1 when it is not closed.
func skipMarkup(s []byte) int {
	var open, close string
	switch {
	case bytes.HasPrefix(s, []byte("<![CDATA[")):
		open, close = "<![CDATA[", "]]>"
	case bytes.HasPrefix(s, []byte("<!--")):
		open, close = "<!--", "-->"
	case bytes.HasPrefix(s, []byte("<?")):
		open, close = "<?", "?>"
	case bytes.HasPrefix(s, []byte("<!")):
		// A DOCTYPE or other directive, read as encoding/xml (and so
		// gofeed) reads it: it ends at a '>' outside quotes and outside
		// the declarations of an internal subset, whose '<' and '>' pair
		// up; comments in it are skipped. (Counting brackets instead let
		// a '[' in an entity's value or a comment hide the whole document
		// from the limits.)
		depth := 0
		var quote byte
		for k := 2; k < len(s); k++ {
			c := s[k]
			switch {
			case quoted(&quote, c):
			case c == '<' && bytes.HasPrefix(s[k:], []byte("<!--")):
				e := bytes.Index(s[k+4:], []byte("-->"))
				if e < 0 {
					return -1
				}
				k += 4 + e + 2
			case c == '<':
				depth++
			case c == '>':
				if depth == 0 {
					return k + 1
				}
				depth--
			}
		}
		return -1
	default:
		return 0
	}
	k := bytes.Index(s[len(open):], []byte(close))
	if k < 0 {
		return -1
	}
	return len(open) + k + len(close)
}

// tagEnd returns the offset of the '>' that ends the tag at the start of
// s, skipping quoted attribute values, or -1.
func tagEnd(s []byte) int {
	var quote byte
	for k := 1; k < len(s); k++ {
		if c := s[k]; !quoted(&quote, c) && c == '>' {
			return k
		}
	}
	return -1
}

// quoted moves the quote state q (the open quote mark, or 0) over c and
// reports whether c is a quote mark or quoted text, which ends no markup.
func quoted(q *byte, c byte) bool {
	switch {
	case *q != 0:
		if c == *q {
			*q = 0
		}
		return true
	case c == '"' || c == '\'':
		*q = c
		return true
	}
	return false
}

// tagName returns the name written in the tag at the start of s ("<a:b"
// or "</a:b"), prefix included, and whether it is an end tag.
func tagName(s []byte) (name []byte, closing bool) {
	k := 1
	if len(s) > 1 && s[1] == '/' {
		k, closing = 2, true
	}
	e := k
	for e < len(s) && !nameEnd(s[e]) {
		e++
	}
	return s[k:e], closing
}

// nameEnd reports whether c ends a tag name.
func nameEnd(c byte) bool { return isXMLSpace(c) || c == '>' || c == '/' }

// localName returns name without its prefix.
func localName(name []byte) []byte {
	if c := bytes.LastIndexByte(name, ':'); c >= 0 {
		return name[c+1:]
	}
	return name
}

// foreignPrefix reports whether name has a prefix other than ok.
func foreignPrefix(name []byte, ok string) bool {
	c := bytes.IndexByte(name, ':')
	return c >= 0 && string(name[:c]) != ok
}

// attrValue returns the unescaped value of the attribute name in tag, or
// "".
func attrValue(tag []byte, name string) string {
	v, _ := attr(tag, name)
	return v
}

// attr returns the unescaped value of the attribute name in tag; ok
// says whether tag writes the attribute, so that an empty value
// (xml:lang="") is told from none.
func attr(tag []byte, name string) (value string, ok bool) {
	for from := 0; ; {
		k := bytes.Index(tag[from:], []byte(name))
		if k < 0 {
			return "", false
		}
		k += from
		from = k + len(name)
		if k == 0 || !isXMLSpace(tag[k-1]) {
			continue
		}
		r := bytes.TrimLeft(tag[from:], " \t\r\n")
		if len(r) == 0 || r[0] != '=' {
			continue
		}
		r = bytes.TrimLeft(r[1:], " \t\r\n")
		if len(r) == 0 || (r[0] != '"' && r[0] != '\'') {
			return "", false
		}
		q := bytes.IndexByte(r[1:], r[0])
		if q < 0 {
			return "", false
		}
		return html.UnescapeString(string(r[1 : 1+q])), true
	}
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
