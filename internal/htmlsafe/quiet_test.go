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
