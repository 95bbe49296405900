package htmlsafe

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/net/html"

	"github.com/khabar/khabar/internal/synth"
)

// FuzzSanitize: whatever the fragment, Incoming's output is balanced and
// neither policy keeps a script, style, event handler or dangerous URL.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		`<p>पहला <b>मोटा <a href="/x">लिंक`, `<ul><li>a<li>b<ul><li>c</ul><li>d</ul>`, `<table><tr><td>1<td>2<tr><td>3</table>`,
		`<div><iframe src="https://evil.example/"></iframe>x</div>`, `<b><i>x</b>y</i>`, `<svg><script>alert(1)</script></svg>`,
		`<a href="javascript:alert(1)" onclick="x">j</a><img src=x onerror=alert(1)>`, `<select><option>a<option>b</select>`,
		`<dl><dt>a<dd>b<dt>c</dl>`, `<p><a href="/a">one<a href="/b">two</p>`, `<math><mi>x</mi></math><noscript><p>n</noscript>`,
		newsroomBody,
	} {
		f.Add(s)
	}
	for _, tt := range hostileCases {
		f.Add(tt.in)
	}
	in := NewIncoming([]string{"www.youtube.com", "platform.twitter.com"})
	base, _ := url.Parse(hostileInBase)
	f.Fuzz(func(t *testing.T, s string) {
		got, img := in.SanitizeFragment(s, base)
		if !balanced(got) {
			t.Errorf("Incoming(%q) = %q is not balanced", s, got)
		}
		if bad := unsafeMarkup(got, false); bad != "" {
			t.Errorf("Incoming(%q) = %q keeps %s", s, got, bad)
		}
		if img.Src != "" && AbsHTTP(img.Src) == nil {
			t.Errorf("first image %q is not absolute http(s)", img.Src)
		}
		out := Outgoing.Sanitize(s, hostileOutBase)
		if bad := unsafeMarkup(out, true); bad != "" {
			t.Errorf("Outgoing(%q) = %q keeps %s", s, out, bad)
		}
	})
}

// TestOutgoingQuickPath: bodies the quick scan passes come back as they
// are, not copied, and the tokenizer would have kept the same markup.
func TestOutgoingQuickPath(t *testing.T) {
	bodies := corpusBodies(t)
	n := 0
	for _, a := range bodies {
		if needsFilter(a.ContentHTML) {
			continue
		}
		n++
		got := Outgoing.Sanitize(a.ContentHTML, a.URL)
		if unsafe.StringData(got) != unsafe.StringData(a.ContentHTML) || len(got) != len(a.ContentHTML) {
			t.Errorf("%s: a body with nothing to change was copied", a.ID)
		}
		s := newState(Outgoing)
		s.baseStr = a.URL
		san := s.run(a.ContentHTML)
		s.release()
		if !sameMarkup(san, a.ContentHTML) {
			t.Errorf("%s: quick scan passed a body the tokenizer changes:\n%s\n%s", a.ID, a.ContentHTML, san)
		}
	}
	if n == 0 {
		t.Fatal("no body took the quick path")
	}
}

// corpusBody is what the tests read of a corpus article.
type corpusBody struct {
	ID          string `json:"id"`
	URL         string `json:"url"`
	ContentHTML string `json:"content_html"`
}

// corpusBodies returns 200 synthetic bodies and those of the corpus.
func corpusBodies(t testing.TB) []corpusBody {
	var bodies []corpusBody
	for _, a := range synth.Generate(synth.Config{Articles: 200}) {
		bodies = append(bodies, corpusBody{a.ID, a.URL, a.ContentHTML})
	}
	f, err := os.Open("../../testdata/articles.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var b corpusBody
		if err := json.Unmarshal(sc.Bytes(), &b); err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	return bodies
}

// sameMarkup reports whether a and b have the same tags and attributes
// (text may be escaped differently).
func sameMarkup(a, b string) bool {
	tags := func(s string) string {
		var out strings.Builder
		z := html.NewTokenizer(strings.NewReader(s))
		for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
			tk := z.Token()
			if tt == html.TextToken {
				out.WriteString(tk.Data)
				continue
			}
			fmt.Fprintf(&out, "%v %s %v|", tt, tk.Data, tk.Attr)
		}
		return out.String()
	}
	return tags(a) == tags(b)
}
