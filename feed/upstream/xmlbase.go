package upstream

import (
	"bytes"
	"html"
	"iter"
	"net/url"
	"strings"
)

// gofeed applies xml:base to Atom content but, in RSS, only to <link>:
// descriptions, content:encoded, enclosures and media elements are left
// relative. rssItemBases finds the xml:base in scope for each item so that
// those resolve against it (before the item link and the feed URL).

// rssItemBases returns, for each <item> of an RSS document in document
// order, the base URL its xml:base attributes give — on the root element,
// the channel and the item itself, each resolved against the one around
// it and the outermost against docBase — or nil where none is in scope.
// It returns nil when the document has no xml:base at all. Comments,
// CDATA sections and processing instructions are skipped; a document cut
// short yields the items seen.
func rssItemBases(data []byte, docBase *url.URL) []*url.URL {
	if !bytes.Contains(data, []byte("xml:base")) {
		return nil
	}
	var (
		out   []*url.URL
		stack []*url.URL // the base in scope inside each open rss, RDF or channel element
		any   bool
	)
	cur := func() *url.URL {
		if n := len(stack); n > 0 {
			return stack[n-1]
		}
		return nil
	}
	within := func(attr string, outer *url.URL) *url.URL {
		if attr == "" {
			return outer
		}
		ref := outer
		if ref == nil {
			ref = docBase
		}
		if u := absHTTP(resolve(attr, ref)); u != nil {
			any = true
			return u
		}
		return outer
	}
	for tag := range tags(data) {
		name, closing := tagName(tag)
		switch name {
		case "rss", "RDF", "channel":
			switch {
			case closing:
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			case !bytes.HasSuffix(tag, []byte("/>")):
				stack = append(stack, within(attrValue(tag, "xml:base"), cur()))
			}
		case "item":
			if !closing {
				out = append(out, within(attrValue(tag, "xml:base"), cur()))
			}
		}
	}
	if !any {
		return nil
	}
	return out
}

// tags yields each start, end or empty-element tag of an XML document in
// order, passing over comments, CDATA sections, DOCTYPEs and processing
// instructions; it stops at the first one left unclosed.
func tags(data []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for i := 0; i < len(data); {
			j := bytes.IndexByte(data[i:], '<')
			if j < 0 {
				return
			}
			i += j
			rest := data[i:]
			if skip := skipMarkup(rest); skip != 0 {
				if skip < 0 {
					return
				}
				i += skip
				continue
			}
			end := tagEnd(rest)
			if end < 0 {
				return
			}
			i += end + 1
			if !yield(rest[:end+1]) {
				return
			}
		}
	}
}

// skipMarkup returns how many bytes the comment, CDATA section, DOCTYPE
// or processing instruction at the start of s spans, 0 when s starts with
// none, and -1 when it is not closed.
func skipMarkup(s []byte) int {
	var open, close string
	switch {
	case bytes.HasPrefix(s, []byte("<![CDATA[")):
		open, close = "<![CDATA[", "]]>"
	case bytes.HasPrefix(s, []byte("<!--")):
		open, close = "<!--", "-->"
	case bytes.HasPrefix(s, []byte("<?")):
		open, close = "<?", "?>"
	case bytes.HasPrefix(s, []byte("<!")):
		// A DOCTYPE, possibly with an internal subset in brackets.
		depth := 0
		for k := 2; k < len(s); k++ {
			switch s[k] {
			case '[':
				depth++
			case ']':
				depth--
			case '>':
				if depth <= 0 {
					return k + 1
				}
			}
		}
		return -1
	default:
		return 0
	}
	k := bytes.Index(s[len(open):], []byte(close))
	if k < 0 {
		return -1
	}
	return len(open) + k + len(close)
}

// tagEnd returns the offset of the '>' that ends the tag at the start of
// s, skipping quoted attribute values, or -1.
func tagEnd(s []byte) int {
	var quote byte
	for k := 1; k < len(s); k++ {
		c := s[k]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return k
		}
	}
	return -1
}

// tagName returns the local name of the tag (without its prefix) and
// whether it is an end tag.
func tagName(tag []byte) (string, bool) {
	k, closing := 1, false
	if len(tag) > 1 && tag[1] == '/' {
		k, closing = 2, true
	}
	e := bytes.IndexAny(tag[k:], " \t\r\n>/")
	if e < 0 {
		e = len(tag)
	} else {
		e += k
	}
	name := tag[k:e]
	if c := bytes.LastIndexByte(name, ':'); c >= 0 {
		name = name[c+1:]
	}
	return string(name), closing
}

// attrValue returns the unescaped value of the attribute name in tag, or
// "".
func attrValue(tag []byte, name string) string {
	for from := 0; ; {
		k := bytes.Index(tag[from:], []byte(name))
		if k < 0 {
			return ""
		}
		k += from
		from = k + len(name)
		if k == 0 || !isXMLSpace(tag[k-1]) {
			continue
		}
		r := bytes.TrimLeft(tag[from:], " \t\r\n")
		if len(r) == 0 || r[0] != '=' {
			continue
		}
		r = bytes.TrimLeft(r[1:], " \t\r\n")
		if len(r) == 0 || (r[0] != '"' && r[0] != '\'') {
			return ""
		}
		q := bytes.IndexByte(r[1:], r[0])
		if q < 0 {
			return ""
		}
		return html.UnescapeString(string(r[1 : 1+q]))
	}
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// atomTextTitles reports, for each entry of an Atom document in document
// order, whether its title is plain text (type "text", the default, or a
// text/* media type) rather than HTML; and the same for the feed's own
// title. gofeed decodes both kinds into one string and forgets which it
// was, and a text title's "<b>" is text, not a tag. Titles inside an
// entry's <source> are skipped.
func atomTextTitles(data []byte) (feed bool, entries []bool) {
	feed = true
	inEntry, inSource, seenTitle := false, false, false
	for tag := range tags(data) {
		name, closing := tagName(tag)
		switch name {
		case "entry":
			inEntry, seenTitle = !closing, false
			if !closing {
				entries = append(entries, true)
			}
		case "source":
			inSource = !closing && !bytes.HasSuffix(tag, []byte("/>"))
		case "title":
			if closing || inSource || seenTitle || foreignPrefix(tag, "atom") {
				continue // media:title, dc:title and the like are not Atom's
			}
			seenTitle = true
			t := textType(attrValue(tag, "type"))
			if inEntry {
				entries[len(entries)-1] = t
			} else {
				feed = t
			}
		}
	}
	return feed, entries
}

// textType reports whether an Atom text construct's type attribute means
// plain text.
func textType(t string) bool {
	t = strings.ToLower(strings.TrimSpace(t))
	return t == "" || t == "text" || strings.HasPrefix(t, "text/")
}

// foreignPrefix reports whether the tag's name has a prefix other than
// ok.
func foreignPrefix(tag []byte, ok string) bool {
	k := 1
	if len(tag) > 1 && tag[1] == '/' {
		k = 2
	}
	e := bytes.IndexAny(tag[k:], " \t\r\n>/")
	if e < 0 {
		e = len(tag) - k
	}
	name := tag[k : k+e]
	c := bytes.IndexByte(name, ':')
	return c >= 0 && string(name[:c]) != ok
}
