package htmlsafe

import "strings"

// The Outgoing engine's skip-ahead: most of a body that the quick scan
// could not pass (needsFilter) is still text and tags that the rules write
// back byte for byte. quietEnd finds such a stretch in one scan, without
// tokenizing, so that only what the rules change goes through the
// tokenizer.

// quietEnd returns the end of the longest stretch of body from i, read in
// the data state (not inside a tag, comment or raw-text element), that
// the Outgoing rules write back exactly as it is, token by token: text
// without a byte that decoding or escaping changes, and tags in the form
// appendStartTag and appendEndTag write, of elements the rules keep, with
// attributes they keep unchanged, each name once. It stops at the first
// byte of anything else; the tokenizer reads on from there as it would
// have read on from the start of the text it stopped in.
func (s *state) quietEnd(body string, i int) int {
	for {
		i = s.quiet.textEnd(body, i)
		if i >= len(body) || body[i] != '<' {
			return i
		}
		e := s.quietTag(body, i)
		if e < 0 {
			return i
		}
		i = e
	}
}

// quietTag returns the end of the tag at body[i] (a '<') when the Outgoing
// rules write it back as it is, else -1.
func (s *state) quietTag(body string, i int) int {
	i++
	end := i < len(body) && body[i] == '/'
	if end {
		i++
	}
	n := i
	for n < len(body) && ('a' <= body[n] && body[n] <= 'z' || n > i && '0' <= body[n] && body[n] <= '9') {
		n++
	}
	if n == i || n >= len(body) {
		return -1
	}
	name := body[i:n]
	if !acceptableElement(name) {
		return -1 // not one of the raw-text elements either: none is acceptable
	}
	if body[n] == '>' {
		return n + 1 // <p>, </p>
	}
	if end {
		return -1
	}
	var seen [8]string
	nseen := 0
	for i = n; ; {
		if i >= len(body) {
			return -1
		}
		switch body[i] {
		case '>':
			return i + 1
		case ' ':
		default:
			return -1
		}
		i++
		if i+1 < len(body) && body[i] == '/' && body[i+1] == '>' {
			return i + 2 // " />", as appendStartTag closes a self-closing tag
		}
		k := i
		for k < len(body) && ('a' <= body[k] && body[k] <= 'z' || k > i && ('0' <= body[k] && body[k] <= '9' || body[k] == '-')) {
			k++
		}
		if k == i || k+1 >= len(body) || body[k] != '=' || body[k+1] != '"' {
			return -1
		}
		key := body[i:k]
		f := lookupName(key)
		if f&flagAttrKept == 0 && !attrOK(key) || nseen == len(seen) {
			return -1
		}
		for _, sk := range seen[:nseen] {
			if sk == key {
				return -1 // the tokenizer keeps the first of each name
			}
		}
		seen[nseen] = key
		nseen++
		v := k + 2
		e := v
		for e < len(body) && !attrStop[body[e]] {
			e++
		}
		if e >= len(body) || body[e] != '"' {
			return -1
		}
		val := body[v:e]
		if f&flagAttrURL != 0 && (key == "srcset" || !absQuiet(val)) {
			// absQuiet is what checkURL keeps as it is without more ado;
			// for the rest, quietURL first, the cheap test, then checkURL.
			if !quietURL(key, val) {
				return -1
			}
			n := len(s.scratch)
			u, ok := s.checkURL(name, key, val)
			s.scratch = s.scratch[:n] // u, a view of it, is not kept
			if !ok || u != val {
				return -1
			}
		}
		i = e + 1
	}
}

// attrStop are the bytes that end a quiet attribute value: its closing
// quote and what decoding or escaping changes.
var attrStop = [256]bool{'"': true, '&': true, '\'': true, '<': true, '>': true, '\r': true, 0: true}

// textStops are the bytes other than '<' that end a quiet stretch of
// text: what decoding or escaping changes (textSpecial), less NUL, which
// text in the data state keeps (plainText), so that a search that never
// finds anything is saved.
const textStops = "\r\"&'>"

// quietScan remembers, for each byte of textStops, where it next occurs
// in the body at or after the last place asked about: each is searched
// for again only once the scan has passed it, so that the body is read
// about once per byte of textStops, with strings.IndexByte, however many
// stretches it is cut into.
type quietScan struct {
	next [len(textStops)]int // -1: not searched yet
}

func (q *quietScan) reset() {
	for k := range q.next {
		q.next[k] = -1
	}
}

// textEnd returns the index of the first byte at or after i that ends a
// quiet stretch of text: a '<' or a byte of textStops.
func (q *quietScan) textEnd(s string, i int) int {
	end := len(s)
	if j := strings.IndexByte(s[i:], '<'); j >= 0 {
		end = i + j
	}
	for k := range q.next {
		n := q.next[k]
		if n < i {
			n = len(s)
			if j := strings.IndexByte(s[i:], textStops[k]); j >= 0 {
				n = i + j
			}
			q.next[k] = n
		}
		end = min(end, n)
	}
	return end
}
