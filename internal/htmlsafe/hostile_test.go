package htmlsafe

import (
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// hostileBase and hostileOutBase are the bases of the shared table: an
// article's URL with Devanagari in its path for Outgoing, a story page
// for Incoming.
const (
	hostileOutBase = "https://news.example.in/2026/11/24/कानपुर-में-बारिश/"
	hostileInBase  = "https://news.example.in/story/"
)

// hostileCases run through both policies: out is what Outgoing returns,
// inc what Incoming (iframes from www.youtube.com allowed) returns.
var hostileCases = []struct{ name, in, out, inc string }{
	{
		name: "clean",
		in:   "<p class=\"lead\">नमस्ते <a href=\"https://x.example/a?b=1&amp;c=2\">x</a></p>",
		out:  "<p class=\"lead\">नमस्ते <a href=\"https://x.example/a?b=1&amp;c=2\">x</a></p>",
		inc:  "<p>नमस्ते <a href=\"https://x.example/a?b=1&amp;c=2\" rel=\"noopener noreferrer\">x</a></p>",
	},
	{
		name: "script with content",
		in:   "<p>a</p><script>alert(\"<p>\")</script><p>b</p>",
		out:  "<p>a</p><p>b</p>",
		inc:  "<p>a</p><p>b</p>",
	},
	{
		name: "upper-case script",
		in:   "<SCRIPT src=x></SCRIPT>ok",
		out:  "ok",
		inc:  "ok",
	},
	{
		name: "style element",
		in:   "<style>p{color:red}</style><p>x</p>",
		out:  "<p>x</p>",
		inc:  "<p>x</p>",
	},
	{
		name: "iframe object embed applet",
		in:   "<iframe src=\"https://e.example/\"></iframe><object data=\"x\"><param name=a value=b><p>fallback</p></object><embed src=\"y\"><applet code=\"z\">j</applet>.",
		out:  ".",
		inc:  "<p>fallback</p>j.", // a browser shows an object's fallback content
	},
	{
		name: "meta link base",
		in:   "<meta http-equiv=\"refresh\" content=\"0\"><link rel=\"stylesheet\" href=\"s.css\"><base href=\"https://evil.example/\">t",
		out:  "t",
		inc:  "t",
	},
	{
		name: "event handler and style attribute",
		in:   "<img src=\"https://i.example/a.png\" onerror=\"alert(1)\" style=\"width:1px\" alt=\"a\">",
		out:  "<img src=\"https://i.example/a.png\" alt=\"a\">",
		inc:  "<img src=\"https://i.example/a.png\" alt=\"a\">",
	},
	{
		name: "unknown attributes",
		in:   "<div role=\"note\" aria-label=\"x\" data-id=\"7\">y</div>",
		out:  "<div data-id=\"7\">y</div>",
		inc:  "<div>y</div>",
	},
	{
		name: "javascript URL",
		in:   "<a href=\"javascript:alert(1)\">x</a>",
		out:  "<a>x</a>",
		inc:  "<a rel=\"noopener noreferrer\">x</a>",
	},
	{
		name: "obfuscated javascript URL",
		in:   "<a href=\" java\tscript&#58;alert(1)\">x</a>",
		out:  "<a>x</a>",
		inc:  "<a rel=\"noopener noreferrer\">x</a>",
	},
	{
		name: "vbscript URL",
		in:   "<a href=\"VBScript:msgbox\">x</a>",
		out:  "<a>x</a>",
		inc:  "<a rel=\"noopener noreferrer\">x</a>",
	},
	{
		name: "data URL in a link",
		in:   "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
		out:  "<a>x</a>",
		inc:  "<a rel=\"noopener noreferrer\">x</a>",
	},
	{
		name: "data image kept",
		in:   "<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
		out:  "<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
		inc:  "",
	},
	{
		name: "data svg dropped",
		in:   "<img src=\"data:image/svg+xml,&lt;svg onload=alert(1)&gt;\">",
		out:  "<img>",
		inc:  "",
	},
	{
		name: "relative link",
		in:   "<a href=\"/category/उत्तर-प्रदेश/कानपुर/\">कानपुर</a>",
		out:  "<a href=\"https://news.example.in/category/%E0%A4%89%E0%A4%A4%E0%A5%8D%E0%A4%A4%E0%A4%B0-%E0%A4%AA%E0%A5%8D%E0%A4%B0%E0%A4%A6%E0%A5%87%E0%A4%B6/%E0%A4%95%E0%A4%BE%E0%A4%A8%E0%A4%AA%E0%A5%81%E0%A4%B0/\">कानपुर</a>",
		inc:  "<a href=\"https://news.example.in/category/%E0%A4%89%E0%A4%A4%E0%A5%8D%E0%A4%A4%E0%A4%B0-%E0%A4%AA%E0%A5%8D%E0%A4%B0%E0%A4%A6%E0%A5%87%E0%A4%B6/%E0%A4%95%E0%A4%BE%E0%A4%A8%E0%A4%AA%E0%A5%81%E0%A4%B0/\" rel=\"noopener noreferrer\">कानपुर</a>",
	},
	{
		name: "relative image and fragment",
		in:   "<img src=\"../img/a.jpg\"><a href=\"#more\">m</a>",
		out:  "<img src=\"https://news.example.in/2026/11/24/img/a.jpg\"><a href=\"https://news.example.in/2026/11/24/%E0%A4%95%E0%A4%BE%E0%A4%A8%E0%A4%AA%E0%A5%81%E0%A4%B0-%E0%A4%AE%E0%A5%87%E0%A4%82-%E0%A4%AC%E0%A4%BE%E0%A4%B0%E0%A4%BF%E0%A4%B6/#more\">m</a>",
		inc:  "<img src=\"https://news.example.in/img/a.jpg\"><a href=\"https://news.example.in/story/#more\" rel=\"noopener noreferrer\">m</a>",
	},
	{
		name: "scheme-relative",
		in:   "<img src=\"//cdn.example/a.jpg\">",
		out:  "<img src=\"https://cdn.example/a.jpg\">",
		inc:  "<img src=\"https://cdn.example/a.jpg\">",
	},
	{
		name: "srcset",
		in:   "<img srcset=\"a.jpg 1x, https://c.example/b.jpg 2x, javascript:x 3x\">",
		out:  "<img srcset=\"https://news.example.in/2026/11/24/%E0%A4%95%E0%A4%BE%E0%A4%A8%E0%A4%AA%E0%A5%81%E0%A4%B0-%E0%A4%AE%E0%A5%87%E0%A4%82-%E0%A4%AC%E0%A4%BE%E0%A4%B0%E0%A4%BF%E0%A4%B6/a.jpg 1x, https://c.example/b.jpg 2x\">",
		inc:  "",
	},
	{
		name: "mailto and tel kept",
		in:   "<a href=\"mailto:desk@example.in\">m</a><a href=\"tel:+911234\">t</a>",
		out:  "<a href=\"mailto:desk@example.in\">m</a><a href=\"tel:+911234\">t</a>",
		inc:  "<a href=\"mailto:desk@example.in\" rel=\"noopener noreferrer\">m</a><a rel=\"noopener noreferrer\">t</a>",
	},
	{
		name: "unknown element unwrapped",
		in:   "<my-widget x=\"1\"><p>in</p></my-widget><html><body>b</body></html>",
		out:  "<p>in</p>b",
		inc:  "<p>in</p>b",
	},
	{
		name: "comment and CDATA dropped",
		in:   "<p>a<!-- <script>x</script> -->b<![CDATA[c]]>d</p>",
		out:  "<p>abd</p>",
		inc:  "<p>abd</p>",
	},
	{
		name: "noscript mutation",
		in:   "<noscript><p title=\"</noscript><img src=https://i.example/x onerror=alert(1)>\"></noscript>z",
		out:  "<img src=\"https://i.example/x\">\">z",
		inc:  "<img src=\"https://i.example/x\">&#34;&gt;z",
	},
	{
		name: "textarea mutation",
		in:   "<textarea><p title=\"</textarea><script>alert(1)</script>\"></textarea>z",
		out:  "\">z",
		inc:  "&lt;p title=&#34;&#34;&gt;z",
	},
	{
		name: "svg dropped",
		in:   "<svg><script>alert(1)</script><a href=\"javascript:x\">l</a></svg>after",
		out:  "after",
		inc:  "<a rel=\"noopener noreferrer\">l</a>after",
	},
	{
		name: "nested object",
		in:   "<object><object>x</object>y</object>after",
		out:  "after",
		inc:  "xyafter",
	},
	{
		name: "text kept, but a '<' that starts no tag",
		in:   "<p>a < b & \"c\"</p>",
		out:  "<p>a &lt; b & \"c\"</p>",
		inc:  "<p>a &lt; b &amp; &#34;c&#34;</p>",
	},
	{
		name: "text kept beside a changed tag",
		in:   "<p>a < b & \"c\"</p><i onclick=\"x\">",
		out:  "<p>a &lt; b & \"c\"</p><i>",
		inc:  "<p>a &lt; b &amp; &#34;c&#34;</p><i></i>",
	},
	{
		name: "cut mid-paragraph",
		in:   "<p>पहला <b>मोटा <a href=\"/x\">लिंक",
		out:  "<p>पहला <b>मोटा <a href=\"https://news.example.in/x\">लिंक",
		inc:  "<p>पहला <b>मोटा <a href=\"https://news.example.in/x\" rel=\"noopener noreferrer\">लिंक</a></b></p>",
	},
	{
		name: "unclosed div",
		in:   "<div><p>a</p>",
		out:  "<div><p>a</p>",
		inc:  "<div><p>a</p></div>",
	},
	{
		name: "stray end tags",
		in:   "</div>a</b><p>b</p></p></span>",
		out:  "</div>a</b><p>b</p></p></span>",
		inc:  "a<p>b</p>",
	},
	{
		name: "misnested",
		in:   "<b><i>x</b>y</i>",
		out:  "<b><i>x</b>y</i>",
		inc:  "<b><i>x</i></b>y",
	},
	{
		name: "implied p ends",
		in:   "<p>one<p>two<div>three</div>",
		out:  "<p>one<p>two<div>three</div>",
		inc:  "<p>one</p><p>two</p><div>three</div>",
	},
	{
		name: "list items",
		in:   "<ul><li>a<li>b<ul><li>c</ul><li>d</ul>",
		out:  "<ul><li>a<li>b<ul><li>c</ul><li>d</ul>",
		inc:  "<ul><li>a</li><li>b<ul><li>c</li></ul></li><li>d</li></ul>",
	},
	{
		name: "table cells",
		in:   "<table><tr><td>1<td>2<tr><td>3</table>after",
		out:  "<table><tr><td>1<td>2<tr><td>3</table>after",
		inc:  "<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>after",
	},
	{
		name: "void elements",
		in:   "<p>a<br>b<img src=\"/i.jpg\"><hr>c",
		out:  "<p>a<br>b<img src=\"https://news.example.in/i.jpg\"><hr>c",
		inc:  "<p>a<br>b<img src=\"https://news.example.in/i.jpg\"></p><hr>c",
	},
	{
		name: "unclosed script",
		in:   "<p>ok</p><script>alert(1)",
		out:  "<p>ok</p>",
		inc:  "<p>ok</p>",
	},
	{
		name: "dropped iframe is not left open",
		in:   "<div><iframe src=\"https://evil.example/\"></iframe>x</div>",
		out:  "<div>x</div>",
		inc:  "<div>x</div>",
	},
	{
		name: "kept iframe",
		in:   "<div><iframe src=\"https://www.youtube.com/embed/x\">",
		out:  "<div>",
		inc:  "<div><iframe src=\"https://www.youtube.com/embed/x\"></iframe></div>",
	},
	{
		name: "balanced input unchanged",
		in:   "<p>a <em>b</em></p><ol><li>c</li></ol>",
		out:  "<p>a <em>b</em></p><ol><li>c</li></ol>",
		inc:  "<p>a <em>b</em></p><ol><li>c</li></ol>",
	},
	{
		name: "video poster javascript",
		in:   "<video poster=\"javascript:alert(1)\" src=\"https://v.example/a.mp4\" controls></video>",
		out:  "<video src=\"https://v.example/a.mp4\"></video>",
		inc:  "<video src=\"https://v.example/a.mp4\" controls=\"\"></video>",
	},
	{
		name: "source src javascript",
		in:   "<video><source src=\"javascript:alert(1)\" type=\"video/mp4\"></video>",
		out:  "<video><source type=\"video/mp4\"></video>",
		inc:  "<video><source type=\"video/mp4\"></video>",
	},
	{
		name: "form and button URLs",
		in:   "<form action=\"javascript:x\"><button formaction=\"javascript:y\">b</button></form>",
		out:  "<form><button>b</button></form>",
		inc:  "b",
	},
	{
		name: "xlink href",
		in:   "<a xlink:href=\"javascript:x\" href=\"https://e.example/\">e</a>",
		out:  "<a href=\"https://e.example/\">e</a>",
		inc:  "<a href=\"https://e.example/\" rel=\"noopener noreferrer\">e</a>",
	},
	{
		name: "background attribute",
		in:   "<table background=\"javascript:x\"><tr><td background=\"/bg.png\">c</td></tr></table>",
		out:  "<table><tr><td background=\"https://news.example.in/bg.png\">c</td></tr></table>",
		inc:  "<table><tr><td>c</td></tr></table>",
	},
	{
		name: "blockquote cite",
		in:   "<blockquote cite=\"javascript:x\">q</blockquote><q cite=\"/src\">r</q>",
		out:  "<blockquote>q</blockquote><q cite=\"https://news.example.in/src\">r</q>",
		inc:  "<blockquote>q</blockquote><q cite=\"https://news.example.in/src\">r</q>",
	},
	{
		name: "unclosed object: Incoming keeps its fallback text, Outgoing drops it",
		in:   "<p>a</p><object data=\"x.swf\">fallback",
		out:  "<p>a</p>",
		inc:  "<p>a</p>fallback",
	},
	{
		name: "embed then text",
		in:   "<embed src=\"y.swf\">after",
		out:  "after",
		inc:  "after",
	},
}

func TestHostile(t *testing.T) {
	in := NewIncoming([]string{"www.youtube.com"})
	base, _ := url.Parse(hostileInBase)
	for _, tt := range hostileCases {
		t.Run(tt.name, func(t *testing.T) {
			if got := Outgoing.Sanitize(tt.in, hostileOutBase); got != tt.out {
				t.Errorf("Outgoing.Sanitize(%q)\n got %q\nwant %q", tt.in, got, tt.out)
			}
			got, _ := in.SanitizeFragment(tt.in, base)
			if got != tt.inc {
				t.Errorf("Incoming.SanitizeFragment(%q)\n got %q\nwant %q", tt.in, got, tt.inc)
			}
			if !balanced(got) {
				t.Errorf("Incoming.SanitizeFragment(%q) = %q is not balanced", tt.in, got)
			}
			if bad := unsafeMarkup(got, false); bad != "" {
				t.Errorf("Incoming keeps %s in %q", bad, got)
			}
			out := Outgoing.Sanitize(tt.in, hostileOutBase)
			if bad := unsafeMarkup(out, true); bad != "" {
				t.Errorf("Outgoing keeps %s in %q", bad, out)
			}
			if v := outgoingViolations(out); len(v) > 0 {
				t.Errorf("Outgoing output %q breaks its own rules: %v", out, v)
			}
		})
	}
}

// outgoingViolations lists what in s the Outgoing rules do not allow: an
// element outside the validator's acceptable ones, an attribute outside
// its acceptable ones, a relative URL.
func outgoingViolations(s string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tk := z.Token()
		if !acceptableElements[tk.Data] {
			out = append(out, "element "+tk.Data)
		}
		for _, a := range tk.Attr {
			if !AcceptableAttr(a.Key) {
				out = append(out, "attribute "+a.Key)
			}
			if !URLAttr(a.Key) {
				continue
			}
			for u := range strings.SplitSeq(a.Val, ",") {
				if a.Key == "srcset" {
					u, _, _ = strings.Cut(strings.TrimSpace(u), " ")
				} else {
					u = a.Val
				}
				if _, ok := urlScheme(strings.TrimSpace(u)); !ok {
					out = append(out, "relative URL "+u)
				}
				if a.Key != "srcset" {
					break
				}
			}
		}
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

// unsafeMarkup returns what in s a browser would run or style, or "",
// reading it twice as a browser would: token by token, and as the tree
// x/net/html's parser builds of it, alone in a body and after openings
// that change how what follows is parsed (a div, a table, a select, a
// paragraph's attribute). Forms and data: images (but SVG) are allowed
// when outgoing is true: the Outgoing policy keeps the validator's form
// elements and data: images in src and srcset. Outgoing keeps no comment
// and no element outside its list, and no iframe; Incoming keeps iframes
// from the hosts it allows.
func unsafeMarkup(s string, outgoing bool) string {
	z := html.NewTokenizer(strings.NewReader(s))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if outgoing && !acceptableElements[tok.Data] {
				return "<" + tok.Data + ">"
			}
			if bad := unsafeElement(tok.Data, tok.Attr, outgoing); bad != "" {
				return bad
			}
		case html.CommentToken, html.DoctypeToken:
			if outgoing {
				return "a comment or doctype"
			}
		}
	}
	frag, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return "unparsable: " + err.Error()
	}
	for _, n := range frag {
		if bad := unsafeTree(n, outgoing); bad != "" {
			return "in a body: " + bad
		}
	}
	for _, open := range []string{"", "<div>", "<table>", "<select>", `<p title="x">`} {
		doc, err := html.Parse(strings.NewReader("<!DOCTYPE html><html><head></head><body>" + open + s))
		if err != nil {
			return "unparsable: " + err.Error()
		}
		if bad := unsafeTree(doc, outgoing); bad != "" {
			return "after " + strconv.Quote(open) + ": " + bad
		}
	}
	return ""
}

