package htmlsafe

import "strings"

// scriptEnd returns the end of the script text that starts at i: the
// index of its end tag, or the end of the input. It follows HTML5's
// script data states, in which "<!--" and a nested "<script" hide a
// "</script>" from the tokenizer.
//
// It is one function, longer than most, because it is one state machine
// (the spec's, and x/net/html's readScript): split up, its states would
// pass the index and the state back and forth.
func (z *tokenizer) scriptEnd(i int) int {
	s := z.s
	endTag := func(at int) (ok, eof bool) { return endTagAt(s, at, "script") }
	const (
		data = iota
		escaped
		escapedDash
		escapedDashDash
		doubleEscaped
		doubleEscapedDash
		doubleEscapedDashDash
	)
	state := data
	for i < len(s) {
		c := s[i]
		switch state {
		case data:
			if c != '<' {
				j := strings.IndexByte(s[i:], '<')
				if j < 0 {
					return len(s)
				}
				i += j
				continue
			}
			// scriptDataLessThanSign
			if i+1 >= len(s) {
				return len(s)
			}
			switch s[i+1] {
			case '/':
				ok, eof := endTag(i)
				if ok {
					return i
				}
				if eof {
					return len(s)
				}
				i += 2
			case '!':
				// scriptDataEscapeStart, scriptDataEscapeStartDash
				if i+2 >= len(s) {
					return len(s)
				}
				if s[i+2] != '-' {
					i += 2
					continue
				}
				if i+3 >= len(s) {
					return len(s)
				}
				if s[i+3] != '-' {
					i += 3
					continue
				}
				i += 4
				state = escapedDashDash
			default:
				i++
			}
		case escaped, escapedDash, escapedDashDash:
			i++
			switch c {
			case '-':
				if state == escaped {
					state = escapedDash
				} else {
					state = escapedDashDash
				}
				continue
			case '>':
				if state == escapedDashDash {
					state = data
					continue
				}
			case '<':
				// scriptDataEscapedLessThanSign
				if i >= len(s) {
					return len(s)
				}
				switch d := s[i]; {
				case d == '/':
					ok, eof := endTag(i - 1)
					if ok {
						return i - 1
					}
					if eof {
						return len(s)
					}
					i++
					state = escaped
					continue
				case isLetter(d):
					// scriptDataDoubleEscapeStart
					j := i
					for k := 0; k < len("script"); k++ {
						if j >= len(s) {
							return len(s)
						}
						if s[j] != "script"[k] && s[j] != "SCRIPT"[k] {
							break
						}
						j++
					}
					if j-i < len("script") {
						i = j
						state = escaped
						continue
					}
					if j >= len(s) {
						return len(s)
					}
					if d := s[j]; isSpace(d) || d == '/' || d == '>' {
						i = j + 1
						state = doubleEscaped
						continue
					}
					i = j
					state = escaped
					continue
				}
				state = data
				continue
			}
			state = escaped
		default: // the double-escaped states
			i++
			switch c {
			case '-':
				if state == doubleEscaped {
					state = doubleEscapedDash
				} else {
					state = doubleEscapedDashDash
				}
				continue
			case '>':
				if state == doubleEscapedDashDash {
					state = data
					continue
				}
			case '<':
				// scriptDataDoubleEscapedLessThanSign
				if i >= len(s) {
					return len(s)
				}
				if s[i] != '/' {
					state = doubleEscaped
					continue
				}
				ok, eof := endTag(i - 1)
				if ok {
					i = i - 1 + len("</script") + 1
					state = escaped
					continue
				}
				if eof {
					return len(s)
				}
				i++
				state = doubleEscaped
				continue
			}
			state = doubleEscaped
		}
	}
	return len(s)
}
