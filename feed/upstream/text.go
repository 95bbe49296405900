package upstream

import (
	"cmp"
	"encoding/base64"
	"html"
	"net/url"
	"strings"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/xmltext"
	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Text constructs: how a text field of a feed becomes the plain text or
// HTML of an article. Every decision about what a title, subtitle,
// summary, body or rights text means is made in this file.
//
// An Atom text construct (RFC 4287 section 3.1, and Atom 0.3's type and
// mode) is read from the document as written (see the pre-scan) rather
// than from gofeed, which forgets whether a value was text or HTML:
//
//   - mode="base64": the content is decoded first;
//   - type "text", "text/plain" or absent, mode absent or "xml": plain
//     text, even with "<" and ">" in it ("History of the <blink> tag");
//   - type "html" or "text/html", or mode="escaped": HTML, its entity
//     references decoded once;
//   - type "xhtml", "application/xhtml+xml" or another XML type, or
//     mode="xml" with child elements: inline markup, the wrapping div
//     (when there is one) removed, namespace prefixes dropped;
//   - other media types (images, binaries): not text, so no value.
//
// RSS <body>, <xhtml:body> and <fullitem> are bodies: inline markup, or
// escaped HTML when they hold no element. A media:description (plain
// text unless type="html") is the description of an item with no other.
// Everything else that gofeed reads (RSS titles and descriptions,
// content:encoded) is HTML; JSON Feed titles, content_text, summary and
// the feed's description are plain text.
//
// Titles, names and labels end up as plain text on one line: only ASCII
// white space is folded, so a no-break or thin space a publisher wrote
// stays. Bodies are HTML for the sanitizer; plain-text ones become
// escaped paragraphs.

// constructKind is how a text construct's type reads.
type constructKind uint8

const (
	kindText constructKind = iota
	kindHTML
	kindMarkup // XHTML or another XML type: inline markup
	kindOther  // a binary media type: not text
)

// kindOf classifies an Atom type attribute (lower case, trimmed).
func kindOf(typ string) constructKind {
	switch {
	case typ == "" || typ == "text" || typ == "text/plain":
		return kindText
	case typ == "html" || typ == "text/html":
		return kindHTML
	case typ == "xhtml" || strings.HasSuffix(typ, "+xml") || strings.HasSuffix(typ, "/xml"):
		return kindMarkup
	case strings.HasPrefix(typ, "text/"):
		return kindText
	}
	return kindOther
}

// readText returns the value of a text construct written in data, and
// whether that value is HTML (else plain text).
func readText(data []byte, r rawText) (value string, isHTML bool) {
	inner := data[r.start:r.end]
	kind := kindOf(strings.ToLower(strings.TrimSpace(r.typ)))
	mode := strings.ToLower(strings.TrimSpace(r.mode))
	switch {
	case mode == "base64":
		dec, err := base64.StdEncoding.DecodeString(strings.Map(dropSpace, charData(inner)))
		if err != nil || kind == kindOther {
			return "", false
		}
		return string(repairUTF8(dec)), kind != kindText
	case kind == kindOther:
		return "", false
	case kind == kindMarkup || hasElements(inner):
		return markupHTML(inner), true
	}
	return charData(inner), kind == kindHTML || (mode == "escaped" && strings.TrimSpace(r.typ) == "")
}

// dropSpace is a strings.Map function removing ASCII white space.
func dropSpace(r rune) rune {
	if r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r' {
		return -1
	}
	return r
}

// readOr is readText, except that it returns gofeed's value (with the
// type the construct declares) where gofeed reads the construct right: a
// text or HTML type, no mode and no child elements. That spares decoding a
// body twice.
func readOr(data []byte, r rawText, gofeedValue string) (value string, isHTML bool) {
	kind := kindOf(strings.ToLower(strings.TrimSpace(r.typ)))
	if r.mode == "" && (kind == kindText || kind == kindHTML) && !hasElements(data[r.start:r.end]) {
		return gofeedValue, kind == kindHTML
	}
	return readText(data, r)
}

// constructLine returns a text construct as plain text on one line.
func constructLine(data []byte, r rawText, gofeedValue string) string {
	v, isHTML := readOr(data, r, gofeedValue)
	return textConstruct(v, !isHTML)
}

// constructHTML returns a text construct as HTML: plain text is escaped
// and its blank-line separated paragraphs become <p> elements.
func constructHTML(data []byte, r rawText, gofeedValue string) string {
	return asHTML(readOr(data, r, gofeedValue))
}

// asHTML returns a value as HTML: plain text is escaped and its
// blank-line separated paragraphs become <p> elements.
func asHTML(v string, isHTML bool) string {
	if isHTML {
		return v
	}
	return textToHTML(v)
}

// feedLine returns the feed's construct f as plain text on one line: as
// the pre-scan found it, else gofeed's value, plain text when plain.
func (ds *docScan) feedLine(f textField, value string, plain bool) string {
	if r, ok := ds.feedText(f); ok {
		return constructLine(ds.data, r, value)
	}
	return textConstruct(value, plain)
}

// itemLine is feedLine for the entry or item at index.
func (ds *docScan) itemLine(index int, f textField, value string, plain bool) string {
	if r, ok := ds.text(index, f); ok {
		return constructLine(ds.data, r, value)
	}
	return textConstruct(value, plain)
}

