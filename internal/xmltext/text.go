package xmltext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean returns s as valid UTF-8 holding only characters XML 1.0 allows:
// invalid bytes become U+FFFD, and C0 control characters other than tab,
// newline and carriage return, U+FFFE, U+FFFF and unpaired surrogates are
// dropped. It returns s itself when nothing needs to change.
func Clean(s string) string {
	clean := CleanPrefix(s)
	if clean == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:clean])
	for i := clean; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
			continue
		}
		if IsChar(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// IsChar reports whether r is a Char in the XML 1.0 grammar.
func IsChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// FoldSpace folds each run of white space in s to one space and trims the
// ends: text for one line (a title, a subject, a name). With all false
// only ASCII white space (HTML's: space, tab, line feed, form feed,
// carriage return) counts, so the no-break, en, em and thin spaces a
// writer chose stay; with all true every unicode.IsSpace rune counts. It
// returns s itself when s is already folded.
func FoldSpace(s string, all bool) string {
	isSpace := asciiSpace
	if all {
		isSpace = unicode.IsSpace
	}
	prevSpace := true // a leading space needs folding
	for _, r := range s {
		sp := isSpace(r)
		if sp && (prevSpace || r != ' ') {
			return strings.Join(strings.FieldsFunc(s, isSpace), " ")
		}
		prevSpace = sp
	}
	if prevSpace && s != "" {
		return strings.TrimRight(s, " ")
	}
	return s
}

func asciiSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r'
}
