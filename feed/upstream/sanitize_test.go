package upstream

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestSanitizeBalancesTags: content that leaves elements open (a
// description cut short, a forgotten </div>) comes out with them closed,
// so it cannot swallow the page it is shown in, and stray end tags are
// dropped.
func TestSanitizeBalancesTags(t *testing.T) {
	base := absHTTP("https://news.example.in/story/")
	s := newSanitizer(nil)
	tests := []struct{ name, in, want string }{
		{"cut mid-paragraph", `<p>पहला <b>मोटा <a href="/x">लिंक`, `<p>पहला <b>मोटा <a href="https://news.example.in/x" rel="noopener noreferrer">लिंक</a></b></p>`},
		{"unclosed div", `<div><p>a</p>`, `<div><p>a</p></div>`},
		{"stray end tags", `</div>a</b><p>b</p></p></span>`, `a<p>b</p>`},
		{"misnested", `<b><i>x</b>y</i>`, `<b><i>x</i></b>y`},
		{"implied p ends", `<p>one<p>two<div>three</div>`, `<p>one</p><p>two</p><div>three</div>`},
		{"list items", `<ul><li>a<li>b<ul><li>c</ul><li>d</ul>`, `<ul><li>a</li><li>b<ul><li>c</li></ul></li><li>d</li></ul>`},
		{"table cells", `<table><tr><td>1<td>2<tr><td>3</table>after`, `<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>after`},
		{"void elements", `<p>a<br>b<img src="/i.jpg"><hr>c`, `<p>a<br>b<img src="https://news.example.in/i.jpg"></p><hr>c`},
		{"unclosed script", `<p>ok</p><script>alert(1)`, `<p>ok</p>`},
		{"dropped iframe is not left open", `<div><iframe src="https://evil.example/"></iframe>x</div>`, `<div>x</div>`},
		{"kept iframe", `<div><iframe src="https://www.youtube.com/embed/x">`, `<div><iframe src="https://www.youtube.com/embed/x"></iframe></div>`},
		{"balanced input unchanged", `<p>a <em>b</em></p><ol><li>c</li></ol>`, `<p>a <em>b</em></p><ol><li>c</li></ol>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := s.clean(tt.in, base)
			if got != tt.want {
				t.Errorf("clean(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if !balanced(got) {
				t.Errorf("clean(%q) = %q is not balanced", tt.in, got)
			}
		})
	}
}

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

// FuzzSanitize: whatever the fragment, the output is balanced and keeps
// no script, style, event handler or javascript: URL.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		`<p>पहला <b>मोटा <a href="/x">लिंक`, `<ul><li>a<li>b<ul><li>c</ul><li>d</ul>`, `<table><tr><td>1<td>2<tr><td>3</table>`,
		`<div><iframe src="https://evil.example/"></iframe>x</div>`, `<b><i>x</b>y</i>`, `<svg><script>alert(1)</script></svg>`,
		`<a href="javascript:alert(1)" onclick="x">j</a><img src=x onerror=alert(1)>`, `<select><option>a<option>b</select>`,
		`<dl><dt>a<dd>b<dt>c</dl>`, `<p><a href="/a">one<a href="/b">two</p>`, `<math><mi>x</mi></math><noscript><p>n</noscript>`,
	} {
		f.Add(s)
	}
	base := absHTTP("https://news.example.in/story/")
	s := newSanitizer(nil)
	f.Fuzz(func(t *testing.T, in string) {
		got, img := s.clean(in, base)
		if !balanced(got) {
			t.Errorf("clean(%q) = %q is not balanced", in, got)
		}
		if bad := unsafeMarkup(got); bad != "" {
			t.Errorf("clean(%q) = %q keeps %s", in, got, bad)
		}
		if img != nil && absHTTP(img.URL) == nil {
			t.Errorf("first image %q is not absolute http(s)", img.URL)
		}
	})
}

// unsafeMarkup returns what in s a browser would run or style, or "".
func unsafeMarkup(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "svg", "math", "object", "embed", "base", "meta", "link", "form":
				return "<" + tok.Data + ">"
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
				switch {
				case strings.HasPrefix(a.Key, "on"), a.Key == "style", a.Key == "srcdoc":
					return a.Key + " attribute"
				case strings.HasPrefix(v, "javascript:"), strings.HasPrefix(v, "vbscript:"), strings.HasPrefix(v, "data:"):
					return a.Key + "=" + a.Val
				}
			}
		}
	}
}
