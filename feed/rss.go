package feed

import (
	"html"
	"strings"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/xmltext"
)

const rssHead = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
<channel>
`

// appendRSSHead appends everything before the first item.
func (r *Renderer) appendRSSHead(b []byte, p *Page) []byte {
	s := r.s
	b = append(b, rssHead...)
	b = appendElem(b, "title", p.Title, xmltext.Check)
	link := r.PageURL(p.Key)
	b = appendElem(b, "link", link, xmltext.Check)
	b = appendElem(b, "description", s.Description, xmltext.Check)
	b = appendElem(b, "language", s.Language, xmltext.Check)
	if s.Copyright != "" {
		b = appendElem(b, "copyright", s.Copyright, xmltext.Check)
	}
	b = append(b, "<lastBuildDate>"...)
	b = appendDate822(b, p.Updated, s.Location)
	b = append(b, "</lastBuildDate>\n"...)
	b = appendElem(b, "generator", s.Generator, xmltext.Check)
	if s.TTL > 0 {
		b = append(b, "<ttl>"...)
		b = appendInt(b, int64(max(1, s.TTL.Minutes())))
		b = append(b, "</ttl>\n"...)
	}
	if s.Icon != "" {
		b = append(b, "<image>\n"...)
		b = appendElem(b, "url", khabar.URI(s.Icon), xmltext.Check)
		b = appendElem(b, "title", p.Title, xmltext.Check) // must match the channel's
		b = appendElem(b, "link", link, xmltext.Check)
		b = append(b, "</image>\n"...)
	}
	return r.appendAtomLinks(b, "atom:link", p, RSS)
}

// appendAtomLinks appends the self, hub and paging links, as atom:link in
// RSS (elem "atom:link") or link in Atom.
func (r *Renderer) appendAtomLinks(b []byte, elem string, p *Page, f Format) []byte {
	link := func(b []byte, rel, href string) []byte {
		b = append(b, '<')
		b = append(b, elem...)
		b = appendAttrPair(b, "rel", rel, xmltext.Check)
		b = appendAttrPair(b, "href", href, xmltext.Check)
		if rel != "hub" {
			b = appendAttrPair(b, "type", f.MediaType(), xmltext.Check)
		}
		return append(b, "/>\n"...)
	}
	b = link(b, "self", r.FeedURL(p.Key, f, p.Number))
	if r.s.Hub != "" {
		b = link(b, "hub", khabar.URI(r.s.Hub))
	}
	for _, l := range navLinks(p) {
		b = link(b, l.rel, r.FeedURL(p.Key, f, l.n))
	}
	return b
}

func (r *Renderer) appendRSSItem(b []byte, a *khabar.Article, bd *bodyRef) []byte {
	s := r.s
	b = append(b, "<item>\n"...)
	b = appendElem(b, "title", itemTitle(a), xmltext.Trusted)
	b = append(b, "<link>"...)
	b = xmltext.AppendURI(b, a.URL, "&amp;")
	b = append(b, "</link>\n"...)
	b = append(b, `<guid isPermaLink="false">`...)
	b = r.appendGUID(b, a, "&amp;")
	b = append(b, "</guid>\n<pubDate>"...)
	b = appendDate822(b, a.Published, s.Location)
	b = append(b, "</pubDate>\n"...)
	for _, au := range a.Authors {
		b = appendElem(b, "dc:creator", au.Name, xmltext.Trusted)
	}
	for i := range a.Categories {
		b = append(b, "<category"...)
		b = append(b, s.catDomain...)
		b = append(b, '>')
		b = xmltext.AppendText(b, a.Categories[i].Name, xmltext.Trusted)
		b = append(b, "</category>\n"...)
	}
	for _, t := range a.Tags {
		b = append(b, "<category"...)
		b = append(b, s.tagDomain...)
		b = append(b, '>')
		b = xmltext.AppendText(b, t.Name, xmltext.Trusted)
		b = append(b, "</category>\n"...)
	}
	if sum := summary(a); sum != "" {
		// RSS readers (and the W3C validator) read description as HTML;
		// the summary is plain text, so its <, > and & are escaped for
		// HTML before they are escaped for XML.
		if strings.IndexByte(sum, '<') >= 0 || strings.IndexByte(sum, '>') >= 0 || strings.IndexByte(sum, '&') >= 0 {
			sum = html.EscapeString(sum)
		}
		b = appendElem(b, "description", sum, xmltext.Trusted)
	}
	if !bd.none(a) {
		// CDATA, as WordPress writes it: the body is copied, not escaped.
		mark := len(b)
		b = append(b, "<content:encoded>"...)
		b = r.appendBodyCDATA(b, mark, a, bd, "</content:encoded>\n")
	}
	if a.Image != nil {
		b = appendRSSImage(b, a.Image)
	}
	if src := a.Source; src != nil {
		b = append(b, "<source"...)
		b = appendAttrPair(b, "url", khabar.URI(src.FeedURL), xmltext.Trusted)
		b = append(b, '>')
		t := src.Title
		if t == "" {
			t = src.FeedURL
		}
		b = xmltext.AppendText(b, t, xmltext.Trusted)
		b = append(b, "</source>\n"...)
	}
	return append(b, "</item>\n"...)
}

// appendRSSImage appends an item's image as an enclosure (when its length
// and type are known: RSS requires both), a media:content with its caption
// and a media:thumbnail.
func appendRSSImage(b []byte, im *khabar.Image) []byte {
	// The image's URI is written three times: built once, then copied.
	// In an attribute it needs no escaping but its "&"s (see appendURI).
	var u []byte
	typ := imageType(im)
	if im.Length > 0 && typ != "" {
		b = append(b, "<enclosure"...)
		b, u = appendURIAttr(b, u, im.URL)
		b = append(b, ` length="`...)
		b = appendInt(b, im.Length)
		b = append(b, '"')
		b = appendAttrPair(b, "type", typ, xmltext.Trusted)
		b = append(b, "/>\n"...)
	}
	b = append(b, "<media:content"...)
	b, u = appendURIAttr(b, u, im.URL)
	b = append(b, ` medium="image"`...)
	if typ != "" {
		b = appendAttrPair(b, "type", typ, xmltext.Trusted)
	}
	b = appendSize(b, im)
	if im.Length > 0 {
		b = append(b, ` fileSize="`...)
		b = appendInt(b, im.Length)
		b = append(b, '"')
	}
	desc := im.Caption
	if desc == "" {
		desc = im.Alt
	}
	if desc != "" {
		b = append(b, ">\n"...)
		b = append(b, `<media:description type="plain">`...)
		b = xmltext.AppendText(b, desc, xmltext.Trusted)
		b = append(b, "</media:description>\n</media:content>\n"...)
	} else {
		b = append(b, "/>\n"...)
	}
	b = append(b, "<media:thumbnail"...)
	b, _ = appendURIAttr(b, u, im.URL)
	b = appendSize(b, im)
	b = append(b, "/>\n"...)
	return b
}

// appendURIAttr appends ` url="…"` with khabar.URI(iri) escaped as an
// attribute value, and returns the extended b and the value as written,
// which a later call with the same iri copies (pass nil the first time).
// The value is a slice of b: it stays valid while b's array is not
// written over, which appending never does.
func appendURIAttr(b, done []byte, iri string) (out, value []byte) {
	b = append(b, ` url="`...)
	if done != nil {
		b = append(b, done...)
		return append(b, '"'), done
	}
	start := len(b)
	b = xmltext.AppendURI(b, iri, "&amp;")
	value = b[start:len(b):len(b)]
	return append(b, '"'), value
}

func appendSize(b []byte, im *khabar.Image) []byte {
	if im.Width > 0 {
		b = append(b, ` width="`...)
		b = appendInt(b, int64(im.Width))
		b = append(b, '"')
	}
	if im.Height > 0 {
		b = append(b, ` height="`...)
		b = appendInt(b, int64(im.Height))
		b = append(b, '"')
	}
	return b
}
