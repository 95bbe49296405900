package feed

import (
	"net/url"
	"strings"

	"github.com/khabar/khabar"
	"golang.org/x/net/html"
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
// a feed, with base (the article's URL) as the address relative references
// are resolved against:
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
//     action and background keep http, https, mailto, tel and ftp
//     addresses as they are, data: images (PNG, GIF, JPEG, WebP, AVIF) in
//     src and srcset only, and drop the attribute for any other scheme
//     (javascript:, vbscript:, data:, …); relative references are
//     resolved against base, in URI form (khabar.URI); when base is not an
//     absolute http(s) URL they are dropped;
//   - comments, doctypes and processing instructions are dropped.
//
// A quick scan proves most bodies need none of this: every tag is one the
// rules keep as it is and every URL is absolute http(s) or mailto. Such a
// body is returned unchanged, without tokenizing. Others are tokenized with
// golang.org/x/net/html and written back: text and attribute values are
// re-escaped, so the result is the same document minus what the rules
// remove. SafeHTML is safe for concurrent use.
func SafeHTML(body, base string) string {
	if !needsFilter(body) {
		return body
	}
	return sanitize(body, base)
}

// acceptableElements are the W3C feed validator's acceptable elements
// (HTMLValidator.acceptable_elements) less noscript, textarea and
// template, whose content browsers do not parse as the tokenizer does
// (noscript with scripting on, textarea as raw text): they are dropped.
var acceptableElements = setOf(`a abbr acronym address area article aside audio b bdi big
blockquote br button canvas caption center cite code col colgroup command data datagrid
datalist dd del details dfn dialog dir div dl dt em eventsource fieldset figcaption figure
footer font form header h1 h2 h3 h4 h5 h6 hgroup hr i img input ins keygen kbd label legend
li m main map mark menu meter multicol nav nextid ol output optgroup option p picture pre
progress q rp rt ruby s samp section select small sound source spacer span strike strong
sub summary sup table tbody td time tfoot th thead tr track tt u ul var video wbr`)

// acceptableElement is acceptableElements[name], with the commonest
// names of article bodies answered without hashing.
func acceptableElement(name string) bool {
	switch name {
	case "p", "a", "b", "i", "em", "strong", "br", "h2", "h3", "li", "ul", "ol", "img", "span", "div", "figure", "figcaption", "blockquote":
		return true
	}
	return acceptableElements[name]
}

// droppedWithContent are removed with everything inside them.
var droppedWithContent = setOf(`script style iframe frameset noframes noembed object applet
xmp plaintext listing title textarea noscript template svg math head`)

// acceptableAttrs are the validator's acceptable attributes
// (HTMLValidator.acceptable_attributes) less style (checked apart by the
// validator, dropped here) and ping (requests to third parties).
var acceptableAttrs = setOf(`abbr accept accept-charset accesskey action align allow
allowfullscreen allowpaymentrequest alt as autoplay autocapitalize autocomplete autofocus
axis background balance bgcolor bgproperties border bordercolor bordercolordark
bordercolorlight bottompadding cellpadding cellspacing ch challenge char charoff choff
charset checked cite class clear color cols colspan compact contenteditable coords
crossorigin data datafld datapagesize datasrc datetime decoding default delay dir dirname
disabled download draggable dynsrc enctype end enterkeyhint face for form formenctype
frame galleryimg gutter headers height hidefocus hidden high href hreflang hspace icon id
inputmode is ismap itemid itemprop itemref itemscope itemtype kind keytype label lang
leftspacing loading list longdesc loop loopcount loopend loopstart low lowsrc max
maxlength media method min minlength multiple muted name nohref nonce noshade nowrap open
optimum pattern placeholder playsinline point-size poster preload prompt pqg radiogroup
readonly referrerpolicy rel repeat-max repeat-min replace required rev reversed
rightspacing rows rowspan rules scope selected shape size sizes span spellcheck src
srclang srcset start step summary suppress tabindex target template title toppadding
translate type unselectable usemap urn valign value variable volume vspace vrml width
wrap xml:lang xmlns`)

// urlAttrs hold one URL (srcset a list of them).
var urlAttrs = setOf(`href src srcset poster cite longdesc lowsrc dynsrc action background`)

func setOf(words string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

func attrOK(name string) bool {
	return acceptableAttrs[name] || strings.HasPrefix(name, "data-") && len(name) > 5
}

func isHTMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

func skipSpace(s string, i int) int {
	for i < len(s) && isHTMLSpace(s[i]) {
		i++
	}
	return i
}

// needsFilter reports whether body may hold anything SafeHTML changes. It
// errs on the side of true: anything it does not fully understand (a
// comment, an upper-case or unknown tag, an unquoted value with odd
// characters, a URL that does not start with http://, https:// or mailto:)
// sends the body to the tokenizer.
func needsFilter(s string) bool {
	i := 0
	for {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			return false
		}
		i += j + 1
		if i >= len(s) {
			return false // a lone "<" at the end is text
		}
		c := s[i]
		switch {
		case c == '/':
			n := lowerName(s, i+1)
			if n == i+1 || !acceptableElement(s[i+1:n]) {
				return true
			}
			if i = skipSpace(s, n); i >= len(s) || s[i] != '>' {
				return true
			}
			i++
		case 'a' <= c && c <= 'z':
			n := lowerName(s, i)
			if !acceptableElement(s[i:n]) {
				return true
			}
			var ok bool
			if i, ok = quietAttrs(s, n); !ok {
				return true
			}
		case 'A' <= c && c <= 'Z', c == '!', c == '?':
			return true
		}
		// Anything else after "<" is text to an HTML parser.
	}
}

// lowerName returns the end of the run of [a-z0-9] at s[i:], or i when the
// run does not end where a tag name ends (white space, "/" or ">").
func lowerName(s string, i int) int {
	n := i
	for n < len(s) && ('a' <= s[n] && s[n] <= 'z' || '0' <= s[n] && s[n] <= '9') {
		n++
	}
	if n < len(s) && !isHTMLSpace(s[n]) && s[n] != '/' && s[n] != '>' {
		return i
	}
	return n
}

// quietAttrs scans the attributes of a start tag from s[i:] up to and
// including its ">", and reports whether all of them are ones SafeHTML
// keeps unchanged; it returns the index after the tag.
func quietAttrs(s string, i int) (int, bool) {
	for {
		i = skipSpace(s, i)
		if i >= len(s) {
			return i, false
		}
		switch s[i] {
		case '>':
			return i + 1, true
		case '/':
			i++
			continue
		}
		n := i
		for n < len(s) && ('a' <= s[n] && s[n] <= 'z' || '0' <= s[n] && s[n] <= '9' || s[n] == '-' || s[n] == ':' || s[n] == '_') {
			n++
		}
		if n == i || n >= len(s) || !(isHTMLSpace(s[n]) || s[n] == '=' || s[n] == '>' || s[n] == '/') {
			return n, false
		}
		name := s[i:n]
		if !attrOK(name) {
			return n, false
		}
		i = skipSpace(s, n)
		if i >= len(s) || s[i] != '=' {
			if urlAttrs[name] {
				return i, false // an empty URL is a relative reference
			}
			continue
		}
		i = skipSpace(s, i+1)
		if i >= len(s) {
			return i, false
		}
		var v string
		if q := s[i]; q == '"' || q == '\'' {
			e := strings.IndexByte(s[i+1:], q)
			if e < 0 {
				return i, false
			}
			v = s[i+1 : i+1+e]
			i += e + 2
			if i < len(s) && !isHTMLSpace(s[i]) && s[i] != '>' && s[i] != '/' {
				return i, false
			}
		} else {
			e := i
			for e < len(s) && !isHTMLSpace(s[e]) && s[e] != '>' {
				if c := s[e]; c == '"' || c == '\'' || c == '<' || c == '=' || c == '`' {
					return e, false
				}
				e++
			}
			v = s[i:e]
			i = e
		}
		if urlAttrs[name] && !quietURL(name, v) {
			return i, false
		}
	}
}

// quietURL reports whether the raw attribute value v of a URL attribute is
// an absolute http(s) or mailto address SafeHTML keeps as it is.
func quietURL(name, v string) bool {
	if name != "srcset" {
		return absPrefix(v)
	}
	for c := range strings.SplitSeq(v, ",") {
		if !absPrefix(strings.TrimLeft(c, " \t\n\f\r")) {
			return false
		}
	}
	return true
}

func absPrefix(v string) bool {
	return (strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "mailto:")) &&
		!strings.ContainsAny(v, "\t\n\r")
}

