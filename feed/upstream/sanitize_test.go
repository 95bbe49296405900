package upstream

import (
	"strings"

	"golang.org/x/net/html"
)

// The sanitizer's own tests (the hostile table every case of which runs
// through both policies, FuzzSanitize) live with it in internal/htmlsafe.

// balanced reports whether every non-void element of s is closed, in
// order.
func balanced(s string) bool {
	z := html.NewTokenizer(strings.NewReader(s))
	var stack []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			return len(stack) == 0
		case html.StartTagToken:
			name, _ := z.TagName()
			if n := string(name); !voidName(n) {
				stack = append(stack, n)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(stack) == 0 || stack[len(stack)-1] != string(name) {
				return false
			}
			stack = stack[:len(stack)-1]
		}
	}
}

func voidName(n string) bool {
	switch n {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr":
		return true
	}
	return false
}
