package khabar

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/khabar/khabar/internal/xmltext"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

var errInvalidUTF8 = errors.New("invalid UTF-8")

// Ellipsis is what Truncate appends to shortened text.
const Ellipsis = "…"

// CleanText returns s as valid UTF-8 holding only characters XML 1.0 allows:
// invalid bytes become U+FFFD, and C0 control characters other than tab,
// newline and carriage return, U+FFFE, U+FFFF and unpaired surrogates are
// dropped. It returns s itself when nothing needs to change.
func CleanText(s string) string { return xmltext.Clean(s) }

// cleanOK reports whether CleanText would leave s as it is.
func cleanOK(s string) bool { return xmltext.IsClean(s) }

// cleanPrefix returns the length of the longest prefix of s that
// CleanText keeps as it is (see xmltext.CleanPrefix).
func cleanPrefix(s string) int { return xmltext.CleanPrefix(s) }

// xmlChar reports whether r is a Char in the XML 1.0 grammar.
func xmlChar(r rune) bool { return xmltext.IsChar(r) }

// PlainText extracts the readable text of an HTML fragment: tags are
// dropped, entities decoded, the contents of script, style, template and
// similar elements skipped, runs of white space folded to one space, and
// block elements (p, h1–h6, li, br, div, figure, …) end a paragraph;
// paragraphs are separated by "\n\n". The result is passed through
// CleanText.
func PlainText(fragment string) string {
	z := html.NewTokenizer(strings.NewReader(fragment))
	var b strings.Builder
	skip := 0
	pendingSpace, pendingBreak := false, false
	write := func(text string) {
		if text == "" {
			return
		}
		if isSpace(firstRune(text)) {
			pendingSpace = true
		}
		fields := strings.FieldsFunc(text, isSpace)
		for i, f := range fields {
			switch {
			case pendingBreak && b.Len() > 0:
				b.WriteString("\n\n")
			case (pendingSpace || i > 0) && b.Len() > 0:
				b.WriteByte(' ')
			}
			pendingBreak, pendingSpace = false, false
			b.WriteString(f)
		}
		if isSpace(lastRune(text)) {
			pendingSpace = true
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return CleanText(b.String())
		case html.TextToken:
			if skip == 0 {
				write(string(z.Text()))
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if xmltext.HiddenContent(a) {
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			if blockElement(a) {
				pendingBreak = true
			} else if a == atom.Img && tt != html.EndTagToken && skip == 0 {
				pendingSpace = true
			}
		}
	}
}

func firstRune(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }
func lastRune(s string) rune  { r, _ := utf8.DecodeLastRuneInString(s); return r }

func isSpace(r rune) bool { return unicode.IsSpace(r) || r == '\u00a0' }

func blockElement(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Br, atom.Hr, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Li, atom.Ul, atom.Ol, atom.Dl, atom.Dt, atom.Dd, atom.Blockquote, atom.Pre,
		atom.Figure, atom.Figcaption, atom.Table, atom.Tr, atom.Section, atom.Article,
		atom.Header, atom.Footer, atom.Aside, atom.Nav, atom.Main, atom.Address:
		return true
	}
	return false
}

// Truncate shortens s to at most max grapheme clusters (user-perceived
// characters, as Graphemes splits them), Ellipsis included. It never splits a cluster, so a
// Devanagari conjunct or vowel sign, an emoji ZWJ sequence or a flag stays
// whole. When a space lies in the last fifth of the kept text (or its last
// three clusters), it cuts
// there rather than inside a word; trailing spaces and the punctuation
// that separates or ends a sentence or a title's part (trailingCut) are
// dropped before the ellipsis, with an opening bracket or quote left
// there (a straight quote after a space or separator opens), while what
// carries meaning stays ("7.5%",
// "C#", a closing bracket or quote). Text of max clusters or fewer is
// returned unchanged; max < 1 gives "".
func Truncate(s string, max int) string {
	if max < 1 {
		return ""
	}
	if len(s) <= max { // at most max bytes is at most max clusters
		return s
	}
	keep := max - 1 // room for the ellipsis
	n, end, lastSpace, spaceIdx, atSpace := 0, 0, -1, 0, false
	pos := 0
	for c := range Graphemes(s) {
		if n == keep {
			end = pos
			atSpace = isSpace(firstRune(c))
		}
		n++
		if n > max {
			break
		}
		if n <= keep && isSpace(firstRune(c)) {
			lastSpace, spaceIdx = pos, n
		}
		pos += len(c)
	}
	if n <= max {
		return s
	}
	if keep == 0 {
		return Ellipsis
	}
	// Cut at a word end when one is near: the first dropped cluster is a
	// space, or a space lies in the last fifth (at least 3 clusters) of the
	// kept text.
	if !atSpace && lastSpace > 0 && keep-spaceIdx <= nearSpace(keep) {
		end = lastSpace
	}
	out := strings.TrimRightFunc(s[:end], trailingCut)
	// A straight quote opens when what precedes it is a space, a
	// separator or nothing: left at the cut, it opens nothing.
	for len(out) > 0 && (out[len(out)-1] == '"' || out[len(out)-1] == '\'') {
		prev, _ := utf8.DecodeLastRuneInString(out[:len(out)-1])
		if len(out) > 1 && !trailingCut(prev) {
			break
		}
		out = strings.TrimRightFunc(out[:len(out)-1], trailingCut)
	}
	if out == "" {
		out = s[:end]
	}
	return out + Ellipsis
}

// trailingCut reports whether Truncate drops r at the end of the kept
// text: white space, the marks that end a sentence (the danda "।" and
// "॥", ".", "!", "?", "…"), those that separate (",", ";", ":", "·",
// "|", "/", dashes) and an opening bracket or quote, which the ellipsis
// leaves with nothing to open. "%", "#", "&", closing brackets and quotes
// stay: they belong to what precedes them.
func trailingCut(r rune) bool {
	switch r {
	case '।', '॥', '.', '!', '?', '…', ',', ';', ':', '·', '|', '/', '(', '[', '{', '-', '–', '—', '、', '。', '،', '؛', '؟', '۔':
		return true
	}
	// Dashes, and opening brackets and quotes (“ ‘ « and the like), left
	// with nothing to open.
	return isSpace(r) || unicode.In(r, unicode.Pd, unicode.Ps, unicode.Pi)
}

// Excerpt returns the plain text of an HTML fragment on one line,
// truncated to at most max grapheme clusters with Truncate.
func Excerpt(fragment string, max int) string {
	return Truncate(strings.Join(strings.Fields(PlainText(fragment)), " "), max)
}

// nearSpace is how many clusters Truncate gives up to end at a word.
func nearSpace(keep int) int { return max(keep/5, 3) }
