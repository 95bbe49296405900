package htmlsafe

import "strings"

// The Outgoing engine's skip-ahead: most of a body is text and tags that
// the rules write back byte for byte, or, for most of an embed's tags,
// back with an attribute or two left out. quietEnd finds such a stretch in
// one scan, without tokenizing, and the tag it stops at when the rules
// only trim it, so that only what the rules rewrite goes through the
// tokenizer. A body that is one such stretch is returned as it is: this is
// the quick scan that proves most stored bodies need no filtering.

// quietEnd returns the end of the longest stretch of body from i, read in
// the data state (not inside a tag, comment or raw-text element), that
// the Outgoing rules write back exactly as it is, token by token: text
// without a '<' (Outgoing writes text as it is, but for a '<' that does
// not start a tag), and tags in the form appendStartTag and appendEndTag
// write, of elements the rules keep, with attributes they keep unchanged,
// each name once. It stops at the first byte of anything else; the
// tokenizer reads on from there as it would have read on from the start
// of the text it stopped in. When what it stops at is a tag in that form
// that the rules only trim (quietTag's cuts), s.quiet.tagEnd says so, and
// the engine writes it with s.quiet.appendTag and asks again from its end;
// when it is the start tag of an element the rules drop with its content,
// in that form, s.quiet.dropEnd says so, and the engine drops it and skips
// the content without tokenizing the tag.
func (s *state) quietEnd(body string, i int) int {
	s.quiet.tagEnd, s.quiet.dropEnd = 0, 0
	for {
		i = nextTag(body, i)
		if i == len(body) {
			return i
		}
		e := s.quietTag(body, i)
		if e < 0 {
			return i
		}
		if s.quiet.ncuts > 0 {
			s.quiet.tagEnd = e
			return i
		}
		i = e
	}
}

// nextTag returns the index of the first '<' in body from i, or
// len(body). A short run of text before it (the line break between two
// paragraphs, a table cell's number) is read here, a byte at a time:
// IndexByte's call costs more than such a run.
func nextTag(body string, i int) int {
	for end := min(i+8, len(body)); i < end; i++ {
		if body[i] == '<' {
			return i
		}
	}
	if j := strings.IndexByte(body[i:], '<'); j >= 0 {
		return i + j
	}
	return len(body)
}

