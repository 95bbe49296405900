package digest

import (
	"strings"

	"github.com/khabar/khabar"
	"github.com/rivo/uniseg"
)

// Wrap breaks s into lines of at most width columns of display width (as
// a terminal shows them: a Devanagari vowel sign takes no column, a CJK
// character or an emoji two). Lines break at spaces; a word wider than
// width is cut between grapheme clusters (khabar.Graphemes), never inside
// one, except a URL (a word with "://"), which is left whole so it stays
// clickable. Existing line breaks are kept; runs of spaces fold to one.
// width < 1 means no wrapping.
func Wrap(width int, s string) string {
	if width < 1 {
		return s
	}
	if fitsOneLine(width, s) {
		return strings.Join(strings.Fields(s), " ")
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/width + 8)
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		wrapLine(&b, width, line)
	}
	return b.String()
}

func wrapLine(b *strings.Builder, width int, line string) {
	col := 0
	for _, w := range strings.Fields(line) {
		ww := displayWidth(w)
		if col > 0 && col+1+ww <= width {
			b.WriteByte(' ')
			b.WriteString(w)
			col += 1 + ww
			continue
		}
		if col > 0 {
			b.WriteByte('\n')
			col = 0
		}
		if ww <= width || strings.Contains(w, "://") {
			b.WriteString(w)
			col = ww
			continue
		}
		// A word wider than a line: cut it between clusters.
		for c := range khabar.Graphemes(w) {
			cw := uniseg.StringWidth(c)
			if col > 0 && col+cw > width {
				b.WriteByte('\n')
				col = 0
			}
			b.WriteString(c)
			col += cw
		}
	}
}

// fitsOneLine reports, without measuring graphemes, that s is one line
// narrower than width: at most width runes, none of them a line break or
// at or above U+1100, where East Asian wide characters and emoji begin (a
// rune below it is at most one column wide).
func fitsOneLine(width int, s string) bool {
	if len(s) <= width {
		return strings.IndexByte(s, '\n') < 0
	}
	n := 0
	for _, r := range s {
		n++
		if n > width || r == '\n' || r >= 0x1100 {
			return false
		}
	}
	return true
}

// displayWidth is the width of s in columns. ASCII is counted directly.
func displayWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return uniseg.StringWidth(s)
		}
	}
	return len(s)
}

// Indent puts prefix before every line of s but empty ones.
func Indent(prefix, s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
