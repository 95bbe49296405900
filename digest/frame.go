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

// A frame is a message template (TemplateHTML, TemplateText or
// TemplateSubject) split at the nodes of its top level into parts of three
// kinds: runs of nodes that read only the View's shared fields, which are
// the same in every message of an edition in one language; runs that
// also read what follows from the stories chosen (the story lists, the
// lead, the subject and preheader: memoFields), which subscribers who get
// the same stories share; and the nodes that read anything else (the
// greeting, the footer's links with their tokens). The shared parts are
// rendered once per edition and language (a Builder's frameCache keeps
// their bytes), the story parts once per edition, language and choice of
// stories (the same cache, bounded, keyed by what they read); a message
// executes only the personal ones, and its body is the parts' bytes in
// order, the very bytes the whole template writes.
//
// An html/template part is escaped on its own, starting in the context
// in which HTML text starts; a part that does not end in that context
// (it stops inside a tag, an attribute or a <title>) is merged with the
// next one, so every part starts in the context it has in the whole
// template and is escaped as it is there.
//
// A template may have two frames, one for the web version and one for a
// subscriber's message (View.Personal), when it has "if .Personal" at its
// top level: in each, the branch taken replaces the if, so that what the
// branch shares with every message is not executed per message.
type frame struct {
	parts []framePart
	exec  func(w io.Writer, name string, v *View) error
	// personal is the frame for a View with Personal set, when it is not
	// this one.
	personal *frame
}

// framePart is one part of a frame, executed as the template name.
type framePart struct {
	name  string
	kind  partKind
	reads viewMask // the View's fields the part reads (a partStories part is cached by them)
	nodes []parse.Node
}

// partKind says what a part's output depends on, from the least to the
// most: a part that holds nodes of two kinds is of the greater one.
type partKind int

const (
	partShared   partKind = iota // the sharedFields only: once per edition and language
	partStories                  // also memoFields: once per choice of stories
	partPersonal                 // anything else: every message
)

// kindOf returns the kind of part whose nodes read m.
func kindOf(m viewMask) partKind {
	switch {
	case m&^(sharedMask|memoMask) != 0:
		return partPersonal
	case m&memoMask != 0:
		return partStories
	}
	return partShared
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

// splitNodes returns top-level nodes in runs of one kind;
// lookup finds the templates the nodes call. A template that declares a
// variable at its top level is one personal part (a variable does not
// cross parts).
func splitNodes(nodes []parse.Node, lookup func(string) *parse.Tree) []framePart {
	d := &deps{lookup: lookup, memo: map[string]viewMask{}}
	var parts []framePart
	for _, n := range nodes {
		if a, ok := n.(*parse.ActionNode); ok && len(a.Pipe.Decl) > 0 {
			return []framePart{{kind: partPersonal, nodes: nodes}}
		}
		m := d.node(n, rootDot, rootDot)
		kind := kindOf(m)
		if k := len(parts) - 1; k >= 0 && parts[k].kind == kind {
			parts[k].nodes = append(parts[k].nodes, n)
			parts[k].reads |= m
			continue
		}
		parts = append(parts, framePart{kind: kind, reads: m, nodes: []parse.Node{n}})
	}
	return parts
}

// worthSplitting reports whether parts save anything over executing the
// whole template: more than one part, or one that is not personal.
func worthSplitting(parts []framePart) bool {
	return len(parts) > 1 || len(parts) == 1 && parts[0].kind != partPersonal
}

// tree returns a parse tree of copies of the nodes, named name.
func partTree(name string, nodes []parse.Node) *parse.Tree {
	list := &parse.ListNode{NodeType: parse.NodeList}
	for _, n := range nodes {
		list.Nodes = append(list.Nodes, n.Copy())
	}
	return &parse.Tree{Name: name, ParseName: name, Root: list}
}

// textFrame splits the text/template t; nil when it is one personal
// part either way (see variants).
func textFrame(t *texttemplate.Template) (*frame, error) {
	lookup := func(name string) *parse.Tree {
		if c := t.Lookup(name); c != nil {
			return c.Tree
		}
		return nil
	}
	return variants(t.Tree.Root.Nodes, func(*parse.IfNode, []parse.Node) bool { return true },
		func(nodes []parse.Node) (*frame, error) { return newFrame(t, splitNodes(nodes, lookup)) },
		func(nodes []parse.Node) bool { return worthSplitting(splitNodes(nodes, lookup)) })
}

// htmlFrame splits the html/template t, which must not have been
// executed; nil when it is one personal part either way, or when t
// itself does not escape (its execution reports why).
func htmlFrame(t *htmltemplate.Template) (*frame, error) {
	lookup := func(name string) *parse.Tree {
		if c := t.Lookup(name); c != nil {
			return c.Tree
		}
		return nil
	}
	whole := &framePart{nodes: copyLines(t.Tree.Root.Nodes)}
	if ok, err := escapes(t, whole); !ok || err != nil {
		return nil, err
	}
	var probeErr error
	// An "if .Personal" is replaced by a branch only where the whole
	// template is in HTML text before it and each branch starts and ends
	// there: then the branch is escaped as it is in the whole template.
	inText := func(n *parse.IfNode, before []parse.Node) bool {
		for _, nodes := range [][]parse.Node{before, listNodes(n.List), listNodes(n.ElseList)} {
			ok, err := escapes(t, &framePart{nodes: copyLines(nodes)})
			if err != nil {
				probeErr = err
			}
			if !ok || err != nil {
				return false
			}
		}
		return true
	}
	f, err := variants(t.Tree.Root.Nodes, inText,
		func(nodes []parse.Node) (*frame, error) {
			parts, err := htmlParts(t, splitNodes(nodes, lookup))
			if err != nil {
				return nil, err
			}
			return newFrame(t, parts)
		},
		func(nodes []parse.Node) bool { return worthSplitting(splitNodes(nodes, lookup)) })
	if probeErr != nil {
		return nil, probeErr
	}
	return f, err
}

// htmlParts returns parts of an html/template that each start and end in
// HTML text, moving lines between neighbours or merging them until they
// do.
func htmlParts(t *htmltemplate.Template, parts []framePart) ([]framePart, error) {
	for i := range parts { // the copies are taken before anything escapes t's trees
		parts[i].nodes = copyLines(parts[i].nodes)
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
		case p.kind < next.kind && len(p.nodes) > 1 && isText(p.nodes[len(p.nodes)-1]):
			// a cheaper part that stops inside a tag gives its last line to the next
			next.nodes = append([]parse.Node{p.nodes[len(p.nodes)-1]}, next.nodes...)
			p.nodes = p.nodes[:len(p.nodes)-1]
		case p.kind > next.kind && len(next.nodes) > 1 && isText(next.nodes[0]):
			// a dearer part takes lines from the next until it ends in text
			p.nodes = append(p.nodes, next.nodes[0])
			next.nodes = next.nodes[1:]
		default:
			p.merge(next)
			parts = append(parts[:i+1], parts[i+2:]...)
		}
	}
	for i := 1; i < len(parts); { // parts of one kind that now follow one another run as one
		if parts[i-1].kind == parts[i].kind {
			parts[i-1].merge(&parts[i])
			parts = append(parts[:i], parts[i+1:]...)
			continue
		}
		i++
	}
	return parts, nil
}

