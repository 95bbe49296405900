package feed

import (
	"unsafe"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/htmlsafe"
	"github.com/khabar/khabar/internal/xmltext"
)

// The JSON Feed writer is hand-written rather than built on gorilla/feeds'
// JSONFeed and JSONItem types, which are right for reading (the tests
// decode this package's output with them) but not for writing: Items is
// omitempty, so an empty feed loses its required "items" member; the
// banner image is tagged "banner_"; the deprecated single "author" is
// written next to "authors"; attachment sizes are int32; there is no
// per-item language; and reflection-based encoding is slower.

// JSONFeedVersion is the version URL of the JSON Feed format written.
const JSONFeedVersion = "https://jsonfeed.org/version/1.1"

// appendJSONHead appends everything before the first item: up to and
// including the opening bracket of "items".
func (r *Renderer) appendJSONHead(b []byte, p *Page) []byte {
	s := r.s
	first := true
	b = append(b, "{\n"...)
	str := func(name, v string) {
		b = appendJSONMember(b, "  ", name, &first)
		b = appendJSONString(b, v, xmltext.Check)
	}
	str("version", JSONFeedVersion)
	str("title", p.Title)
	str("home_page_url", r.PageURL(p.Key))
	str("feed_url", r.FeedURL(p.Key, JSON, p.Number))
	str("description", s.Description)
	if p.Number < p.Last {
		str("next_url", r.FeedURL(p.Key, JSON, p.Number+1))
	}
	if s.Icon != "" {
		str("icon", khabar.URI(s.Icon))
	}
	if s.Favicon != "" {
		str("favicon", khabar.URI(s.Favicon))
	}
	str("language", s.Language)
	b = appendJSONMember(b, "  ", "authors", &first)
	b = append(b, '[')
	b = r.appendJSONAuthor(b, r.feedAuthor(p), p.Author != nil)
	b = append(b, ']')
	if s.Hub != "" {
		b = appendJSONMember(b, "  ", "hubs", &first)
		b = append(b, `[{"type": "WebSub", "url": `...)
		b = appendJSONString(b, khabar.URI(s.Hub), xmltext.Check)
		b = append(b, "}]"...)
	}
	b = appendJSONMember(b, "  ", "items", &first)
	if len(p.Items) == 0 {
		return append(b, '[')
	}
	return append(b, "[\n"...)
}

func (r *Renderer) appendJSONAuthor(b []byte, a khabar.Author, archive bool) []byte {
	b = append(b, `{"name": `...)
	b = appendJSONString(b, a.Name, xmltext.Check)
	switch {
	case a.URL != "":
		b = append(b, `, "url": `...)
		b = appendJSONString(b, khabar.URI(a.URL), xmltext.Check)
	case archive:
		b = append(b, `, "url": `...)
		b = append(b, '"')
		b = r.s.appendAuthorURL(b, a, xmltext.AppendJSON)
		b = append(b, '"')
	}
	return append(b, '}')
}

func (r *Renderer) appendJSONItem(b []byte, a *khabar.Article, bd *bodyRef) []byte {
	s := r.s
	const ind = jsonItemIndent
	first := true
	b = append(b, "    {\n"...)
	str := func(name, v string) {
		b = appendJSONMember(b, ind, name, &first)
		b = appendJSONString(b, v, xmltext.Trusted)
	}
	b = appendJSONMember(b, ind, "id", &first)
	b = append(b, '"')
	b = r.appendGUID(b, a, "&")
	b = append(b, '"')
	b = appendJSONMember(b, ind, "url", &first)
	b = append(b, '"')
	b = xmltext.AppendURI(b, a.URL, "&")
	b = append(b, '"')
	str("title", itemTitle(a))
	b = r.appendJSONContent(b, a, bd, &first)
	if sum := summary(a); sum != "" {
		str("summary", sum)
	}
	if a.Image != nil {
		b = appendJSONMember(b, ind, "image", &first)
		b = append(b, '"')
		b = xmltext.AppendURI(b, a.Image.URL, "&") // khabar.URI as a JSON string
		b = append(b, '"')
	}
	b = appendJSONMember(b, ind, "date_published", &first)
	b = append(b, '"')
	b = appendDate3339(b, a.Published, s.Location)
	b = append(b, '"')
	if a.Updated.After(a.Published) {
		b = appendJSONMember(b, ind, "date_modified", &first)
		b = append(b, '"')
		b = appendDate3339(b, a.Updated, s.Location)
		b = append(b, '"')
	}
	if len(a.Authors) > 0 {
		b = appendJSONMember(b, ind, "authors", &first)
		b = append(b, '[')
		for i, au := range a.Authors {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = r.appendJSONAuthor(b, au, true)
		}
		b = append(b, ']')
	}
	var tagBuf [16]string
	if tags := itemTags(tagBuf[:0], a); len(tags) > 0 {
		b = appendJSONMember(b, ind, "tags", &first)
		b = append(b, '[')
		for i, t := range tags {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendJSONString(b, t, xmltext.Trusted)
		}
		b = append(b, ']')
	}
	if a.Language != "" {
		str("language", a.Language)
	}
	return append(b, "\n    }"...)
}

