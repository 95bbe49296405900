package htmlsafe

import "regexp"

// The Incoming allow-list: the elements and attributes a user-generated-
// content policy keeps (the set bluemonday's UGCPolicy keeps, with
// figure, picture, source, video and audio added, alt and title on img
// and title on a and abbr taken as they are: its patterns for them reject
// the combining marks of Devanagari), and how it treats the rest.

// attrRules maps an attribute to its matchers; a nil matcher allows any
// value, and the value is kept when any matcher allows it.
type attrRules map[string][]func(string) bool

var (
	cellAlign    = regexp.MustCompile(`(?i)^(center|justify|left|right|char)$`)
	cellVAlign   = regexp.MustCompile(`(?i)^(baseline|bottom|middle|top)$`)
	direction    = regexp.MustCompile(`(?i)^(rtl|ltr)$`)
	imageAlign   = regexp.MustCompile(`(?i)^(left|right|top|texttop|middle|absmiddle|baseline|bottom|absbottom)$`)
	integer      = regexp.MustCompile(`^[0-9]+$`)
	iso8601      = regexp.MustCompile(`^[0-9]{4}(-[0-9]{2}(-[0-9]{2}([ T][0-9]{2}(:[0-9]{2}){1,2}(.[0-9]{1,6})?Z?([\+-][0-9]{2}:[0-9]{2})?)?)?)?$`)
	listType     = regexp.MustCompile(`(?i)^(circle|disc|square|a|A|i|I|1)$`)
	spaceTokens  = regexp.MustCompile(`^([\s\p{L}\p{N}_-]+)$`)
	number       = regexp.MustCompile(`^[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$`)
	numberOrPct  = regexp.MustCompile(`^[0-9]+[%]?$`)
	paragraph    = regexp.MustCompile(`^[\p{L}\p{N}\s\-_',\[\]!\./\\\(\)]*$`)
	iframeSize   = regexp.MustCompile(`^[0-9]{1,4}%?$`)
	iframeAllow  = regexp.MustCompile(`^[a-z\-; ]*$`)
	langPattern  = regexp.MustCompile(`[a-zA-Z]{2,20}`)      // unanchored, as in UGCPolicy
	idPattern    = regexp.MustCompile(`[a-zA-Z0-9\:\-_\.]+`) // unanchored, as in UGCPolicy
	scopePattern = regexp.MustCompile(`(?i)(?:row|col)(?:group)?`)
	relPattern   = regexp.MustCompile(`^` + linkRel + `$`)
	openPattern  = regexp.MustCompile(`(?i)^(|open)$`)
	mapName      = regexp.MustCompile(`^([\p{L}\p{N}_-]+)$`)
	coords       = regexp.MustCompile(`^([0-9]+,)+[0-9]+$`)
	shape        = regexp.MustCompile(`(?i)^(default|circle|rect|poly)$`)
	usemap       = regexp.MustCompile(`(?i)^#[\p{L}\p{N}_-]+$`)
)

// globalAttrs are allowed on every allowed element.
var globalAttrs = attrRules{
	"dir":   {direction.MatchString},
	"lang":  {langPattern.MatchString},
	"id":    {idPattern.MatchString},
	"title": {paragraph.MatchString},
}

