package upstream

import (
	"bytes"
	"net/url"
	"regexp"
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
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.Write(z.Raw())
			continue
		}
		raw := z.Raw()
		name, hasAttr := z.TagName()
		if !rewritten(atom.Lookup(name), hasAttr) {
			// Nothing to rewrite: bluemonday judges the tag as written.
			b.Write(raw)
			continue
		}
		a := atom.Lookup(name)
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
