package xmltext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The rune-loop references below are the ones khabar's own tests
// (text_test.go) hold CleanText's check against through the corpus.

// cleanOKRuneLoop is the rune-loop cleanOK that the word-at-a-time one
// replaced; tests and benchmarks hold the new one against it.
func cleanOKRuneLoop(s string) bool {
	for i, r := range s {
		switch {
		case r < 0x20:
			if r != '\t' && r != '\n' && r != '\r' {
				return false
			}
		case r < 0xFFFD:
		case r == utf8.RuneError:
			if !strings.HasPrefix(s[i:], "\uFFFD") {
				return false // an invalid byte, not a real U+FFFD
			}
		case r == 0xFFFE || r == 0xFFFF:
			return false
		}
	}
	return true
}

// cleanPrefixRuneLoop is the obvious cleanPrefix: the start of the first
// rune that cleanOKRuneLoop rejects.
func cleanPrefixRuneLoop(s string) int {
	for i := 0; i < len(s); {
		_, n := utf8.DecodeRuneInString(s[i:])
		if !cleanOKRuneLoop(s[i : i+n]) {
			return i
		}
		i += n
	}
	return len(s)
}

// TestCleanRunesExhaustive holds the rune loop against the reference on
// every string of up to four bytes drawn from the bytes at the edges of
// the UTF-8 ranges, after an ASCII and a Devanagari prefix, and on every
// two-byte string.
func TestCleanRunesExhaustive(t *testing.T) {
	edges := []byte{0x00, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 'a', 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xa4,
		0xbd, 0xbe, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff}
	check := func(s string) {
		t.Helper()
		for _, p := range []string{"", "ab", "क"} {
			c := p + s
			if got, want := cleanRunes(c, 0, len(c)), cleanPrefixRuneLoop(c); (got < 0 && ^got != want) || (got >= 0 && want != len(c)) {
				t.Fatalf("cleanRunes(%q) = %d, reference stops at %d", c, got, want)
			}
		}
	}
	var b [4]byte
	for _, b[0] = range edges {
		for _, b[1] = range edges {
			check(string(b[:2]))
			for _, b[2] = range edges {
				check(string(b[:3]))
				for _, b[3] = range edges {
					check(string(b[:4]))
				}
			}
		}
	}
	for x := 0; x < 1<<16; x++ {
		check(string([]byte{byte(x), byte(x >> 8)}))
	}
}

// TestAppendFromJSON checks that AppendFromJSON undoes AppendJSON.
func TestAppendFromJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `<p class="x">a\b</p>`, "tab\there\nnew\r\nline", "\u2028 and \u2029 in हिन्दी",
		`ends with \`, "\"\"\\\\", strings.Repeat(`"q" `, 40),
	} {
		esc := string(AppendJSON(nil, s, Trusted))
		if got := string(AppendFromJSON(nil, esc)); got != s {
			t.Errorf("AppendFromJSON(%q) = %q, want %q", esc, got, s)
		}
	}
	if got := string(AppendFromJSON([]byte("x"), `\/\u0041\u20`)); got != `x/A\u20` {
		t.Errorf("got %q", got)
	}
}

// FuzzAppendFromJSON checks that AppendFromJSON undoes AppendJSON on any
// clean text.
func FuzzAppendFromJSON(f *testing.F) {
	f.Add(`<p class="x">a\b</p>` + "\t\n\r\u2028")
	f.Fuzz(func(t *testing.T, s string) {
		s = Clean(s)
		esc := string(AppendJSON(nil, s, Trusted))
		if got := string(AppendFromJSON(nil, esc)); got != s {
			t.Fatalf("AppendFromJSON(%q) = %q, want %q", esc, got, s)
		}
	})
}