// quietTag returns the end of the tag at body[i] (a '<') when the Outgoing
// rules write it back as it is, or as it is with some of its attributes
// left out or given their empty value (s.quiet.cuts), else -1. It reads
// one tag's grammar byte by byte in one piece, a little over 80 lines, so
// that the skip-ahead's hot loop makes no calls.
func (s *state) quietTag(body string, i int) int {
	q := &s.quiet
	q.ncuts = 0
	i++
	closing := i < len(body) && body[i] == '/'
	if closing {
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
	f := oneByteNames[body[i]] // p, a, b, i, …: no call
	if n-i > 1 {
		f = lookupHashed(name)
	}
	if f&flagElemKept == 0 {
		// Not one of the raw-text elements either: none is acceptable.
		if f&flagElemDropped != 0 && !closing {
			q.dropEnd = quietSkipTag(body, n)
			q.dropName = name
		}
		return -1
	}
	if body[n] == '>' {
		return n + 1 // <p>, </p>
	}
	if closing {
		return -1
	}
	// q.seen are the tag's attribute names (the tokenizer keeps the
	// first of each), and names a set of them, one bit of each name's
	// hash: only a name whose bit is already set is compared with them.
	// q.urls are those kept whose URL the cheap test does not pass, checked
	// with checkURL once the rest of the tag is known to be quiet: a tag
	// that is not quiet further on costs no URL check. Both are offsets in
	// body kept in q, so that a tag costs no zeroing of arrays.
	var names uint64
	nseen, nurls := 0, 0
	for i = n; ; {
		if i >= len(body) {
			return -1
		}
		switch body[i] {
		case '>':
			return s.quietURLs(body, name, nurls, i+1)
		case ' ':
		default:
			return -1
		}
		sp := i // a left-out attribute goes with the space before it
		i++
		if i+1 < len(body) && body[i] == '/' && body[i+1] == '>' {
			// " />", as appendStartTag closes a self-closing tag
			return s.quietURLs(body, name, nurls, i+2)
		}
		k := i
		for k < len(body) && ('a' <= body[k] && body[k] <= 'z' || k > i && ('0' <= body[k] && body[k] <= '9' || body[k] == '-')) {
			k++
		}
		if k == i || k >= len(body) || nseen == len(q.seen) {
			return -1
		}
		key := body[i:k]
		f := lookupName(key)
		keep := f&flagAttrKept != 0 || dataAttr(key)
		if bit := uint64(1) << (nameHash(key) & 63); names&bit == 0 {
			names |= bit
		} else if q.seenBefore(body, key, nseen) {
			keep = false // the tokenizer keeps the first of each name
		}
		q.seen[nseen] = span{i, k}
		nseen++
		switch {
		case body[k] == ' ' || body[k] == '>':
			// No value: the attribute's value is "".
			if !keep {
				q.cut(sp, k, "")
			} else if f&flagAttrURL != 0 {
				return -1 // an empty URL is a relative reference
			} else {
				q.cut(k, k, `=""`)
			}
			i = k
			continue
		case body[k] != '=' || k+1 >= len(body) || body[k+1] != '"':
			return -1
		}
		v := k + 2
		if !keep {
			// Left out: its value is not read, only its end found.
			e := strings.IndexByte(body[v:], '"')
			if e < 0 {
				return -1
			}
			i = v + e + 1
			q.cut(sp, i, "")
			continue
		}
		// A value ends at its quote or at a byte appendEscaped changes
		// or drops. A URL's is read with urlStop, which stops at the
		// bytes absQuiet refuses too: a value without them is abs.
		stop, abs := &escapeSpecial, false
		if f&flagAttrURL != 0 {
			stop, abs = &urlStop, true
		}
		e, amp := v, false
		for {
			for e < len(body) && !stop[body[e]] {
				e++
			}
			if e < len(body) && !escapeSpecial[body[e]] {
				stop, abs = &escapeSpecial, false // a space or a control
				continue
			}
			if e < len(body) && body[e] == '&' && strings.HasPrefix(body[e:], "&amp;") {
				e, amp = e+len("&amp;"), true // decoded, then escaped again
				continue
			}
			break
		}
		if e >= len(body) || body[e] != '"' {
			return -1
		}
		val := body[v:e]
		if f&flagAttrURL != 0 && (key == "srcset" || !abs || !httpPrefix(val)) {
			// The test is absQuiet(val), with its scan of the bytes
			// made by the one above: what checkURL keeps as it is
			// without more ado (with "&amp;" as it is decoded: '&' for
			// ';'); for the rest,
			// quietURL first, the cheap test, then checkURL on the value
			// as written, which must then hold no reference.
			switch {
			case amp:
				return -1
			case key == "srcset" && quietSrcset(val):
				// appendSrcset writes it as it is: no checkURL
			case !quietURL(key, val):
				return -1
			default:
				q.urls[nurls] = attrSpan{span{i, k}, span{v, e}} // nurls < nseen <= len(q.urls)
				nurls++
			}
		}
		i = e + 1
	}
}

// urlStop are the bytes escapeSpecial has and those absQuiet refuses.
var urlStop = func() (t [256]bool) {
	for c := range t {
		t[c] = escapeSpecial[c] || c <= ' ' || c == 0x7f
	}
	return t
}()

// quietSrcset reports whether v is a srcset value in the form
// appendSrcset writes, which it then writes back as it is: candidates
// joined with ", ", each an http(s) URL and, after one space, a
// descriptor, both printable ASCII without a comma (TrimSpace, which
// appendSrcset trims them with, also trims Unicode spaces). A srcset
// otherwise written goes through checkURL.
func quietSrcset(v string) bool {
	for {
		if !httpPrefix(v) {
			return false
		}
		v = v[srcsetWord(v):] // the URL: absQuiet, no candidate's end
		if v != "" && v[0] == ' ' {
			n := srcsetWord(v[1:]) // the descriptor
			if n == 0 {
				return false
			}
			v = v[1+n:]
		}
		if v == "" {
			return true
		}
		if !strings.HasPrefix(v, ", ") {
			return false
		}
		v = v[2:]
	}
}

// srcsetWord returns the length of the run of printable ASCII bytes but
// ',' at the start of s.
func srcsetWord(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == ',' {
			return i
		}
	}
	return len(s)
}

