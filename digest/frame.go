package digest

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"sync"
	"sync/atomic"
	texttemplate "text/template"
	"text/template/parse"
)

// A frame is a message template (TemplateHTML or TemplateText) split at
// the nodes of its top level into parts: runs of nodes that read only the
// View's shared fields, which are the same in every message of an
// edition in one language, and the nodes that read anything else (the
// greeting, the story lists, the footer's links with their tokens). The
// shared parts are rendered once per edition and language (a Builder's
// frameCache keeps their bytes); a message executes only the others, and
// its body is the parts' bytes in order, the very bytes the whole
// template writes.
//
// An html/template part is escaped on its own, starting in the context
// in which HTML text starts; a part that does not end in that context
// (it stops inside a tag, an attribute or a <title>) is merged with the
// next one, so every part starts in the context it has in the whole
// template and is escaped as it is there.
type frame struct {
	parts []framePart
	exec  func(w io.Writer, name string, v *View) error
}

// framePart is one part of a frame, executed as the template name.
type framePart struct {
	name   string
	shared bool
	nodes  []parse.Node
}

// sharedFields are the fields of View that are the same in every message
// of one Builder for an edition, a language and Personal: T and Dir are
// the language's locale, Publisher, AddressLines and HomeURL are the
// publisher as written in it, Date and BrowserURL follow from the
// edition and the language.
var sharedFields = map[string]bool{
	"Lang": true, "Dir": true, "T": true, "Personal": true, "Date": true, "Edition": true,
	"Publisher": true, "AddressLines": true, "BrowserURL": true, "HomeURL": true,
}

// splitNodes returns the top-level nodes of root in runs, each shared or
// not; lookup finds the templates the nodes call. A template that
// declares a variable at its top level is one part (a variable does not
// cross parts).
func splitNodes(root *parse.ListNode, lookup func(string) *parse.Tree) []framePart {
	d := &deps{lookup: lookup, memo: map[string]bool{}}
	var parts []framePart
	for _, n := range root.Nodes {
		if a, ok := n.(*parse.ActionNode); ok && len(a.Pipe.Decl) > 0 {
			return []framePart{{nodes: root.Nodes}}
		}
		shared := !d.node(n, dotRoot, dotRoot)
		if k := len(parts) - 1; k >= 0 && parts[k].shared == shared {
			parts[k].nodes = append(parts[k].nodes, n)
			continue
		}
		parts = append(parts, framePart{shared: shared, nodes: []parse.Node{n}})
	}
	return parts
}

// tree returns a parse tree of copies of the nodes, named name.
func partTree(name string, nodes []parse.Node) *parse.Tree {
	list := &parse.ListNode{NodeType: parse.NodeList}
	for _, n := range nodes {
		list.Nodes = append(list.Nodes, n.Copy())
	}
	return &parse.Tree{Name: name, ParseName: name, Root: list}
}

// textFrame splits the text/template t; nil when it is one part.
func textFrame(t *texttemplate.Template) (*frame, error) {
	parts := splitNodes(t.Tree.Root, func(name string) *parse.Tree {
		if c := t.Lookup(name); c != nil {
			return c.Tree
		}
		return nil
	})
	if len(parts) < 2 {
		return nil, nil
	}
	return newFrame(t, parts)
}

// htmlFrame splits the html/template t, which must not have been
// executed; nil when it is one part, or when t itself does not escape
// (its execution reports why).
func htmlFrame(t *htmltemplate.Template) (*frame, error) {
	parts := splitNodes(t.Tree.Root, func(name string) *parse.Tree {
		if c := t.Lookup(name); c != nil {
			return c.Tree
		}
		return nil
	})
	if len(parts) < 2 {
		return nil, nil
	}
	for i := range parts { // the copies are taken before anything escapes t's trees
		parts[i].nodes = copyLines(parts[i].nodes)
	}
	whole := &framePart{nodes: t.Tree.Root.Nodes}
	if ok, err := escapes(t, whole); !ok || err != nil {
		return nil, err
	}
	for i := 0; i < len(parts)-1; { // the last part ends where t ends
		ok, err := escapes(t, &parts[i])
		if err != nil {
			return nil, err
		}
		p, next := &parts[i], &parts[i+1]
		switch {
		case ok:
			i++
		case p.shared && len(p.nodes) > 1 && isText(p.nodes[len(p.nodes)-1]):
			// a shared part that stops inside a tag gives its last line to the next
			next.nodes = append([]parse.Node{p.nodes[len(p.nodes)-1]}, next.nodes...)
			p.nodes = p.nodes[:len(p.nodes)-1]
		case !p.shared && len(next.nodes) > 1 && isText(next.nodes[0]):
			// a personal part takes lines from the next until it ends in text
			p.nodes = append(p.nodes, next.nodes[0])
			next.nodes = next.nodes[1:]
		default:
			p.nodes = append(p.nodes, next.nodes...)
			p.shared = p.shared && next.shared
			parts = append(parts[:i+1], parts[i+2:]...)
		}
	}
	for i := 1; i < len(parts); { // personal parts that now follow one another run as one
		if !parts[i-1].shared && !parts[i].shared {
			parts[i-1].nodes = append(parts[i-1].nodes, parts[i].nodes...)
			parts = append(parts[:i], parts[i+1:]...)
			continue
		}
		i++
	}
	if len(parts) < 2 {
		return nil, nil
	}
	return newFrame(t, parts)
}

