package digest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTokenPurposes(t *testing.T) {
	tk := testTokens()
	exp := fixedNow.Add(time.Hour)
	for _, p := range []string{PurposeUnsubscribe, PurposeConfirm, PurposePreferences, PurposeForm} {
		tok, err := tk.SignFor(p, "a@example.com", "ref1", exp)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{PurposeUnsubscribe, PurposeConfirm, PurposePreferences, PurposeForm} {
			_, err := tk.VerifyFor(q, tok)
			if (err == nil) != (p == q) || err != nil && !errors.Is(err, ErrTokenSignature) {
				t.Errorf("signed for %s, verified for %s: %v", p, q, err)
			}
		}
	}
	// Sign is SignFor(PurposeUnsubscribe): links in digests already sent keep working.
	tok, _ := tk.SignUntil("a@example.com", "daily", exp)
	tok2, _ := tk.SignFor(PurposeUnsubscribe, "a@example.com", "daily", exp)
	if tok != tok2 {
		t.Errorf("Sign and SignFor(unsubscribe) differ: %s %s", tok, tok2)
	}
}

func TestUnsubscribeHistory(t *testing.T) {
	ctx := context.Background()
	store := &MemStore{}
	if _, err := store.Import(ctx, []*Subscriber{{Email: "a@example.com"}, {Email: "b@example.com"}}); err != nil {
		t.Fatal(err)
	}
	tk := testTokens()
	h := &UnsubscribeHandler{Tokens: tk, Store: store, Publisher: Publisher{Name: "ख़बर", Address: "कानपुर"}, Now: fixedClock}
	for _, c := range []struct{ email, body, source string }{
		{"a@example.com", "List-Unsubscribe=One-Click", "list-unsubscribe"},
		{"b@example.com", "List-Unsubscribe=One-Click&via=link", "link"},
	} {
		tok, _ := tk.Sign(c.email, DefaultList)
		req := httptest.NewRequest("POST", "/u?"+url.Values{"t": {tok}}.Encode(), strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = "192.0.2.7:5555"
		for range 2 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req.Clone(ctx))
			if rec.Code != 200 {
				t.Fatalf("%s: %d", c.email, rec.Code)
			}
			req.Body = http.NoBody
			req = httptest.NewRequest("POST", "/u?"+url.Values{"t": {tok}}.Encode(), strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = "192.0.2.7:5555"
		}
		hist, _ := store.History(ctx, c.email)
		var unsubs []Event // an import may have recorded its own event first
		for _, e := range hist {
			if e.Kind == EventUnsubscribed {
				unsubs = append(unsubs, e)
			}
		}
		if len(unsubs) != 1 || unsubs[0].Source != c.source || unsubs[0].IP != "192.0.2.7" || !unsubs[0].At.Equal(fixedNow) {
			t.Errorf("%s: history %+v", c.email, hist)
		}
	}
	// The confirmation page's button says it is the link.
	tok, _ := tk.Sign("a@example.com", DefaultList)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/u?t="+tok, nil))
	if !strings.Contains(rec.Body.String(), `name="via" value="link"`) {
		t.Errorf("confirmation page lacks via=link:\n%s", rec.Body)
	}
}

func TestPreferencesLink(t *testing.T) {
	b := newTestBuilder(t, func(c *Config) { c.PreferencesURL = "https://khabar.example/preferences" })
	m, err := b.Build(context.Background(), Edition{Date: "2026-11-24"}, &Subscriber{Email: "asha@example.com", Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(m.PreferencesURL)
	if err != nil || u.Path != "/preferences" {
		t.Fatalf("PreferencesURL %q", m.PreferencesURL)
	}
	c, err := b.cfg.Tokens.VerifyFor(PurposePreferences, u.Query().Get("t"))
	if err != nil || c.Email != "asha@example.com" || c.List != DefaultList {
		t.Errorf("preferences token: %+v, %v", c, err)
	}
	esc := strings.ReplaceAll(m.PreferencesURL, "&", "&amp;")
	if !bytes.Contains(m.Text, []byte("Preferences: "+m.PreferencesURL)) || !bytes.Contains(m.HTML, []byte(`href="`+esc+`"`)) {
		t.Errorf("footer lacks the preferences link")
	}
}

func TestLoopbackUnsubscribeURL(t *testing.T) {
	for _, c := range []struct {
		u  string
		ok bool
	}{
		{"https://khabar.example/u", true}, {"http://127.0.0.1:8080/u", true}, {"http://localhost/u", true},
		{"http://[::1]:80/u", true}, {"http://khabar.example/u", false}, {"http://10.0.0.1/u", false},
	} {
		u, _ := url.Parse(c.u)
		if oneClickURL(u) != c.ok {
			t.Errorf("%s: %v, want %v", c.u, !c.ok, c.ok)
		}
	}
}
