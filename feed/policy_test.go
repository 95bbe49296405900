package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/htmlsafe"
	"github.com/khabar/khabar/internal/xmltext"
	"golang.org/x/net/html"
)

const policyBase = "https://news.example.in/2026/11/24/कानपुर-में-बारिश/"

// SafeHTML's cases (each run through both of htmlsafe's policies) are in
// internal/htmlsafe's hostile table; the tests here hold its output, in
// feeds, to the W3C feed validator's rules.

func TestSafeHTMLNoBase(t *testing.T) {
	if got, want := SafeHTML(`<a href="/x">x</a><a href="https://e.example/">e</a>`, "not a url"), `<a>x</a><a href="https://e.example/">e</a>`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func FuzzSafeHTML(f *testing.F) {
	for _, s := range []string{`<a href="/x" onclick="y">z</a>`, `<script>x</script>`, `<img srcset="a 1x">`, "<a href=\"java\nscript:x\">", `<p title="</noscript><script>">`} {
		f.Add(s)
	}
	c := loadCatalog(f, "testdata/articles.jsonl")
	for _, a := range c.Find(khabar.Query{}) {
		f.Add(a.ContentHTML)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = khabar.CleanText(s)
		got := SafeHTML(s, policyBase)
		if v := bodyViolations(got); len(v) > 0 {
			t.Errorf("SafeHTML(%q) = %q breaks validator rules: %v", s, got, v)
		}
	})
}

// The W3C feed validator's lists (feedvalidator/validators.py): elements
// it knows as HTML, and those of them it accepts in content.
var (
	validatorHTMLTags = setOf(`a abbr acronym address applet area article aside audio b base
basefont bdi bdo big blockquote body br button canvas caption center cite code col colgroup
command data datagrid datalist dd del details dfn dialog dir div dl dt em eventsource
fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header
hgroup hr html i iframe img input ins isindex kbd label legend li link m main mark map menu
meta meter nav noframes noscript object ol optgroup option output p param picture pre
progress q rp rt ruby s samp script section select slot small source span strike strong
style sub summary sup table tbody td template textarea tfoot th thead time title tr track
tt u ul var xmp plaintext embed comment listing video wbr`)
	validatorAcceptable = setOf(`a abbr acronym address area article aside audio b bdi big
blockquote br button canvas caption center cite code col colgroup command data datagrid
datalist dd del details dfn dialog dir div dl dt em eventsource fieldset figcaption figure
footer font form header h1 h2 h3 h4 h5 h6 hgroup hr i img input ins keygen kbd label legend
li m main map mark menu meter multicol nav nextid ol output optgroup option p picture pre
progress q rp rt ruby s samp section select small sound source spacer span strike strong
sub summary sup table tbody td template textarea time tfoot th thead tr track tt u ul var
video noscript wbr`)
	absRef = regexp.MustCompile(`^\w+:`)
)

// bodyViolations applies the validator's rules for HTML content
// (safeHtml: HTMLValidator and absUrlMixin) to s, plus this package's own:
// no javascript:, vbscript: or non-image data: URL anywhere.
func bodyViolations(s string) []string {
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
		switch {
		case !validatorHTMLTags[tk.Data]:
			out = append(out, "non-HTML tag "+tk.Data)
		case !validatorAcceptable[tk.Data]:
			out = append(out, "should not contain "+tk.Data+" tag")
		}
		for _, a := range tk.Attr {
			switch {
			case a.Key == "style":
				out = append(out, "style attribute")
			case !htmlsafe.AcceptableAttr(a.Key):
				out = append(out, "should not contain "+a.Key+" attribute")
			}
			if htmlsafe.URLAttr(a.Key) {
				for _, u := range strings.Split(a.Val, ",") {
					if a.Key == "srcset" {
						u, _, _ = strings.Cut(strings.TrimSpace(u), " ")
					} else {
						u = a.Val
					}
					u = strings.TrimSpace(u)
					if !absRef.MatchString(u) {
						out = append(out, "relative URL reference "+u)
					}
					if l := strings.ToLower(strings.Join(strings.Fields(u), "")); strings.HasPrefix(l, "javascript:") || strings.HasPrefix(l, "vbscript:") || strings.HasPrefix(l, "data:") && !strings.HasPrefix(l, "data:image/") {
						out = append(out, "dangerous URL "+u)
					}
					if a.Key != "srcset" {
						break
					}
				}
			}
		}
	}
}