// templateSet is what a frame needs of a text/template or html/template
// set.
type templateSet[T any] interface {
	Name() string
	Clone() (T, error)
	AddParseTree(name string, tree *parse.Tree) (T, error)
	ExecuteTemplate(w io.Writer, name string, data any) error
}

// newFrame returns the frame of parts of t, each a template named after
// t in a clone of t's set.
func newFrame[T templateSet[T]](t T, parts []framePart) (*frame, error) {
	set, err := t.Clone()
	if err != nil {
		return nil, err
	}
	for i := range parts {
		parts[i].name = fmt.Sprintf("%s, part %d", t.Name(), i+1)
		if _, err := set.AddParseTree(parts[i].name, partTree(parts[i].name, parts[i].nodes)); err != nil {
			return nil, err
		}
		parts[i].nodes = nil
	}
	return &frame{parts: parts, exec: func(w io.Writer, name string, v *View) error {
		return set.ExecuteTemplate(w, name, v)
	}}, nil
}

// copyLines returns copies of the nodes with each text node cut into
// lines (a node for each line, its newline included), the places where a
// part may end.
func copyLines(nodes []parse.Node) []parse.Node {
	var out []parse.Node
	for _, n := range nodes {
		t, ok := n.(*parse.TextNode)
		if !ok {
			out = append(out, n.Copy())
			continue
		}
		text, pos := t.Text, t.Pos
		for len(text) > 0 {
			k := bytes.IndexByte(text, '\n') + 1
			if k == 0 {
				k = len(text)
			}
			c := t.Copy().(*parse.TextNode)
			c.Text, c.Pos = bytes.Clone(text[:k]), pos
			out = append(out, c)
			text, pos = text[k:], pos+parse.Pos(k)
		}
	}
	return out
}

func isText(n parse.Node) bool { _, ok := n.(*parse.TextNode); return ok }

// escapes reports whether p's nodes escape on their own in a clone of t,
// starting and ending in HTML text.
func escapes(t *htmltemplate.Template, p *framePart) (bool, error) {
	set, err := t.Clone()
	if err != nil {
		return false, err
	}
	const name = "\x00frame probe"
	if _, err := set.AddParseTree(name, partTree(name, p.nodes)); err != nil {
		return false, err
	}
	err = set.ExecuteTemplate(io.Discard, name, &View{})
	var escErr *htmltemplate.Error
	return !errors.As(err, &escErr), nil
}

// The values of dot and $ while deps walks a template: the View itself,
// or something that follows from its shared fields alone.
const (
	dotShared = iota
	dotRoot
)

// deps finds which nodes read the View's fields other than sharedFields.
type deps struct {
	lookup func(string) *parse.Tree
	memo   map[string]bool // by template and dot: whether it reads one
}

// node reports whether n reads a field of the View other than the
// shared ones (or the View as a whole), with dot and $ as given.
func (d *deps) node(n parse.Node, dot, dollar int) bool {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return false
		}
		for _, c := range n.Nodes {
			if d.node(c, dot, dollar) {
				return true
			}
		}
		return false
	case *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
		return false
	case *parse.ActionNode:
		return d.pipe(n.Pipe, dot, dollar)
	case *parse.IfNode:
		return d.branch(&n.BranchNode, dot, dollar, false)
	case *parse.WithNode:
		return d.branch(&n.BranchNode, dot, dollar, true)
	case *parse.RangeNode:
		return d.branch(&n.BranchNode, dot, dollar, true)
	case *parse.TemplateNode:
		callee := dotShared // no argument: dot is nil
		if n.Pipe != nil {
			if root(n.Pipe, dot, dollar) {
				callee = dotRoot
			} else if d.pipe(n.Pipe, dot, dollar) {
				return true
			}
		}
		t := d.lookup(n.Name)
		if t == nil {
			return true
		}
		key := fmt.Sprint(n.Name, callee)
		if r, ok := d.memo[key]; ok {
			return r // a recursive call is being walked already
		}
		d.memo[key] = false
		r := d.node(t.Root, callee, callee)
		d.memo[key] = r
		return r
	}
	return true
}

