package digest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/khabar/khabar/internal/htmlvalidate"
)

// TestHTMLValidate checks, with the HTML5 validator html-validate (npm,
// installed by .ci/install.sh), the digest of each golden subscriber
// (hi, en, ur: the .html goldens), the web version in each language, and
// the unsubscribe handler's pages in each language: the confirmation, the
// page after unsubscribing and an error.
func TestHTMLValidate(t *testing.T) {
	var pages []htmlvalidate.Page
	for _, sub := range goldenSubscribers {
		m, _ := buildGolden(t, sub)
		pages = append(pages, htmlvalidate.Page{Name: "digest-" + sub.Language, Kind: htmlvalidate.Email, HTML: m.HTML})
	}
	b := newTestBuilder(t, nil)
	for _, lang := range []string{"hi", "en", "ur"} {
		wv, err := b.General(testEdition, lang)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, htmlvalidate.Page{Name: "web-version-" + lang, Kind: htmlvalidate.Email, HTML: wv.HTML})
	}

	ctx := context.Background()
	store := openTestStore(t)
	subs := []*Subscriber{{Email: "asha@example.com", Language: "hi"}, {Email: "ben@example.com", Language: "en"}, {Email: "zainab@example.com", Language: "ur"}}
	if _, err := store.Import(ctx, subs); err != nil {
		t.Fatal(err)
	}
	tk := testTokens()
	h := &UnsubscribeHandler{Tokens: tk, Store: store, Publisher: Publisher{Name: "ख़बर", Address: "12, माल रोड\nकानपुर"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	srv := httptest.NewServer(h)
	defer srv.Close()
	fetch := func(method, u string) []byte {
		var body io.Reader
		if method == "POST" {
			body = strings.NewReader("via=link")
		}
		req, _ := http.NewRequest(method, u, body)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return b
	}
	for _, sub := range subs {
		tok, _ := tk.Sign(sub.Email, "daily")
		u := srv.URL + "/unsubscribe?t=" + url.QueryEscape(tok)
		pages = append(pages,
			htmlvalidate.Page{Name: "unsubscribe-confirm-" + sub.Language, Kind: htmlvalidate.Web, HTML: fetch("GET", u)},
			htmlvalidate.Page{Name: "unsubscribe-done-" + sub.Language, Kind: htmlvalidate.Web, HTML: fetch("POST", u)},
			htmlvalidate.Page{Name: "unsubscribe-error-" + sub.Language, Kind: htmlvalidate.Web, HTML: fetch("GET", srv.URL+"/unsubscribe?t=forged&lang="+sub.Language)})
	}
	htmlvalidate.Check(t, pages...)
}
