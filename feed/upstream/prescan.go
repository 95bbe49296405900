package upstream

import (
	"bytes"
	"net/url"
	"strings"
)

// The pre-scan stage reads an XML document's tags once, before gofeed
// does, for what gofeed does not report:
//
//   - where each top-level item or entry starts and ends, so that a large
//     document can be parsed a chunk of items at a time;
//   - the xml:base in scope of each RSS item: gofeed applies xml:base to
//     Atom content but, in RSS, only to <link>, leaving descriptions,
//     content:encoded, enclosures and media elements relative;
//   - whether each Atom title is plain text or HTML: gofeed decodes both
//     into one string and forgets which it was, and a text title's "<b>"
//     is text, not a tag.
//
// It learns only what the document needs (chunk bounds for large
// documents, bases when some xml:base is written, text types for Atom),
// and skips the pass altogether when that is nothing. Repairing a broken
// document needs a real XML tokenizer and is done after gofeed fails (see
// repairXML); it shares this file's tag-name helpers.

// chunkThreshold is the document size from which a document is parsed in
// chunks of about chunkBytes of items. They are variables so that tests
// can exercise chunking on small documents.
var (
	chunkThreshold = 4 << 20
	chunkBytes     = 1 << 20
)

// docScan is what the pre-scan learned about one document. Per-item facts
// are by document index: the position of the item among all the
// document's items, broken ones included.
type docScan struct {
	// items holds the [start, end) offsets of the top-level <item> or
	// <entry> elements, or nil when the document was not scanned for them
	// or its structure is not what chunking expects (unbalanced or nested
	// items, unclosed markup, no items).
	items [][2]int
	// bases holds the xml:base in scope of each RSS item (see itemBases),
	// nil where none is; bases itself is nil when the document has none.
	bases []*url.URL
	// feedText says the Atom feed's own title is plain text, and
	// textTitles the same of each entry's title (see titleTypes).
	feedText   bool
	textTitles []bool
}

// scanWant says what a pre-scan is to learn.
type scanWant uint8

const (
	scanItems  scanWant = 1 << iota // docScan.items
	scanBases                       // docScan.bases
	scanTitles                      // docScan.feedText and textTitles
)

// prescan learns what later stages need to know about an XML document;
// docBase is the base of the outermost xml:base.
func prescan(data []byte, docBase *url.URL) *docScan {
	if !xmlDoc(data) {
		return &docScan{feedText: true}
	}
	var want scanWant
	if len(data) >= chunkThreshold {
		want |= scanItems
	}
	// The root element says the format as gofeed will read it: rss or
	// RDF is RSS, anything else Atom or not a feed at all.
	if root := rootName(data); strings.EqualFold(root, "rss") || strings.EqualFold(root, "rdf") {
		if bytes.Contains(data, []byte("xml:base")) {
			want |= scanBases
		}
	} else {
		want |= scanTitles
	}
	if want == 0 {
		return &docScan{feedText: true}
	}
	return scanDoc(data, docBase, want)
}

// xmlDoc reports whether gofeed will take data for XML: its first byte,
// after white space and byte order mark bytes, is "<".
func xmlDoc(data []byte) bool {
	for _, c := range data {
		switch c {
		case ' ', '\r', '\n', '\t', 0xFE, 0xFF, 0x00, 0xEF, 0xBB, 0xBF:
		default:
			return c == '<'
		}
	}
	return false
}

// rootName returns the local name of the document's first start tag.
func rootName(data []byte) string {
	s := tagScanner{data: data}
	for {
		tag, _, ok := s.next()
		if !ok {
			return ""
		}
		if name, closing := tagName(tag); !closing {
			return string(localName(name))
		}
	}
}

// scanDoc reads data's tags once for what want asks.
func scanDoc(data []byte, docBase *url.URL, want scanWant) *docScan {
	ds := &docScan{feedText: true}
	items := itemSpans{on: want&scanItems != 0, start: -1}
	bases := itemBases{on: want&scanBases != 0, docBase: docBase}
	titles := titleTypes{on: want&scanTitles != 0, scan: ds}
	s := tagScanner{data: data}
	for {
		tag, off, ok := s.next()
		if !ok {
			break
		}
		name, closing := tagName(tag)
		items.tag(tag, off, name, closing)
		bases.tag(tag, localName(name), closing)
		titles.tag(tag, name, closing)
	}
	if items.on && !s.cut && items.start < 0 {
		ds.items = items.bounds
	}
	if bases.any {
		ds.bases = bases.out
	}
	return ds
}

