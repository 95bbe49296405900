package htmlsafe

import (
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Policy is a set of sanitizing rules run by the package's one engine.
// The two policies are Outgoing and the ones NewIncoming returns.
type Policy struct {
	name string
	in   *incoming // nil: the Outgoing rules
}

// Outgoing is the policy for bodies feeds send: what feed readers must
// not run or cannot resolve is removed or rewritten, so that the W3C feed
// validator has nothing to warn about.
//
//   - script, style, iframe, frameset, noframes, noembed, object,
//     applet, xmp, plaintext, listing, title, textarea, noscript,
//     template, svg, math and head elements are dropped with their
//     content; meta, link, base, basefont, param, isindex, frame and
//     embed elements (void: they have none) are dropped;
//   - other elements outside the validator's list of acceptable elements
//     (html, body, custom elements, …) are unwrapped: the tags go, the
//     content stays;
//   - attributes outside the validator's list of acceptable attributes
//     (data-* excepted) are dropped, and so are every style attribute,
//     every event handler (on…) and ping;
//   - URLs keep http, https, mailto, tel and ftp addresses as they are,
//     data: images (PNG, GIF, JPEG, WebP, AVIF) in src and srcset only,
//     and drop the attribute for any other scheme (javascript:, vbscript:,
//     data:, …); relative references are resolved against the base, in
//     URI form (khabar.URI); without an absolute http(s) base they are
//     dropped;
//   - comments, doctypes and processing instructions are dropped.
//
// Text is written as it is, character references as they were written,
// but for a '<' that does not start a tag, written "&lt;" (text that ran
// up to a dropped tag must not start a new one). Kept tags are written
// in one form: lower-case names, one space before each attribute, values
// double-quoted and escaped, " />" closing a self-closing tag.
//
// One scan proves most bodies need none of this: every tag is one the
// rules keep as it is, in that form, and every URL is absolute. Such a
// body is returned unchanged, without tokenizing; in the others, what the
// rules keep as it is or only trim (a style attribute left out) is copied,
// and only the rest is tokenized.
var Outgoing = &Policy{name: "outgoing"}

// String returns the policy's name, "outgoing" or "incoming".
func (p *Policy) String() string { return p.name }

// Image is the first image an Incoming policy meets that has an absolute
// http(s) address: Src resolved, the other fields as written.
type Image struct {
	Src, Alt, Width, Height string
}

// Sanitize returns body made safe under p, with base (an IRI, such as an
// article's URL) as the address relative references are resolved
// against; base is parsed only when a relative reference needs it.
func (p *Policy) Sanitize(body, base string) string {
	s := newState(p)
	defer s.release()
	s.baseStr = base
	return s.run(body)
}

// AppendSanitized appends Sanitize(body, base) to dst and returns the
// extended slice, without making a string of the result; when the result
// is body itself it appends nothing and reports same, so that the caller
// can use body without a copy.
func (p *Policy) AppendSanitized(dst []byte, body, base string) (out []byte, same bool) {
	s := newState(p)
	defer s.release()
	s.baseStr = base
	own := s.out
	out, same = s.engine(dst, body)
	s.out = own
	if same {
		return out[:len(dst)], true
	}
	return out, false
}

// SanitizeFragment is Sanitize with base already parsed (nil for none),
// and reports the first image (see Image; zero when there is none).
func (p *Policy) SanitizeFragment(body string, base *url.URL) (string, Image) {
	s := newState(p)
	defer s.release()
	s.base, s.baseDone = base, true
	out := s.run(body) // before s.first is read: it sets it
	return out, s.first
}

// state is one run of the engine: runState, which release clears, and
// the skip-ahead's state, which it need not: engine starts that afresh,
// and its arrays, more than half of the whole, are read only up to the
// counts it keeps, so that clearing them would cost each body for
// nothing.
type state struct {
	runState
	quiet quietScan // Outgoing's skip-ahead (quiet.go)
}

// runState is the state of one run of the engine that release clears.
type runState struct {
	p        *Policy
	out      []byte
	baseStr  string
	base     *url.URL
	baseDone bool
	attrs    []attr
	z        tokenizer
	scratch  []byte // decoded names and values of the current token

	// skipName is the element whose content is being dropped; skipDepth
	// counts its open instances when nested ones count (Outgoing).
	skipName  string
	skipDepth int

	inState // the Incoming policy's own
}

var statePool = sync.Pool{New: func() any { return new(state) }}

func newState(p *Policy) *state {
	s := statePool.Get().(*state)
	s.p = p
	return s
}

// release returns s to the pool; huge one-off buffers are let go.
func (s *state) release() {
	out, attrs, scratch, zattrs := s.out[:0], s.attrs[:0], s.scratch[:0], s.z.attrs[:0]
	if cap(out) > 1<<20 {
		out = nil
	}
	if cap(scratch) > 1<<16 {
		scratch = nil
	}
	s.runState = runState{out: out, attrs: attrs, scratch: scratch, z: tokenizer{attrs: zattrs}}
	s.open.stack = s.open.buf[:0]
	statePool.Put(s)
}

func (s *state) baseURL() *url.URL {
	if !s.baseDone {
		s.base, s.baseDone = BaseURL(s.baseStr), true
	}
	return s.base
}

// run is the engine on body from its start: engine appending to s.out,
// returning body itself when nothing changed.
func (s *state) run(body string) string {
	out, same := s.engine(s.out[:0], body)
	s.out = out[:0]
	if same {
		return body
	}
	return string(out)
}

// engine is one pass over the tokenizer, each token handed to the
// policy's rules, which append what they keep to dst. For Outgoing, what
// the rules are known to write back as it is (quietEnd) is skipped
// over, not tokenized: the body's quiet start, found before the first
// token, and each quiet stretch after a token; a tag the rules only trim
// is copied with its cuts made. It returns the extended
// dst and whether the output is body itself. Comments, doctypes and
// processing instructions are dropped by every policy (the tokenizer
// skips them). It is one switch over the token types, a little over 80
// lines: split, the rules' shared state would pass between the parts.
func (s *state) engine(dst []byte, body string) (out []byte, same bool) {
	if s.p.in != nil && strings.TrimSpace(body) == "" {
		return dst, body == ""
	}
	o := len(dst)
	s.out = slices.Grow(dst, len(body)+len(body)/8)
	s.open.stack = s.open.buf[:0]
	z := &s.z
	z.reset(body)
	s.quiet.tagEnd, s.quiet.ncuts = 0, 0
	// body[v0:v1] is a run of tokens that come out as they went in, not
	// yet copied to s.out: a body that is one such run is returned as it
	// is, and a run is copied in one piece.
	v0, v1 := 0, 0
	for {
		if s.p.in == nil && s.skipName == "" && z.rawTag == "" {
			// What the rules write back as it is need not be tokenized,
			// nor a tag they write with attributes left out.
			for {
				if e := s.quietEnd(body, z.pos); e > z.pos {
					if z.pos != v1 {
						s.out = append(s.out, body[v0:v1]...)
						v0 = z.pos
					}
					v1, z.pos = e, e
				}
				if s.quiet.tagEnd == 0 {
					break
				}
				s.out = append(s.out, body[v0:v1]...)
				s.out, z.pos = s.quiet.appendTag(s.out, body, z.pos)
				v0, v1 = z.pos, z.pos
			}
			if s.quiet.dropEnd != 0 {
				// A start tag the rules drop with the element's content
				// (a script, an iframe): dropped as the tokenizer and
				// outStart would drop it, without tokenizing it.
				name := s.quiet.dropName
				z.pos, z.rawTag = s.quiet.dropEnd, rawTag(name)
				s.skipName, s.skipDepth = name, 1
				s.quiet.dropEnd = 0
				continue
			}
		}
		tt := z.next()
		mark, verbatim := len(s.out), false
		switch tt {
		case tokEOF:
			if s.p.in != nil {
				s.inFinish()
			}
			if len(s.out) == o && v0 == 0 && v1 == len(body) {
				return s.out, true
			}
			return insertRun(s.out, mark, body[v0:v1]), false
		case tokText:
			if s.skipName == "" {
				verbatim = s.text(body[z.data.start:z.data.end], z.mode)
			}
		case tokStart, tokSelfClosing:
			name := s.tagName(body[z.data.start:z.data.end])
			if s.skipping(name, tt) {
				continue
			}
			if s.p.in != nil {
				s.readAttrs(body, false)
				s.inStart(name, tt == tokSelfClosing)
			} else {
				if acceptableElement(name) {
					// Outgoing keeps only attrOK's, and only on the
					// elements it keeps: it drops or unwraps the others
					// without looking at their attributes.
					s.readAttrs(body, true)
				}
				s.outStart(name, tt == tokSelfClosing)
			}
		case tokEnd:
			name := s.tagName(body[z.data.start:z.data.end])
			if s.skipping(name, tt) {
				continue
			}
			if s.p.in != nil {
				s.inEnd(name)
			} else if acceptableElement(name) {
				s.out = appendEndTag(s.out, name)
			}
		}
		raw := body[z.start:z.pos]
		switch {
		case verbatim || string(s.out[mark:]) == raw:
			s.out = s.out[:mark]
			if z.start != v1 {
				s.out = append(s.out, body[v0:v1]...)
				v0 = z.start
			}
			v1 = z.pos
		case len(s.out) > mark:
			s.out = insertRun(s.out, mark, body[v0:v1])
			v0, v1 = z.pos, z.pos
		}
	}
}

// insertRun inserts run into b at i.
func insertRun(b []byte, i int, run string) []byte {
	if len(run) == 0 {
		return b
	}
	n := len(b)
	b = slices.Grow(b, len(run))[:n+len(run)] // run is copied once
	copy(b[i+len(run):], b[i:n])
	copy(b[i:], run)
	return b
}

// tagName returns a tag's name as HTML reads it: ASCII lower case, NUL
// as U+FFFD. A name already so is a view of the body; another is
// interned, since names outlive the tag (open elements, skipped ones).
func (s *state) tagName(raw string) string {
	if !needsLower(raw) {
		return raw
	}
	s.scratch = appendLower(s.scratch[:0], raw)
	return intern(s.scratch)
}

// readAttrs sets s.attrs to the attributes of the start tag just read
// (only those attrOK keeps when onlyOK is true): keys lowered, values
// decoded, each a view of the body or of s.scratch (valid until the next
// tag).
func (s *state) readAttrs(body string, onlyOK bool) {
	s.attrs = s.attrs[:0]
	s.scratch = s.scratch[:0]
	for _, a := range s.z.attrs {
		key := body[a.key.start:a.key.end]
		if needsLower(key) {
			n := len(s.scratch)
			s.scratch = appendLower(s.scratch, key)
			key = view(s.scratch[n:])
		}
		if onlyOK && !attrOK(key) {
			continue // dropped: its value need not be decoded
		}
		val := body[a.val.start:a.val.end]
		if !plain(val, textAttr) {
			n := len(s.scratch)
			s.scratch = appendDecoded(s.scratch, val, textAttr)
			val = view(s.scratch[n:])
		}
		s.attrs = append(s.attrs, attr{key, val})
	}
}

// skipping reports whether a tag falls inside an element whose content is
// dropped, and ends the drop at that element's end tag.
func (s *state) skipping(name string, tt tokenType) bool {
	if s.skipName == "" {
		return false
	}
	if name == s.skipName {
		switch {
		case tt == tokEnd:
			if s.skipDepth--; s.skipDepth <= 0 {
				s.skipName, s.skipDepth = "", 0
			}
		case tt == tokStart && s.p.in == nil:
			s.skipDepth++ // Outgoing counts nested instances
		}
	}
	return true
}

// text appends the text raw, read in mode, as the policy keeps it, and
// reports true instead when that is raw itself.
func (s *state) text(raw string, mode textMode) (verbatim bool) {
	if s.p.in != nil && s.inTextDropped() {
		return false
	}
	if s.p.in == nil && mode == textData {
		// Outgoing's text, as it is but for a '<' that starts no tag.
		if strings.IndexByte(raw, '<') < 0 {
			return true
		}
		s.out = appendLT(s.out, raw)
		return false
	}
	if plainText(raw) {
		return true
	}
	if plain(raw, mode) {
		s.out = appendEscaped(s.out, raw)
		return false
	}
	s.scratch = appendDecoded(s.scratch[:0], raw, mode)
	s.out = appendEscaped(s.out, s.scratch)
	return false
}

// outStart applies the Outgoing rules to a start tag; s.attrs are its
// attributes when the element is one the rules keep.
func (s *state) outStart(name string, selfClosing bool) {
	if !acceptableElement(name) {
		if lookupName(name)&flagElemDropped != 0 && !selfClosing {
			s.skipName, s.skipDepth = name, 1
		}
		return // meta, link, embed and other void elements go; the rest is unwrapped
	}
	kept := s.attrs[:0]
	for _, a := range s.attrs {
		f := lookupName(a.key) // attrOK and urlAttr in one lookup
		if f&flagAttrKept == 0 && !dataAttr(a.key) {
			continue
		}
		if f&flagAttrURL != 0 {
			var ok bool
			if a.val, ok = s.checkURL(name, a.key, a.val); !ok {
				continue
			}
		}
		kept = append(kept, a)
	}
	s.attrs = kept
	closer := ""
	if selfClosing {
		closer = " /"
	}
	s.out = appendStartTag(s.out, name, s.attrs, closer)
}

// filterAttrs keeps the attributes in s.attrs that keep allows, and
// passes every URL among them through the URL rule.
func (s *state) filterAttrs(elem string, keep func(attr) bool) {
	kept := s.attrs[:0]
	for _, a := range s.attrs {
		if !keep(a) {
			continue
		}
		if urlAttr(a.key) {
			var ok bool
			if a.val, ok = s.checkURL(elem, a.key, a.val); !ok {
				continue
			}
		}
		kept = append(kept, a)
	}
	s.attrs = kept
}
