package signup

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
)

// TestSignupAbuseHeld: attacks an adversarial review tried that the
// handlers withstand, kept so that they go on withstanding them: reflected
// input escaped; preferences tokens of another purpose, another list or
// tampered refused; a GET and a cross-site text/plain POST change
// nothing; X-Forwarded-For does not reset the per-IP limit.
func TestSignupAbuseHeld(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	get := func(path string) (int, string, http.Header) {
		res, err := http.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, body(t, res), res.Header
	}
	// Reflected input is escaped.
	if _, b, _ := get("/subscribe?email=" + url.QueryEscape(`"><script>alert(1)</script>@x.com`) + "&lang=" + url.QueryEscape(`en"><script>`)); strings.Contains(b, "<script>") {
		t.Error("script reflected")
	}
	// Preferences: forged, unsubscribe-purpose, confirm-purpose, other-list tokens refused.
	f.store.Put(ctx, &digest.Subscriber{Email: "a@example.com", Status: digest.StatusActive})
	unsub, _ := f.s.Tokens.Sign("a@example.com", digest.DefaultList)
	conf, _ := f.s.Tokens.SignFor(digest.PurposeConfirm, "a@example.com", "abc", t0.Add(time.Hour))
	other, _ := f.s.Tokens.SignFor(digest.PurposePreferences, "a@example.com", "other", t0.Add(time.Hour))
	form, _ := f.s.Tokens.SignFor(digest.PurposeForm, "a@example.com", digest.DefaultList, t0.Add(time.Hour))
	good, _ := f.s.preferencesToken("a@example.com")
	for _, tk := range []string{unsub, conf, other, form, good[:len(good)-2] + "AA", strings.Replace(good, ".", "..", 1)} {
		res, b := f.post(t, "/preferences", url.Values{"t": {tk}, "action": {"unsubscribe"}})
		if res.StatusCode != 400 || f.status(t, "a@example.com") != digest.StatusActive {
			t.Errorf("token %q: %d %s", tk, res.StatusCode, b[:min(80, len(b))])
		}
	}
	// GET with action=unsubscribe changes nothing.
	get("/preferences?action=unsubscribe&t=" + url.QueryEscape(good))
	if f.status(t, "a@example.com") != digest.StatusActive {
		t.Error("GET unsubscribed")
	}
	// A text/plain cross-site form carries no fields.
	req, _ := http.NewRequest("POST", f.srv.URL+"/preferences?t="+url.QueryEscape(good), strings.NewReader("action=unsubscribe\r\n"))
	req.Header.Set("Content-Type", "text/plain")
	res, _ := http.DefaultClient.Do(req)
	res.Body.Close()
	if f.status(t, "a@example.com") != digest.StatusActive {
		t.Error("text/plain POST unsubscribed")
	}
	// X-Forwarded-For does not reset the per-IP limit.
	f = newFixture(t) // limits are read at the first request
	f.s.PerIP = 2
	tok := f.formToken(t)
	var codes []int
	for i := range 4 {
		r := httptest.NewRequest("POST", "/subscribe", strings.NewReader(signupForm(tok, "x"+string(rune('a'+i))+"@example.com").Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Forwarded-For", "10.0.0."+string(rune('1'+i)))
		r.RemoteAddr = "192.0.2.9:1234"
		w := httptest.NewRecorder()
		f.s.Subscribe().ServeHTTP(w, r)
		codes = append(codes, w.Code)
	}
	if codes[3] != 429 {
		t.Errorf("XFF bypassed per-IP limit: %v", codes)
	}
}
