package upstream

import (
	"bytes"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/khabar/khabar"
	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// DefaultIFrameHosts are the hosts whose players survive sanitizing when
// Parser.IFrameHosts is nil: video and social embeds news sites use.
var DefaultIFrameHosts = []string{
	"www.youtube.com",
	"www.youtube-nocookie.com",
	"youtube.com",
	"player.vimeo.com",
	"www.dailymotion.com",
	"geo.dailymotion.com",
	"www.facebook.com",
	"platform.twitter.com",
	"www.instagram.com",
	"open.spotify.com",
	"w.soundcloud.com",
}

// linkRel is the rel every link in sanitized content carries.
const linkRel = "noopener noreferrer"

// sanitizer turns untrusted HTML into safe HTML in two steps: a rewrite
// pass (absolute URLs, link rel, iframes outside the allow-list removed,
// first image noted) and bluemonday's allow-list.
type sanitizer struct {
	policy *bluemonday.Policy
	hosts  map[string]bool
}

var (
	defaultSanitizerOnce sync.Once
	defaultSanitizer     *sanitizer
)

func newSanitizer(hosts []string) *sanitizer {
	if hosts == nil {
		defaultSanitizerOnce.Do(func() { defaultSanitizer = buildSanitizer(DefaultIFrameHosts) })
		return defaultSanitizer
	}
	return buildSanitizer(hosts)
}

func buildSanitizer(hosts []string) *sanitizer {
	s := &sanitizer{hosts: make(map[string]bool, len(hosts))}
	var alts []string
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		s.hosts[h] = true
		alts = append(alts, regexp.QuoteMeta(h))
	}
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(false)
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^` + linkRel + `$`)).OnElements("a")
	p.AllowElements("figure", "figcaption", "picture", "source", "video", "audio")
	p.AllowAttrs("src", "type", "media").OnElements("source")
	p.AllowAttrs("src", "poster", "controls", "width", "height", "preload").OnElements("video")
	p.AllowAttrs("src", "controls", "preload").OnElements("audio")
	// UGCPolicy only lets alt and title through when they match a
	// pattern without combining marks, which drops Devanagari text.
	p.AllowAttrs("alt", "title").OnElements("img")
	p.AllowAttrs("title").OnElements("a", "abbr")
	p.AllowAttrs("loading").OnElements("img")
	if len(alts) > 0 {
		src := regexp.MustCompile(`^https://(` + strings.Join(alts, "|") + `)/`)
		p.AllowElements("iframe")
		p.AllowAttrs("src").Matching(src).OnElements("iframe")
		p.AllowAttrs("width", "height").Matching(regexp.MustCompile(`^[0-9]{1,4}%?$`)).OnElements("iframe")
		p.AllowAttrs("allowfullscreen", "frameborder", "title", "loading").OnElements("iframe")
		p.AllowAttrs("allow").Matching(regexp.MustCompile(`^[a-z\-; ]*$`)).OnElements("iframe")
	}
	s.policy = p
	return s
}

// bufPool recycles the buffers of the rewrite and sanitize passes, which
// would otherwise be a large share of the garbage parsing makes.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putBuf(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 { // let huge one-off buffers go
		bufPool.Put(b)
	}
}

// rewritten reports whether the rewrite pass has work on a start tag.
func rewritten(a atom.Atom, hasAttr bool) bool {
	switch a {
	case atom.A, atom.Iframe:
		return true // rel is always set; iframes are always checked
	case atom.Img, atom.Area, atom.Video, atom.Audio, atom.Source, atom.Blockquote,
		atom.Q, atom.Del, atom.Ins, atom.Embed, atom.Track:
		return hasAttr
	}
	return false
}

// urlAttr reports whether attribute key of element a holds a URL that must
// be made absolute.
func urlAttr(a atom.Atom, key string) bool {
	switch key {
	case "href":
		return a == atom.A || a == atom.Area
	case "src":
		return true
	case "poster":
		return a == atom.Video
	case "cite":
		return a == atom.Blockquote || a == atom.Q || a == atom.Del || a == atom.Ins
	}
	return false
}

