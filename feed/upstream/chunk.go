package upstream

import (
	"bytes"
	"net/url"

	"github.com/khabar/khabar"
)

// Large XML documents are parsed in chunks of items: gofeed builds its
// whole result before returning, so on a feed of tens of megabytes its
// items and this package's articles would otherwise be alive at once.
// Each chunk is a small document: everything before the first item (the
// root element, its namespaces and xml:base, the channel metadata), a run
// of items, and everything after the last item (the closing tags).
//
// They are variables so that tests can exercise chunking on small
// documents.
var (
	// chunkThreshold is the document size from which chunking is used.
	chunkThreshold = 4 << 20
	// chunkBytes is about how many bytes of items go into one chunk.
	chunkBytes = 1 << 20
)

// itemBounds returns the [start, end) offsets of the top-level <item> or
// <entry> elements of an XML document, skipping comments, CDATA sections
// and processing instructions. ok is false when the document's structure
// is not what it expects (unbalanced or nested items, other prefixes):
// the caller then parses the document whole.
func itemBounds(data []byte) (bounds [][2]int, ok bool) {
	start := -1
	for i := 0; i < len(data); {
		j := bytes.IndexByte(data[i:], '<')
		if j < 0 {
			break
		}
		i += j
		rest := data[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			k := bytes.Index(rest, []byte("]]>"))
			if k < 0 {
				return nil, false
			}
			i += k + 3
			continue
		case bytes.HasPrefix(rest, []byte("<!--")):
			k := bytes.Index(rest[4:], []byte("-->"))
			if k < 0 {
				return nil, false
			}
			i += 4 + k + 3
			continue
		case bytes.HasPrefix(rest, []byte("<?")):
			k := bytes.Index(rest, []byte("?>"))
			if k < 0 {
				return nil, false
			}
			i += k + 2
			continue
		}
		if name, closing := tagAt(rest); name == "item" || name == "entry" {
			end := bytes.IndexByte(rest, '>')
			if end < 0 {
				return nil, false
			}
			switch {
			case closing:
				if start < 0 {
					return nil, false
				}
				bounds = append(bounds, [2]int{start, i + end + 1})
				start = -1
			case rest[end-1] == '/': // <item/>
				if start >= 0 {
					return nil, false
				}
				bounds = append(bounds, [2]int{i, i + end + 1})
			default:
				if start >= 0 {
					return nil, false // nested or unclosed
				}
				start = i
			}
			i += end + 1
			continue
		}
		i++
	}
	if start >= 0 || len(bounds) == 0 {
		return nil, false
	}
	return bounds, true
}

// tagAt returns the unprefixed name of the tag at the start of s ("<item"
// or "</item"), and whether it is an end tag; "" for prefixed names and
// anything else.
func tagAt(s []byte) (name string, closing bool) {
	i := 1
	if len(s) > 1 && s[1] == '/' {
		closing, i = true, 2
	}
	for _, n := range []string{"item", "entry"} {
		if bytes.HasPrefix(s[i:], []byte(n)) && len(s) > i+len(n) {
			switch s[i+len(n)] {
			case ' ', '\t', '\r', '\n', '>', '/':
				return n, closing
			}
		}
	}
	return "", false
}

// parseChunked parses a large XML document chunk by chunk. ok is false
// when the document cannot be split or a chunk fails; the caller then
// parses it whole (and repairs it if need be).
func (p *Parser) parseChunked(data []byte, feedURL, baseURL string, perr *ParseError) (*Feed, bool) {
	bounds, ok := itemBounds(data)
	if !ok || len(bounds) < 2 {
		return nil, false
	}
	head, tail := data[:bounds[0][0]], data[bounds[len(bounds)-1][1]:]
	var f *Feed
	var base *url.URL
	ds := &docState{}
	buf := make([]byte, 0, len(head)+len(tail)+chunkBytes+chunkBytes/4)
	for first := 0; first < len(bounds); {
		last := first
		for last < len(bounds) && (last == first || bounds[last][1]-bounds[first][0] <= chunkBytes) {
			last++
		}
		buf = append(buf[:0], head...)
		buf = append(buf, data[bounds[first][0]:bounds[last-1][1]]...)
		buf = append(buf, tail...)
		gf, err := parseGofeed(buf)
		if err != nil || len(gf.Items) != last-first {
			return nil, false
		}
		if f == nil {
			f, base = p.feedInfo(gf, feedURL, baseURL)
			f.Articles = make([]*khabar.Article, 0, len(bounds))
			ds.setup(gf, f, data, base)
		}
		p.convertItems(gf, f, base, first, nil, ds, perr)
		first = last
	}
	return f, true
}
