package htmlsafe

import (
	"slices"

	"golang.org/x/net/html/atom"
)

// Elements left open in an incoming fragment (a description cut at 300
// characters, a forgotten </div>) would swallow whatever a page shows
// after the content, so the Incoming policy closes them as HTML's parser
// would, and drops stray end tags.

// openElements is the stack of elements open in a fragment.
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

// start records the start tag a, first closing what it implies.
func (o *openElements) start(s *state, a atom.Atom) {
	if closes, stops := implied(a); closes != nil {
		for i := len(o.stack) - 1; i >= 0; i-- {
			e := o.stack[i]
			if slices.Contains(closes, e) {
				o.closeTo(s, i)
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

// end handles the end tag a: it closes the elements opened inside a and
// reports whether a was open; the caller handles a's end tag.
func (o *openElements) end(s *state, a atom.Atom) bool {
	for i := len(o.stack) - 1; i >= 0; i-- {
		if o.stack[i] == a {
			o.closeTo(s, i+1)
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

// closeTo hands end tags for the open elements from the top down to index
// i, inclusive, to the allow-list step, and pops them.
func (o *openElements) closeTo(s *state, i int) {
	for j := len(o.stack) - 1; j >= i; j-- {
		s.allowEnd(o.stack[j].String())
	}
	o.stack = o.stack[:i]
}
