package upstream

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// maxRepairs bounds how many broken items repairXML cuts out of one
// document before it gives up on the rest, and repairBudget how many bytes
// its rescans may tokenize in all (each cut rescans the document), so that
// a large document full of broken items costs a few parses, not dozens.
const (
	maxRepairs   = 64
	repairBudget = 64 << 20
)

// xmlScan is what one pass of the tokenizer learned about a document.
type xmlScan struct {
	err       error // nil: the document tokenizes to the end
	truncated bool  // the document ended inside an element
	// itemStart is the offset of the "<" of the item the error is in, or
	// -1; itemName is its raw tag name; itemIndex its position.
	itemStart int
	itemName  string
	itemIndex int
	errOff    int
	// keep is the offset up to which the document is kept when it cannot
	// be repaired further, and open the raw names of the elements still
	// open there.
	keep int
	open []string
}

func isItem(local string) bool {
	return strings.EqualFold(local, "item") || strings.EqualFold(local, "entry")
}

// rawName returns the tag name written after the "<" at data[off],
// prefix included.
func rawName(data []byte, off int) string {
	if off >= len(data) || data[off] != '<' {
		return ""
	}
	name, _ := tagName(data[off:])
	return string(name)
}

func scanXML(data []byte) xmlScan {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	s := xmlScan{itemStart: -1, keep: -1}
	var stack []string
	items := 0
	lastEnd, lastEndOpen := 0, []string(nil)
	for {
		start := int(d.InputOffset())
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF && len(stack) == 0 {
				return xmlScan{}
			}
			s.err = err
			s.errOff = int(d.InputOffset())
			var se *xml.SyntaxError
			s.truncated = err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) ||
				(errors.As(err, &se) && strings.Contains(se.Msg, "unexpected EOF"))
			if s.keep < 0 {
				s.keep, s.open = lastEnd, lastEndOpen
			}
			return s
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := rawName(data, start)
			if name == "" {
				name = t.Name.Local
			}
			if isItem(t.Name.Local) {
				if s.keep < 0 {
					s.keep, s.open = start, append([]string(nil), stack...)
				}
				s.itemStart, s.itemName, s.itemIndex = start, name, items
				items++
			}
			stack = append(stack, name)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			end := int(d.InputOffset())
			if isItem(t.Name.Local) {
				s.itemStart = -1
				s.keep, s.open = end, append([]string(nil), stack...)
			} else if s.keep < 0 {
				lastEnd, lastEndOpen = end, append([]string(nil), stack...)
			}
		}
	}
}

// repairXML makes a document gofeed rejected parseable: each item holding
// an XML error is cut out (its index is returned in dropped), and a
// document that ends early, or breaks outside any item, is cut after its
// last complete item and closed. docErr is ErrTruncated or ErrMalformed
// when something beyond single items was lost. ok is false when the
// tokenizer finds nothing to repair.
func repairXML(data []byte) (fixed []byte, dropped []int, docErr error, ok bool) {
	scanned := 0
	for repairs := 0; ; repairs++ {
		s := scanXML(data)
		scanned += len(data)
		if s.err == nil {
			return data, dropped, nil, len(dropped) > 0
		}
		if !s.truncated && s.itemStart >= 0 && repairs < maxRepairs && scanned+len(data) <= repairBudget {
			if next := nextItem(data, s.errOff, s.itemName); next > s.itemStart {
				dropped = append(dropped, s.itemIndex+len(dropped))
				spliced := make([]byte, 0, len(data)-(next-s.itemStart))
				spliced = append(spliced, data[:s.itemStart]...)
				data = append(spliced, data[next:]...)
				continue
			}
		}
		if s.keep <= 0 {
			return nil, dropped, nil, false
		}
		docErr = ErrMalformed
		if s.truncated {
			docErr = ErrTruncated
		}
		if s.itemStart >= 0 && !s.truncated {
			dropped = append(dropped, s.itemIndex+len(dropped))
		}
		out := make([]byte, 0, s.keep+64)
		out = append(out, data[:s.keep]...)
		for i := len(s.open) - 1; i >= 0; i-- {
			out = append(out, "</"...)
			out = append(out, s.open[i]...)
			out = append(out, '>')
		}
		return out, dropped, docErr, true
	}
}

// nextItem returns the offset of the next "<name" start tag at or after
// off, or -1.
func nextItem(data []byte, off int, name string) int {
	pat := []byte("<" + name)
	for off < len(data) {
		i := bytes.Index(data[off:], pat)
		if i < 0 {
			return -1
		}
		j := off + i + len(pat)
		if j < len(data) && nameEnd(data[j]) {
			return off + i
		}
		off = j
	}
	return -1
}

// repairJSON keeps the complete members of a JSON Feed that ends early or
// breaks: top-level members before the break and every item decoded
// before it.
func repairJSON(data []byte) (fixed []byte, docErr error, ok bool) {
	d := json.NewDecoder(bytes.NewReader(data))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, false
	}
	top := map[string]json.RawMessage{}
	var items []json.RawMessage
	var err error
loop:
	for d.More() {
		var t json.Token
		if t, err = d.Token(); err != nil {
			break
		}
		key, _ := t.(string)
		if key != "items" {
			var v json.RawMessage
			if err = d.Decode(&v); err != nil {
				break
			}
			top[key] = v
			continue
		}
		var t2 json.Token
		if t2, err = d.Token(); err != nil {
			break
		}
		if t2 != json.Delim('[') {
			var v json.RawMessage
			if err = d.Decode(&v); err != nil {
				break
			}
			continue // not an array: gofeed will say what is wrong
		}
		for d.More() {
			var v json.RawMessage
			if err = d.Decode(&v); err != nil {
				break loop
			}
			items = append(items, v)
		}
		if _, err = d.Token(); err != nil {
			break
		}
	}
	if err == nil {
		if _, err = d.Token(); err == nil {
			if _, err = d.Token(); err == io.EOF {
				return nil, nil, false // the syntax is fine: nothing to repair
			}
		}
	}
	docErr = ErrMalformed
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		docErr = ErrTruncated
	}
	if items == nil {
		items = []json.RawMessage{}
	}
	raw, err := json.Marshal(items)
	if err != nil {
		return nil, nil, false
	}
	top["items"] = raw
	out, err := json.Marshal(top)
	if err != nil {
		return nil, nil, false
	}
	return out, docErr, true
}
