package xmltext

import "golang.org/x/net/html/atom"

// HiddenContent reports whether an element's content is not shown as text
// by a browser (script, style, template, noscript, an iframe's or
// object's inner markup, SVG and MathML, the head and the title): what
// a reading of an HTML fragment as plain text leaves out.
func HiddenContent(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Iframe, atom.Object, atom.Svg, atom.Math, atom.Head, atom.Title:
		return true
	}
	return false
}