func setOf(words string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// htmlEndTag is the validator's test for HTML in plain-text elements
// (nonhtml: an end tag of a known HTML element).
var htmlEndTag = regexp.MustCompile(`</(\w+)>`)

func containsHTML(s string) bool {
	for _, m := range htmlEndTag.FindAllStringSubmatch(s, -1) {
		if validatorHTMLTags[strings.ToLower(m[1])] {
			return true
		}
	}
	return false
}

// TestValidatorContentRules renders every feed of the fixture and of the
// shared corpus in all three formats with the default policy and applies
// the W3C feed validator's content rules to every HTML field: RSS
// description and content:encoded, Atom content, JSON content_html. The
// only warning the rules leave is "title should not contain HTML" for a
// title whose plain text holds markup (see doc.go): the test checks that
// such a title is the article's own text.
func TestValidatorContentRules(t *testing.T) {
	for _, src := range []struct {
		name string
		load func(testing.TB) *khabar.Catalog
	}{{"fixture", fixture}, {"corpus", corpus}} {
		t.Run(src.name, func(t *testing.T) {
			c := src.load(t)
			r, err := NewRenderer(testConfig())
			if err != nil {
				t.Fatal(err)
			}
			feeds := 0
			for _, k := range allKeys(c) {
				p0, err := r.Page(c, k, 1)
				if err != nil {
					t.Fatal(err)
				}
				for n := 1; n <= p0.Last; n++ {
					p, err := r.Page(c, k, n)
					if err != nil {
						t.Fatal(err)
					}
					for _, f := range Formats {
						var buf bytes.Buffer
						if err := r.Write(&buf, p, f); err != nil {
							t.Fatal(err)
						}
						feeds++
						where := fmt.Sprintf("%v/%d/%v", k, n, f)
						for _, v := range feedViolations(t, f, buf.Bytes(), p) {
							t.Errorf("%s: %s", where, v)
						}
					}
				}
			}
			t.Logf("%d feeds checked", feeds)
		})
	}
}

// feedViolations returns the validator warnings the rules find in b.
func feedViolations(t *testing.T, f Format, b []byte, p *Page) []string {
	t.Helper()
	var out []string
	html := func(what, s string) {
		for _, v := range bodyViolations(s) {
			out = append(out, what+": "+v)
		}
	}
	titleOK := func(i int, got string) {
		if containsHTML(got) && (i < 0 || !containsHTML(p.Items[i].Title)) {
			out = append(out, "title should not contain HTML: "+got)
		}
	}
	switch f {
	case RSS:
		root := parseXML(t, b)
		for i, it := range root.one("", "channel").all("", "item") {
			titleOK(i, it.one("", "title").Text)
			if d := it.one("", "description"); d != nil {
				html("description", d.Text)
				if strings.ContainsAny(d.Text, "<>") {
					out = append(out, "description (plain text) reads as markup: "+d.Text)
				}
			}
			if ce := it.one(nsContent, "encoded"); ce != nil {
				html("content:encoded", ce.Text)
			}
		}
	case Atom:
		root := parseXML(t, b)
		for i, e := range root.all(nsAtom, "entry") {
			titleOK(i, e.one(nsAtom, "title").Text)
			if ct := e.one(nsAtom, "content"); ct != nil {
				html("content", ct.Text)
			}
		}
	case JSON:
		var jf jsonFeed
		if err := json.Unmarshal(b, &jf); err != nil {
			t.Fatal(err)
		}
		var items []jsonItem
		if err := json.Unmarshal(jf.Items, &items); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			html("content_html", it.ContentHTML)
		}
	}
	return out
}

