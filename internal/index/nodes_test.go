package index

import (
	"fmt"
	"testing"
)

const (
	kindTag uint8 = iota + 1
	kindAuthor
)

type testNode = Node[string, struct{}]

func TestNodeTableCollisions(t *testing.T) {
	var tab NodeTable[string, struct{}]
	tab.Init()
	var nodes []*testNode
	// Many nodes under a handful of hashes: every lookup walks a probe
	// chain past others with its hash, and the table grows several times.
	for i := range 500 {
		n := &testNode{Kind: kindTag, Slug: fmt.Sprintf("t%d", i)}
		tab.Add(uint64(i%7), n)
		nodes = append(nodes, n)
	}
	for i, n := range nodes {
		if got := tab.Find(uint64(i%7), kindTag, nil, n.Slug); got != n {
			t.Fatalf("Find(%q) = %v, want its node", n.Slug, got)
		}
		if got := tab.Find(uint64(i%7), kindAuthor, nil, n.Slug); got != nil {
			t.Fatalf("Find(author %q) found a tag", n.Slug)
		}
	}
	ws := []Want[string, struct{}]{{Kind: kindTag, Slug: "t3"}, {Kind: kindTag, Slug: "absent"}}
	for i := range ws {
		ws[i].H = tab.Hash(ws[i].Kind, 0, ws[i].Slug)
	}
	tab.Resolve(ws, nil) // real hashes: nothing matches the forced ones
	if ws[0].N != nil || ws[1].N != nil {
		t.Errorf("Resolve found nodes filed under other hashes: %v %v", ws[0].N, ws[1].N)
	}
	if got := 4 * len(tab.buckets); got < 2*len(nodes) {
		t.Errorf("table has %d slots for %d nodes, want at most half full", got, len(nodes))
	}
}

// TestNodeTableResolve resolves a batch of wants, some present, some
// absent, one asked twice and one below a parent, then creates the absent
// ones with FindOrAdd: a second Resolve finds every one, and the stages'
// callback runs twice in order.
func TestNodeTableResolve(t *testing.T) {
	var tab NodeTable[string, struct{}]
	tab.Init()
	mk := func(kind uint8, parent *testNode, ph uint64, slug string) Want[string, struct{}] {
		return Want[string, struct{}]{Kind: kind, Parent: parent, Slug: slug, H: tab.Hash(kind, ph, slug)}
	}
	var stages []int
	record := func(s int) { stages = append(stages, s) }

	ws := []Want[string, struct{}]{mk(kindTag, nil, 0, "a"), mk(kindAuthor, nil, 0, "a"), mk(kindTag, nil, 0, "a")}
	tab.Resolve(ws, record)
	if fmt.Sprint(stages) != "[1 2]" {
		t.Errorf("stages on an empty table = %v, want [1 2]", stages)
	}
	var got []*testNode
	for i := range ws {
		n, isNew := tab.FindOrAdd(&ws[i])
		if isNew != (i < 2) {
			t.Errorf("want %d: isNew = %v", i, isNew)
		}
		got = append(got, n)
	}
	if got[0] != got[2] || got[0] == got[1] {
		t.Fatalf("one tag asked twice gave %p and %p; the author %p", got[0], got[2], got[1])
	}
	parent := got[0]
	child := mk(kindTag, parent, ws[0].H, "b")
	child.AnyParent = true
	cn, _ := tab.FindOrAdd(&child)

	stages = nil
	again := []Want[string, struct{}]{mk(kindTag, nil, 0, "a"), mk(kindAuthor, nil, 0, "a"), child, mk(kindTag, nil, 0, "c")}
	again[2].N = nil
	tab.Resolve(again, record)
	if fmt.Sprint(stages) != "[1 2]" {
		t.Errorf("stages = %v, want [1 2]", stages)
	}
	if again[0].N != got[0] || again[1].N != got[1] || again[2].N != cn || again[3].N != nil {
		t.Errorf("Resolve = %p %p %p %p, want %p %p %p nil", again[0].N, again[1].N, again[2].N, again[3].N, got[0], got[1], cn)
	}
	if cn.Parent != parent {
		t.Errorf("child's parent = %p, want %p", cn.Parent, parent)
	}
}

func TestPack(t *testing.T) {
	var dst [3]string
	Pack(dst[:], "उत्तर-प्रदेश", "", "कानपुर")
	if dst != [3]string{"उत्तर-प्रदेश", "", "कानपुर"} {
		t.Errorf("Pack = %q", dst)
	}
}
