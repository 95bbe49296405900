package feed

import (
	"bytes"
	"sync"
	"time"

	"github.com/khabar/khabar"
)

// The Renderer's head cache: each page's head as last written, so that a
// re-render after a change writes the head's date and copies the rest,
// rather than building the page's URLs and escaping its strings again.
// The date (RSS lastBuildDate, Atom updated) is not part of what is kept:
// it changes with every edit that moves the page's Updated.

// headKey names a page head: the feed, the page number and the format.
type headKey struct {
	k khabar.Key
	n int
	f Format
}

// headMemo is a page head as written, with the parts of the Page it was
// written from besides its key and number. The date is head[at:end]
// (at < 0: the head has none).
type headMemo struct {
	title     string
	last      int
	author    khabar.Author
	hasAuthor bool
	empty     bool
	head      []byte
	at, end   int
}

// heads holds a Renderer's head cache; it is cleared when it reaches
// maxHeads entries.
type heads struct {
	mu sync.Mutex
	m  map[headKey]*headMemo
}

const maxHeads = 128

// matches reports whether m was written from a page like p but for its
// date.
func (m *headMemo) matches(p *Page) bool {
	if m.title != p.Title || m.last != p.Last || m.empty != (len(p.Items) == 0) || m.hasAuthor != (p.Author != nil) {
		return false
	}
	return p.Author == nil || *p.Author == m.author
}

// dateMarks are what precedes and follows the date in a head, per format:
// the first such start tag in a head is the date's, since the text before
// it is escaped.
var dateMarks = [len(Formats)][2]string{
	RSS:  {"<lastBuildDate>", "</lastBuildDate>"},
	Atom: {"<updated>", "</updated>"},
}

// appendHead appends the head of p in format f: everything before the
// first item. The head cache gives all but the date when it holds p's
// page as written from the same title, page count and author.
func (r *Renderer) appendHead(dst []byte, p *Page, f Format) []byte {
	key := headKey{p.Key, p.Number, f}
	h := &r.heads
	h.mu.Lock()
	m := h.m[key]
	h.mu.Unlock()
	if m != nil && m.matches(p) {
		if m.at < 0 {
			return append(dst, m.head...)
		}
		dst = append(dst, m.head[:m.at]...)
		dst = appendHeadDate(dst, p.Updated, r.s.Location, f)
		return append(dst, m.head[m.end:]...)
	}
	start := len(dst)
	dst = r.writeHead(dst, p, f)
	m = &headMemo{title: p.Title, last: p.Last, empty: len(p.Items) == 0, at: -1}
	if p.Author != nil {
		m.author, m.hasAuthor = *p.Author, true
	}
	m.head = bytes.Clone(dst[start:])
	if mk := dateMarks[f]; mk[0] != "" {
		i := bytes.Index(m.head, []byte(mk[0]))
		j := bytes.Index(m.head[max(i, 0):], []byte(mk[1]))
		if i < 0 || j < 0 {
			return dst // no date where one must be: not kept (never so)
		}
		m.at, m.end = i+len(mk[0]), i+j
	}
	h.mu.Lock()
	if h.m == nil || len(h.m) >= maxHeads {
		h.m = make(map[headKey]*headMemo)
	}
	h.m[key] = m
	h.mu.Unlock()
	return dst
}

// appendHeadDate appends the head's date t in format f.
func appendHeadDate(b []byte, t time.Time, loc *time.Location, f Format) []byte {
	if f == RSS {
		return appendDate822(b, t, loc)
	}
	return appendDate3339(b, t, loc)
}

// writeHead appends the head of p in format f, written anew.
func (r *Renderer) writeHead(dst []byte, p *Page, f Format) []byte {
	switch f {
	case Atom:
		return r.appendAtomHead(dst, p)
	case JSON:
		return r.appendJSONHead(dst, p)
	}
	return r.appendRSSHead(dst, p)
}