// bodies returns an item's body and description as HTML, and the
// xml:base the body was written under (nil when none): the Atom content
// and summary as the pre-scan found them; in RSS, the fullest of
// content:encoded, <body>, <xhtml:body> and <fullitem> as the body, and
// the description, else the next fullest of them, as the description. An
// item with none of these has its media:description as description.
func (ds *docScan) bodies(it *gofeed.Item, index int) (content, desc string, base *url.URL) {
	content, desc = it.Content, it.Description
	if r, ok := ds.text(index, fieldContent); ok {
		content, base = constructHTML(ds.data, r, it.Content), r.base
	}
	if r, ok := ds.text(index, fieldSummary); ok {
		desc = constructHTML(ds.data, r, it.Description)
		if strings.TrimSpace(content) == "" {
			base = r.base
		}
	}
	for _, f := range [...]textField{fieldBody, fieldFullitem} {
		r, ok := ds.text(index, f)
		if !ok {
			continue
		}
		r.typ = cmp.Or(r.typ, "html") // an RSS body without child elements is escaped HTML
		b := asHTML(readText(ds.data, r))
		if len(strings.TrimSpace(b)) > len(strings.TrimSpace(content)) {
			b, content = content, b
		}
		if strings.TrimSpace(desc) == "" || it.Description == "" && len(b) > len(desc) {
			desc = b
		}
	}
	if strings.TrimSpace(content) == "" && strings.TrimSpace(desc) == "" {
		desc = mediaDescription(it.Extensions["media"])
	}
	return content, desc, base
}

// mediaDescription returns, as HTML, the first media:description an item
// writes (its own, else a media:group's, else a media:content's): the
// only text of a YouTube entry and of many video items. It is plain text
// unless its type is "html".
func mediaDescription(media map[string][]ext.Extension) string {
	for _, d := range mediaElems(media, "description") {
		if strings.TrimSpace(d.Value) != "" {
			return asHTML(d.Value, strings.EqualFold(strings.TrimSpace(d.Attrs["type"]), "html"))
		}
	}
	return ""
}

// mediaElems returns an item's media RSS elements of one name, in the
// order Media RSS ranks them: the item's own, then its media:groups',
// then those inside its (or its groups') media:content elements.
func mediaElems(media map[string][]ext.Extension, name string) []ext.Extension {
	if media == nil {
		return nil
	}
	groups := []map[string][]ext.Extension{media}
	for _, g := range media["group"] {
		groups = append(groups, g.Children)
	}
	var found []ext.Extension
	for _, g := range groups {
		found = append(found, g[name]...)
	}
	for _, g := range groups {
		for _, c := range g["content"] {
			found = append(found, c.Children[name]...)
		}
	}
	return found
}

// textConstruct returns a title-like text as plain text on one line;
// plain says it is text rather than HTML.
func textConstruct(s string, plain bool) string {
	if plain {
		return textLine(s)
	}
	return plainLine(s)
}

// plainLine returns the text of an HTML fragment on one line: tags
// dropped (the contents of script, style and similar elements too),
// entities decoded, block elements and images separated by a space. Text
// without markup or entities (most titles, categories and names) skips
// the HTML tokenizer.
func plainLine(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return textLine(s)
	}
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		switch tt := z.Next(); tt {
		case xhtml.ErrorToken:
			return textLine(b.String())
		case xhtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case xhtml.StartTagToken, xhtml.EndTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			switch a := atom.Lookup(name); {
			case xmltext.HiddenContent(a):
				if tt == xhtml.StartTagToken {
					skip++
				} else if tt == xhtml.EndTagToken && skip > 0 {
					skip--
				}
			case !inlineElement(a):
				b.WriteByte(' ')
			}
		}
	}
}

// inlineElement reports whether an element runs on inside a line of text
// (so "a<b>b</b>" reads "ab"); other elements and unknown ones separate
// words.
func inlineElement(a atom.Atom) bool {
	switch a {
	case atom.A, atom.Abbr, atom.B, atom.Bdi, atom.Bdo, atom.Cite, atom.Code, atom.Data, atom.Del,
		atom.Dfn, atom.Em, atom.Font, atom.I, atom.Ins, atom.Kbd, atom.Mark, atom.Q, atom.S,
		atom.Samp, atom.Small, atom.Span, atom.Strike, atom.Strong, atom.Sub, atom.Sup, atom.Time,
		atom.Tt, atom.U, atom.Var, atom.Wbr, atom.Blink:
		return true
	}
	return false
}

// textLine returns plain text cleaned and on one line.
func textLine(s string) string {
	return oneLine(khabar.CleanText(s))
}

// oneLine folds runs of ASCII white space to one space and trims them
// from the ends; other spaces (no-break, en, em, thin) are the
// publisher's and stay.
func oneLine(s string) string { return xmltext.FoldSpace(s, false) }

// excerpt is khabar.Excerpt with the same shortcut as plainLine.
func excerpt(s string, max int) string {
	if !strings.ContainsAny(s, "<&") {
		return khabar.Truncate(oneLine(khabar.CleanText(s)), max)
	}
	return khabar.Excerpt(s, max)
}

// textToHTML escapes plain text and turns its blank-line separated
// paragraphs into <p> elements.
func textToHTML(s string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			b.WriteString("<p>")
			b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
			b.WriteString("</p>")
		}
	}
	return b.String()
}
