package upstream

import (
	"strings"
	"testing"
)

func TestOneLine(t *testing.T) {
	// Only ASCII white space folds; no-break, en, em and thin spaces are
	// the publisher's.
	for _, in := range []string{"", " ", "a", " a", "a ", "a  b", "a\nb", "कानपुर  में\tमेट्रो", "कानपुर में", "a\f\r\n b", "  "} {
		if got, want := oneLine(in), strings.Join(strings.Fields(in), " "); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"a\u00a0 b":        "a\u00a0 b",
		"x\u2003y":         "x\u2003y",
		" \u00a0a \u2009 ": "\u00a0a \u2009",
		"1\u2002–\u20022":  "1\u2002–\u20022",
	} {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReadText covers the text construct rules type by type and mode by
// mode; each case is the construct's attributes and content as written.
func TestReadText(t *testing.T) {
	tests := []struct {
		name, typ, mode, inner string
		want                   string
		html                   bool
	}{
		{"default is text", "", "", "a &lt;b&gt; &amp;#38;", "a <b> &#38;", false},
		{"text with markup characters", "text", "", "History of the &lt;blink&gt; tag", "History of the <blink> tag", false},
		{"text/plain", "text/plain", "", "5 &lt; 6", "5 < 6", false},
		{"text cdata", "text", "", "<![CDATA[<b>x</b>]]>", "<b>x</b>", false},
		{"html decoded once", "html", "", "AT&amp;#38;T &lt;i&gt;x&lt;/i&gt;", "AT&#38;T <i>x</i>", true},
		{"text/html", "text/html", "", "&lt;p&gt;p&lt;/p&gt;", "<p>p</p>", true},
		{"html cdata", "html", "", "<![CDATA[<p>a &amp; b</p>]]>", "<p>a &amp; b</p>", true},
		{"escaped without type", "", "escaped", "&lt;em&gt;e&lt;/em&gt;", "<em>e</em>", true},
		{"escaped text/plain stays text", "text/plain", "escaped", "&lt;em&gt;", "<em>", false},
		{"xhtml div unwrapped", "xhtml", "", `<div xmlns="http://www.w3.org/1999/xhtml"><p>x &amp; y</p></div>`, "<p>x &amp; y</p>", true},
		{"xhtml prefixed", "xhtml", "", `<h:div xmlns:h="http://www.w3.org/1999/xhtml">a <h:b class="c">b</h:b><h:br/></h:div>`, `a <b class="c">b</b><br/>`, true},
		{"application/xhtml+xml", "application/xhtml+xml", "xml", `<div><span/>s</div>`, `<span></span>s`, true},
		{"two top elements keep both", "xhtml", "", `<div>a</div><div>b</div>`, `<div>a</div><div>b</div>`, true},
		{"xml mode without a type", "", "xml", `<p>inline</p>`, `<p>inline</p>`, true},
		{"xhtml cdata escaped", "xhtml", "", `<div><![CDATA[<script>]]></div>`, `&lt;script&gt;`, true},
		{"base64 html", "text/html", "base64", "PGI+eDwvYj4=", "<b>x</b>", true},
		{"base64 text with line breaks", "", "base64", "aGVs\n bG8=", "hello", false},
		{"bad base64", "text/html", "base64", "!!", "", false},
		{"binary type", "image/png", "base64", "iVBORw0K", "", false},
		{"comment dropped", "text", "", "a<!-- b -->c", "ac", false},
		{"no-break space kept", "text", "", "a&#160;b", "a\u00a0b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte("<t>" + tt.inner + "</t>")
			got, isHTML := readText(data, rawText{typ: tt.typ, mode: tt.mode, start: 3, end: 3 + len(tt.inner), ok: true})
			if got != tt.want || isHTML != tt.html {
				t.Errorf("readText(%q, type %q, mode %q) = %q, html %v; want %q, html %v", tt.inner, tt.typ, tt.mode, got, isHTML, tt.want, tt.html)
			}
		})
	}
}

func TestTitleLines(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<b>Bold</b> and <i>it</i>alic", "Bold and italic"},
		{"a&nbsp;b &amp; c", "a\u00a0b & c"},
		{"One<br>Two<p>Three</p>", "One Two Three"},
		{"x<script>alert(1)</script>y", "xy"},
		{"  \t spaced \n out  ", "spaced out"},
	}
	for _, tt := range tests {
		if got := plainLine(tt.in); got != tt.want {
			t.Errorf("plainLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
