package htmlsafe

import (
	"testing"

	"github.com/khabar/khabar/internal/xmltext"
)

// Outgoing against a browser's reading: bodies written to get active
// content or broken XML past the policy (an adversarial review of the
// text-as-written rule and of the skip-ahead's trimming), each output
// read back as a browser would (unsafeMarkup).

// adversarialBodies are the review's hand-written attacks: concatenation
// around dropped elements and comments, references next to removed
// content, trimmed tags with tricky values, raw-text elements closed
// oddly, foreign-content mutations, bodies cut off mid-tag, CDATA ends,
// and character references to what XML cannot hold.
var adversarialBodies = []string{
	"a<<script>x</script>b", "a<<!-- -->script>alert(1)</script>", "<<script></script>script>alert(1)<<script></script>/script>",
	"&lt<script>x</script>;script&gt;", "&<b>l</b>t;", "x&#60<i>y</i>",
	"<p title=\"&#1;\">x</p>", "<p title=\"&#xFFFF;\">x</p>", "<p title=\"&#xFFFE;\">x</p>", "<title/>&#1;", "<textarea/>&#x0B;z",
	"<a href=\"java&#x0D;script:alert(1)\">x</a>", "<a href=\"&#x6A;avascript:alert(1)\">x</a>", "<a href=\"javascript&colon;alert(1)\">x</a>",
	"<a href=\"\x01javascript:alert(1)\">x</a>", "<a href=\" javascript:alert(1)\" style=\"x\">x</a>",
	"<a style=\"x\" href=\"javascript:alert(1)\">x</a>", "<a href=\"https://x/\" href=\"javascript:1\" style>x</a>",
	"<img src=\"https://x/\" onerror=\"a>b\" alt=\"c\">", "<img alt=\"x\" onerror=\"alert(1)\"/>", "<img alt onerror>",
	"<img alt=\"x\" onerror =\"alert(1)\">", "<img alt =\"x\" onerror=\"alert(1)\">", "<img alt= \"x\" onerror=\"alert(1)\">",
	"<img alt=\"x\" data-a=\"1\" data-a onerror=\"1\">", "<img src=x/ onerror=alert(1)>", "<img/src=x/onerror=alert(1)>",
	"<p title=\"a\"onclick=\"b\">", "<p onclick=\"a\"title=\"b\">", "<p title onclick=x>", "<p title=\"\" onclick=\"\" >",
	"<script/>alert(1)</script><p>", "<script >alert(1)</script ><img src=x onerror=1>", "<ScRiPt>x</sCrIpT>y",
	"<script>x</script <img onerror=1>", "<plaintext><script>alert(1)</script>", "<xmp><img src=x onerror=1></xmp>",
	"<svg><style></svg><img src=x onerror=alert(1)></style>", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
	"<noscript><img title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>", "<!--><img src=x onerror=1>-->",
	"<!---><img src=x onerror=1>-->", "<!-- --!><img src=x onerror=1>-->", "<!-- --!--><img src=x onerror=1>-->", "<!-- -- -><img onerror=1>",
	"<p>]]><p>", "]]<b>x</b>>", "]]<script>x</script>>", "]<!-- -->]>", "<a title=\"]]>\">x</a>",
	"<a title=\"]]&gt;\" style>x</a>", "<p\x00>x", "<p title=\"\x00\">x", "a\x00<script>\x00</script>\x00b",
	"a\r<script>x</script>\nb", "<p title=\"a\rb\" style>", "<img src=\"https://x/\x00\">",
	"<template><script>alert(1)</script></template>", "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
	"<a href=\"https://x/&amp;quot;onmouseover=alert(1)\" style>x</a>", "<a href=\"https://x/&quot; onclick=&quot;alert(1)\">x</a>",
	"<a title=\"&quot; onclick=&quot;alert(1)\" style>", "<a data-x=\"&quot;&gt;&lt;script&gt;\">",
	"<p data-a\"b=\"c\">", "<p data-x'=\"y\" style>", "<p data-=\"x\">", "<p data-<script>=1>",
	"<p data-x=\"y\" data-x\x00=\"z\">", "<b <script>alert(1)</script>>", "<b title=\"", "<b title=\"x\" onclick=\"",
	"<a href=\"https://x\" ", "<img src=\"data:text/html,<script>alert(1)</script>\">", "<img srcset=\"data:text/html,x 1x\">",
	"<img srcset=\"https://x/a.png 1x, javascript:alert(1) 2x\">", "<img srcset=\"https://x/a.png,javascript:alert(1)\">",
	"<img srcset=\"https://x/a.png 1x,javascript:alert(1)\" style>", "<img srcset=\"https://x/a.png 1x , data:text/html,x 2x\">",
	"<form action=\"javascript:alert(1)\"><button formaction=\"javascript:1\">", "<video poster=\"javascript:1\">",
	"<a href=\"mailto:x\" style>", "<a href=\"mailto:javascript:alert(1)\">", "<a href=\"https:javascript:alert(1)\">",
	"<a href=\"http://x\">", "<a href=\"//evil/x\">", "<a href=\"\\\\evil/x\">", "<a href=\"/\\evil\">",
	"<table><tr><td><svg><script>alert(1)</script>", "<select><template><script>alert(1)</script>",
	"<p>x</p><head><script>alert(1)</script></head>", "<svg/onload=alert(1)>", "<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\">",
	"<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
	"<math><mi><mglyph><svg><mtext><textarea><path id=\"</textarea><img onerror=alert(1) src=1>\">",
	"<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", "&#x3C;script&#x3E;alert(1)&#x3C;/script&#x3E;",
	"<a href=\"javascript&#58alert(1)\">x</a>", "<a href=\"jav&#x09;ascript:alert(1)\">x</a>", "<a href=\"jav&Tab;ascript:alert(1)\">x</a>",
	"<a href=\"&NewLine;javascript:alert(1)\">x</a>", "<a HREF=\"javascript:alert(1)\">x</a>", "<a href='javascript:alert(1)'>x</a>",
	"<a href=javascript:alert(1)>x</a>", "<object data=\"javascript:alert(1)\">", "<embed src=\"javascript:alert(1)\">",
	"<isindex action=\"javascript:alert(1)\">", "<image src=x onerror=alert(1)>", "<input type=image src=x onerror=1>",
	"<keygen autofocus onfocus=alert(1)>", "<details open ontoggle=alert(1)>", "<button form=x formaction=javascript:1>",
	"<a href=\"https://x/\"/onclick=\"alert(1)\">", "<a href=\"https://x/\" /onclick=\"alert(1)\">",
	"<p title=\"x\" / onclick=\"alert(1)\">", "<p title=\"x\" /onclick=\"alert(1)\">",
	"<p title=\"x\"\tonclick=\"alert(1)\">", "<p title=\"x\"\fonclick=\"alert(1)\">", "<p\ttitle=\"x\" onclick=\"alert(1)\">",
	"<p title=\"x\" onclick=\"alert(1)\"\n>", "<br/ onclick=1>", "<br / onclick=\"1\">", "<br  onclick=\"1\">", "<br onclick=\"1\" / >",
	"<p title=\"a\" title=\"b\" onclick=\"c\" onclick=\"d\">", "<a href=\"https://x/\" style=\"\"onclick=\"1\">",
	"<a style=\"\" href=\"https://x/\"onclick=\"1\">",
	"<p title=\"&#1;\">x</p>", "<abbr title=\"&#x0B;\">x</abbr>", "<img alt=\"&#x1F;\" src=\"https://e.example/a.png\">",
	"<textarea/>&#x0C;z", "<p title=\"&#xFFFF;&#xFFFE;&#0;\" style>x</p>",
}

// TestOutgoingAdversarial: no adversarial body gets an element, attribute
// or URL past Outgoing that a browser would run, and what comes out of a
// body holding only XML characters holds only XML characters.
func TestOutgoingAdversarial(t *testing.T) {
	for _, in := range adversarialBodies {
		out := Outgoing.Sanitize(in, "https://news.example.in/a/")
		if r := unsafeMarkup(out, true); r != "" {
			t.Errorf("Sanitize(%q) = %q: %s", in, out, r)
		}
		if xmltext.IsClean(in) && !xmltext.IsClean(out) {
			t.Errorf("Sanitize(%q) = %q holds a character XML 1.0 does not allow", in, out)
		}
	}
}
