package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/khabar/khabar/digest"
)

// TestFlow subscribes through the form, confirms through the .eml's link,
// has digest-sender send the subscriber a digest, follows its preferences
// link, and unsubscribes with its one-click link.
func TestFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go run ./examples/digest-sender")
	}
	s := startSite(t)
	site := s.url
	const email = "newcomer@example.com"

	form := get(t, site+"/subscribe?lang=en")
	body := post(t, site+"/subscribe?lang=en", url.Values{"t": {tokenRE.FindStringSubmatch(form)[1]}, "email": {email},
		"name": {"Newcomer"}, "language": {"en"}, "tz": {"Asia/Kolkata"}})
	if !strings.Contains(body, `id="sent"`) {
		t.Fatalf("after POST /subscribe:\n%s", body)
	}
	text, hdr := textPart(t, s.nextMessage(t))
	if to := hdr.Get("To"); !strings.Contains(to, email) {
		t.Errorf("confirmation To: %q", to)
	}
	page := get(t, link(t, text, site+"/confirm?"))
	if s.subscriber(t, email).Status != digest.StatusPending {
		t.Fatal("not pending after GET of the link")
	}
	post(t, site+"/confirm", url.Values{"t": {tokenRE.FindStringSubmatch(page)[1]}})
	if st := s.subscriber(t, email).Status; st != digest.StatusActive {
		t.Fatalf("status after confirming: %s", st)
	}

	// digest-sender finds the subscriber.
	dtext, dhdr := textPart(t, s.sendDigests(t, email, "en"))
	page = get(t, link(t, dtext, site+"/preferences?"))
	res2, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).PostForm(site+"/preferences",
		url.Values{"t": {tokenRE.FindStringSubmatch(page)[1]}, "action": {"save"}, "language": {"ur"}, "tz": {"Asia/Kolkata"}, "pause": {"0"}})
	if err != nil || res2.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST preferences: %v %v", res2, err)
	}
	res2.Body.Close()
	if !strings.Contains(get(t, site+res2.Header.Get("Location")), `dir="rtl"`) {
		t.Error("the preferences page is not in Urdu after choosing it")
	}

	// One-click unsubscribe, as a mail client does it.
	unsub := strings.Trim(strings.Split(dhdr.Get("List-Unsubscribe"), ",")[0], "<> ")
	r, err := http.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe %s: %v %v", unsub, r, err)
	}
	r.Body.Close()
	if st := s.subscriber(t, email).Status; st != digest.StatusUnsubscribed {
		t.Errorf("status after unsubscribing: %s", st)
	}
	var kinds []string
	for _, e := range s.history(t, email) {
		kinds = append(kinds, string(e.Kind)+"/"+e.Source)
	}
	if got := strings.Join(kinds, " "); got != "requested//subscribe confirmed//confirm preferences/preferences unsubscribed/list-unsubscribe" {
		t.Errorf("history: %s", got)
	}
}
