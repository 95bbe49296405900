package htmlsafe

import (
	"strings"
	"testing"
)

// TestQuietEndEverywhere: whatever place of a body the engine's
// skip-ahead starts from, the output is the x/net/html engine's: each
// body is checked whole and from each of its places on.
func TestQuietEndEverywhere(t *testing.T) {
	bodies := []string{
		`<p>एक</p><p>x > y</p>`,
		`<p class="a">"उद्धरण"</p>`,
		`<p>a</p>` + strings.Repeat(`<a href="https://x.example/">लिंक</a> `, 20) + `2 > 1`,
		`<p title="t">a</p><p>b &amp; c &nbsp; d &mdash</p><p>it's</p>` + "<p>cr\r\n</p>\x00",
		`<img src="https://x.example/a.png" alt="x" /><p>"</p>`,
		`<p>no stop at all</p>`,
		`>"<p a="b">`,
		`a < b <3 <p>c</p> d <`,
		`x]]>y<p>]]></p>`,
		`<p>a</p> <script async src="https://x.example/w.js" charset="utf-8"></script><p>b</p>`,
		`<div class="v"><iframe width="560" src="https://x.example/e" allowfullscreen style="a:b">x<p>y</p></iframe></div>`,
		`<p>a</p><script src="a/">x</script><script/>y</script><script >z</script><script a="1"b>w</script>`,
		`<svg viewbox="0 0 1 1"><svg><p>x</p></svg><p>y</p></svg><p>z</p><object data="x"><object>a</object>b</object>c`,
		`<style media="x">p>a{}</style><textarea rows="2"><p>t</textarea><title lang="hi">t</title><noscript x><p>n</noscript>`,
		`<p>a</p><script src="x"`,
		`<p>a</p><script src="x">`,
		`<script-x a="1">b</script-x><scriptx>c</scriptx><SCRIPT a="1">d</SCRIPT><script a=1>e</script>`,
		`<xmp a="1"><p>x</xmp><plaintext a="b"><p>y</p>`,
	}
	for _, tt := range hostileCases {
		bodies = append(bodies, tt.in)
	}
	for _, body := range bodies {
		for i := 0; i < len(body); i++ {
			checkOutgoing(t, body[i:], hostileInBase)
		}
	}
	checkOutgoing(t, newsroomBody, hostileInBase)
}