// sanitize applies SafeHTML's rules with the tokenizer.
func sanitize(body, base string) string {
	var bu *url.URL
	if u, err := url.Parse(khabar.URI(base)); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		bu = u
	}
	var b strings.Builder
	b.Grow(len(body))
	z := html.NewTokenizer(strings.NewReader(body))
	skipName, skipDepth := "", 0 // inside a droppedWithContent element
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String()
		}
		if skipDepth > 0 {
			if tt == html.StartTagToken || tt == html.EndTagToken {
				if name, _ := z.TagName(); string(name) == skipName {
					if tt == html.StartTagToken {
						skipDepth++
					} else {
						skipDepth--
					}
				}
			}
			continue
		}
		switch tt {
		case html.TextToken:
			b.WriteString(html.EscapeString(string(z.Text())))
		case html.StartTagToken, html.SelfClosingTagToken:
			nb, hasAttr := z.TagName()
			name := string(nb)
			switch {
			case droppedWithContent[name]:
				if tt == html.StartTagToken {
					skipName, skipDepth = name, 1
				}
				continue
			case !acceptableElements[name]:
				continue // meta, link, embed and other void elements go; the rest is unwrapped
			}
			b.WriteByte('<')
			b.WriteString(name)
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				key := string(k)
				if !attrOK(key) {
					continue
				}
				val := string(v)
				if urlAttrs[key] {
					var ok bool
					if val, ok = safeURLAttr(key, val, name, bu); !ok {
						continue
					}
				}
				b.WriteByte(' ')
				b.WriteString(key)
				b.WriteString(`="`)
				b.WriteString(html.EscapeString(val))
				b.WriteByte('"')
			}
			if tt == html.SelfClosingTagToken {
				b.WriteString(" /")
			}
			b.WriteByte('>')
		case html.EndTagToken:
			nb, _ := z.TagName()
			if acceptableElements[string(nb)] {
				b.WriteString("</")
				b.Write(nb)
				b.WriteByte('>')
			}
		}
		// Comments and doctypes are dropped.
	}
}

