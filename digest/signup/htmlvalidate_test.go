package signup

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/internal/htmlvalidate"
)

// TestHTMLValidate checks, with the HTML5 validator html-validate (npm,
// installed by .ci/install.sh), every page of the signup in hi, en and ur
// as a reader meets them: the form (also with an error), "check your
// inbox", the confirmation message (HTML email) and its link's page, a forged link's page, "you are subscribed", and the preferences
// page (after saving, and once unsubscribed).
func TestHTMLValidate(t *testing.T) {
	f := newFixture(t)
	var pages []htmlvalidate.Page
	add := func(name string, kind htmlvalidate.Kind, b string) {
		pages = append(pages, htmlvalidate.Page{Name: name, Kind: kind, HTML: []byte(b)})
	}
	get := func(path string) string {
		t.Helper()
		res, err := http.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		return body(t, res)
	}
	for _, lang := range []string{"hi", "en", "ur"} {
		email := "reader-" + lang + "@example.com"
		add("subscribe-"+lang, htmlvalidate.Web, get("/subscribe?lang="+lang))
		tok := f.formToken(t)
		v := signupForm(tok, "not an address")
		v.Set("language", lang)
		_, b := f.post(t, "/subscribe?lang="+lang, v)
		add("subscribe-error-"+lang, htmlvalidate.Web, b)
		v.Set("email", email)
		_, b = f.post(t, "/subscribe?lang="+lang, v)
		add("sent-"+lang, htmlvalidate.Web, b)
		n := f.mail.last()
		add("confirmation-mail-"+lang, htmlvalidate.Email, string(n.HTML))
		ctok := confirmToken(t, n)
		link := linkRE.FindStringSubmatch(string(n.Text))[1]
		add("confirm-"+lang, htmlvalidate.Web, get(link))
		add("forged-"+lang, htmlvalidate.Web, get("/confirm?t=forged&lang="+lang))
		_, b = f.post(t, "/confirm?lang="+lang, url.Values{"t": {ctok}})
		add("confirmed-"+lang, htmlvalidate.Web, b)
		ptok, err := f.s.preferencesToken(email)
		if err != nil {
			t.Fatal(err)
		}
		res, _ := f.post(t, "/preferences", url.Values{"t": {ptok}, "action": {"save"}, "language": {lang}, "tz": {"Asia/Kolkata"}, "pause": {"3"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("saving preferences: %d", res.StatusCode)
		}
		add("preferences-saved-"+lang, htmlvalidate.Web, get(res.Header.Get("Location")))
		_, b = f.post(t, "/preferences", url.Values{"t": {ptok}, "action": {"unsubscribe"}})
		add("preferences-unsubscribed-"+lang, htmlvalidate.Web, b)
		if st := f.status(t, email); st != digest.StatusUnsubscribed {
			t.Fatalf("%s: %s after unsubscribing", email, st)
		}
		add("preferences-inactive-"+lang, htmlvalidate.Web, get("/preferences?"+url.Values{"t": {ptok}}.Encode()))
	}
	htmlvalidate.Check(t, pages...)
}
