package upstream

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// What an adversarial review of this package found past its limits: a
// DOCTYPE whose internal subset held a '[' in an entity value or a comment
// hid the whole document from the item and element limits (the tag
// scanner counted brackets; encoding/xml, and so gofeed, ends a directive
// at a '>' outside quotes and declarations), and items named in another
// letter case (<Item>, which gofeed reads as an item) were not counted.

// items returns n items with distinct links, named name.
func items(name string, n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("<" + name + "><link>https://a.example/" + strconv.Itoa(i) + "</link><pubDate>Tue, 24 Nov 2026 13:00:00 GMT</pubDate></" + name + ">")
	}
	return b.String()
}

func TestLimitsSeeThroughDoctype(t *testing.T) {
	for _, doctype := range []string{
		`<!DOCTYPE rss [ <!ENTITY a "["> ]>`,
		`<!DOCTYPE rss [ <!-- [ --> ]>`,
		`<!DOCTYPE rss [ <!ENTITY a "]>"> <!ENTITY b '>'> ]>`,
		`<!DOCTYPE rss [ <!ENTITY % p "<!ENTITY c 'x'>"> ]>`,
	} {
		doc := doctype + `<rss version="2.0"><channel><title>t</title>` + items("item", 3*DefaultMaxItems/2) + `</channel></rss>`
		f, err := (&Parser{}).Parse([]byte(doc), "https://a.example/feed", "")
		if f == nil || len(f.Articles) > DefaultMaxItems {
			t.Errorf("%s: %v articles (MaxItems %d), %v", doctype, articles(f), DefaultMaxItems, err)
		}
		flood := doctype + `<rss version="2.0" xmlns:x="urn:x"><channel><title>t</title><item><title>flood</title><link>https://a.example/f</link>` +
			strings.Repeat(`<x:y/>`, MaxItemElements+10) + `</item></channel></rss>`
		if f, _ := (&Parser{}).Parse([]byte(flood), "https://a.example/feed", ""); articles(f) != 0 {
			t.Errorf("%s: an item with %d elements kept (MaxItemElements %d)", doctype, MaxItemElements+10, MaxItemElements)
		}
	}
}

func TestLimitsCountItemsInAnyCase(t *testing.T) {
	for _, doc := range []string{
		`<rss version="2.0"><channel><title>t</title>` + items("Item", 3*DefaultMaxItems/2) + `</channel></rss>`,
		`<rss version="2.0"><channel><title>t</title>` + items("ITEM", 3*DefaultMaxItems/2) + `</channel></rss>`,
	} {
		f, err := (&Parser{}).Parse([]byte(doc), "https://a.example/feed", "")
		if f == nil || len(f.Articles) > DefaultMaxItems {
			t.Errorf("%s…: %v articles (MaxItems %d), %v", doc[:60], articles(f), DefaultMaxItems, err)
		}
	}
}

func articles(f *Feed) int {
	if f == nil {
		return -1
	}
	return len(f.Articles)
}

// TestFetchValidatorBounds: an ETag of megabytes is not kept (it would be
// stored in State and sent back with every request); a response header
// over 64 KiB is refused.
func TestFetchValidatorBounds(t *testing.T) {
	for _, n := range []int{2 << 10, 1 << 20} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("ETag", `"`+strings.Repeat("e", n)+`"`)
			w.Header().Set("Last-Modified", "Tue, 24 Nov 2026 13:00:00 GMT")
			w.Write([]byte(`<rss version="2.0"><channel><title>t</title></channel></rss>`))
		}))
		res, err := testFetcher().Fetch(context.Background(), srv.URL, &State{})
		srv.Close()
		switch {
		case n > maxHeaderBytes && err == nil:
			t.Errorf("a %d-byte ETag header was read", n)
		case n <= maxHeaderBytes && (err != nil || res.ETag != "" || res.LastModified == ""):
			t.Errorf("a %d-byte ETag: %+v, %v", n, res, err)
		}
	}
}
