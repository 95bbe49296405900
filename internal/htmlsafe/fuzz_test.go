package htmlsafe

import (
	"bufio"
	"encoding/json"
	"net/url"
	"os"
	"testing"
	"unsafe"

	"github.com/khabar/khabar/internal/synth"
	"github.com/khabar/khabar/internal/xmltext"
)

// FuzzSanitize: whatever the fragment, Incoming's output is balanced,
// neither policy keeps a script, style, event handler or dangerous URL
// (read as a browser reads it, unsafeMarkup), and from a fragment of XML
// characters neither writes another character.
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
		if xmltext.IsClean(s) && !(xmltext.IsClean(got) && xmltext.IsClean(out)) {
			t.Errorf("from %q, a character XML cannot hold: Incoming %q, Outgoing %q", s, got, out)
		}
	})
}

// TestOutgoingQuickPath: bodies the skip-ahead passes whole come back as
// they are, not copied, and the x/net/html engine writes them back as
// they are too; most corpus bodies are such.
func TestOutgoingQuickPath(t *testing.T) {
	bodies := corpusBodies(t)
	n := 0
	for _, a := range bodies {
		if !quick(a.ContentHTML) {
			continue
		}
		n++
		got := Outgoing.Sanitize(a.ContentHTML, a.URL)
		if unsafe.StringData(got) != unsafe.StringData(a.ContentHTML) || len(got) != len(a.ContentHTML) {
			t.Errorf("%s: a body with nothing to change was copied", a.ID)
		}
		s := newState(Outgoing)
		s.baseStr = a.URL
		ref := s.runReference(a.ContentHTML)
		s.release()
		if ref != a.ContentHTML {
			t.Errorf("%s: the skip-ahead passed a body the x/net/html engine changes:\n%s\n%s", a.ID, a.ContentHTML, ref)
		}
	}
	if n < len(bodies)/2 {
		t.Fatalf("%d of %d bodies took the quick path", n, len(bodies))
	}
}

// quick reports whether the skip-ahead passes body whole.
func quick(body string) bool {
	s := newState(Outgoing)
	defer s.release()
	s.baseStr = "https://news.example.in/a/"
	return s.quietEnd(body, 0) == len(body)
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