// TestQuietRewrite: tags the skip-ahead writes with attributes left out
// (style, event handlers, unknown and repeated names), with valueless
// attributes given "" and with "&amp;" in values come out as the
// x/net/html engine writes them, wherever they stand in the body.
func TestQuietRewrite(t *testing.T) {
	const base = "https://news.example.in/2026/11/24/kanpur-rain/"
	tags := []string{
		`<div style="position:relative">`,
		`<p style=" color:#c9c8cd; font-size:14px;">`,
		`<a href="https://x.example/?a=1&amp;b=2" style="x" target="_blank">`,
		`<a style="x" href="https://x.example/">`,
		`<a href="https://x.example/" onclick="alert(1)" href="https://y.example/">`,
		`<blockquote class="instagram-media" data-instgrm-captioned data-instgrm-permalink="https://www.instagram.com/p/C1/?utm_source=ig_embed&amp;utm_campaign=loading" data-instgrm-version="14" style="background:#FFF">`,
		`<img loading="lazy" width="1200" src="https://cdn.example.in/a.jpg" srcset="https://cdn.example.in/a-300.jpg 300w, https://cdn.example.in/a-768.jpg 768w" alt="कानपुर" style="border-radius:4px">`,
		`<img src="https://cdn.example.in/a.jpg" style="a>b" />`,
		`<img src="/relative.jpg" style="x">`,
		`<a href="https://x.example/a b" style="x">`,
		`<a href="https://x.example/a` + "\t" + `b" title="t">`,
		`<a href="https://x.example/a` + "\n" + `b">`,
		`<a href="https://x.example/a` + "\x7f" + `b" style="x">`,
		`<a href="https://x.example/a` + "\x01" + `b">`,
		`<img src="https://x.example/a.jpg " style="x">`,
		`<a href=" https://x.example/" style="x">`,
		`<a href="mailto:a@b.example" style="x">`,
		`<a href="https://x.example/&amp; b">`,
		`<a title="a b" href="https://x.example/?a=1&amp;b=2">`,
		`<img srcset="https://x.example/a.jpg" style="x">`,
		`<img srcset="https://x.example/a.jpg 1x,https://x.example/b.jpg 2x" style="x">`,
		`<img srcset="https://x.example/a.jpg 1x,  https://x.example/b.jpg 2x">`,
		`<img srcset="https://x.example/a.jpg  1x, https://x.example/b.jpg">`,
		`<img srcset="https://x.example/a.jpg 1x , https://x.example/b.jpg 2x">`,
		`<img srcset="https://x.example/a.jpg 1x, https://x.example/b.jpg 2x, ">`,
		`<img srcset="https://x.example/a.jpg 1x, https://x.example/b.jpg 2x,">`,
		`<img srcset="https://x.example/a.jpg , https://x.example/b.jpg 2x">`,
		`<img srcset="https://x.example/a.jpg 1x 2y, https://x.example/b.jpg 2x">`,
		`<img srcset="https://x.example/a.jpg 1x` + "\u00a0" + `, https://x.example/b.jpg 2x">`,
		`<img srcset="https://x.example/कानपुर.jpg 1x` + "\u0085" + `">`,
		`<img srcset="https://x.example/a.jpg 1x, /b.jpg 2x">`,
		`<img srcset="https://x.example/a.jpg 1x, javascript:alert(1) 2x">`,
		`<img srcset="HTTPS://x.example/a.jpg 1x">`,
		`<img srcset="https://x.example/a.jpg?a=1&amp;b=2 1x">`,
		`<img srcset="https://x.example/a.jpg` + "\t" + `1x">`,
		`<img srcset=" https://x.example/a.jpg 1x">`,
		`<img srcset="https://x.example/a.jpg 1x, https://x.example/b.jpg 2x" srcset="/c.jpg">`,
		`<img src="javascript:alert(1)" style="x">`,
		`<input disabled checked>`,
		`<input disabled style="x" >`,
		`<a href style="x">`,
		`<a title="a &amp; b &lt; c" style="x">`,
		`<a title="a &amp;amp; b" style="x">`,
		`<td frameborder="0" colspan="2">`,
		`<td style='x' colspan="2">`,
		`<td style="x"colspan="2">`,
		`<td style="x" colspan ="2">`,
		`<td style="x" colspan="2"/>`,
		`<td style="x" STYLE="y">`,
		`<td a1="1" a2="2" a3="3" a4="4" a5="5" a6="6" a7="7" a8="8" a9="9" a10="10" a11="11" a12="12" a13="13" a14="14" a15="15" a16="16" a17="17">`,
		`<td style="x" id="1" id="2" class="c" class="d" data-a data-a="b">`,
		`<td style="unterminated`,
	}
	for _, tag := range tags {
		for _, body := range []string{
			tag,
			tag + "पाठ</p>",
			`<p>पहले</p>` + tag + `बीच</p><p>"उद्धरण" > और</p>` + tag,
			`<p>a &amp; b</p>` + tag + tag,
		} {
			checkOutgoing(t, body, base)
		}
	}
}

// TestQuietSrcset: a srcset quietSrcset passes is one checkURL keeps as
// it is, and the skip-ahead passes the srcsets of newsroom bodies.
func TestQuietSrcset(t *testing.T) {
	s := newState(Outgoing)
	defer s.release()
	s.baseStr = "https://news.example.in/a/"
	for _, v := range []string{
		"https://x.example/a.jpg",
		"https://x.example/a.jpg 300w, http://x.example/b.jpg 768w, https://x.example/c.jpg",
		"https://x.example/a.jpg?q=1;r=%20 2x",
		"https://x.example/a.jpg 1x,https://x.example/b.jpg 2x",
		"https://x.example/a.jpg  1x",
		"https://x.example/a.jpg 1x, ",
		"https://x.example/a.jpg 1x 2y",
		"https://x.example/a.jpg 1x\u00a0",
		"https://x.example/a.jpg\u3000",
		"/a.jpg 1x",
		"https://x.example/a.jpg 1x, //x.example/b.jpg",
		"",
	} {
		u, ok := s.checkURL("img", "srcset", v)
		if quietSrcset(v) && (!ok || u != v) {
			t.Errorf("quietSrcset(%q) but checkURL writes %q, %v", v, u, ok)
		}
	}
	if !quietSrcset("https://cdn.example.in/uploads/2026/11/kanpur-rain-300x169.jpg 300w, https://cdn.example.in/uploads/2026/11/kanpur-rain-768x432.jpg 768w, https://cdn.example.in/uploads/2026/11/kanpur-rain-1200x675.jpg 1200w") {
		t.Error("quietSrcset does not pass a newsroom srcset")
	}
}