// TestHostileBodies renders articles with every kind of markup the
// default policy removes or rewrites, in all three formats, and checks
// that none of it reaches the output.
func TestHostileBodies(t *testing.T) {
	c := khabar.NewCatalog()
	base := fixture(t).Find(khabar.Query{Limit: 1})[0]
	hostile := []string{
		`<p>पहले</p><script>document.cookie</script><p onclick="steal()">बाद</p>`,
		`<a href="/category/उत्तर-प्रदेश/कानपुर/">कानपुर</a> <img src="img/a.jpg" srcset="img/b.jpg 2x">`,
		`<iframe src="https://ads.example/"></iframe><object data="x.swf"></object><embed src="y.swf"><applet code="z"></applet>`,
		`<a href="javascript:alert(1)">x</a><a href="vbscript:x">y</a><a href="data:text/html,x">z</a>`,
		`<meta http-equiv="refresh" content="0;url=https://evil.example/"><link rel="import" href="x"><style>*{}</style>`,
		`<div style="background:url(javascript:x)" onmouseover="x">s</div>`,
	}
	for i, body := range hostile {
		upsertBody(t, c, base, fmt.Sprintf("hostile-%d", i), body)
	}
	r, _ := NewRenderer(testConfig())
	for _, f := range Formats {
		p, err := r.Page(c, khabar.SiteKey(), 1)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := r.Write(&buf, p, f); err != nil {
			t.Fatal(err)
		}
		for _, v := range feedViolations(t, f, buf.Bytes(), p) {
			t.Errorf("%v: %s", f, v)
		}
		low := strings.ToLower(buf.String())
		for _, bad := range []string{"<script", "onclick", "onmouseover", "<iframe", "<object", "<embed", "<applet", "<meta", "<style", "javascript:", "vbscript:", "data:text", `href="/`, `src="img/`} {
			if strings.Contains(low, bad) {
				t.Errorf("%v: output contains %q", f, bad)
			}
		}
		if !strings.Contains(buf.String(), "https://news.example.in/category/%E0%A4%89") {
			t.Errorf("%v: relative link not resolved to a URI", f)
		}
	}

	// RawContent writes bodies as they are.
	cfg := testConfig()
	cfg.ContentPolicy = RawContent
	raw, _ := NewRenderer(cfg)
	var buf bytes.Buffer
	if err := raw.Render(&buf, c, khabar.SiteKey(), RSS, 1); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "<script>document.cookie</script>") {
		t.Error("RawContent changed a body")
	}
	cfg.ContentPolicy = 7
	if _, err := NewRenderer(cfg); err == nil {
		t.Error("NewRenderer accepted ContentPolicy 7")
	}
}

// TestBodyReferencesWellFormed renders bodies whose filtered HTML once
// broke the feed it went into: character references in an attribute
// value or after a self-closing <title/> or <textarea/> that decode to
// characters XML cannot hold (the filter decodes those and wrote them
// raw, into CDATA and into JSON strings), and "]]>" in text, which the
// filter now keeps as written. Each RSS and Atom document must parse with
// encoding/xml's strict decoder, which refuses such characters, and each
// JSON Feed must be valid JSON.
func TestBodyReferencesWellFormed(t *testing.T) {
	bodies := []string{
		`<p title="&#1;">x</p>`,
		`<p title="&#xFFFE;">x</p>`,
		`<abbr title="&#x0B;" style="x">x</abbr>`,
		`<img alt="&#x1F;" src="https://e.example/a.png">`,
		`<title/>&#1;`,
		`<textarea/>&#x1F; z`,
		`]]<script>x</script>>`,
		`]<!-- -->]>`,
		`<p>a ]]> b</p>`,
		`]]<b onclick="x">y</b>>`,
	}
	base := fixture(t).Find(khabar.Query{Limit: 1})[0]
	for i, body := range bodies {
		c := khabar.NewCatalog()
		upsertBody(t, c, base, fmt.Sprintf("refs-%d", i), body)
		r, _ := NewRenderer(testConfig())
		for _, f := range Formats {
			var buf bytes.Buffer
			if err := r.Render(&buf, c, khabar.SiteKey(), f, 1); err != nil {
				t.Fatal(err)
			}
			if f == JSON {
				if !json.Valid(buf.Bytes()) {
					t.Errorf("JSON Feed of %q is not valid JSON", body)
				}
				continue
			}
			d := xml.NewDecoder(&buf)
			d.Strict = true
			for {
				_, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Errorf("%v of %q is not well-formed: %v", f, body, err)
					break
				}
			}
		}
	}
}

