package upstream_test

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/khabar/khabar/feed/upstream"
)

func ExampleParser_Parse() {
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>समाचार</title><link>https://news.example.in/</link><language>hi</language>
<item>
  <title>कानपुर &lt;b&gt;मेट्रो&lt;/b&gt; शुरू</title>
  <link>/2026/11/24/metro/?utm_source=rss&amp;id=7</link>
  <guid isPermaLink="false">p-42187</guid>
  <pubDate>Tue, 24 Nov 2026 06:30 PM IST</pubDate>
  <dc:creator>राहुल शर्मा</dc:creator>
  <description><![CDATA[<p onclick="x()">पहला चरण <a href="/tag/metro/">खुला</a><script>evil()</script></p>]]></description>
</item>
<item><title>बिना तारीख़</title><link>https://news.example.in/undated/</link></item>
</channel></rss>`
	p := &upstream.Parser{}
	feed, err := p.Parse([]byte(doc), "https://news.example.in/feed/", "application/rss+xml")
	a := feed.Articles[0]
	fmt.Println(a.Title)
	fmt.Println(a.URL)
	fmt.Println(a.Published.UTC().Format(time.RFC3339), a.Authors[0].Name)
	fmt.Println(a.ContentHTML)
	fmt.Println(err)
	// Output:
	// कानपुर मेट्रो शुरू
	// https://news.example.in/2026/11/24/metro/?id=7
	// 2026-11-24T13:00:00Z राहुल शर्मा
	// <p>पहला चरण <a href="https://news.example.in/tag/metro/" rel="noopener noreferrer">खुला</a></p>
	// upstream: https://news.example.in/feed/ (1 item problem, first: item 1: published: item has no date)
}

func ExampleStripTracking() {
	fmt.Println(upstream.StripTracking("https://example.com/story?utm_source=twitter&id=3&fbclid=abc#top"))
	// Output: https://example.com/story?id=3#top
}

func ExampleForbiddenReason() {
	for _, s := range []string{"169.254.169.254", "::ffff:10.0.0.1", "100.64.1.1", "93.184.216.34"} {
		fmt.Printf("%s: %q\n", s, upstream.ForbiddenReason(netip.MustParseAddr(s)))
	}
	// Output:
	// 169.254.169.254: "link-local"
	// ::ffff:10.0.0.1: "private"
	// 100.64.1.1: "shared (CGNAT)"
	// 93.184.216.34: ""
}

func ExampleReadOPML() {
	opml := `<opml version="2.0"><head><title>feeds</title></head><body>
<outline text="India"><outline text="समाचार" type="rss" xmlUrl="https://news.example.in/feed/"/></outline>
</body></opml>`
	subs, err := upstream.ReadOPML(strings.NewReader(opml), nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", subs[0])
	if err := upstream.WriteOPML(os.Stdout, "export", subs, time.Time{}); err != nil {
		panic(err)
	}
	// Output:
	// {URL:https://news.example.in/feed/ Title:समाचार SiteURL: Category:India}
	// <?xml version="1.0" encoding="UTF-8"?>
	// <opml version="2.0">
	//   <head>
	//     <title>export</title>
	//   </head>
	//   <body>
	//     <outline text="India">
	//       <outline text="समाचार" title="समाचार" type="rss" xmlUrl="https://news.example.in/feed/"></outline>
	//     </outline>
	//   </body>
	// </opml>
}
