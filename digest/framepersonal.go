package digest

import "text/template/parse"

// variants returns the frames of a template whose top-level nodes are
// nodes: one for each value of View.Personal when an "if .Personal" at
// the top level (one that ok accepts, given the nodes before it) can be
// replaced by its branches, else one. build makes a frame of nodes; worth
// says whether splitting nodes saves anything. It returns nil when
// nothing is to be gained.
func variants(nodes []parse.Node, ok func(n *parse.IfNode, before []parse.Node) bool,
	build func([]parse.Node) (*frame, error), worth func([]parse.Node) bool) (*frame, error) {
	web, changed := specialize(nodes, false, ok)
	if !changed {
		if !worth(nodes) {
			return nil, nil
		}
		return build(nodes)
	}
	personal, _ := specialize(nodes, true, ok)
	f, err := build(web)
	if err != nil {
		return nil, err
	}
	if f.personal, err = build(personal); err != nil {
		return nil, err
	}
	return f, nil
}

// specialize returns nodes with each top-level "if .Personal" that ok
// accepts, and whose branches declare no variable, replaced by the nodes of the branch taken when Personal is
// personal, and whether there was one.
func specialize(nodes []parse.Node, personal bool, ok func(*parse.IfNode, []parse.Node) bool) ([]parse.Node, bool) {
	var out []parse.Node
	changed := false
	for i, n := range nodes {
		in, isIf := n.(*parse.IfNode)
		if !isIf || !onPersonal(in.Pipe) || declares(in.List) || declares(in.ElseList) || !ok(in, nodes[:i]) {
			out = append(out, n)
			continue
		}
		changed = true
		if personal {
			out = append(out, listNodes(in.List)...)
		} else {
			out = append(out, listNodes(in.ElseList)...)
		}
	}
	return out, changed
}

// declares reports whether l declares a variable at its top level: in
// place of the if, the declaration would outlive the branch (and hide a
// variable of the same name declared before it).
func declares(l *parse.ListNode) bool {
	for _, n := range listNodes(l) {
		if a, ok := n.(*parse.ActionNode); ok && len(a.Pipe.Decl) > 0 {
			return true
		}
	}
	return false
}

// onPersonal reports whether an if's pipeline is .Personal (or
// $.Personal) alone.
func onPersonal(p *parse.PipeNode) bool {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.FieldNode:
		return len(a.Ident) == 1 && a.Ident[0] == "Personal"
	case *parse.VariableNode:
		return len(a.Ident) == 2 && a.Ident[0] == "$" && a.Ident[1] == "Personal"
	}
	return false
}

// listNodes returns l's nodes; none when l is nil.
func listNodes(l *parse.ListNode) []parse.Node {
	if l == nil {
		return nil
	}
	return l.Nodes
}