// clean returns fragment rewritten and sanitized, with every URL absolute
// against base, and the first image's absolute URL.
func (s *sanitizer) clean(fragment string, base *url.URL) (out string, firstImg *khabar.Image) {
	if strings.TrimSpace(fragment) == "" {
		return "", nil
	}
	if !strings.ContainsAny(fragment, "<&") {
		return s.policy.Sanitize(fragment), nil
	}
	b := bufPool.Get().(*bytes.Buffer)
	defer putBuf(b)
	b.Reset()
	b.Grow(len(fragment))
	z := html.NewTokenizer(strings.NewReader(fragment))
	skipIframe := 0
	// Elements left open (a description cut at 300 characters, a
	// forgotten </div>) would swallow whatever a page shows after the
	// content, so they are closed, and stray end tags dropped.
	var open openElements
	open.stack = open.buf[:0]
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if skipIframe > 0 {
			if tt == html.EndTagToken {
				if name, _ := z.TagName(); string(name) == "iframe" {
					skipIframe--
				}
			}
			continue
		}
		if tt == html.EndTagToken {
			raw := z.Raw()
			name, _ := z.TagName()
			if a := atom.Lookup(name); a != 0 && !open.end(b, a) {
				continue // a stray end tag: dropped
			}
			b.Write(raw)
			continue
		}
		if tt == html.CommentToken || tt == html.DoctypeToken {
			// bluemonday drops them anyway, and a comment left open
			// ("<!-- x" at the end) would hide the end tags added below.
			continue
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			raw := z.Raw()
			if tt == html.TextToken && bytes.IndexByte(raw, '<') >= 0 {
				// A '<' the tokenizer read as text must stay text: with a
				// dropped tag gone from between, "<" and "b>" would
				// otherwise join into a tag.
				writeEscapedLT(b, raw)
				continue
			}
			b.Write(raw)
			continue
		}
		raw := z.Raw()
		name, hasAttr := z.TagName()
		a := atom.Lookup(name)
		if tt == html.StartTagToken && a != 0 {
			open.start(b, a)
		}
		if !rewritten(a, hasAttr) {
			// Nothing to rewrite: bluemonday judges the tag as written.
			b.Write(raw)
			continue
		}
		tok := html.Token{Type: tt, DataAtom: a, Data: a.String()}
		if a == 0 {
			tok.Data = string(name)
		}
		for more := hasAttr; more; {
			var k, v []byte
			k, v, more = z.TagAttr()
			tok.Attr = append(tok.Attr, html.Attribute{Key: string(k), Val: string(v)})
		}
		switch tok.DataAtom {
		case atom.Iframe:
			if !s.iframeAllowed(tok, base) {
				if tt == html.StartTagToken {
					skipIframe = 1
					open.pop(atom.Iframe)
				}
				continue
			}
		case atom.Img:
			unlazy(&tok)
			if firstImg == nil {
				firstImg = imageOf(tok, base)
			}
		}
		attrs := tok.Attr[:0]
		for _, a := range tok.Attr {
			if tok.DataAtom == atom.A && a.Key == "rel" {
				continue
			}
			if urlAttr(tok.DataAtom, a.Key) {
				if u := resolve(a.Val, base); u != "" {
					a.Val = u
				}
			}
			attrs = append(attrs, a)
		}
		if tok.DataAtom == atom.A {
			attrs = append(attrs, html.Attribute{Key: "rel", Val: linkRel})
		}
		tok.Attr = attrs
		b.WriteString(tok.String())
	}
	open.closeAll(b)
	ob := bufPool.Get().(*bytes.Buffer)
	defer putBuf(ob)
	ob.Reset()
	if err := s.policy.SanitizeReaderToWriter(bytes.NewReader(b.Bytes()), ob); err != nil {
		return "", firstImg // bluemonday fails only on a reader error
	}
	return ob.String(), firstImg
}

// imageOf returns the image an img tag shows, or nil when its src is not
// an absolute http(s) URL once resolved.
func imageOf(tok html.Token, base *url.URL) *khabar.Image {
	var im khabar.Image
	for _, a := range tok.Attr {
		switch a.Key {
		case "src":
			if u := resolve(a.Val, base); absHTTP(u) != nil {
				im.URL = u
			}
		case "alt":
			im.Alt = oneLine(khabar.CleanText(a.Val))
		case "width":
			im.Width, _ = strconv.Atoi(a.Val)
		case "height":
			im.Height, _ = strconv.Atoi(a.Val)
		}
	}
	if im.URL == "" {
		return nil
	}
	im.Width, im.Height = max(im.Width, 0), max(im.Height, 0)
	return &im
}

// lazyAttrs are where lazy-loading scripts (WordPress themes such as
// JNews among them) keep an image's real address while src holds a
// placeholder.
var lazyAttrs = []string{"data-src", "data-lazy-src", "data-original", "data-lazy", "data-url"}

// unlazy moves a lazy-loaded image's real address into src when src is
// missing or a data: placeholder; without a script to swap them the
// placeholder is all a reader would see (and the sanitizer drops data:
// URLs, which would lose the image).
func unlazy(tok *html.Token) {
	src := -1
	for i, a := range tok.Attr {
		if a.Key == "src" {
			src = i
		}
	}
	if src >= 0 {
		v := strings.TrimSpace(tok.Attr[src].Val)
		if v != "" && !strings.HasPrefix(strings.ToLower(v), "data:") {
			return
		}
	}
	for _, name := range lazyAttrs {
		for _, a := range tok.Attr {
			if a.Key == name && strings.TrimSpace(a.Val) != "" {
				if src >= 0 {
					tok.Attr[src].Val = a.Val
				} else {
					tok.Attr = append(tok.Attr, html.Attribute{Key: "src", Val: a.Val})
				}
				return
			}
		}
	}
}

