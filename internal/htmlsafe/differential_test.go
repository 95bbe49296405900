package htmlsafe

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// The engine's tokenizer is held to golang.org/x/net/html's, which the
// engine ran on before: the same tokens, and the same output of both
// policies from the old engine loop kept here (runReference).

// runReference is the engine loop as it was on x/net/html's Tokenizer.
func (s *state) runReference(body string) string {
	if s.p.in != nil && strings.TrimSpace(body) == "" {
		return ""
	}
	s.out = s.out[:0]
	s.open.stack = s.open.buf[:0]
	z := html.NewTokenizer(strings.NewReader(body))
	rawNext := false // the next text is a raw-text or RCDATA element's
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if s.p.in != nil {
				s.inFinish()
			}
			return string(s.out)
		case html.TextToken:
			switch {
			case s.skipName != "" || s.p.in != nil && s.inTextDropped():
			case s.p.in == nil && !rawNext:
				// Outgoing's text in the data state: as it is, but '<'.
				s.out = appendLT(s.out, string(z.Raw()))
			default:
				s.out = appendEscaped(s.out, z.Text())
			}
			rawNext = false
		case html.StartTagToken, html.SelfClosingTagToken:
			nb, hasAttr := z.TagName()
			rawNext = slices.Contains(rawTags[:], strings.ToLower(string(nb)))
			mt := tokStart
			if tt == html.SelfClosingTagToken {
				mt = tokSelfClosing
			}
			if s.skipping(string(nb), mt) {
				continue
			}
			name := intern(nb)
			s.attrs = s.attrs[:0]
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				s.attrs = append(s.attrs, attr{intern(k), string(v)})
			}
			if s.p.in != nil {
				s.inStart(name, mt == tokSelfClosing)
			} else {
				s.outStart(name, mt == tokSelfClosing)
			}
		case html.EndTagToken:
			rawNext = false
			nb, _ := z.TagName()
			if s.skipping(string(nb), tokEnd) {
				continue
			}
			if s.p.in != nil {
				s.inEnd(intern(nb))
			} else if acceptableElements[string(nb)] {
				s.out = appendEndTag(s.out, nb)
			}
		}
	}
}

// referenceTokens lists the tokens x/net/html reads in s, comments and
// doctypes left out.
func referenceTokens(s string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out
		case html.TextToken:
			out = append(out, "text "+string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tk := z.Token()
			t := fmt.Sprintf("%v %s", tt, tk.Data)
			for _, a := range tk.Attr {
				t += fmt.Sprintf(" %q=%q", a.Key, a.Val)
			}
			out = append(out, t)
		}
	}
}

// scannerTokens lists the tokens the engine's tokenizer reads in s, in
// referenceTokens' form.
func scannerTokens(s string) []string {
	var out []string
	st := newState(Outgoing)
	defer st.release()
	z := &st.z
	z.reset(s)
	for {
		tt := z.next()
		raw := s[z.data.start:z.data.end]
		switch tt {
		case tokEOF:
			return out
		case tokText:
			out = append(out, "text "+string(appendDecoded(nil, raw, z.mode)))
		case tokStart, tokSelfClosing, tokEnd:
			ht := map[tokenType]html.TokenType{tokStart: html.StartTagToken, tokSelfClosing: html.SelfClosingTagToken, tokEnd: html.EndTagToken}[tt]
			t := fmt.Sprintf("%v %s", ht, st.tagName(raw))
			if tt != tokEnd {
				st.readAttrs(s, false)
				for _, a := range st.attrs {
					t += fmt.Sprintf(" %q=%q", a.key, a.val)
				}
			}
			out = append(out, t)
		}
	}
}

// tokenizerSeeds are inputs on the edges of HTML5's tokenizer.
var tokenizerSeeds = []string{
	"<!---->a<!-->b<!--->c<!-- x --!>d<!-- y --!-->e<!--z", "a</>b</ x>c<?php x ?>d<!DOCTYPE html>e<!x>f<!",
	"<a href=x/>a<br/><br />b<img src=\"x\"/><p/ >", "<A HREF='X' Href=\"y\" hReF=z>t</A >", "<p\x00x a\x00=\"\x00\">\x00</p\x00x>",
	"<script>a</scr</script>b<SCRIPT>c</Script x>d", "<script><!--<script></script>--></script>x<script><!--</script>y",
	"<script><!--<script>a</script>b</script>c", "<style>a</style b>c<title>&amp;</title>d<textarea>&lt;</textarea>",
	"<xmp><p></xmp><iframe><b></iframe><noembed>n</noembed><noframes>f</noframes><noscript>s</noscript>",
	"<plaintext><p>all text", "a &amp &ampx &amp; &notin; &notit; &#x41; &#65 &#0; &#x110000; &#128; &fjlig; &nGt; &",
	"<a href=\"?a=1&amp=2&ampx;&lt=3&notin;&not=&#39;\" title=&quot>x</a>", "<p a = b c=\"d\"e='f' g h=>x", "<p a=b\r\nc>\r\n\rd\re",
	"<a b=c", "<a b=\"c", "<a b", "<a", "</a", "</", "<", "a<", "<a/", "<!--", "<!-", "<!", "<a =b ==c>x", "<a/b/c>",
	"<script>", "<script/>x</script>y", "<title>a", "<textarea>a</textarea", "<k\u212a>x", "<ſcript>x</ſcript>",
}

