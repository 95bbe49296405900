package htmlsafe

import "strings"

// The Outgoing rules ask of every tag whether its name is an acceptable
// element or one dropped with its content, and of every attribute
// whether it is acceptable and whether it holds a URL. The name table
// answers all four with one lookup: an open-addressing table of the names
// of the four sets (acceptableElements, droppedWithContent,
// acceptableAttrs, urlAttrs), hashed on the length and three bytes of the
// name, so that a lookup is a multiplication and, nearly always, one
// string comparison.

// nameFlags say which of the sets a name is in.
type nameFlags uint8

const (
	flagElemKept    nameFlags = 1 << iota // acceptableElements
	flagElemDropped                       // droppedWithContent
	flagAttrKept                          // acceptableAttrs
	flagAttrURL                           // urlAttrs
)

const nameTableBits = 10

type nameEntry struct {
	name  string
	flags nameFlags
}

var nameTable = buildNameTable()

func buildNameTable() *[1 << nameTableBits]nameEntry {
	t := new([1 << nameTableBits]nameEntry)
	for _, set := range []struct {
		m map[string]bool
		f nameFlags
	}{
		{acceptableElements, flagElemKept},
		{droppedWithContent, flagElemDropped},
		{acceptableAttrs, flagAttrKept},
		{urlAttrs, flagAttrURL},
	} {
		for name := range set.m {
			h := nameHash(name)
			for t[h].name != "" && t[h].name != name {
				h = (h + 1) & (1<<nameTableBits - 1)
			}
			t[h].name = name
			t[h].flags |= set.f
		}
	}
	return t
}

// nameHash hashes a non-empty name on its length, first, middle and last
// bytes.
func nameHash(s string) uint32 {
	n := len(s)
	x := uint32(s[0]) | uint32(s[n-1])<<8 | uint32(s[n>>1])<<16 | uint32(n)<<24
	return (x * 0x9E3779B1) >> (32 - nameTableBits)
}

// oneByteNames are the flags of the one-letter names (p, a, b, i, …),
// the commonest tags, answered without hashing.
var oneByteNames = func() (t [256]nameFlags) {
	for c := range t {
		t[c] = lookupHashed(string([]byte{byte(c)}))
	}
	return t
}()

// lookupName returns the sets name is in.
func lookupName(name string) nameFlags {
	if len(name) == 1 {
		return oneByteNames[name[0]]
	}
	return lookupHashed(name)
}

func lookupHashed(name string) nameFlags {
	if name == "" {
		return 0
	}
	for h := nameHash(name); ; h = (h + 1) & (1<<nameTableBits - 1) {
		e := &nameTable[h]
		if e.name == name {
			return e.flags
		}
		if e.name == "" {
			return 0
		}
	}
}

// acceptableElement is acceptableElements[name].
func acceptableElement(name string) bool { return lookupName(name)&flagElemKept != 0 }

// urlAttr is urlAttrs[name].
func urlAttr(name string) bool { return lookupName(name)&flagAttrURL != 0 }

// attrOK is acceptableAttrs[name] or a data-* name.
func attrOK(name string) bool {
	return lookupName(name)&flagAttrKept != 0 || dataAttr(name)
}

// dataAttr reports whether name is a data-* name.
func dataAttr(name string) bool { return len(name) > 5 && strings.HasPrefix(name, "data-") }