// upsertBody stores in c a copy of base with the given ID and body, at
// an address under policyBase.
func upsertBody(t *testing.T, c *khabar.Catalog, base *khabar.Article, id, body string) {
	t.Helper()
	a := base.Clone()
	a.ID, a.URL, a.ContentHTML = id, policyBase+id+"/", body
	if err := c.Upsert(a); err != nil {
		t.Fatal(err)
	}
}

// TestHandBuiltPageCleaned renders a page built by hand, and a catalog
// page with one item swapped for a hand-made article, both holding
// characters XML forbids: the output is still well-formed and clean.
func TestHandBuiltPageCleaned(t *testing.T) {
	c := fixture(t)
	r, _ := NewRenderer(testConfig())
	p, err := r.Page(c, khabar.SiteKey(), 1)
	if err != nil {
		t.Fatal(err)
	}
	dirty := p.Items[0].Clone()
	dirty.ID = "dirty-1"
	dirty.Title = "bad\x01 title \uffff"
	dirty.Summary = "sum\x0b"
	dirty.ContentHTML = "<p>body\x00 ]]> end</p>"
	if len(dirty.Tags) > 0 {
		dirty.Tags[0].Name = "tag\x02"
	}
	if len(dirty.Authors) > 0 {
		dirty.Authors[0].Name = "au\x03"
	}
	if len(dirty.Categories) > 0 {
		dirty.Categories[0].Name = "cat\x04"
	}
	swapped := *p
	swapped.Items = append([]*khabar.Article{dirty}, p.Items[1:]...)
	byHand := &Page{Key: khabar.SiteKey(), Title: "hand\x05made", Number: 1, Last: 1, Total: 1, Items: []*khabar.Article{dirty}, Updated: dirty.Published}
	for _, pg := range []*Page{&swapped, byHand} {
		for _, f := range Formats {
			var buf bytes.Buffer
			if err := r.Write(&buf, pg, f); err != nil {
				t.Fatal(err)
			}
			checkChars(t, buf.Bytes())
			if f == JSON {
				if !json.Valid(buf.Bytes()) {
					t.Errorf("JSON not valid:\n%s", buf.Bytes())
				}
			} else if err := wellFormed(buf.Bytes()); err != nil {
				t.Errorf("%v: %v\n%s", f, err, buf.Bytes())
			}
			if !strings.Contains(buf.String(), "bad title") {
				t.Errorf("%v: cleaned title missing", f)
			}
		}
	}
}

func TestAppendURIMatchesURI(t *testing.T) {
	in := []string{"https://news.example.in/a?b=1&c=2", "https://खबर.example/कानपुर/", "https://u:p@x.example/a b", "https://x.example/\x7f", "https://x.example/\x7fé", "http://x.example", "relative/path?q=&", "https://x.example:8080/a#f&g", `https://x.example/"<>\^{|}` + "`", "mailto:a&b@example.in"}
	for _, a := range fixture(t).Find(khabar.Query{}) {
		in = append(in, a.URL)
	}
	for _, s := range in {
		want := khabar.URI(s)
		if got := string(xmltext.AppendURI(nil, s, "&")); got != want {
			t.Errorf("xmltext.AppendURI(%q) = %q, want %q", s, got, want)
		}
		if got, want := string(xmltext.AppendURI(nil, s, "&amp;")), strings.ReplaceAll(want, "&", "&amp;"); got != want {
			t.Errorf("xmltext.AppendURI(%q, &amp;) = %q, want %q", s, got, want)
		}
	}
}
