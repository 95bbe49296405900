package upstream

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
)

// The pre-scan stage reads an XML document's tags once, before gofeed
// does, for what gofeed does not report:
//
//   - where each top-level item or entry starts and ends, so that a large
//     document can be parsed a chunk of items at a time;
//   - the xml:base in scope of each RSS item: gofeed applies xml:base to
//     Atom content but, in RSS, only to <link>, leaving descriptions,
//     content:encoded, enclosures and media elements relative; and of
//     each Atom entry, for what gofeed leaves relative in it (media
//     elements) and for an entry without content or summary, which has
//     no text construct to carry its base;
//   - where each Atom text construct (title, subtitle, summary, content,
//     rights) and each RSS <body>, <xhtml:body> and <fullitem> is written,
//     with its type and mode: gofeed decodes text and HTML into one string
//     and forgets which it was (a text title's "<b>" is text, not a tag),
//     misreads Atom 0.3's modes and drops the RSS bodies altogether. The
//     text stage (text.go) reads them from the document instead;
//   - the xml:lang of each Atom entry, which gofeed reads for the feed
//     only.
//
// It learns only what the document needs (chunk bounds for large
// documents, bases when some xml:base is written, text constructs for
// Atom and for RSS that writes bodies of its own),
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
	// bases holds the xml:base in scope of each RSS item (see itemBases)
	// or Atom entry (its own, else the feed's; see textSpans), nil where
	// none is. bases itself is nil when an RSS document writes no
	// xml:base.
	bases []*url.URL
	// data is the document the spans of feed and itemTexts point into;
	// feed holds the Atom feed's own text constructs and itemTexts those
	// of each Atom entry or RSS item (see textSpans), nil when the
	// document was not scanned for them.
	data      []byte
	feed      rawTexts
	itemTexts []rawTexts
	// entryLangs holds the xml:lang written on each Atom entry's start
	// tag, which gofeed does not report; nil when the document was not
	// scanned for text constructs.
	entryLangs []xmlLang
	// lang is the language of last resort (HTTP Content-Language).
	lang string
}

// xmlLang is an xml:lang attribute: its value, and whether it is written
// at all. Written empty (xml:lang=""), it says that no language is known
// (XML 1.0 section 2.12), which a missing one does not.
type xmlLang struct {
	lang    string
	written bool
}

// scanWant says what a pre-scan is to learn.
type scanWant uint8

const (
	scanItems scanWant = 1 << iota // docScan.items
	scanBases                      // docScan.bases of RSS items
	scanTexts                      // docScan.feed and itemTexts; in Atom, also bases
)