// jsonItemIndent is the indent of a JSON item's members.
const jsonItemIndent = "      "

// appendJSONContent appends the item's content_html member with bd's body
// (filtered first when bd does not know it yet), or content_text when the
// body is empty: JSON Feed requires one of them. It records in bd where
// the body is: a body filtered here, or one the cache must not keep where
// it is (an older snapshot's run, a string of its own), is kept as its
// escaped run of the item.
func (r *Renderer) appendJSONContent(b []byte, a *khabar.Article, bd *bodyRef, first *bool) []byte {
	bd.at = -1
	body, escaped, fresh := bd.s, bd.json, false
	var sp *[]byte
	switch {
	case bd.known:
	case a.ContentHTML == "" || r.s.ContentPolicy == RawContent:
		body = a.ContentHTML
	default:
		sp = getScratch()
		out, same := htmlsafe.Outgoing.AppendSanitized((*sp)[:0], a.ContentHTML, a.URL)
		*sp = out
		switch {
		case same:
			body = a.ContentHTML
		case len(out) == 0:
			body = ""
		default:
			body, fresh = unsafe.String(&out[0], len(out)), true
		}
	}
	if body == "" {
		putScratch(sp)
		bd.s, bd.known, bd.json, bd.own, bd.foreign = "", true, false, false, false
		text := summary(a)
		if text == "" {
			text = itemTitle(a)
		}
		b = appendJSONMember(b, jsonItemIndent, "content_text", first)
		return appendJSONString(b, text, xmltext.Trusted)
	}
	b = appendJSONMember(b, jsonItemIndent, "content_html", first)
	b = append(b, '"')
	start := len(b)
	if escaped {
		b = append(b, body...)
	} else {
		b = xmltext.AppendJSON(b, body, xmltext.Trusted)
	}
	putScratch(sp)
	switch {
	case !bd.known && !fresh:
		bd.s = body // a's own ContentHTML
	case fresh || bd.foreign || bd.own:
		bd.s = unsafe.String(&b[start], len(b)-start) // for its length; body re-slices
		bd.at, bd.json, bd.own, bd.foreign = start, true, false, false
	}
	bd.known = true
	return append(b, '"')
}

// itemTags appends to out the names of a's categories then tags, without
// duplicates: JSON Feed has one flat list of tags. Short lists (every
// article the catalog holds) are searched; a longer one, which only a
// hand-built Page can carry, goes through a set, so that the cost stays
// linear.
func itemTags(out []string, a *khabar.Article) []string {
	var seen map[string]bool
	add := func(n string) {
		if seen == nil && len(out) > 16 {
			seen = make(map[string]bool, cap(out))
			for _, o := range out {
				seen[o] = true
			}
		}
		if seen != nil {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
			return
		}
		for _, o := range out {
			if o == n {
				return
			}
		}
		out = append(out, n)
	}
	for i := range a.Categories {
		add(a.Categories[i].Name)
	}
	for _, t := range a.Tags {
		add(t.Name)
	}
	return out
}
