package htmlsafe

import "strings"

// The engine's tokenizer: a byte scanner over the body string that reads
// tags, text and comments as HTML5's tokenizer does (and as
// golang.org/x/net/html's Tokenizer does, which the differential fuzz
// test holds it to), without allocating: names, values and text are spans
// of the input, decoded only when they hold an entity, a carriage return
// or a NUL.

// tokenType is what tokenizer.next read.
type tokenType uint8

const (
	tokEOF tokenType = iota
	tokText
	tokStart
	tokSelfClosing
	tokEnd
)

// textMode is how a text token's bytes become text.
type textMode uint8

const (
	textData    textMode = iota // entities decoded
	textRCDATA                  // title, textarea: entities decoded, NUL replaced
	textRawText                 // script, style, …: NUL replaced
	textAttr                    // an attribute value: entities decoded as in attributes, NUL replaced
)

// span is a half-open range of the input.
type span struct{ start, end int }

// attrSpan is one attribute of a start tag as written.
type attrSpan struct{ key, val span }

type tokenizer struct {
	s   string
	pos int

	// rawTag is the raw-text or RCDATA element whose text comes next.
	rawTag string

	// The token just read: where it starts (it ends at pos), its text
	// (tokText) or name (tags), the text's mode, and a start tag's
	// attributes (first of each name only).
	start int
	data  span
	mode  textMode
	attrs []attrSpan
}