func FuzzTokenizer(f *testing.F) {
	for _, s := range tokenizerSeeds {
		f.Add(s)
	}
	for _, tt := range hostileCases {
		f.Add(tt.in)
	}
	f.Add(newsroomBody)
	f.Fuzz(func(t *testing.T, s string) {
		want, got := referenceTokens(s), scannerTokens(s)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("tokens of %q\n got %q\nwant %q", s, got, want)
		}
	})
}

// FuzzEngines: both policies write exactly what the x/net/html engine
// wrote, and Incoming reports the same first image.
func FuzzEngines(f *testing.F) {
	for _, s := range tokenizerSeeds {
		f.Add(s)
	}
	for _, tt := range hostileCases {
		f.Add(tt.in)
	}
	f.Add(newsroomBody)
	in := NewIncoming([]string{"www.youtube.com", "platform.twitter.com"})
	base, _ := url.Parse(hostileInBase)
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []*Policy{Outgoing, in} {
			st := newState(p)
			st.base, st.baseDone = base, true
			got, gotImg := st.run(s), st.first
			st.release()
			st = newState(p)
			st.base, st.baseDone = base, true
			want, wantImg := st.runReference(s), st.first
			st.release()
			if got != want || gotImg != wantImg {
				t.Errorf("%v(%q)\n got %q %v\nwant %q %v", p, s, got, gotImg, want, wantImg)
			}
		}
		checkOutgoing(t, s, hostileInBase)
	})
}

// checkOutgoing checks Outgoing's entry points on body: the body itself
// when the quick scan passes it, else the x/net/html engine's output
// (whatever part of the body they skip ahead over).
func checkOutgoing(t *testing.T, body, base string) {
	t.Helper()
	st := newState(Outgoing)
	st.baseStr = base
	want := st.runReference(body)
	st.release()
	if got := Outgoing.Sanitize(body, base); got != want {
		t.Errorf("Sanitize(%q)\n got %q\nwant %q", body, got, want)
	}
	got, same := Outgoing.AppendSanitized([]byte("x"), body, base)
	if same {
		got = append(got, body...)
	}
	if string(got) != "x"+want || same != (want == body) {
		t.Errorf("AppendSanitized(%q)\n got %q %v\nwant %q", body, got, same, "x"+want)
	}
}

// TestEnginesOnCorpus runs the corpus bodies through both engines.
func TestEnginesOnCorpus(t *testing.T) {
	in := NewIncoming([]string{"www.youtube.com", "platform.twitter.com"})
	for _, b := range corpusBodies(t) {
		for _, p := range []*Policy{Outgoing, in} {
			st := newState(p)
			st.baseStr = b.URL
			got := st.run(b.ContentHTML)
			st.release()
			st = newState(p)
			st.baseStr = b.URL
			want := st.runReference(b.ContentHTML)
			st.release()
			if got != want {
				t.Errorf("%s, %v:\n got %q\nwant %q", b.ID, p, got, want)
			}
		}
		if got, want := scannerTokens(b.ContentHTML), referenceTokens(b.ContentHTML); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: tokens differ", b.ID)
		}
	}
}

// BenchmarkNewsroomReference is BenchmarkNewsroom on the x/net/html
// engine, for comparison in the same run:
//
//	go test -run '^$' -bench Newsroom -benchtime 1s -count 3 ./internal/htmlsafe
func BenchmarkNewsroomReference(b *testing.B) {
	in := NewIncoming([]string{"www.youtube.com", "platform.twitter.com", "www.instagram.com"})
	base := BaseURL("https://news.example.in/2026/11/24/kanpur-rain/")
	for _, p := range []*Policy{Outgoing, in} {
		b.Run(p.String(), func(b *testing.B) {
			b.SetBytes(int64(len(newsroomBody)))
			b.ReportAllocs()
			for b.Loop() {
				s := newState(p)
				s.base, s.baseDone = base, true
				s.runReference(newsroomBody)
				s.release()
			}
		})
	}
}