// ugcElems returns a fresh copy of the allow-list's elements.
func ugcElems() map[string]attrRules {
	m := map[string]attrRules{}
	add := func(elems string, rules attrRules) {
		for e := range setOf(elems) {
			if m[e] == nil {
				m[e] = attrRules{}
			}
			for k, v := range rules {
				m[e][k] = append(m[e][k], v...)
			}
		}
	}
	any := []func(string) bool{nil}
	add(`article aside figure section summary h1 h2 h3 h4 h5 h6 hgroup br div hr p span wbr
		abbr acronym cite code dfn em figcaption mark s samp strong sub sup var b i pre small
		strike tt u rp rt ruby dl dt dd caption picture video audio source`, nil)
	add("details", attrRules{"open": {openPattern.MatchString}})
	add("blockquote q", attrRules{"cite": any})
	add("a", attrRules{"href": any, "rel": {relPattern.MatchString}, "title": any})
	add("abbr", attrRules{"title": any})
	add("map", attrRules{"name": {mapName.MatchString}})
	add("area", attrRules{"alt": {paragraph.MatchString}, "coords": {coords.MatchString}, "href": any,
		"rel": {spaceTokens.MatchString}, "shape": {shape.MatchString}})
	add("img", attrRules{"usemap": {usemap.MatchString}, "align": {imageAlign.MatchString},
		"alt": {paragraph.MatchString, nil}, "height": {numberOrPct.MatchString}, "width": {numberOrPct.MatchString},
		"src": any, "title": any, "loading": any})
	add("time", attrRules{"datetime": {iso8601.MatchString}})
	add("bdi bdo", attrRules{"dir": {direction.MatchString}})
	add("del ins", attrRules{"cite": {paragraph.MatchString}, "datetime": {iso8601.MatchString}})
	add("ol ul", attrRules{"type": {listType.MatchString}})
	add("li", attrRules{"type": {listType.MatchString}, "value": {integer.MatchString}})
	add("table", attrRules{"height": {numberOrPct.MatchString}, "width": {numberOrPct.MatchString}, "summary": {paragraph.MatchString}})
	add("col colgroup", attrRules{"align": {cellAlign.MatchString}, "height": {numberOrPct.MatchString},
		"width": {numberOrPct.MatchString}, "span": {integer.MatchString}, "valign": {cellVAlign.MatchString}})
	add("thead tr tbody tfoot", attrRules{"align": {cellAlign.MatchString}, "valign": {cellVAlign.MatchString}})
	add("td th", attrRules{"abbr": {paragraph.MatchString}, "align": {cellAlign.MatchString},
		"colspan": {integer.MatchString}, "rowspan": {integer.MatchString}, "headers": {spaceTokens.MatchString},
		"height": {numberOrPct.MatchString}, "width": {numberOrPct.MatchString}, "scope": {scopePattern.MatchString},
		"valign": {cellVAlign.MatchString}, "nowrap": any})
	add("meter", attrRules{"value": {number.MatchString}, "min": {number.MatchString}, "max": {number.MatchString},
		"low": {number.MatchString}, "high": {number.MatchString}, "optimum": {number.MatchString}})
	add("progress", attrRules{"value": {number.MatchString}, "max": {number.MatchString}})
	add("source", attrRules{"src": any, "type": any, "media": any})
	add("video", attrRules{"src": any, "poster": any, "controls": any, "width": any, "height": any, "preload": any})
	add("audio", attrRules{"src": any, "controls": any, "preload": any})
	return m
}

// allowedBare are the elements kept without attributes; the others (a,
// img, iframe, …) are dropped, content kept, when none of theirs is left.
var allowedBare = setOf(`abbr acronym address article aside audio b bdi blockquote body br
button canvas caption center cite code col colgroup datalist dd del details dfn div dl dt em
fieldset figcaption figure footer h1 h2 h3 h4 h5 h6 head header hgroup hr html i ins kbd li
mark marquee nav ol optgroup option p picture pre q rp rt ruby s samp script section select
small span strike strong style sub summary sup svg table tbody td textarea tfoot th thead
title time tr tt u ul var video wbr`)

// skippedContent are the elements outside the allow-list whose content
// goes with them: what a browser does not show (raw text, or markup shown
// only without scripts or frames). An object or applet is not among them:
// a browser shows its fallback content when it cannot show the object,
// so the tags go and that content stays, and an unclosed one cannot
// swallow the rest of the field.
var skippedContent = setOf(`frame frameset iframe noembed noframes noscript nostyle
script style title`)

// allowStart is the allow-list step for a start tag whose attributes are
// in s.attrs.
func (s *state) allowStart(name string, selfClosing bool) {
	if !selfClosing {
		s.recent = name
	}
	if name == "script" || name == "style" {
		return
	}
	rules, ok := s.p.in.elems[name]
	if !ok {
		if !selfClosing && skippedContent[name] {
			s.skippingText = true
			s.skipContent++
		}
		return
	}
	s.filterAttrs(name, func(a attr) bool {
		return allowed(rules[a.key], a.val) || allowed(globalAttrs[a.key], a.val)
	})
	if len(s.attrs) == 0 && !allowedBare[name] {
		if !selfClosing {
			s.skipEnds = append(s.skipEnds, name)
		}
		return
	}
	if !s.skippingText {
		closer := ""
		if selfClosing {
			closer = "/"
		}
		s.out = appendStartTag(s.out, name, s.attrs, closer)
	}
}

func allowed(matchers []func(string) bool, v string) bool {
	for _, m := range matchers {
		if m == nil || m(v) {
			return true
		}
	}
	return false
}

// allowEnd is the allow-list step for an end tag.
func (s *state) allowEnd(name string) {
	if s.recent == name {
		s.recent = ""
	}
	if name == "script" || name == "style" {
		return
	}
	if n := len(s.skipEnds); n > 0 && s.skipEnds[n-1] == name {
		s.skipEnds = s.skipEnds[:n-1]
		return
	}
	if _, ok := s.p.in.elems[name]; !ok {
		if skippedContent[name] {
			if s.skipContent--; s.skipContent == 0 {
				s.skippingText = false
			}
		}
		return
	}
	if !s.skippingText {
		s.out = appendEndTag(s.out, name)
	}
}
