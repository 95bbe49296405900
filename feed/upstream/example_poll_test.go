package upstream_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/feed/upstream"
)

const exampleRSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>समाचार</title><link>https://news.example.in/</link><language>hi</language>
<item><title>कानपुर मेट्रो का पहला चरण खुला</title><link>https://news.example.in/2026/11/24/metro/</link>
  <guid>https://news.example.in/2026/11/24/metro/</guid><pubDate>Tue, 24 Nov 2026 18:30:00 +0530</pubDate></item>
<item><title>लखनऊ में कोहरा, उड़ानें देर से</title><link>https://news.example.in/2026/11/24/fog/</link>
  <guid>https://news.example.in/2026/11/24/fog/</guid><pubDate>Tue, 24 Nov 2026 07:10:00 +0530</pubDate></item>
</channel></rss>`

// exampleServer serves exampleRSS at /feed.xml with an ETag, answering a
// matching If-None-Match with 304, and asks clients to come back in ten
// minutes.
func exampleServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Cache-Control", "max-age=600")
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = io.WriteString(w, exampleRSS)
	}))
}

// loopback lets the SSRF guard through to a test server on this machine,
// and to nothing else that is not public.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

func ExampleFetcher() {
	srv := exampleServer()
	defer srv.Close()
	ctx := context.Background()
	feedURL := srv.URL + "/feed.xml"

	// The zero Fetcher's SSRF guard refuses loopback and private
	// addresses.
	_, err := (&upstream.Fetcher{}).Fetch(ctx, feedURL, nil)
	var ae *upstream.AddressError
	fmt.Println(errors.Is(err, upstream.ErrForbiddenAddress), errors.As(err, &ae) && ae.Reason == "loopback")

	// AllowNets lets the test server's network through.
	now := time.Date(2026, 11, 24, 19, 0, 0, 0, time.UTC)
	f := &upstream.Fetcher{AllowNets: loopback, Now: func() time.Time { return now }}
	var st upstream.State
	res, err := f.Fetch(ctx, feedURL, &st)
	if err != nil {
		fmt.Println(err)
		return
	}
	feed, err := (&upstream.Parser{}).ParseResult(res, feedURL)
	fmt.Println(res.StatusCode, res.ETag, len(feed.Articles), "articles", err)
	f.Update(&st, res, feed, err)
	fmt.Println("next poll in", st.NextPoll.Sub(now))

	// The next fetch is conditional: the server answers 304.
	res, err = f.Fetch(ctx, feedURL, &st)
	fmt.Println(res.StatusCode, res.NotModified, err)
	// Output:
	// true true
	// 200 "v1" 2 articles <nil>
	// next poll in 10m0s
	// 304 true <nil>
}

func ExamplePoller() {
	srv := exampleServer()
	defer srv.Close()
	ctx := context.Background()

	c := khabar.NewCatalog()
	p := &upstream.Poller{
		Catalog: c,
		Fetcher: &upstream.Fetcher{AllowNets: loopback},
	}
	p.Add(upstream.Subscription{URL: srv.URL + "/feed.xml", Title: "समाचार"})

	// One round: every feed never polled is due.
	for _, r := range p.PollDue(ctx) {
		fmt.Println(r.Articles, "read,", r.Stored, "stored, error:", r.Err)
	}
	news, total := c.Newest(khabar.SiteKey(), 0, 10)
	fmt.Println(total, "in the catalog")
	for _, a := range news {
		fmt.Println(a.Published.Format("15:04"), a.Title)
	}

	// The feed is not due again for ten minutes; PollAll polls anyway,
	// conditionally.
	fmt.Println(len(p.PollDue(ctx)), "due")
	for _, r := range p.PollAll(ctx) {
		fmt.Println("not modified:", r.NotModified)
	}
	// Output:
	// 2 read, 2 stored, error: <nil>
	// 2 in the catalog
	// 18:30 कानपुर मेट्रो का पहला चरण खुला
	// 07:10 लखनऊ में कोहरा, उड़ानें देर से
	// 0 due
	// not modified: true
}