// merge appends next's nodes to p, which takes the greater kind of the two.
func (p *framePart) merge(next *framePart) {
	p.nodes = append(p.nodes, next.nodes...)
	p.kind = max(p.kind, next.kind)
	p.reads |= next.reads
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

// dotValue is the value of dot or $ while deps walks a template: the
// View itself, or a value that follows from the View's fields in mask
// (none: a constant, or nil).
type dotValue struct {
	root bool
	mask viewMask
}

var rootDot = dotValue{root: true}

// deps finds which of the View's fields nodes read.
type deps struct {
	lookup func(string) *parse.Tree
	memo   map[string]viewMask // by template and dot: what it reads
}

// node returns the fields of the View that n reads, with dot and $ as
// given; viewWhole when it reads the View as a whole or does something
// deps does not know.
func (d *deps) node(n parse.Node, dot, dollar dotValue) viewMask {
	switch n := n.(type) {
	case *parse.ListNode:
		var m viewMask
		if n != nil {
			for _, c := range n.Nodes {
				m |= d.node(c, dot, dollar)
			}
		}
		return m
	case *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
		return 0
	case *parse.ActionNode:
		return d.pipe(n.Pipe, dot, dollar)
	case *parse.IfNode:
		return d.branch(&n.BranchNode, dot, dollar, false)
	case *parse.WithNode:
		return d.branch(&n.BranchNode, dot, dollar, true)
	case *parse.RangeNode:
		return d.branch(&n.BranchNode, dot, dollar, true)
	case *parse.TemplateNode:
		var callee dotValue // no argument: dot is nil
		if n.Pipe != nil {
			if root(n.Pipe, dot, dollar) {
				callee = rootDot
			} else {
				callee.mask = d.pipe(n.Pipe, dot, dollar)
			}
		}
		t := d.lookup(n.Name)
		if t == nil {
			return viewWhole
		}
		key := fmt.Sprint(n.Name, callee)
		if r, ok := d.memo[key]; ok {
			return callee.mask | r // a recursive call is being walked already
		}
		d.memo[key] = 0
		r := d.node(t.Root, callee, callee)
		d.memo[key] = r
		return callee.mask | r
	}
	return viewWhole
}

// branch is node for if, with and range, which set dot to the value of
// their pipeline in their list (but not their else list).
func (d *deps) branch(b *parse.BranchNode, dot, dollar dotValue, rebinds bool) viewMask {
	m := d.pipe(b.Pipe, dot, dollar)
	inner := dot
	if rebinds {
		inner = dotValue{mask: m}
	}
	return m | d.node(b.List, inner, dollar) | d.node(b.ElseList, dot, dollar)
}

// pipe returns the fields a pipeline reads. Its variables need no
// tracking: they live inside the node that declares them (splitNodes
// keeps templates with top-level declarations whole), whose fields
// include those they are set from.
func (d *deps) pipe(p *parse.PipeNode, dot, dollar dotValue) viewMask {
	var m viewMask
	if p != nil {
		for _, c := range p.Cmds {
			for _, a := range c.Args {
				m |= d.arg(a, dot, dollar)
			}
		}
	}
	return m
}

func (d *deps) arg(n parse.Node, dot, dollar dotValue) viewMask {
	switch n := n.(type) {
	case *parse.FieldNode:
		if dot.root {
			return viewField(n.Ident[0])
		}
		return dot.mask
	case *parse.DotNode:
		if dot.root {
			return viewWhole
		}
		return dot.mask
	case *parse.VariableNode:
		switch {
		case n.Ident[0] != "$":
			return 0
		case !dollar.root:
			return dollar.mask
		case len(n.Ident) == 1:
			return viewWhole
		}
		return viewField(n.Ident[1])
	case *parse.ChainNode:
		return d.arg(n.Node, dot, dollar)
	case *parse.PipeNode:
		return d.pipe(n, dot, dollar)
	case *parse.IdentifierNode, *parse.BoolNode, *parse.NumberNode, *parse.StringNode, *parse.NilNode:
		return 0
	}
	return viewWhole
}

// root reports whether a template call's argument is the View itself.
func root(p *parse.PipeNode, dot, dollar dotValue) bool {
	if len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.DotNode:
		return dot.root
	case *parse.VariableNode:
		return len(a.Ident) == 1 && a.Ident[0] == "$" && dollar.root
	}
	return false
}

