package htmlsafe

import "testing"

// newsroomBody is a realistic embed-heavy article body (~6 KB): Hindi
// paragraphs with links, a Twitter and an Instagram embed (blockquote and
// script), a YouTube iframe, a figure with inline styles and a caption,
// an image with srcset, and a table.
const newsroomBody = `<p class="story-lead"><strong>कानपुर:</strong> शहर में मंगलवार देर रात से हो रही लगातार बारिश ने जनजीवन अस्त-व्यस्त कर दिया। निचले इलाकों में पानी भर जाने से कई मोहल्लों का संपर्क मुख्य सड़कों से कट गया और नगर निगम की टीमें सुबह से ही राहत कार्य में जुटी हैं।</p>
<p>मौसम विभाग के अनुसार पिछले चौबीस घंटों में <a href="https://mausam.example.gov.in/kanpur" target="_blank" rel="noopener">कानपुर</a> में 118 मिलीमीटर बारिश दर्ज की गई, जो इस मौसम में अब तक की सबसे अधिक है। विभाग ने अगले दो दिनों के लिए <a href="/tag/orange-alert/">ऑरेंज अलर्ट</a> जारी किया है।</p>
<figure class="wp-block-image size-large" style="max-width:100%;margin:0 auto 1.5em"><img loading="lazy" decoding="async" width="1200" height="675" src="https://cdn.example.in/uploads/2026/11/kanpur-rain-1200x675.jpg" srcset="https://cdn.example.in/uploads/2026/11/kanpur-rain-300x169.jpg 300w, https://cdn.example.in/uploads/2026/11/kanpur-rain-768x432.jpg 768w, https://cdn.example.in/uploads/2026/11/kanpur-rain-1200x675.jpg 1200w" sizes="(max-width: 1200px) 100vw, 1200px" alt="कानपुर में जलभराव" class="wp-image-48213" style="border-radius:4px"><figcaption class="wp-element-caption" style="font-size:0.85em;color:#555">गोविंद नगर में जलभराव के बीच से गुजरते लोग। (फोटो: संवाददाता)</figcaption></figure>
<p>जिलाधिकारी ने बताया कि सभी सरकारी और निजी स्कूलों में बुधवार को अवकाश घोषित कर दिया गया है। उन्होंने लोगों से अपील की कि बहुत जरूरी न हो तो घर से बाहर न निकलें और बिजली के खंभों व तारों से दूर रहें।</p>
<blockquote class="twitter-tweet" data-lang="hi" data-theme="light"><p lang="hi" dir="ltr">कानपुर में भारी बारिश के चलते कई इलाकों में जलभराव। नगर निगम की टीमें मौके पर मौजूद हैं। कृपया हेल्पलाइन 1533 पर संपर्क करें। <a href="https://twitter.com/hashtag/KanpurRain?src=hash&amp;ref_src=twsrc%5Etfw">#KanpurRain</a> <a href="https://t.co/AbCdEf123">pic.twitter.com/AbCdEf123</a></p>&mdash; Kanpur Nagar Nigam (@KanpurNN) <a href="https://twitter.com/KanpurNN/status/1861234567890123456?ref_src=twsrc%5Etfw">November 24, 2026</a></blockquote> <script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>
<p>शहर के <em>गोविंद नगर</em>, <em>किदवई नगर</em> और <em>बर्रा</em> में हालात सबसे ज्यादा खराब हैं। स्थानीय निवासियों का कहना है कि नालों की सफाई समय पर नहीं होने से यह स्थिति बनी है।</p>
<div class="embed-youtube" style="position:relative;padding-bottom:56.25%;height:0;overflow:hidden"><iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0" title="YouTube video player" frameborder="0" allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture" allowfullscreen style="position:absolute;top:0;left:0;width:100%;height:100%"></iframe></div>
<h2>किन इलाकों में कितनी बारिश</h2>
<table class="data-table" style="width:100%;border-collapse:collapse"><thead><tr><th style="text-align:left">इलाका</th><th>बारिश (मिमी)</th><th>जलभराव</th></tr></thead><tbody><tr><td>गोविंद नगर</td><td>132</td><td>गंभीर</td></tr><tr><td>किदवई नगर</td><td>121</td><td>गंभीर</td></tr><tr><td>बर्रा</td><td>117</td><td>मध्यम</td></tr><tr><td>स्वरूप नगर</td><td>98</td><td>हल्का</td></tr><tr><td>कल्याणपुर</td><td>104</td><td>मध्यम</td></tr></tbody></table>
<p>नगर आयुक्त ने कहा कि पंपिंग स्टेशनों को पूरी क्षमता पर चलाया जा रहा है और अतिरिक्त पंप मंगवाए गए हैं। उन्होंने कहा कि अगले चौबीस घंटों में अधिकांश इलाकों से पानी निकाल दिया जाएगा।</p>
<blockquote class="instagram-media" data-instgrm-captioned data-instgrm-permalink="https://www.instagram.com/p/C1a2B3c4D5e/?utm_source=ig_embed&amp;utm_campaign=loading" data-instgrm-version="14" style=" background:#FFF; border:0; border-radius:3px; box-shadow:0 0 1px 0 rgba(0,0,0,0.5),0 1px 10px 0 rgba(0,0,0,0.15); margin: 1px; max-width:540px; min-width:326px; padding:0; width:99.375%;"><div style="padding:16px;"><a href="https://www.instagram.com/p/C1a2B3c4D5e/?utm_source=ig_embed&amp;utm_campaign=loading" style=" background:#FFFFFF; line-height:0; padding:0 0; text-align:center; text-decoration:none; width:100%;" target="_blank">इस पोस्ट को इंस्टाग्राम पर देखें</a><p style=" color:#c9c8cd; font-family:Arial,sans-serif; font-size:14px; line-height:17px; margin-bottom:0; margin-top:8px; overflow:hidden; padding:8px 0 7px; text-align:center; text-overflow:ellipsis; white-space:nowrap;"><a href="https://www.instagram.com/p/C1a2B3c4D5e/?utm_source=ig_embed&amp;utm_campaign=loading" style=" color:#c9c8cd; font-family:Arial,sans-serif; font-size:14px; font-style:normal; font-weight:normal; line-height:17px; text-decoration:none;" target="_blank">A post shared by Kanpur Live (@kanpurlive)</a></p></div></blockquote> <script async src="//www.instagram.com/embed.js"></script>
<p>इस बीच, <a href="https://news.example.in/2026/11/23/lucknow-rain/">लखनऊ</a> और <a href="https://news.example.in/2026/11/23/prayagraj-rain/">प्रयागराज</a> में भी तेज बारिश की खबरें हैं। राज्य आपदा प्रबंधन प्राधिकरण ने सभी जिलों को सतर्क रहने के निर्देश दिए हैं।</p>
<p><em>(इनपुट: एजेंसी)</em></p>`

// BenchmarkNewsroom runs both policies on newsroomBody, an embed-heavy
// body that the Outgoing quick scan cannot pass.
//
//	go test -run '^$' -bench Newsroom -benchtime 1s -count 3 ./internal/htmlsafe
func BenchmarkNewsroom(b *testing.B) {
	if quick(newsroomBody) {
		b.Fatal("newsroomBody takes the quick path")
	}
	in := NewIncoming([]string{"www.youtube.com", "platform.twitter.com", "www.instagram.com"})
	base := BaseURL("https://news.example.in/2026/11/24/kanpur-rain/")
	b.Run("outgoing", func(b *testing.B) {
		b.SetBytes(int64(len(newsroomBody)))
		b.ReportAllocs()
		for b.Loop() {
			Outgoing.Sanitize(newsroomBody, "https://news.example.in/2026/11/24/kanpur-rain/")
		}
	})
	b.Run("incoming", func(b *testing.B) {
		b.SetBytes(int64(len(newsroomBody)))
		b.ReportAllocs()
		for b.Loop() {
			in.SanitizeFragment(newsroomBody, base)
		}
	})
}
