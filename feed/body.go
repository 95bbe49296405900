package feed

import (
	"bytes"
	"strings"
	"unsafe"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/htmlsafe"
	"github.com/khabar/khabar/internal/xmltext"
)

// An item's body: the article's ContentHTML after Config.ContentPolicy.
// RSS and Atom write it verbatim in CDATA, so a cold render filters it
// straight into the item's bytes and the item cache keeps it as the
// slice of the item it already is, not as a second copy. JSON escapes
// it: the JSON writer filters it into a pooled scratch buffer, escapes it
// into the item, and the cache keeps the escaped run of that item, which
// RSS and Atom unescape when it is all the cache has.

// bodyRef is the filtered body of the item being written: given when it
// is known (s, known), found by the writer otherwise.
type bodyRef struct {
	s     string
	known bool
	// foreign says that s views the bytes of an item of an older
	// snapshot, which the cache must not keep alive through it.
	foreign bool
	// json says that s is the body JSON-escaped (xmltext.AppendJSON), as
	// the JSON writer keeps it: the run of a JSON item's content_html.
	json bool

	// Set by the writer: s is item[at:at+len(s)] of the item written
	// (at ≥ 0), or its own string (own), or else the article's
	// ContentHTML. at counts from the start of the slice the writer
	// appended to.
	at  int
	own bool
}

// none reports whether the body is empty as far as can be told before
// filtering it: known empty, or an empty ContentHTML.
func (bd *bodyRef) none(a *khabar.Article) bool {
	bd.at = -1
	if bd.known {
		return bd.s == ""
	}
	if a.ContentHTML == "" {
		bd.s, bd.known = "", true
		return true
	}
	return false
}

// appendBodyCDATA appends the body in CDATA, then close, to b, which
// holds the element's start tag from mark on (none must have said false),
// and records in bd where the body is. An empty body, which filtering can
// make, removes the element: b is cut back to mark.
func (r *Renderer) appendBodyCDATA(b []byte, mark int, a *khabar.Article, bd *bodyRef, close string) []byte {
	b = append(b, "<![CDATA["...)
	start := len(b)
	fresh := false // the body is in b only, written there by the filter
	switch {
	case bd.known && bd.json:
		b = xmltext.AppendFromJSON(b, bd.s)
		bd.json, fresh = false, true
	case bd.known:
		b = append(b, bd.s...)
	case r.s.ContentPolicy == RawContent:
		bd.s = a.ContentHTML
		b = append(b, bd.s...)
	default:
		var same bool
		b, same = htmlsafe.Outgoing.AppendSanitized(b, a.ContentHTML, a.URL)
		switch {
		case same:
			bd.s = a.ContentHTML
			b = append(b, bd.s...)
		case len(b) == start:
			bd.s, bd.known = "", true
			return b[:mark]
		default:
			fresh = true
		}
	}
	bd.known = true
	if fresh && bytes.Contains(b[start:], cdataEnd) {
		// AppendCDATA splits it: the body is not one run of the item.
		bd.s, bd.own = string(b[start:]), true
		b = b[:start-len("<![CDATA[")]
		fresh = false
	}
	if !fresh && strings.Contains(bd.s, "]]>") {
		b = xmltext.AppendCDATA(b[:start-len("<![CDATA[")], bd.s, xmltext.Trusted)
		return append(b, close...)
	}
	if fresh || bd.foreign || bd.own {
		// Keep the body as the run of the item it is.
		bd.s = unsafe.String(&b[start], len(b)-start) // for its length; body re-slices
		bd.at, bd.own, bd.foreign = start, false, false
	}
	b = append(b, "]]>"...)
	return append(b, close...)
}

var cdataEnd = []byte("]]>")

// body returns the filtered body bd describes, viewing item (the bytes the
// writer appended to, from the same start as bd.at) when it is there.
func (bd *bodyRef) body(item []byte) string {
	if bd.at < 0 {
		if bd.foreign {
			bd.s, bd.own, bd.foreign = strings.Clone(bd.s), true, false
		}
		return bd.s
	}
	return unsafe.String(&item[bd.at], len(bd.s))
}

// filteredBody returns a's body after Config.ContentPolicy, as the
// writers put it in the feeds: the one the item cache holds for a when it
// has it (a's snapshot, or a later one with the same body and URL), else
// filtered now. clean says that a's text is known to be clean (it came
// from a catalog); otherwise it is cleaned first, as the writers do.
func (r *Renderer) filteredBody(a *khabar.Article, clean bool) string {
	var bd bodyRef
	r.mu.RLock()
	if ic := r.items[a.ID]; ic != nil {
		bd = ic.bodyFor(a)
	}
	r.mu.RUnlock()
	switch {
	case !bd.known:
		if !clean {
			a = cleanArticle(a)
		}
		return r.s.filterBody(a)
	case bd.json:
		return string(xmltext.AppendFromJSON(nil, bd.s))
	}
	bd.at = -1
	return bd.body(nil) // a copy when it views an older snapshot's item
}

// sameString reports whether a and b are the same string in memory.
func sameString(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}
