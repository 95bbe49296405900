package htmlsafe

import (
	"strings"
	"testing"
)

// TestNameTable checks the name table against the sets it is built from,
// on their names and on names near them.
func TestNameTable(t *testing.T) {
	names := map[string]bool{"": true, "data-": true, "data-x": true, "style": true, "ping": true, "on": true, "onclick": true}
	for _, m := range []map[string]bool{acceptableElements, droppedWithContent, acceptableAttrs, urlAttrs} {
		for n := range m {
			for _, v := range []string{n, strings.ToUpper(n), n + "x", n[:len(n)-1], "x" + n} {
				names[v] = true
			}
		}
	}
	for n := range names {
		if got, want := acceptableElement(n), acceptableElements[n]; got != want {
			t.Errorf("acceptableElement(%q) = %v, want %v", n, got, want)
		}
		if got, want := lookupName(n)&flagElemDropped != 0, droppedWithContent[n]; got != want {
			t.Errorf("dropped(%q) = %v, want %v", n, got, want)
		}
		if got, want := urlAttr(n), urlAttrs[n]; got != want {
			t.Errorf("urlAttr(%q) = %v, want %v", n, got, want)
		}
		if got, want := attrOK(n), acceptableAttrs[n] || strings.HasPrefix(n, "data-") && len(n) > 5; got != want {
			t.Errorf("attrOK(%q) = %v, want %v", n, got, want)
		}
	}
	// Lookups stay short: no name is far from its hash's slot.
	for h, e := range nameTable {
		if e.name == "" {
			continue
		}
		if d := (uint32(h) - nameHash(e.name)) & (1<<nameTableBits - 1); d > 4 {
			t.Errorf("%q is %d slots from its hash", e.name, d)
		}
	}
}
