package feed

import (
	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/xmltext"
)

const atomNS = "http://www.w3.org/2005/Atom"

// appendAtomHead appends everything before the first entry.
func (r *Renderer) appendAtomHead(b []byte, p *Page) []byte {
	s := r.s
	b = append(b, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<feed xmlns="`+atomNS+`"`...)
	b = appendAttrPair(b, "xml:lang", s.Language, xmltext.Check)
	b = append(b, ">\n<id>"...)
	b = xmltext.AppendText(b, r.feedID(p.Key), xmltext.Check)
	b = append(b, "</id>\n"...)
	b = append(b, `<title type="text">`...)
	b = xmltext.AppendText(b, p.Title, xmltext.Check)
	b = append(b, "</title>\n"...)
	b = append(b, `<subtitle type="text">`...)
	b = xmltext.AppendText(b, s.Description, xmltext.Check)
	b = append(b, "</subtitle>\n<updated>"...)
	b = appendDate3339(b, p.Updated, s.Location)
	b = append(b, "</updated>\n"...)
	b = append(b, `<link rel="alternate" type="text/html"`...)
	b = appendAttrPair(b, "href", r.PageURL(p.Key), xmltext.Check)
	b = append(b, "/>\n"...)
	b = r.appendAtomLinks(b, "link", p, Atom)
	b = r.appendAtomPerson(b, "author", r.feedAuthor(p), p.Author != nil)
	b = appendElem(b, "generator", s.Generator, xmltext.Check)
	if s.Icon != "" {
		b = appendElem(b, "icon", khabar.URI(s.Icon), xmltext.Check)
	}
	if s.Copyright != "" {
		b = append(b, `<rights type="text">`...)
		b = xmltext.AppendText(b, s.Copyright, xmltext.Check)
		b = append(b, "</rights>\n"...)
	}
	return b
}

// appendAtomPerson appends an Atom person construct. Emails are not
// published. archive says to link to the site's author page when the author
// has no URL.
func (r *Renderer) appendAtomPerson(b []byte, elem string, a khabar.Author, archive bool) []byte {
	b = append(b, '<')
	b = append(b, elem...)
	b = append(b, ">\n"...)
	b = appendElem(b, "name", a.Name, xmltext.Check)
	switch {
	case a.URL != "":
		b = appendElem(b, "uri", khabar.URI(a.URL), xmltext.Check)
	case archive:
		b = append(b, "<uri>"...)
		b = r.s.appendAuthorURL(b, a, xmltext.AppendText)
		b = append(b, "</uri>\n"...)
	}
	b = append(b, "</"...)
	b = append(b, elem...)
	return append(b, ">\n"...)
}

func (r *Renderer) appendAtomEntry(b []byte, a *khabar.Article, bd *bodyRef) []byte {
	s := r.s
	b = append(b, "<entry"...)
	if a.Language != "" && a.Language != s.Language {
		b = appendAttrPair(b, "xml:lang", a.Language, xmltext.Trusted)
	}
	b = append(b, ">\n<id>"...)
	b = r.appendGUID(b, a, "&amp;")
	b = append(b, "</id>\n"...)
	b = append(b, `<title type="text">`...)
	b = xmltext.AppendText(b, itemTitle(a), xmltext.Trusted)
	b = append(b, "</title>\n"...)
	b = append(b, `<link rel="alternate" type="text/html" href="`...)
	urlAt := len(b)
	b = xmltext.AppendURI(b, a.URL, "&amp;")
	urlEnd := len(b) // b[urlAt:urlEnd] is a.URL escaped, copied for xml:base
	b = append(b, "\"/>\n<published>"...)
	pubAt := len(b)
	b = appendDate3339(b, a.Published, s.Location)
	pubEnd := len(b)
	b = append(b, "</published>\n<updated>"...)
	if up := a.LastModified(); up != a.Published {
		b = appendDate3339(b, up, s.Location)
	} else {
		b = append(b, b[pubAt:pubEnd]...) // the same time.Time, written above
	}
	b = append(b, "</updated>\n"...)
	for _, au := range a.Authors {
		b = r.appendAtomPerson(b, "author", au, true)
	}
	for i := range a.Categories {
		c := &a.Categories[i]
		b = append(b, `<category term="`...)
		termAt := len(b)
		b = xmltext.AppendAttr(b, c.Name, xmltext.Trusted)
		termEnd := len(b)
		b = append(b, '"')
		b = append(b, s.catScheme...)
		b = append(b, ` label="`...)
		if c.Parent != nil {
			b = appendLabelAttr(b, c.Parent)
			b = append(b, " › "...)
		}
		b = append(b, b[termAt:termEnd]...) // the label ends with the term
		b = append(b, '"')
		b = append(b, "/>\n"...)
	}
	for _, t := range a.Tags {
		b = append(b, "<category"...)
		b = appendAttrPair(b, "term", t.Name, xmltext.Trusted)
		b = append(b, s.tagScheme...)
		b = append(b, "/>\n"...)
	}
	if sum := summary(a); sum != "" {
		b = append(b, `<summary type="text">`...)
		b = xmltext.AppendText(b, sum, xmltext.Trusted)
		b = append(b, "</summary>\n"...)
	}
	if !bd.none(a) {
		mark := len(b)
		b = append(b, `<content type="html"`...)
		b = append(b, ` xml:base="`...)
		b = append(b, b[urlAt:urlEnd]...)
		b = append(b, '"')
		b = append(b, '>')
		b = r.appendBodyCDATA(b, mark, a, bd, "</content>\n") // the same HTML text as escaping, copied instead
	}
	if im := a.Image; im != nil {
		b = append(b, `<link rel="enclosure"`...)
		if typ := imageType(im); typ != "" {
			b = appendAttrPair(b, "type", typ, xmltext.Trusted)
		}
		if im.Length > 0 {
			b = append(b, ` length="`...)
			b = appendInt(b, im.Length)
			b = append(b, '"')
		}
		b = append(b, ` href="`...)
		b = xmltext.AppendURI(b, im.URL, "&amp;") // khabar.URI escaped as an attribute
		b = append(b, '"')
		b = append(b, "/>\n"...)
	}
	return append(b, "</entry>\n"...)
}

// appendLabelAttr appends c.Label() escaped as an attribute value, one
// name at a time: the separator needs no escaping, so the escaped label
// is the escaped names joined by it. c's names must be clean.
func appendLabelAttr(b []byte, c *khabar.Category) []byte {
	if c.Parent != nil {
		b = appendLabelAttr(b, c.Parent)
		b = append(b, " › "...)
	}
	return xmltext.AppendAttr(b, c.Name, xmltext.Trusted)
}