// seenBefore reports whether key is one of the first n names of q.seen.
func (q *quietScan) seenBefore(body, key string, n int) bool {
	for _, sp := range q.seen[:n] {
		if body[sp.start:sp.end] == key {
			return true
		}
	}
	return false
}

// quietURLs returns end when checkURL keeps each of the first n of
// s.quiet.urls, attributes of a name element, as it is, else -1.
func (s *state) quietURLs(body, name string, n, end int) int {
	for _, a := range s.quiet.urls[:n] {
		key, val := body[a.key.start:a.key.end], body[a.val.start:a.val.end]
		m := len(s.scratch)
		u, ok := s.checkURL(name, key, val)
		s.scratch = s.scratch[:m] // u, a view of it, is not kept
		if !ok || u != val {
			return -1
		}
	}
	return end
}

// quietSkipTag returns the end of the start tag whose name ends at
// body[n] when the tag is in the form appendStartTag writes (but for a
// self-closing one), without reading its attributes' names or values,
// else 0. The tokenizer reads such a tag to the same end.
func quietSkipTag(body string, n int) int {
	for i := n; i < len(body); {
		switch body[i] {
		case '>':
			return i + 1
		case ' ':
		default:
			return 0
		}
		i++
		k := i
		for k < len(body) && ('a' <= body[k] && body[k] <= 'z' || k > i && ('0' <= body[k] && body[k] <= '9' || body[k] == '-')) {
			k++
		}
		if k == i || k+1 >= len(body) {
			return 0
		}
		i = k
		if body[k] == '=' {
			if body[k+1] != '"' {
				return 0
			}
			e := strings.IndexByte(body[k+2:], '"')
			if e < 0 {
				return 0
			}
			i = k + 2 + e + 1
		}
	}
	return 0
}

// quietScan is the state of the skip-ahead: the tag quietEnd stopped
// at, which the rules write with changes: its end (0: none), and what
// changes, in order (quietTag); or the tag it stopped at, when that is
// the start tag of an element the rules drop with its content, in the
// form quietSkipTag reads: its end (0: none) and the element's name;
// and quietTag's work space, read only up to the counts it keeps.
type quietScan struct {
	tagEnd   int
	dropEnd  int
	dropName string
	ncuts    int
	cuts     [16]quietCut
	seen     [16]span
	urls     [16]attrSpan
}

// quietCut is one change quietTag found in a tag: body[from:to] is
// written as insert.
type quietCut struct {
	from, to int
	insert   string
}

func (q *quietScan) cut(from, to int, insert string) {
	q.cuts[q.ncuts] = quietCut{from, to, insert} // ncuts < the number of attributes
	q.ncuts++
}

// appendTag appends the tag at body[i:q.tagEnd] with q's cuts made,
// clears them and returns the tag's end.
func (q *quietScan) appendTag(b []byte, body string, i int) ([]byte, int) {
	for _, c := range q.cuts[:q.ncuts] {
		b = append(b, body[i:c.from]...)
		b = append(b, c.insert...)
		i = c.to
	}
	end := q.tagEnd
	b = append(b, body[i:end]...)
	q.tagEnd, q.ncuts = 0, 0
	return b, end
}
