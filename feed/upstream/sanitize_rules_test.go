package upstream

import (
	"strings"
	"testing"
)

// TestSanitizeKeepsText holds the sanitizer to issue 11's rule: an
// unclosed or dropped object, embed, applet or similar element does not
// swallow the text after it in the same field, and comments and
// malformed markup are read as an HTML5 browser reads them; the text that
// remains is what a browser would show, minus the dangerous parts. Cases
// the current sanitizer fails are skipped until internal/htmlsafe
// replaces it.
func TestSanitizeKeepsText(t *testing.T) {
	base := absHTTP("https://rules.example/story/")
	s := newSanitizer(nil)
	tests := []struct {
		name, in string
		text     string   // the visible text, white space folded
		wantNot  []string // in the HTML
		pending  bool     // fails on the current sanitizer
	}{
		// A browser shows an object's fallback content when it cannot
		// show the object (a plugin type), and what follows it.
		{"unclosed object", `<p>Before <object data="https://x.example/a.swf">fallback</p><p>After.</p>`, "Before fallback After.", []string{"<object"}, false},
		{"unclosed object at the end of the field", `<object data="x.swf"><param name="a" value="b">Text after the object.`, "Text after the object.", []string{"<object", "<param"}, false},
		{"closed object", `<object data="x.swf"><param name="a" value="b">Fallback.</object> After.`, "Fallback. After.", []string{"<object", "<param"}, false},
		{"dropped embed", `<p>One <embed src="https://x.example/a.swf"> two.</p><p>Three.</p>`, "One two. Three.", []string{"<embed"}, false},
		{"embed closed as if it had content", `<embed src="a.swf">Not inside.</embed> Still shown.`, "Not inside. Still shown.", []string{"<embed"}, false},
		{"unclosed applet", `<applet code="A.class"><p>Applet fallback.</p><p>After the applet.</p>`, "Applet fallback. After the applet.", []string{"<applet"}, false},
		// An iframe's content is not shown (it is raw text to a browser);
		// an unclosed one from a host not allowed hides the rest as it
		// would in a browser, and nothing of it is kept.
		{"unclosed iframe from elsewhere", `<p>Watch:</p><iframe src="https://evil.example/"><p>After the frame.</p>`, "Watch:", []string{"<iframe", "evil"}, false},
		{"comment", `a<!-- hidden -->b`, "ab", []string{"hidden"}, false},
		{"abrupt empty comment", `a<!-->b`, "ab", nil, false},
		{"abrupt comment with dash", `a<!--->b`, "ab", nil, false},
		{"comment closed by --!>", `a<!-- x --!>b`, "ab", []string{"x"}, false},
		{"unclosed comment hides the rest", `a<!-- never closed <p>b</p>`, "a", []string{"never"}, false},
		{"bogus comment", `a<? php ?>b`, "ab", []string{"php"}, false},
		{"lone less-than", `x < y and y > z`, "x < y and y > z", nil, false},
		{"misnested inline", `<p><b>bold <i>both</b> italic</i> plain</p>`, "bold both italic plain", nil, false},
		{"unclosed paragraph and list", `<p>one<p>two<ul><li>three<li>four</ul>five`, "one two three four five", nil, false},
		{"stray end tags", `</div>a</span>b</p>c`, "abc", nil, false},
		{"script text is not shown", `a<script>document.write("x")</script>b`, "ab", []string{"script", "document"}, false},
		{"unclosed script hides the rest", `a<script>var x = "</scrip>b"`, "a", []string{"script"}, false},
		{"style text is not shown", `a<style>p{color:red}</style>b`, "ab", []string{"style", "color"}, false},
		{"attribute with a greater-than", `<p title="a>b">text</p>`, "text", nil, false},
		{"unquoted attribute", `<a href=https://x.example/ title=t>link</a> after`, "link after", nil, false},
		{"textarea keeps markup as text", `<textarea><b>x</b></textarea>y`, "<b>x</b>y", []string{"textarea"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.pending {
				t.Skip("pending internal/htmlsafe")
			}
			got, _ := s.clean(tt.in, base)
			if text := bodyText(got); text != tt.text {
				t.Errorf("clean(%q) = %q, shown as %q; want %q", tt.in, got, text, tt.text)
			}
			low := strings.ToLower(got)
			for _, bad := range tt.wantNot {
				if strings.Contains(low, bad) {
					t.Errorf("clean(%q) = %q, want no %q", tt.in, got, bad)
				}
			}
		})
	}
}