// branch is node for if, with and range, which set dot to the value of
// their pipeline in their list (but not their else list).
func (d *deps) branch(b *parse.BranchNode, dot, dollar int, rebinds bool) bool {
	if d.pipe(b.Pipe, dot, dollar) {
		return true
	}
	inner := dot
	if rebinds {
		inner = dotShared // a value of shared fields: the pipeline reads no other
	}
	return d.node(b.List, inner, dollar) || d.node(b.ElseList, dot, dollar)
}

// pipe reports whether a pipeline reads a personal field. Its variables
// need no tracking: they live inside the node that declares them (splitNodes
// keeps templates with top-level declarations whole), which is personal as
// soon as one is set from a personal field.
func (d *deps) pipe(p *parse.PipeNode, dot, dollar int) bool {
	if p == nil {
		return false
	}
	for _, c := range p.Cmds {
		for _, a := range c.Args {
			if d.arg(a, dot, dollar) {
				return true
			}
		}
	}
	return false
}

func (d *deps) arg(n parse.Node, dot, dollar int) bool {
	switch n := n.(type) {
	case *parse.FieldNode:
		return dot == dotRoot && !sharedFields[n.Ident[0]]
	case *parse.DotNode:
		return dot == dotRoot
	case *parse.VariableNode:
		if n.Ident[0] != "$" || dollar != dotRoot {
			return false
		}
		return len(n.Ident) == 1 || !sharedFields[n.Ident[1]]
	case *parse.ChainNode:
		return d.arg(n.Node, dot, dollar)
	case *parse.PipeNode:
		return d.pipe(n, dot, dollar)
	case *parse.IdentifierNode, *parse.BoolNode, *parse.NumberNode, *parse.StringNode, *parse.NilNode:
		return false
	}
	return true
}

// root reports whether a template call's argument is the View itself.
func root(p *parse.PipeNode, dot, dollar int) bool {
	if len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.DotNode:
		return dot == dotRoot
	case *parse.VariableNode:
		return len(a.Ident) == 1 && a.Ident[0] == "$" && dollar == dotRoot
	}
	return false
}

// execute writes f executed with v to w, the shared parts from c.
func (f *frame) execute(w *bytes.Buffer, v *View, c *frameCache) error {
	shared, err := c.get(f, v)
	if err != nil {
		return err
	}
	for i, p := range f.parts {
		if p.shared {
			w.Write(shared[i])
			continue
		}
		if err := f.exec(w, p.name, v); err != nil {
			return err
		}
	}
	return nil
}

// frameKey is what the shared parts of a frame depend on in one Builder.
type frameKey struct {
	f                              *frame
	ed                             Edition
	lang, dir, date, browser, home string
	personal                       bool
}

// frameCache keeps the shared parts of frames by frameKey.
type frameCache struct {
	m sync.Map // frameKey → [][]byte, by part (nil for the others)
	n atomic.Int64
}

const frameCacheMax = 1024

// get returns the shared parts of f rendered with v.
func (c *frameCache) get(f *frame, v *View) ([][]byte, error) {
	k := frameKey{f: f, ed: v.Edition, lang: v.Lang, dir: v.Dir, date: v.Date, browser: v.BrowserURL, home: v.HomeURL, personal: v.Personal}
	if s, ok := c.m.Load(k); ok {
		return s.([][]byte), nil
	}
	shared := make([][]byte, len(f.parts))
	var buf bytes.Buffer
	for i, p := range f.parts {
		if !p.shared {
			continue
		}
		buf.Reset()
		if err := f.exec(&buf, p.name, v); err != nil {
			return nil, err
		}
		shared[i] = bytes.Clone(buf.Bytes())
	}
	if c.n.Add(1) > frameCacheMax {
		c.m.Clear()
		c.n.Store(0)
	}
	c.m.Store(k, shared)
	return shared, nil
}
