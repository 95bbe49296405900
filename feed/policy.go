package feed

import (
	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/htmlsafe"
)

// ContentPolicy says what happens to an article's HTML body
// (Article.ContentHTML) on its way into RSS content:encoded, Atom content
// and JSON Feed content_html.
type ContentPolicy uint8

const (
	// SafeContent, the default, passes bodies through SafeHTML: what feed
	// readers must not run or cannot resolve is removed or rewritten, so
	// the W3C feed validator has nothing to warn about in the bodies.
	SafeContent ContentPolicy = iota
	// RawContent writes bodies as they are stored (minus the characters
	// XML forbids). Use it only when the bodies are known to be clean
	// already, for example sanitized when they were imported.
	RawContent
)

// String returns "SafeContent" or "RawContent".
func (p ContentPolicy) String() string {
	switch p {
	case SafeContent:
		return "SafeContent"
	case RawContent:
		return "RawContent"
	}
	return "ContentPolicy(" + itoa(int(p)) + ")"
}

func itoa(n int) string { return string(appendInt(nil, int64(n))) }

// filterBody returns a's body after the site's ContentPolicy.
func (s *site) filterBody(a *khabar.Article) string {
	if s.ContentPolicy == RawContent {
		return a.ContentHTML
	}
	return SafeHTML(a.ContentHTML, a.URL)
}

// SafeHTML returns the HTML fragment body made safe and self-contained for
// a feed under htmlsafe's Outgoing policy, with base (the article's URL)
// as the address relative references are resolved against:
//
//   - script, style, iframe, frame, frameset, noframes, noembed, object,
//     applet, embed, xmp, plaintext, listing, title, textarea, noscript,
//     template, svg, math and head elements are dropped with their
//     content; meta, link, base, basefont, param and isindex elements are
//     dropped;
//   - other elements outside the W3C feed validator's list of acceptable
//     elements (html, body, custom elements, …) are unwrapped: the tags
//     go, the content stays;
//   - attributes outside the validator's list of acceptable attributes
//     (data-* excepted) are dropped, and so are every style attribute,
//     every event handler (on…) and ping;
//   - URLs in href, src, srcset, poster, cite, longdesc, lowsrc, dynsrc,
//     action, background, data, icon and the other URL-bearing attributes
//     keep http, https, mailto, tel and ftp addresses as they are, data:
//     images (PNG, GIF, JPEG, WebP, AVIF) in src and srcset only, and drop
//     the attribute for any other scheme (javascript:, vbscript:, data:,
//     …); relative references are resolved against base, in URI form
//     (khabar.URI); when base is not an absolute http(s) URL they are
//     dropped;
//   - comments, doctypes and processing instructions are dropped.
//
// Text is kept as it is, character references as written, but for a '<'
// that starts no tag, written "&lt;"; kept tags are written with lower-case
// names and double-quoted, escaped values, so the result is the same
// document minus what the rules remove. One scan proves most bodies need
// none of this (every tag is one the rules keep, in that form, and every
// URL is absolute): such a body is returned unchanged, without
// tokenizing; in the others only what the rules change is tokenized.
//
// The body is first passed through khabar.CleanText (a Catalog's articles
// already are), and character references to characters XML cannot hold
// are dropped where they are decoded, so the result can go into XML and
// JSON as it is. SafeHTML is safe for concurrent use.
func SafeHTML(body, base string) string {
	return htmlsafe.Outgoing.Sanitize(khabar.CleanText(body), base)
}
