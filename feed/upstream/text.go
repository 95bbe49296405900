package upstream

import (
	"html"
	"strings"
	"unicode"

	"github.com/khabar/khabar"
)

// Text constructs: how a text field of a feed becomes the plain text or
// HTML of an article. A title, name or label is either plain text (an
// Atom type="text" title, a JSON Feed title: "<b>" is text) or HTML (RSS,
// Atom type="html" and "xhtml": "<b>" is markup); both end up as plain
// text on one line. Bodies are HTML (see the sanitizer), except JSON Feed
// content_text, which is turned into HTML here.

// textType reports whether an Atom text construct's type attribute means
// plain text (type "text", the default, or a text/* media type) rather
// than HTML.
func textType(t string) bool {
	t = strings.ToLower(strings.TrimSpace(t))
	return t == "" || t == "text" || strings.HasPrefix(t, "text/")
}

// textConstruct returns a title-like text construct as plain text on one
// line; plain says it is text rather than HTML.
func textConstruct(s string, plain bool) string {
	if plain {
		return textLine(s)
	}
	return plainLine(s)
}

// plainLine returns the text of an HTML fragment on one line. Text without
// markup or entities (most titles, categories and names) skips the HTML
// tokenizer.
func plainLine(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return oneLine(khabar.CleanText(s))
	}
	return oneLine(khabar.PlainText(s))
}

// textLine returns plain text cleaned and on one line.
func textLine(s string) string {
	return oneLine(khabar.CleanText(s))
}

// oneLine folds runs of white space to one space and trims the ends. It
// returns s itself when it is already folded.
func oneLine(s string) string {
	prevSpace := true // a leading space needs folding
	for _, r := range s {
		sp := unicode.IsSpace(r)
		if sp && (prevSpace || r != ' ') {
			return strings.Join(strings.Fields(s), " ")
		}
		prevSpace = sp
	}
	if prevSpace && s != "" {
		return strings.TrimRight(s, " ")
	}
	return s
}

// excerpt is khabar.Excerpt with the same shortcut as plainLine.
func excerpt(s string, max int) string {
	if !strings.ContainsAny(s, "<&") {
		return khabar.Truncate(oneLine(khabar.CleanText(s)), max)
	}
	return khabar.Excerpt(s, max)
}

// textToHTML escapes plain text and turns its blank-line separated
// paragraphs into <p> elements.
func textToHTML(s string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			b.WriteString("<p>")
			b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
			b.WriteString("</p>")
		}
	}
	return b.String()
}