// prescan learns what later stages need to know about an XML document;
// docBase is the base of the outermost xml:base.
func prescan(data []byte, docBase *url.URL) *docScan {
	if !xmlDoc(data) {
		return &docScan{}
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
		if bytes.Contains(data, []byte("body>")) || bytes.Contains(data, []byte("fullitem>")) {
			want |= scanTexts
		}
	} else {
		want |= scanTexts
	}
	if want == 0 {
		return &docScan{}
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
	ds := &docScan{data: data}
	items := itemSpans{on: want&scanItems != 0, start: -1}
	bases := itemBases{on: want&scanBases != 0, docBase: docBase}
	texts := textSpans{on: want&scanTexts != 0, scan: ds, docBase: docBase}
	s := tagScanner{data: data}
	for {
		tag, off, ok := s.next()
		if !ok {
			break
		}
		name, closing := tagName(tag)
		items.tag(tag, off, name, closing)
		bases.tag(tag, localName(name), closing)
		texts.tag(tag, off, name, closing)
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

// textField names a text construct the pre-scan locates.
type textField uint8

const (
	fieldTitle    textField = iota
	fieldSubtitle           // Atom subtitle; Atom 0.3 tagline
	fieldSummary
	fieldContent
	fieldRights   // Atom rights; Atom 0.3 copyright
	fieldBody     // RSS <body> and <xhtml:body>
	fieldFullitem // RSS <fullitem>
	fieldCreated  // Atom 0.3 created, which gofeed skips (a date, not text)
	fieldOrigin   // the title of an Atom entry's source feed
	numFields
)

// rawText is a text construct as written: its type and mode attributes
// and the span [start, end) of its content in the document. ok is false
// when the element is absent.
type rawText struct {
	typ, mode  string
	start, end int
	ok         bool
	// base is the xml:base in scope of an Atom construct, nil where none
	// is written: gofeed resolves content against it, and so must we.
	base *url.URL
}

// rawTexts holds one feed's, entry's or item's text constructs.
type rawTexts [numFields]rawText

// textSpans records where the text constructs of the Atom feed and of
// each entry are written, or, in RSS, the bodies of each item; the first
// of each kind counts. Inside an entry's <source>, only the source's title
// is read (as fieldOrigin); constructs of other vocabularies (media:title,
// dc:title) are skipped, and so is everything inside a construct being
// read (an xhtml title holding a <title>).
type textSpans struct {
	on, rss, rooted bool
	scan            *docScan
	docBase         *url.URL
	bases           []*url.URL // Atom: the xml:base in scope inside each open element
	inItem          bool
	names           [][]byte        // Atom: the names of the open elements, bases' twins
	atomPrefixes    map[string]bool // Atom: prefixes the root binds to Atom's namespace
	inSource        bool
	open            *rawText // the construct whose end tag is awaited
	openName        []byte
	depth           int
}

func (t *textSpans) tag(tag []byte, off int, name []byte, closing bool) {
	if !t.on {
		return
	}
	empty := bytes.HasSuffix(tag, []byte("/>"))
	if t.open != nil {
		if !bytes.Equal(name, t.openName) || empty {
			return
		}
		if !closing {
			t.depth++
		} else if t.depth--; t.depth == 0 {
			t.open.end, t.open.ok = off, true
			t.open = nil
			t.pop()
		}
		return
	}
	local := string(localName(name))
	if !t.rooted {
		t.rooted = true
		t.rss = local == "rss" || local == "RDF"
		t.atomPrefixes = atomPrefixes(tag)
	}
	if !t.rss {
		switch {
		case closing:
			t.closeTo(name)
			if len(t.names) < 2 {
				t.inItem = false // out of the feed's child
			}
		case !empty:
			t.push(attrValue(tag, "xml:base"), name)
		}
	}
	switch {
	case !t.rss && strings.EqualFold(local, "entry") && t.atomName(name, tag):
		// gofeed's entries are the feed's children, and it skips every
		// other child whole: an entry inside an entry (a comments feed
		// inline in an extension element) or inside another element has
		// no record, which would give every later entry the one before it.
		// An element left unclosed is closed by the end tag of one it is
		// in (closeTo), as gofeed's lenient decoder closes it.
		if closing {
			return
		}
		if level := len(t.names); empty && level != 1 || !empty && level != 2 {
			return
		}
		t.inItem = !empty
		t.scan.itemTexts = append(t.scan.itemTexts, rawTexts{})
		var lang xmlLang
		lang.lang, lang.written = attr(tag, "xml:lang")
		t.scan.bases = append(t.scan.bases, t.inScope())
		t.scan.entryLangs = append(t.scan.entryLangs, lang)
		return
	case local == "item" && t.rss:
		t.inItem = !closing && !empty
		if !closing {
			t.scan.itemTexts = append(t.scan.itemTexts, rawTexts{})
			t.scan.entryLangs = append(t.scan.entryLangs, xmlLang{})
		}
		return
	case local == "source" && !t.rss:
		t.inSource = !closing && !empty
		return
	}
	f, ok := t.field(name, local)
	if t.inSource {
		f, ok = fieldOrigin, ok && f == fieldTitle
	}
	if !ok || closing {
		return
	}
	slot := &t.scan.feed[f]
	if t.inItem {
		slot = &t.scan.itemTexts[len(t.scan.itemTexts)-1][f]
	} else if t.rss {
		return
	}
	if slot.ok {
		return
	}
	*slot = rawText{typ: attrValue(tag, "type"), mode: attrValue(tag, "mode"), start: off + len(tag), end: off + len(tag), base: t.inScope()}
	if empty {
		slot.ok = true
		return
	}
	t.open, t.openName, t.depth = slot, name, 1
}

// inScope returns the xml:base in scope inside the innermost open Atom
// element (the one just entered, for its start tag), or nil where none is
// written.
func (t *textSpans) inScope() *url.URL {
	if n := len(t.bases); n > 0 {
		return t.bases[n-1]
	}
	return nil
}

// push enters an Atom element named name whose xml:base attribute is
// xmlBase.
func (t *textSpans) push(xmlBase string, name []byte) {
	outer := t.inScope()
	if xmlBase != "" {
		ref := outer
		if ref == nil {
			ref = t.docBase
		}
		if u := absHTTP(resolve(xmlBase, ref)); u != nil {
			outer = u
		}
	}
	t.bases = append(t.bases, outer)
	t.names = append(t.names, name)
}

// pop leaves the innermost open Atom element.
func (t *textSpans) pop() {
	if n := len(t.bases); n > 0 {
		t.bases, t.names = t.bases[:n-1], t.names[:n-1]
	}
}

// closeTo leaves the innermost open element named name and those left
// unclosed inside it, as a non-strict XML decoder (gofeed's) does; an end
// tag that closes no open element is ignored.
func (t *textSpans) closeTo(name []byte) {
	for i := len(t.names) - 1; i >= 0; i-- {
		if bytes.Equal(t.names[i], name) {
			t.bases, t.names = t.bases[:i], t.names[:i]
			return
		}
	}
}

// atomName reports whether an element (its qualified name and start tag)
// is in Atom's namespace as gofeed reads it: unprefixed without a
// default namespace of another vocabulary declared on it, or with the
// prefix "atom" or one bound to Atom on the root or on the element.
func (t *textSpans) atomName(name, tag []byte) bool {
	c := bytes.IndexByte(name, ':')
	if c < 0 {
		return !foreignDefaultNS(tag)
	}
	p := string(name[:c])
	if p == "atom" || t.atomPrefixes[p] {
		return true
	}
	ns, _ := attr(tag, "xmlns:"+p)
	return isAtomNS(ns)
}

// field says which construct the element name (local without prefix)
// is, if any.
func (t *textSpans) field(name []byte, local string) (textField, bool) {
	if t.rss {
		switch {
		case local == "body":
			return fieldBody, true
		case local == "fullitem" && string(name) == local:
			return fieldFullitem, true
		}
		return 0, false
	}
	if foreignPrefix(name, "atom") {
		return 0, false
	}
	switch local {
	case "title":
		return fieldTitle, true
	case "subtitle", "tagline":
		return fieldSubtitle, true
	case "summary":
		return fieldSummary, true
	case "content":
		return fieldContent, true
	case "rights", "copyright":
		return fieldRights, true
	case "created":
		return fieldCreated, true
	}
	return 0, false
}

// text returns the construct f of the entry or item at index, if the
// pre-scan found it.
func (ds *docScan) text(index int, f textField) (rawText, bool) {
	if index < len(ds.itemTexts) && ds.itemTexts[index][f].ok {
		return ds.itemTexts[index][f], true
	}
	return rawText{}, false
}

// feedText returns the Atom feed's construct f, if the pre-scan found it.
func (ds *docScan) feedText(f textField) (rawText, bool) {
	return ds.feed[f], ds.feed[f].ok
}

// entryLang returns the xml:lang of the Atom entry at index; written
// says whether the entry writes one, empty or not.
func (ds *docScan) entryLang(index int) (lang string, written bool) {
	if index < len(ds.entryLangs) {
		return ds.entryLangs[index].lang, ds.entryLangs[index].written
	}
	return "", false
}

// base returns the xml:base in scope of the RSS item or Atom entry at
// index, or nil.
func (ds *docScan) base(index int) *url.URL {
	if index < len(ds.bases) {
		return ds.bases[index]
	}
	return nil
}

// foreignDefaultNS reports whether an element's start tag declares a
// default namespace other than Atom 1.0's or 0.3's (or none, xmlns="",
// which gofeed counts as its own): an <entry> of another vocabulary,
// which gofeed does not take for one of the feed's.
func foreignDefaultNS(tag []byte) bool {
	ns, ok := attr(tag, "xmlns")
	return ok && ns != "" && !isAtomNS(ns)
}

func isAtomNS(ns string) bool {
	return ns == "http://www.w3.org/2005/Atom" || ns == "http://purl.org/atom/ns#"
}

// atomPrefixRE finds the prefixes a start tag binds to Atom 1.0 or 0.3.
var atomPrefixRE = regexp.MustCompile(`\sxmlns:([A-Za-z_][A-Za-z0-9._-]*)\s*=\s*["'](?:http://www\.w3\.org/2005/Atom|http://purl\.org/atom/ns#)["']`)

// atomPrefixes returns the prefixes the root's start tag binds to Atom.
func atomPrefixes(tag []byte) map[string]bool {
	var m map[string]bool
	for _, sm := range atomPrefixRE.FindAllSubmatch(tag, -1) {
		if m == nil {
			m = make(map[string]bool)
		}
		m[string(sm[1])] = true
	}
	return m
}