func (z *tokenizer) reset(s string) {
	z.s, z.pos, z.rawTag, z.attrs = s, 0, "", z.attrs[:0]
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// next reads the next token. Comments, doctypes, processing instructions
// and bogus comments are skipped; a tag cut off by the end of the input
// ends the input.
func (z *tokenizer) next() tokenType {
	for {
		z.start = z.pos
		tt, again := z.next1()
		if !again {
			return tt
		}
	}
}

// next1 reads one token; again is true when it was one that next skips.
func (z *tokenizer) next1() (tt tokenType, again bool) {
	s := z.s
	start := z.pos
	if start >= len(s) {
		return tokEOF, false
	}
	if z.rawTag != "" {
		raw := z.rawTag
		z.rawTag = ""
		end := len(s)
		switch raw {
		case "plaintext":
		case "script":
			end = z.scriptEnd(start)
		default:
			end = z.rawEnd(start, raw)
		}
		z.pos = end
		if end > start {
			z.data = span{start, end}
			z.mode = textRawText
			if raw == "textarea" || raw == "title" {
				z.mode = textRCDATA
			}
			return tokText, false
		}
	}
	for i := start; ; {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 || i+j+1 >= len(s) {
			break
		}
		p := i + j
		c := s[p+1]
		if !isLetter(c) && c != '/' && c != '!' && c != '?' {
			i = p + 1
			continue
		}
		if p > start {
			z.pos = p
			z.data, z.mode = span{start, p}, textData
			return tokText, false
		}
		switch {
		case isLetter(c):
			return z.startTag(p + 1), false
		case c == '/':
			if p+2 >= len(s) {
				break // "</" at the end is text
			}
			switch c := s[p+2]; {
			case c == '>':
				z.pos = p + 3
			case isLetter(c):
				if !z.readTag(p+2, false) {
					z.pos = len(s)
					return tokEOF, false
				}
				return tokEnd, false
			default:
				z.pos = closeAngle(s, p+2)
			}
			return 0, true
		case c == '!':
			if strings.HasPrefix(s[p+2:], "--") {
				z.pos = commentEnd(s, p+4)
			} else {
				z.pos = closeAngle(s, p+2)
			}
			return 0, true
		default: // '?'
			z.pos = closeAngle(s, p+1)
			return 0, true
		}
		break
	}
	z.pos = len(s)
	z.data, z.mode = span{start, len(s)}, textData
	return tokText, false
}

// closeAngle returns the index after the first '>' at or after i, or the
// end of s.
func closeAngle(s string, i int) int {
	if j := strings.IndexByte(s[i:], '>'); j >= 0 {
		return i + j + 1
	}
	return len(s)
}

// commentEnd returns the index after the comment whose text starts at i
// (after "<!--"): it ends at "-->", "--!>", or at once with ">" or "->".
func commentEnd(s string, i int) int {
	dashes, beginning := 0, true
	for i < len(s) {
		c := s[i]
		i++
		switch c {
		case '-':
			dashes++
			continue
		case '>':
			if dashes >= 2 || beginning {
				return i
			}
		case '!':
			if dashes >= 2 {
				if i >= len(s) {
					return i
				}
				c = s[i]
				i++
				if c == '>' {
					return i
				}
				if c == '-' {
					dashes, beginning = 1, false
					continue
				}
			}
		}
		dashes, beginning = 0, false
	}
	return len(s)
}

// rawTags are the elements whose content is raw text or RCDATA: no tags
// inside, up to their end tag.
var rawTags = [...]string{"iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style", "textarea", "title", "xmp"}

// rawTag returns the element of rawTags that name (ASCII case-
// insensitive) is, or "".
func rawTag(name string) string {
	if n := len(name); n >= 3 && n <= 9 {
		for _, r := range rawTags {
			if len(r) == n && equalLower(name, r) {
				return r
			}
		}
	}
	return ""
}

// startTag reads the start tag whose name starts at i.
func (z *tokenizer) startTag(i int) tokenType {
	if !z.readTag(i, true) {
		z.pos = len(z.s)
		return tokEOF
	}
	z.rawTag = rawTag(z.s[z.data.start:z.data.end])
	end := z.pos
	if z.s[end-2] == '/' {
		if n := len(z.attrs); n == 0 || end-2 != z.attrs[n-1].val.end-1 {
			return tokSelfClosing
		}
	}
	return tokStart
}

// readTag reads a tag's name from i, then its attributes (kept in z.attrs
// when save is true) and its closing '>'. It reports false when the input
// ends first.
func (z *tokenizer) readTag(i int, save bool) bool {
	s := z.s
	z.attrs = z.attrs[:0]
	// The name runs up to white space, '/' or '>'.
	n := i
	for n < len(s) && !isSpace(s[n]) && s[n] != '/' && s[n] != '>' {
		n++
	}
	if n >= len(s) {
		return false
	}
	z.data = span{i, n}
	if isSpace(s[n]) {
		n++
	}
	i = skipSpace(s, n)
	for {
		if i >= len(s) {
			return false
		}
		if s[i] == '>' {
			z.pos = i + 1
			return true
		}
		// The key runs up to white space, '/', '>' or a '=' that is not
		// its first byte.
		k := span{i, i}
		for j := i; ; j++ {
			if j >= len(s) {
				return false
			}
			c := s[j]
			if isSpace(c) || c == '/' || c == '>' || c == '=' && j > i {
				k.end = j
				break
			}
		}
		i = k.end
		v := span{i, i}
		i = skipSpace(s, i)
		if i >= len(s) {
			return false
		}
		switch s[i] {
		case '/':
			i++
		case '=':
			i = skipSpace(s, i+1)
			if i >= len(s) {
				return false
			}
			switch q := s[i]; q {
			case '>':
			case '"', '\'':
				e := strings.IndexByte(s[i+1:], q)
				if e < 0 {
					return false
				}
				v = span{i + 1, i + 1 + e}
				i += e + 2
			default:
				e := i
				for e < len(s) && !isSpace(s[e]) && s[e] != '>' {
					e++
				}
				if e >= len(s) {
					return false
				}
				v = span{i, e}
				i = e
				if isSpace(s[e]) {
					i++
				}
			}
		}
		if save && k.end > k.start && !z.seen(s[k.start:k.end]) {
			z.attrs = append(z.attrs, attrSpan{k, v})
		}
		i = skipSpace(s, i)
	}
}

// seen reports whether a kept attribute has key (ASCII case-insensitive).
func (z *tokenizer) seen(key string) bool {
	for _, a := range z.attrs {
		if k := z.s[a.key.start:a.key.end]; len(k) == len(key) && equalLower(k, key) {
			return true
		}
	}
	return false
}

// equalLower reports whether a and b, of equal length, are equal once
// ASCII upper case is lowered.
func equalLower(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// endTagAt reports whether s[i:] starts with the end tag "</"+tag (ASCII
// case-insensitive) followed by white space, '/' or '>'. eof is true when
// the input ends before that could be told.
func endTagAt(s string, i int, tag string) (ok, eof bool) {
	e := i + 2 + len(tag)
	for j := i + 2; j < e; j++ {
		if j >= len(s) {
			return false, true
		}
		if c := s[j]; c != tag[j-i-2] && c != tag[j-i-2]-('a'-'A') {
			return false, false
		}
	}
	if e >= len(s) {
		return false, true
	}
	c := s[e]
	return isSpace(c) || c == '/' || c == '>', false
}

// rawEnd returns the end of the raw text or RCDATA of element tag that
// starts at i: the index of its end tag, or the end of the input.
func (z *tokenizer) rawEnd(i int, tag string) int {
	s := z.s
	for {
		j := strings.Index(s[i:], "</")
		if j < 0 {
			return len(s)
		}
		ok, eof := endTagAt(s, i+j, tag)
		if ok {
			return i + j
		}
		if eof {
			return len(s)
		}
		i += j + 2
	}
}