// unsafeTree is unsafeMarkup's check of a parsed tree: no element in a
// foreign namespace (SVG or MathML content), none unsafeElement refuses.
func unsafeTree(n *html.Node, outgoing bool) string {
	if n.Type == html.ElementNode {
		if n.Namespace != "" {
			return "<" + n.Namespace + " " + n.Data + ">"
		}
		if bad := unsafeElement(n.Data, n.Attr, outgoing); bad != "" {
			return bad
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if bad := unsafeTree(c, outgoing); bad != "" {
			return bad
		}
	}
	return ""
}

// unsafeElement returns what of an element a browser would run or style,
// or "": the element itself, an event handler, a style or srcdoc, or a
// URL whose scheme runs code (read as a browser reads it: controls and
// spaces ignored, any case).
func unsafeElement(name string, attrs []html.Attribute, outgoing bool) string {
	switch name {
	case "script", "style", "svg", "math", "object", "embed", "applet", "base", "meta", "link",
		"frame", "frameset", "template", "noscript", "xmp", "plaintext", "textarea", "title", "noembed", "noframes":
		return "<" + name + ">"
	case "form", "iframe":
		if outgoing == (name == "iframe") {
			return "<" + name + ">"
		}
	}
	for _, a := range attrs {
		k := strings.ToLower(a.Key)
		if strings.HasPrefix(k, "on") || k == "style" || k == "srcdoc" {
			return a.Key + " attribute"
		}
		urls := []string{a.Val}
		if k == "srcset" { // candidates: a URL, then descriptors
			urls = nil
			for c := range strings.SplitSeq(a.Val, ",") {
				u, _, _ := strings.Cut(strings.TrimSpace(c), " ")
				urls = append(urls, u)
			}
		}
		for _, u := range urls {
			v := strings.ToLower(strings.Map(func(r rune) rune {
				if r <= ' ' || r == 0x7f {
					return -1
				}
				return r
			}, u))
			if strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "livescript:") ||
				strings.HasPrefix(v, "data:") && !(outgoing && strings.HasPrefix(v, "data:image/") && !strings.HasPrefix(v, "data:image/svg")) {
				return a.Key + "=" + a.Val
			}
		}
	}
	return ""
}

// TestConcurrent runs both policies from several goroutines at once (run
// it with -race): runs share only the policies and the pooled states.
func TestConcurrent(t *testing.T) {
	in := NewIncoming([]string{"www.youtube.com"})
	base, _ := url.Parse(hostileInBase)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20 {
				for _, tt := range hostileCases {
					if got := Outgoing.Sanitize(tt.in, hostileOutBase); got != tt.out {
						t.Errorf("Outgoing.Sanitize(%q) = %q, want %q", tt.in, got, tt.out)
					}
					if got, _ := in.SanitizeFragment(tt.in, base); got != tt.inc {
						t.Errorf("Incoming.SanitizeFragment(%q) = %q, want %q", tt.in, got, tt.inc)
					}
				}
			}
		})
	}
	wg.Wait()
}