// execute writes f executed with v to w, the shared and story parts
// from c.
func (f *frame) execute(w *bytes.Buffer, v *View, c *frameCache) error {
	if v.Personal && f.personal != nil {
		f = f.personal
	}
	e, err := c.get(f, v)
	if err != nil {
		return err
	}
	for i := range f.parts {
		switch p := &f.parts[i]; p.kind {
		case partShared:
			w.Write(e.shared[i])
		case partStories:
			err = c.stories(w, e, i, v)
		default:
			err = f.exec(w, p.name, v)
		}
		if err != nil {
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

// frameEntry is what a frameCache keeps for a frameKey: the shared parts,
// and the story parts rendered so far by what they read.
type frameEntry struct {
	f       *frame
	shared  [][]byte // by part (nil for the others)
	stories sync.Map // storyKey → *storyPart
}

// frameCache keeps a frameEntry by frameKey.
type frameCache struct {
	m sync.Map // frameKey → *frameEntry
	n atomic.Int64

	storyBytes atomic.Int64 // the bytes of story parts in m, roughly
	storyMax   int64        // the most storyBytes before m is cleared [storyCacheMax]
}

const frameCacheMax = 1024

// get returns the entry of f for v, its shared parts rendered with v.
func (c *frameCache) get(f *frame, v *View) (*frameEntry, error) {
	k := frameKey{f: f, ed: v.Edition, lang: v.Lang, dir: v.Dir, date: v.Date, browser: v.BrowserURL, home: v.HomeURL, personal: v.Personal}
	if e, ok := c.m.Load(k); ok {
		return e.(*frameEntry), nil
	}
	e := &frameEntry{f: f, shared: make([][]byte, len(f.parts))}
	var buf bytes.Buffer
	for i, p := range f.parts {
		if p.kind != partShared {
			continue
		}
		buf.Reset()
		if err := f.exec(&buf, p.name, v); err != nil {
			return nil, err
		}
		e.shared[i] = bytes.Clone(buf.Bytes())
	}
	if c.n.Add(1) > frameCacheMax {
		c.clear()
	}
	actual, _ := c.m.LoadOrStore(k, e)
	return actual.(*frameEntry), nil
}

// clear empties c.
func (c *frameCache) clear() {
	c.m.Clear()
	c.n.Store(0)
	c.storyBytes.Store(0)
}
