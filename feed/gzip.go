package feed

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"sync"

	"github.com/khabar/khabar"
)

// A gzip body is assembled from pieces deflated separately: the page's
// head, each item (deflated once per article snapshot and cached next to
// its bytes), the separators and the tail. Each piece but the last ends
// with a sync flush, which leaves the deflate stream byte-aligned and
// refers to nothing before it, so the pieces concatenate into one valid
// stream (the way pigz builds its output). A change to one article then
// costs deflating one item, not the whole page; the price is that matches
// never span two items, which costs a few per cent of size.

var flatePool = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.DefaultCompression)
	return w
}}

// deflatePiece deflates p and appends the blocks to dst; final ends the
// stream, otherwise the output ends with a sync flush.
func deflatePiece(dst *bytes.Buffer, p []byte, final bool) {
	w := flatePool.Get().(*flate.Writer)
	w.Reset(dst)
	w.Write(p) // writes to a bytes.Buffer do not fail
	if final {
		w.Close()
	} else {
		w.Flush()
	}
	flatePool.Put(w)
}

func deflated(p []byte) []byte {
	var b bytes.Buffer
	deflatePiece(&b, p, false)
	return b.Bytes()
}

// deflatedSep is itemSep, deflated once.
var deflatedSep = func() (out [len(Formats)][]byte) {
	for f, s := range itemSep {
		if s != "" {
			out[f] = deflated([]byte(s))
		}
	}
	return out
}()

// itemGzip returns a's item in format f deflated as a piece (see above),
// cached with the item.
func (r *Renderer) itemGzip(a *khabar.Article, f Format, clean bool) []byte {
	r.mu.RLock()
	ic := r.items[a.ID]
	var cached []byte
	if ic != nil && ic.a == a {
		cached = ic.gz[f]
	}
	r.mu.RUnlock()
	if cached != nil {
		return cached
	}
	z := deflated(r.itemBytes(a, f, clean))
	r.mu.Lock()
	if ic = r.items[a.ID]; ic != nil && ic.a == a {
		r.heldBytes += int64(len(z) - len(ic.gz[f]))
		ic.gz[f] = z
		r.trimItems(a.ID)
	}
	r.mu.Unlock()
	return z
}

// gzipPage returns the gzip file of body, which is p rendered in format f
// (AppendPage's output), built from cached item pieces.
func (r *Renderer) gzipPage(p *Page, f Format, body []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(body)/3 + 64)
	b.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}) // gzip header: deflate, no name, no time, unknown OS
	deflatePiece(&b, r.appendHead(nil, p, f), false)
	for i, a := range p.Items {
		if i > 0 && deflatedSep[f] != nil {
			b.Write(deflatedSep[f])
		}
		b.Write(r.itemGzip(a, f, p.clean(i)))
	}
	deflatePiece(&b, []byte(tail(f, len(p.Items) == 0)), true)
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[:4], crc32.ChecksumIEEE(body))
	binary.LittleEndian.PutUint32(trailer[4:], uint32(len(body)))
	b.Write(trailer[:])
	return b.Bytes()
}
