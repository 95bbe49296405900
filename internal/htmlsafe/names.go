package htmlsafe

import (
	"encoding/binary"
	"strings"
)

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

// The skip-ahead looks up every tag and attribute name of a body's tags,
// in place in the body; the word table answers it without hashing a
// string or comparing one: a name of up to 16 bytes, read as two
// little-endian words (nameWords), is its own key, so that a lookup is
// two loads, a multiplication and, nearly always, one comparison of two
// words.

const wordTableBits = 10

type wordEntry struct {
	lo, hi uint64 // the name's bytes; lo is 0 in an empty slot
	flags  nameFlags
}

var wordTable = buildWordTable()

func buildWordTable() *[1 << wordTableBits]wordEntry {
	t := new([1 << wordTableBits]wordEntry)
	for _, e := range nameTable {
		if e.name == "" || len(e.name) > 16 {
			continue // longer names are looked up in nameTable
		}
		lo, hi := nameWords(e.name, 0, len(e.name))
		h := wordHash(lo, hi) >> (64 - wordTableBits)
		for t[h].lo != 0 {
			h = (h + 1) & (1<<wordTableBits - 1)
		}
		t[h] = wordEntry{lo, hi, e.flags}
	}
	return t
}

// nameWords returns s[i:n], a name of up to 16 bytes, as two little-
// endian words, the bytes past the name zero. Names hold no NUL, so two
// names of up to 16 bytes are equal exactly when their words are.
func nameWords(s string, i, n int) (lo, hi uint64) {
	var b [16]byte
	copy(b[:], s[i:n])
	return binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])
}

// le64 reads s[:8] as a little-endian word (one load: the compiler
// combines the bytes' loads).
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// wordHash mixes a name's words: its top bits index the word table; the
// skip-ahead's check for repeated attribute names uses other bits of it.
func wordHash(lo, hi uint64) uint64 {
	return (lo ^ hi*0xC2B2AE3D27D4EB4F) * 0x9E3779B97F4A7C15
}

// lookupAt returns the sets the name s[i:n] is in, and a hash of it
// (of its first 16 bytes) for the skip-ahead's check for repeated
// attribute names. When s has 16 bytes from i, the name's words are read
// in place, at once: past the name's end they are the tag's next bytes,
// masked off.
func lookupAt(s string, i, n int) (nameFlags, uint64) {
	l := n - i
	if l == 1 {
		c := s[i]
		return oneByteNames[c], uint64(c) * 0x9E3779B97F4A7C15
	}
	if l > 16 || i+16 > len(s) {
		return lookupLong(s, i, n)
	}
	lo, hi := le64(s[i:])&wordMasks[l][0], le64(s[i+8:])&wordMasks[l][1]
	h := wordHash(lo, hi)
	return lookupWords(lo, hi, h), h
}

// wordMasks[l] keep the first l bytes of two words.
var wordMasks = func() (m [17][2]uint64) {
	for l := range m {
		m[l][0] = 1<<(8*min(l, 8)) - 1 // a shift by 64 is 0: all of the word is kept
		m[l][1] = 1<<(8*max(l-8, 0)) - 1
	}
	return m
}()

// lookupLong is lookupAt for a name longer than 16 bytes or less than
// 16 bytes from the end of s.
func lookupLong(s string, i, n int) (nameFlags, uint64) {
	lo, hi := nameWords(s, i, min(n, i+16))
	h := wordHash(lo, hi)
	name := s[i:n]
	switch {
	case len(name) <= 16:
		return lookupWords(lo, hi, h), h
	case dataAttr(name):
		return 0, h // no name in the table is a data-* name
	}
	return lookupHashed(name), h
}

// lookupWords returns the sets of the name of up to 16 bytes whose words
// are lo and hi, and h their wordHash.
func lookupWords(lo, hi, h uint64) nameFlags {
	for j := h >> (64 - wordTableBits); ; j = (j + 1) & (1<<wordTableBits - 1) {
		e := &wordTable[j]
		if e.lo == lo && e.hi == hi {
			return e.flags
		}
		if e.lo == 0 {
			return 0
		}
	}
}
