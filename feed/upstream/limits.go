package upstream

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/khabar/khabar"
)

// The limits stage bounds what one document can make a Parser hold. gofeed
// builds every item of the document it is given, hundreds of bytes for an
// element of a few, so the items over MaxItems are cut from the document
// before it sees them; the fields of each item are bounded as they are
// translated.

// Defaults of the Parser limits whose zero value means "default".
const (
	// DefaultMaxItems is the most items read from one document. Real
	// feeds carry tens of items, archives and podcasts a few thousand.
	DefaultMaxItems = 10000
	// DefaultMaxItemErrors is the most item problems a *ParseError lists.
	DefaultMaxItemErrors = 1000
)

// Fixed limits on the text of one item. An item over one keeps what fits
// and is reported with an *ItemError wrapping a *LimitError.
const (
	// MaxTitleRunes bounds a title, in grapheme clusters; a longer one is
	// cut (khabar.Truncate).
	MaxTitleRunes = 1000
	// MaxContentBytes bounds an item's body before sanitizing; a longer
	// one is cut at a character boundary.
	MaxContentBytes = 1 << 20
	// MaxURLBytes bounds a link or image URL; a longer one is not used.
	MaxURLBytes = 4096
)

// maxItemArray is the most elements of one array in a JSON Feed item
// (tags, authors, attachments) given to gofeed: one more than the largest
// of the khabar limits, so that going over one is still seen.
const maxItemArray = khabar.MaxTags + 1

// ErrLimit is wrapped by *LimitError.
var ErrLimit = errors.New("upstream: limit exceeded")

// LimitError says that a document or an item went over one of this
// package's or khabar's limits; what fits was read. It wraps ErrLimit.
type LimitError struct {
	// Limit names the limit: "MaxItems", "MaxAuthors", "MaxCategories",
	// "MaxTags", "MaxTitleRunes", "MaxContentBytes", "MaxURLBytes",
	// "MaxItemElements" or "MaxElements".
	Limit string
	// Value is the limit's value.
	Value int
}

// Error describes the problem.
func (e *LimitError) Error() string {
	return fmt.Sprintf("upstream: more than %s (%d)", e.Limit, e.Value)
}

// Unwrap returns ErrLimit.
func (e *LimitError) Unwrap() error { return ErrLimit }

func (p *Parser) maxItems() int {
	if p.MaxItems > 0 {
		return p.MaxItems
	}
	return DefaultMaxItems
}

func (p *Parser) maxItemErrors() int {
	if p.MaxItemErrors > 0 {
		return p.MaxItemErrors
	}
	return DefaultMaxItemErrors
}

// addItem records an item problem, or only counts it once max are listed.
func (e *ParseError) addItem(ie *ItemError) {
	if len(e.Items) >= cmp.Or(e.max, DefaultMaxItemErrors) {
		e.Omitted++
		return
	}
	e.Items = append(e.Items, ie)
}

// addDoc records a document-level problem next to any already recorded.
func (e *ParseError) addDoc(err error) {
	if e.Err == nil {
		e.Err = err
	} else {
		e.Err = fmt.Errorf("%w; %w", e.Err, err)
	}
}

// cutItems returns data with its items over max cut out, and whether it
// cut any items. An XML document keeps what follows its last item (closing
// tags); a JSON Feed keeps its other members, and each array of its items
// keeps at most maxItemArray elements.
func cutItems(data []byte, max int) ([]byte, bool) {
	switch firstByte(data) {
	case '<':
		// A cheap bound first: every item's start tag names it, in any
		// letter case (gofeed reads <Item> as an item).
		if countFold(data, "item")+countFold(data, "entry") <= max {
			return data, false
		}
		return cutXMLItems(data, max)
	case '{':
		if bytes.Count(data, []byte(",")) < min(max, maxItemArray) {
			return data, false
		}
		return cutJSONItems(data, max)
	}
	return data, false
}

// countFold counts the occurrences of word (lower-case ASCII) in data in
// any letter case.
func countFold(data []byte, word string) int {
	n := 0
	for i := 0; i+len(word) <= len(data); i++ {
		if data[i]|0x20 == word[0] && bytes.EqualFold(data[i:i+len(word)], []byte(word)) {
			n++
			i += len(word) - 1
		}
	}
	return n
}