// safeURLAttr returns the value to write for the URL attribute key of an
// element, and false when the attribute must go.
func safeURLAttr(key, val, elem string, base *url.URL) (string, bool) {
	images := key == "srcset" || key == "src" && (elem == "img" || elem == "source")
	if key != "srcset" {
		return safeURL(val, base, images)
	}
	var out []string
	for c := range strings.SplitSeq(val, ",") {
		c = strings.TrimSpace(c)
		u, desc, _ := strings.Cut(c, " ")
		if u == "" {
			continue
		}
		if u, ok := safeURL(u, base, images); ok {
			if desc = strings.TrimSpace(desc); desc != "" {
				u += " " + desc
			}
			out = append(out, u)
		}
	}
	return strings.Join(out, ", "), len(out) > 0
}

// safeURL returns the URL to write for the attribute value v, and false
// when the attribute must go. Browsers ignore leading and trailing
// controls and spaces and every tab and line break inside a URL, so the
// scheme is read as they read it.
func safeURL(v string, base *url.URL, images bool) (string, bool) {
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	if strings.ContainsAny(v, "\t\n\r") {
		v = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(v)
	}
	if scheme, ok := urlScheme(v); ok {
		switch strings.ToLower(scheme) {
		case "http", "https", "mailto", "tel", "ftp":
			return v, true
		case "data":
			if images && safeDataImage(v[len(scheme)+1:]) {
				return v, true
			}
		}
		return "", false
	}
	if base == nil {
		return "", false
	}
	ref, err := url.Parse(khabar.URI(v))
	if err != nil {
		return "", false
	}
	return base.ResolveReference(ref).String(), true
}

// urlScheme returns the scheme of v, if it has one (RFC 3986: a letter,
// then letters, digits, "+", "-" or ".", then ":").
func urlScheme(v string) (string, bool) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.':
			if i == 0 {
				return "", false
			}
		case c == ':':
			return v[:i], i > 0
		default:
			return "", false
		}
	}
	return "", false
}

func safeDataImage(rest string) bool {
	mt, _, _ := strings.Cut(rest, ",")
	mt, _, _ = strings.Cut(mt, ";")
	switch strings.ToLower(strings.TrimSpace(mt)) {
	case "image/png", "image/gif", "image/jpeg", "image/webp", "image/avif":
		return true
	}
	return false
}
