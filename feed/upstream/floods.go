package upstream

import "bytes"

// Limits on how many elements an XML document may hand to gofeed, which
// builds a value (and, for an element in another namespace, a map) for
// every element it reads: a single item holding millions of elements held
// most of a gigabyte. Real items have tens of elements (a few hundred with
// every category and tag), real feeds tens of thousands in all.
const (
	// MaxItemElements is the most elements one item or entry may hold; an
	// item over it is left out of the document, and reported.
	MaxItemElements = 5000
	// MaxElements is the most elements of one document read: what comes
	// after the item in which it is reached is cut, and reported.
	MaxElements = 100000
)

// cutElementFloods returns an XML document without the items that hold
// more than MaxItemElements elements and cut at the item in which the
// document passes MaxElements, with the limit that was hit (nil when none
// was). A document with fewer tags than MaxItemElements is returned as it
// is without being read; one cut short is left to repairXML.
func cutElementFloods(data []byte) ([]byte, *LimitError) {
	if firstByte(data) != '<' || bytes.Count(data, []byte("<")) <= MaxItemElements {
		return data, nil
	}
	var hit *LimitError
	var drop [][2]int // byte ranges of items over MaxItemElements
	s := tagScanner{data: data}
	total, inItem, itemStart, inside, depth := 0, false, 0, 0, 0
	for {
		tag, off, ok := s.next()
		if !ok {
			break
		}
		name, closing := tagName(tag)
		selfClosing := bytes.HasSuffix(tag, []byte("/>"))
		item := func() bool { return isItem(string(localName(name))) }
		if closing {
			if inItem && depth == 0 && item() {
				if inside > MaxItemElements {
					drop = append(drop, [2]int{itemStart, off + len(tag)})
					hit = &LimitError{Limit: "MaxItemElements", Value: MaxItemElements}
				}
				inItem = false
			} else if inItem && depth > 0 {
				depth--
			}
			continue
		}
		if len(name) == 0 || name[0] == '?' || name[0] == '!' {
			continue
		}
		if inItem {
			if inside++; !selfClosing {
				depth++
			}
			if inside > MaxItemElements {
				continue // the item will be left out: its elements cost nothing
			}
		}
		if total++; total > MaxElements {
			cut := off
			if inItem {
				cut = itemStart
			}
			return without(data[:cut], drop), &LimitError{Limit: "MaxElements", Value: MaxElements}
		}
		if !inItem && !selfClosing && item() {
			inItem, itemStart, inside, depth = true, off, 0, 0
		}
	}
	if hit == nil {
		return data, nil
	}
	return without(data, drop), hit
}

// without returns data less the byte ranges in drop (in order, not
// overlapping, each within data).
func without(data []byte, drop [][2]int) []byte {
	if len(drop) == 0 {
		return data
	}
	out := make([]byte, 0, len(data))
	at := 0
	for _, r := range drop {
		if r[0] >= len(data) {
			break
		}
		out = append(out, data[at:r[0]]...)
		at = min(r[1], len(data))
	}
	return append(out, data[at:]...)
}