func (s *sanitizer) iframeAllowed(tok html.Token, base *url.URL) bool {
	for _, a := range tok.Attr {
		if a.Key == "src" {
			u := absHTTP(resolve(a.Val, base))
			return u != nil && u.Scheme == "https" && s.hosts[strings.ToLower(u.Hostname())]
		}
	}
	return false
}

// openElements is the stack of elements open in a fragment, for closing
// what the fragment leaves open.
type openElements struct {
	stack []atom.Atom
	buf   [16]atom.Atom
}

// void elements have no end tag.
func void(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Link, atom.Meta, atom.Param, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

// implied returns the open elements a start tag a closes, as HTML's
// parser would, and the elements that stop the search for them.
func implied(a atom.Atom) (closes, stops []atom.Atom) {
	switch a {
	case atom.Li:
		return []atom.Atom{atom.Li}, []atom.Atom{atom.Ul, atom.Ol, atom.Table}
	case atom.Dt, atom.Dd:
		return []atom.Atom{atom.Dt, atom.Dd}, []atom.Atom{atom.Dl, atom.Table}
	case atom.Tr:
		return []atom.Atom{atom.Tr}, []atom.Atom{atom.Table, atom.Thead, atom.Tbody, atom.Tfoot}
	case atom.Td, atom.Th:
		return []atom.Atom{atom.Td, atom.Th}, []atom.Atom{atom.Tr, atom.Table}
	case atom.Thead, atom.Tbody, atom.Tfoot:
		return []atom.Atom{atom.Thead, atom.Tbody, atom.Tfoot}, []atom.Atom{atom.Table}
	case atom.Option:
		return []atom.Atom{atom.Option}, []atom.Atom{atom.Select}
	case atom.A:
		return []atom.Atom{atom.A}, []atom.Atom{atom.Td, atom.Th, atom.Table}
	case atom.P, atom.Div, atom.Ul, atom.Ol, atom.Dl, atom.Table, atom.Blockquote, atom.Pre,
		atom.Figure, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Hr,
		atom.Section, atom.Article, atom.Aside, atom.Header, atom.Footer, atom.Nav,
		atom.Address, atom.Details, atom.Fieldset, atom.Form, atom.Main:
		return []atom.Atom{atom.P}, nil // only a p open right here
	}
	return nil, nil
}

// start records the start tag a, first closing (in b) what it implies.
func (o *openElements) start(b *bytes.Buffer, a atom.Atom) {
	if closes, stops := implied(a); closes != nil {
		for i := len(o.stack) - 1; i >= 0; i-- {
			e := o.stack[i]
			if slices.Contains(closes, e) {
				o.closeTo(b, i)
				break
			}
			if stops == nil || slices.Contains(stops, e) {
				break
			}
		}
	}
	if !void(a) {
		o.stack = append(o.stack, a)
	}
}

// end handles the end tag a: it closes (in b) the elements opened inside
// a and reports whether a was open; the caller writes a's end tag.
func (o *openElements) end(b *bytes.Buffer, a atom.Atom) bool {
	for i := len(o.stack) - 1; i >= 0; i-- {
		if o.stack[i] == a {
			o.closeTo(b, i+1)
			o.stack = o.stack[:i]
			return true
		}
	}
	return false
}

// pop forgets the element a just pushed.
func (o *openElements) pop(a atom.Atom) {
	if n := len(o.stack); n > 0 && o.stack[n-1] == a {
		o.stack = o.stack[:n-1]
	}
}

// closeTo writes end tags for the open elements from the top down to
// index i, inclusive, and pops them.
func (o *openElements) closeTo(b *bytes.Buffer, i int) {
	for j := len(o.stack) - 1; j >= i; j-- {
		b.WriteString("</")
		b.WriteString(o.stack[j].String())
		b.WriteByte('>')
	}
	o.stack = o.stack[:i]
}

// closeAll closes every element still open.
func (o *openElements) closeAll(b *bytes.Buffer) { o.closeTo(b, 0) }

// writeEscapedLT writes text with each '<' as "&lt;".
func writeEscapedLT(b *bytes.Buffer, text []byte) {
	for {
		i := bytes.IndexByte(text, '<')
		if i < 0 {
			b.Write(text)
			return
		}
		b.Write(text[:i])
		b.WriteString("&lt;")
		text = text[i+1:]
	}
}
