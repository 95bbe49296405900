package synth

import "strings"

// NewsroomEmbeds are the embeds of testdata/articles.jsonl's realistic
// bodies, for benchmarks and tests on realistic content: a tweet and an
// Instagram post (blockquote and script), a YouTube player, a figure
// with inline styles and a caption, an image with srcset, a table.
var NewsroomEmbeds = []string{
	`<blockquote class="twitter-tweet" data-lang="hi" data-theme="light"><p lang="hi" dir="ltr">नगर निगम की टीमें मौके पर मौजूद हैं। कृपया हेल्पलाइन 1533 पर संपर्क करें। <a href="https://twitter.com/hashtag/KanpurRain?src=hash&amp;ref_src=twsrc%5Etfw">#KanpurRain</a> <a href="https://t.co/AbCdEf123">pic.twitter.com/AbCdEf123</a></p>&mdash; Kanpur Nagar Nigam (@KanpurNN) <a href="https://twitter.com/KanpurNN/status/1861234567890123456?ref_src=twsrc%5Etfw">November 24, 2026</a></blockquote> <script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>`,
	`<div class="embed-youtube" style="position:relative;padding-bottom:56.25%;height:0;overflow:hidden"><iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0" title="YouTube video player" frameborder="0" allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture" allowfullscreen style="position:absolute;top:0;left:0;width:100%;height:100%"></iframe></div>`,
	`<figure class="wp-block-image size-large" style="max-width:100%;margin:0 auto 1.5em"><img loading="lazy" decoding="async" width="1200" height="675" src="https://cdn.example.in/uploads/2026/11/kanpur-rain-1200x675.jpg" srcset="https://cdn.example.in/uploads/2026/11/kanpur-rain-300x169.jpg 300w, https://cdn.example.in/uploads/2026/11/kanpur-rain-768x432.jpg 768w, https://cdn.example.in/uploads/2026/11/kanpur-rain-1200x675.jpg 1200w" sizes="(max-width: 1200px) 100vw, 1200px" alt="कानपुर में जलभराव" class="wp-image-48213" style="border-radius:4px"><figcaption class="wp-element-caption" style="font-size:0.85em;color:#555">गोविंद नगर में जलभराव के बीच से गुजरते लोग। (फोटो: संवाददाता)</figcaption></figure>`,
	`<blockquote class="instagram-media" data-instgrm-captioned data-instgrm-permalink="https://www.instagram.com/p/C1a2B3c4D5e/?utm_source=ig_embed&amp;utm_campaign=loading" data-instgrm-version="14" style="background:#FFF; border:0; border-radius:3px; margin: 1px; max-width:540px; min-width:326px; padding:0; width:99.375%;"><div style="padding:16px;"><a href="https://www.instagram.com/p/C1a2B3c4D5e/?utm_source=ig_embed&amp;utm_campaign=loading" style="background:#FFFFFF; line-height:0; padding:0 0; text-align:center; text-decoration:none; width:100%;" target="_blank">इस पोस्ट को इंस्टाग्राम पर देखें</a><p style="color:#c9c8cd; font-family:Arial,sans-serif; font-size:14px; line-height:17px; margin-bottom:0; margin-top:8px; overflow:hidden; padding:8px 0 7px; text-align:center;"><a href="https://www.instagram.com/p/C1a2B3c4D5e/?utm_source=ig_embed&amp;utm_campaign=loading" style="color:#c9c8cd; font-family:Arial,sans-serif; font-size:14px; text-decoration:none;" target="_blank">A post shared by Kanpur Live (@kanpurlive)</a></p></div></blockquote> <script async src="//www.instagram.com/embed.js"></script>`,
	`<table class="data-table" style="width:100%;border-collapse:collapse"><thead><tr><th style="text-align:left">इलाका</th><th>बारिश (मिमी)</th><th>जलभराव</th></tr></thead><tbody><tr><td>गोविंद नगर</td><td>132</td><td>गंभीर</td></tr><tr><td>किदवई नगर</td><td>121</td><td>गंभीर</td></tr><tr><td>बर्रा</td><td>117</td><td>मध्यम</td></tr><tr><td>स्वरूप नगर</td><td>98</td><td>हल्का</td></tr></tbody></table>`,
}

// WithEmbed puts embed after the paragraph that ends nearest the middle
// of body, keeping the body's size.
func WithEmbed(body, embed string) string {
	mid := len(body) / 2
	i := strings.Index(body[mid:], "</p>")
	if i < 0 {
		return body + embed
	}
	i += mid + len("</p>")
	head, tail := body[:i], body[i:]
	if cut := len(tail) - len(embed); cut > 0 {
		if j := strings.LastIndex(tail[:cut], "</p>"); j >= 0 {
			tail = tail[:j+len("</p>")]
		}
	}
	return head + "\n" + embed + tail
}