// cutXMLItems cuts the item and entry elements (any prefix, any letter
// case) after the
// first max. What follows the last item's end is kept unless an item
// starts in it; a document cut short is left to repairXML.
func cutXMLItems(data []byte, max int) ([]byte, bool) {
	s := tagScanner{data: data}
	n, cut, lastEnd, lastStart := 0, -1, -1, -1
	for {
		tag, off, ok := s.next()
		if !ok {
			break
		}
		name, closing := tagName(tag)
		if !isItem(string(localName(name))) {
			continue
		}
		switch {
		case closing:
			lastEnd = off + len(tag)
		case bytes.HasSuffix(tag, []byte("/>")):
			lastStart, lastEnd = off, off+len(tag)
			n++
		default:
			lastStart = off
			n++
		}
		if n == max+1 && cut < 0 {
			cut = off
		}
	}
	if cut < 0 {
		return data, false
	}
	out := append([]byte(nil), data[:cut]...)
	if lastEnd >= cut && lastStart < lastEnd {
		out = append(out, data[lastEnd:]...)
	}
	return out, true
}

// cutJSONItems cuts a JSON Feed's items after the first max, and each
// array member of a kept item after maxItemArray elements. It reads only
// the document's structure; a document it cannot follow is returned as it
// is (or cut where it stops making sense) for gofeed and repairJSON to
// judge. cut says whether items were cut.
func cutJSONItems(data []byte, max int) (_ []byte, cut bool) {
	var out []byte
	from := 0 // data[from:] is still to be copied to out
	keep := func(to, resume int) {
		out = append(out, data[from:to]...)
		from = resume
	}
	i := bytes.IndexByte(data, '{') + 1
	for {
		key, v, ok := jsonMember(data, i)
		if !ok {
			break
		}
		end := jsonValueEnd(data, v)
		if key == "items" && data[v] == '[' {
			n, prev := 0, v+1
			jsonElements(data, v, func(start, stop int) bool {
				if n++; n > max {
					cut = true
					keep(prev, end-1) // end-1 is the array's ']'
					if end < 0 {
						from = len(data)
					}
					return false
				}
				if data[start] == '{' {
					cutItemArrays(data, start, keep)
				}
				prev = stop
				return true
			})
		}
		if end < 0 {
			break
		}
		i = end
	}
	if out == nil {
		return data, false
	}
	return append(out, data[from:]...), cut
}

// cutItemArrays cuts the arrays among the members of the object at start
// after maxItemArray elements.
func cutItemArrays(data []byte, start int, keep func(to, resume int)) {
	for i := start + 1; ; {
		_, v, ok := jsonMember(data, i)
		if !ok {
			return
		}
		end := jsonValueEnd(data, v)
		if data[v] == '[' && end > 0 {
			n, prev := 0, v+1
			jsonElements(data, v, func(_, stop int) bool {
				if n++; n > maxItemArray {
					keep(prev, end-1)
					return false
				}
				prev = stop
				return true
			})
		}
		if end < 0 {
			return
		}
		i = end
	}
}

// The structure of a JSON document, read without decoding it. Offsets past
// the end (an unterminated value) are -1.

// jsonSpace returns the offset of the first byte at or after i that is
// not white space.
func jsonSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}

// jsonMember reads the object member after offset i (past the '{' or a
// member's value): its key and the offset of its value. ok is false at
// the object's end or where the structure breaks.
func jsonMember(data []byte, i int) (key string, value int, ok bool) {
	i = jsonSpace(data, i)
	if i < len(data) && data[i] == ',' {
		i = jsonSpace(data, i+1)
	}
	if i >= len(data) || data[i] != '"' {
		return "", 0, false
	}
	end := jsonValueEnd(data, i)
	if end < 0 {
		return "", 0, false
	}
	raw := data[i:end]
	if bytes.IndexByte(raw, '\\') < 0 {
		key = string(raw[1 : len(raw)-1])
	} else if json.Unmarshal(raw, &key) != nil {
		return "", 0, false
	}
	i = jsonSpace(data, end)
	if i >= len(data) || data[i] != ':' {
		return "", 0, false
	}
	i = jsonSpace(data, i+1)
	return key, i, i < len(data)
}

// jsonElements calls f with the bounds of each element of the array at
// start, in order, until f returns false or the array ends.
func jsonElements(data []byte, start int, f func(start, end int) bool) {
	for i := start + 1; ; {
		i = jsonSpace(data, i)
		if i < len(data) && data[i] == ',' {
			i = jsonSpace(data, i+1)
		}
		if i >= len(data) || data[i] == ']' {
			return
		}
		end := jsonValueEnd(data, i)
		if end < 0 || !f(i, end) {
			return
		}
		i = end
	}
}

// jsonValueEnd returns the offset just past the value starting at i, or
// -1 when the document ends first.
func jsonValueEnd(data []byte, i int) int {
	depth := 0
	for ; i < len(data); i++ {
		switch c := data[i]; c {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
			if i >= len(data) {
				return -1
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\r', '\n':
			if depth == 0 {
				return i
			}
		}
	}
	if depth == 0 {
		return len(data)
	}
	return -1
}

// cutUTF8 returns the longest start of s of at most max bytes that does
// not end inside a character.
func cutUTF8(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}
