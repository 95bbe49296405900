package htmlsafe

import (
	"regexp"
	"strings"

	"golang.org/x/net/html/atom"
)

// The Incoming policy runs in two steps inside the one pass. The rewrite
// step (inStart, inEnd) makes URLs absolute, sets rel on links, drops
// iframes from hosts outside the allow-list, un-lazies images, notes the
// first image and closes what the fragment leaves open; it hands each tag
// to the allow-list step (allowStart, allowEnd), which keeps the elements
// and attributes of a user-generated-content allow-list.

// linkRel is the rel every link in incoming content carries.
const linkRel = "noopener noreferrer"

// incoming is an Incoming policy's configuration.
type incoming struct {
	hosts map[string]bool
	elems map[string]attrRules
}

// NewIncoming returns the Incoming policy that keeps iframes whose src is
// an https URL on one of iframeHosts (none when iframeHosts is empty).
func NewIncoming(iframeHosts []string) *Policy {
	in := &incoming{hosts: make(map[string]bool, len(iframeHosts)), elems: ugcElems()}
	var alts []string
	for _, h := range iframeHosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		in.hosts[h] = true
		alts = append(alts, regexp.QuoteMeta(h))
	}
	if len(alts) > 0 {
		src := regexp.MustCompile(`^https://(` + strings.Join(alts, "|") + `)/`)
		in.elems["iframe"] = attrRules{
			"src":             {src.MatchString},
			"width":           {iframeSize.MatchString},
			"height":          {iframeSize.MatchString},
			"allowfullscreen": {nil},
			"frameborder":     {nil},
			"title":           {nil},
			"loading":         {nil},
			"allow":           {iframeAllow.MatchString},
		}
	}
	return &Policy{name: "incoming", in: in}
}

// inState is the Incoming policy's part of a run.
type inState struct {
	open  openElements
	first Image

	// The allow-list step's state: how many elements whose content is
	// skipped are open, the end tags of elements dropped for want of
	// attributes, and the element last started (script and style text).
	skipContent  int
	skippingText bool
	skipEnds     []string
	recent       string
}

// rewritten reports whether the rewrite step has work on a start tag.
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

// resolvedAttr reports whether attribute key of element a holds a URL
// that the rewrite step makes absolute.
func resolvedAttr(a atom.Atom, key string) bool {
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

// inStart is the rewrite step for a start tag, whose attributes are in
// s.attrs.
func (s *state) inStart(name string, selfClosing bool) {
	a := atom.Lookup([]byte(name))
	if !selfClosing && a != 0 {
		s.open.start(s, a)
	}
	if !rewritten(a, len(s.attrs) > 0) {
		s.allowStart(name, selfClosing)
		return
	}
	switch a {
	case atom.Iframe:
		if !s.iframeAllowed() {
			if !selfClosing {
				s.skipName, s.skipDepth = "iframe", 1
				s.open.pop(atom.Iframe)
			}
			return
		}
	case atom.Img:
		s.unlazy()
		if s.first.Src == "" {
			s.first = s.imageOf()
		}
	}
	kept := s.attrs[:0]
	for _, at := range s.attrs {
		if a == atom.A && at.key == "rel" {
			continue
		}
		if resolvedAttr(a, at.key) {
			if u := Resolve(at.val, s.base); u != "" {
				at.val = u
			}
		}
		kept = append(kept, at)
	}
	if a == atom.A {
		kept = append(kept, attr{"rel", linkRel})
	}
	s.attrs = kept
	s.allowStart(name, selfClosing)
}

// inEnd is the rewrite step for an end tag: a stray one is dropped, one
// that closes an element first closes what was opened inside it.
func (s *state) inEnd(name string) {
	if a := atom.Lookup([]byte(name)); a != 0 && !s.open.end(s, a) {
		return
	}
	s.allowEnd(name)
}

// inFinish closes every element still open.
func (s *state) inFinish() { s.open.closeTo(s, 0) }

func (s *state) iframeAllowed() bool {
	for _, a := range s.attrs {
		if a.key == "src" {
			u := AbsHTTP(Resolve(a.val, s.base))
			return u != nil && u.Scheme == "https" && s.p.in.hosts[strings.ToLower(u.Hostname())]
		}
	}
	return false
}

// lazyAttrs are where lazy-loading scripts (WordPress themes such as
// JNews among them) keep an image's real address while src holds a
// placeholder.
var lazyAttrs = []string{"data-src", "data-lazy-src", "data-original", "data-lazy", "data-url"}

// unlazy moves a lazy-loaded image's real address into src when src is
// missing or a data: placeholder; without a script to swap them the
// placeholder is all a reader would see (and the URL rule drops data:
// URLs, which would lose the image).
func (s *state) unlazy() {
	src := -1
	for i, a := range s.attrs {
		if a.key == "src" {
			src = i
		}
	}
	if src >= 0 {
		v := strings.TrimSpace(s.attrs[src].val)
		if v != "" && !strings.HasPrefix(strings.ToLower(v), "data:") {
			return
		}
	}
	for _, name := range lazyAttrs {
		for _, a := range s.attrs {
			if a.key == name && strings.TrimSpace(a.val) != "" {
				if src >= 0 {
					s.attrs[src].val = a.val
				} else {
					s.attrs = append(s.attrs, attr{"src", a.val})
				}
				return
			}
		}
	}
}

// imageOf returns the image an img tag shows, Src empty when its src is
// not an absolute http(s) URL once resolved.
func (s *state) imageOf() Image {
	var im Image
	for _, a := range s.attrs {
		switch a.key {
		case "src":
			if u := Resolve(a.val, s.base); AbsHTTP(u) != nil {
				im.Src = u
			}
		case "alt":
			im.Alt = strings.Clone(a.val)
		case "width":
			im.Width = strings.Clone(a.val)
		case "height":
			im.Height = strings.Clone(a.val)
		}
	}
	if im.Src == "" {
		return Image{}
	}
	return im
}

// inTextDropped reports whether the allow-list step drops text here:
// inside an element whose content is skipped, and script and style text.
func (s *state) inTextDropped() bool {
	return s.skippingText || s.recent == "script" || s.recent == "style"
}