// itemSpans collects the bounds of top-level items written <item> or
// <entry>, without a prefix; on turns false once the document's items are
// not what chunking expects.
type itemSpans struct {
	on     bool
	start  int // offset of the open item's start tag, or -1
	bounds [][2]int
}

func (b *itemSpans) tag(tag []byte, off int, name []byte, closing bool) {
	if !b.on || (string(name) != "item" && string(name) != "entry") {
		return
	}
	end := off + len(tag)
	switch {
	case closing:
		if b.start < 0 {
			b.on = false
			return
		}
		b.bounds = append(b.bounds, [2]int{b.start, end})
		b.start = -1
	case b.start >= 0: // nested or unclosed
		b.on = false
	case bytes.HasSuffix(tag, []byte("/>")):
		b.bounds = append(b.bounds, [2]int{off, end})
	default:
		b.start = off
	}
}

// itemBases finds, for each RSS <item> in document order, the base URL
// its xml:base attributes give — on the root element, the channel and the
// item itself, each resolved against the one around it and the outermost
// against docBase — or nil where none is in scope. any says some base was
// found.
type itemBases struct {
	on      bool
	docBase *url.URL
	stack   []*url.URL // the base in scope inside each open rss, RDF or channel element
	out     []*url.URL
	any     bool
}

func (b *itemBases) tag(tag, local []byte, closing bool) {
	if !b.on {
		return
	}
	switch string(local) {
	case "rss", "RDF", "channel":
		switch {
		case closing:
			if len(b.stack) > 0 {
				b.stack = b.stack[:len(b.stack)-1]
			}
		case !bytes.HasSuffix(tag, []byte("/>")):
			b.stack = append(b.stack, b.within(attrValue(tag, "xml:base")))
		}
	case "item":
		if !closing {
			b.out = append(b.out, b.within(attrValue(tag, "xml:base")))
		}
	}
}

// within returns the base attr gives inside the innermost open element.
func (b *itemBases) within(attr string) *url.URL {
	var outer *url.URL
	if n := len(b.stack); n > 0 {
		outer = b.stack[n-1]
	}
	if attr == "" {
		return outer
	}
	ref := outer
	if ref == nil {
		ref = b.docBase
	}
	if u := absHTTP(resolve(attr, ref)); u != nil {
		b.any = true
		return u
	}
	return outer
}

// titleTypes records, for the Atom feed and each entry, whether its title
// is plain text (see textType). Titles inside an entry's <source> and
// titles of other vocabularies (media:title, dc:title) are skipped.
type titleTypes struct {
	on                           bool
	scan                         *docScan
	inEntry, inSource, seenTitle bool
}

func (t *titleTypes) tag(tag, name []byte, closing bool) {
	if !t.on {
		return
	}
	switch string(localName(name)) {
	case "entry":
		t.inEntry, t.seenTitle = !closing, false
		if !closing {
			t.scan.textTitles = append(t.scan.textTitles, true)
		}
	case "source":
		t.inSource = !closing && !bytes.HasSuffix(tag, []byte("/>"))
	case "title":
		if closing || t.inSource || t.seenTitle || foreignPrefix(name, "atom") {
			return
		}
		t.seenTitle = true
		text := textType(attrValue(tag, "type"))
		if t.inEntry {
			t.scan.textTitles[len(t.scan.textTitles)-1] = text
		} else {
			t.scan.feedText = text
		}
	}
}

// textTitle reports whether the title of the Atom entry at index is plain
// text.
func (ds *docScan) textTitle(index int) bool {
	return index < len(ds.textTitles) && ds.textTitles[index]
}

// base returns the xml:base in scope of the RSS item at index, or nil.
func (ds *docScan) base(index int) *url.URL {
	if index < len(ds.bases) {
		return ds.bases[index]
	}
	return nil
}
