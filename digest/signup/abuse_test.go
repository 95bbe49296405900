package signup

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
)

// envelope returns the SMTP recipient a Notice is actually sent to.
func envelope(t *testing.T, n *digest.Notice) string {
	t.Helper()
	m, err := n.Msg()
	if err != nil {
		t.Fatal(err)
	}
	rcpt, err := m.GetRecipients()
	if err != nil || len(rcpt) != 1 {
		t.Fatalf("recipients %v, %v", rcpt, err)
	}
	return strings.Trim(rcpt[0], "<>")
}

// TestSignupOneSpellingPerMailbox: EmailKey lower-cases with Unicode rules
// ('İ' U+0130 becomes 'i'), while the message goes to the domain IDNA
// makes of the address ('İ' becomes "i̇", another domain). Whoever owns
// kate@xn--gmail-bgd.com can thus confirm the record of kate@gmail.com:
// re-subscribe her after she unsubscribed, overwrite her choices, and get
// a preferences link for her address.
func TestSignupOneSpellingPerMailbox(t *testing.T) {
	for _, c := range []struct{ victim, attacker string }{
		{"kate@gmail.com", "kate@gma\u0130l.com"}, // İ: key gmail.com, mail to xn--gmail-bgd.com
		{"kate@straße.de", "kate@stra\u1e9ee.de"}, // ẞ: key straße.de, mail to strasse.de
	} {
		t.Run(c.attacker, func(t *testing.T) { caseFoldTakeover(t, c.victim, c.attacker) })
	}
}

func caseFoldTakeover(t *testing.T, victim, attacker string) {
	ctx := context.Background()
	f := newFixture(t)
	f.store.Put(ctx, &digest.Subscriber{Email: victim, Name: "Kate", Language: "en", Status: digest.StatusActive})
	// Kate unsubscribes.
	if _, err := f.store.Change(ctx, victim, digest.Event{Kind: digest.EventUnsubscribed, At: f.clock(), Source: "link"}, digest.Unsubscribe(victim)); err != nil {
		t.Fatal(err)
	}

	v := signupForm(f.formToken(t), attacker)
	v.Set("name", "owned")
	res, _ := f.post(t, "/subscribe", v)
	if res.StatusCode != 200 || f.mail.count() != 1 {
		t.Fatalf("signup: %d, %d mails", res.StatusCode, f.mail.count())
	}
	n := f.mail.last()
	rcpt := envelope(t, n)
	t.Logf("the signup of %s mailed envelope %s", attacker, rcpt)
	if digest.EmailKey(rcpt) == victim {
		t.Fatalf("the confirmation went to %s itself", victim)
	}
	// The attacker (owner of xn--gmail-bgd.com) confirms.
	res, b := f.post(t, "/confirm", url.Values{"t": {confirmToken(t, n)}})
	if res.StatusCode != 200 {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	sub, _ := f.store.Subscriber(ctx, victim)
	hist, _ := f.store.History(ctx, victim)
	if sub.Status == digest.StatusActive {
		t.Errorf("%s, unsubscribed, made active again by a confirmation mailed to %s; record now %+v; history %d events (last %s from %s)",
			victim, rcpt, *sub, len(hist), hist[len(hist)-1].Kind, hist[len(hist)-1].IP)
	}
	// The confirmed page hands the attacker the victim's preferences.
	pm := regexp.MustCompile(`href="(/preferences\?[^"]+)"`).FindStringSubmatch(b)
	if pm == nil {
		return
	}
	res2, err := http.Get(f.srv.URL + strings.ReplaceAll(pm[1], "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	pb := body(t, res2)
	if res2.StatusCode == 200 && strings.Contains(pb, victim) {
		t.Errorf("the owner of %s got the preferences page of %s (can read, change, pause, unsubscribe)", rcpt, victim)
	}
}

// TestSignupSpellingsOneMailbox: addresses that are one mailbox for IDNA (a
// soft hyphen U+00AD, which IDNA deletes, inserted anywhere in the
// domain) are distinct keys for EmailKey, so the per-address limit and
// ResendInterval ("at most one confirmation message per address per
// ResendInterval") do not hold: one client mails one mailbox as many
// confirmations as the per-IP limit allows, and the store keeps a record
// for each.
func TestSignupSpellingsOneMailbox(t *testing.T) {
	f := newFixture(t)
	tok := f.formToken(t)
	const domain = "example.com"
	for i := 1; i <= 10; i++ {
		addr := "victim@" + domain[:i] + "\u00ad" + domain[i:]
		if i == 10 {
			addr = "victim@" + domain
		}
		res, _ := f.post(t, "/subscribe", signupForm(tok, addr))
		if res.StatusCode != 200 {
			t.Fatalf("%q: %d", addr, res.StatusCode)
		}
	}
	byRcpt := map[string]int{}
	for _, n := range f.mail.sent {
		byRcpt[envelope(t, n)]++
	}
	t.Logf("envelope recipients: %v", byRcpt)
	if byRcpt["victim@example.com"] > 1 {
		t.Errorf("%d confirmation messages to victim@example.com in one instant (ResendInterval 10m, PerAddress 5)", byRcpt["victim@example.com"])
	}
	var recs int
	f.store.EachSubscriber(context.Background(), func(s *digest.Subscriber) error {
		if a, _ := url.Parse("mailto:" + s.Email); a != nil {
			recs++
		}
		return nil
	})
	if recs > 1 {
		t.Errorf("%d pending records for one mailbox", recs)
	}
}

type slowMailer struct {
	memMailer
	arrived chan struct{}
	gate    chan struct{}
}

func (m *slowMailer) Send(ctx context.Context, n *digest.Notice) error {
	m.arrived <- struct{}{}
	<-m.gate // an SMTP transaction takes a while
	return m.memMailer.Send(ctx, n)
}

// TestSignupConcurrentOnce: simultaneous signups of one address (a
// double click, with a mailer that takes a moment, as SMTP does) mail one
// confirmation and record one request: the others are answered as sent
// while it is being mailed, and no link goes out that answers "invalid".
func TestSignupConcurrentOnce(t *testing.T) {
	f := newFixture(t)
	sm := &slowMailer{arrived: make(chan struct{}, 10), gate: make(chan struct{})}
	f.s.Mailer = sm
	tok := f.formToken(t)
	done := make(chan int, 5)
	post := func() {
		res, err := http.PostForm(f.srv.URL+"/subscribe", signupForm(tok, "a@example.com"))
		if err != nil {
			done <- 0
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}
	var open sync.Once
	release := func() { open.Do(func() { close(sm.gate) }) }
	t.Cleanup(release)
	go post()
	<-sm.arrived // the first is mailing
	for range 4 {
		go post()
	}
	for range 4 {
		select {
		case code := <-done:
			if code != http.StatusOK {
				t.Errorf("a concurrent signup answered %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a concurrent signup did not answer while the first was mailing: it is mailing too")
		}
	}
	release()
	if code := <-done; code != http.StatusOK {
		t.Errorf("the first signup answered %d", code)
	}
	h, _ := f.store.History(context.Background(), "a@example.com")
	if n := sm.count(); n != 1 || len(h) != 1 {
		t.Errorf("%d confirmations mailed and %d requests recorded, want 1 and 1", n, len(h))
	}
	// Once it is done, the address is no longer held: a later request is
	// judged by ResendInterval and the limits alone (five requests an
	// hour for an address, and this was the fifth).
	f.advance(61 * time.Minute)
	go post()
	<-sm.arrived
	if code := <-done; code != http.StatusOK {
		t.Errorf("the later signup answered %d", code)
	}
	if n := sm.count(); n != 2 {
		t.Errorf("after ResendInterval: %d confirmations, want 2", n)
	}
}

// TestConfirmationToIsTheAddress: the unverified form's name goes into the
// To field of the confirmation, which is mailed (and DKIM-signed as the
// publisher) to whatever address the form names: anyone can put 100
// characters of their own text in front of any inbox.
func TestConfirmationToIsTheAddress(t *testing.T) {
	f := newFixture(t)
	v := signupForm(f.formToken(t), "someone@example.org")
	v.Set("name", "You won Rs 50,000! Claim now at https://evil.example/prize")
	f.post(t, "/subscribe", v)
	var b strings.Builder
	if _, err := f.mail.last().WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(b.String(), "\r\n") {
		if strings.HasPrefix(line, "To:") && strings.Contains(line, "evil.example") {
			t.Errorf("a stranger's text in the confirmation's header: %s", line)
		}
	}
}

// TestSignupRefusesAddressLiteral: the form accepts address literals, so the
// site's MTA is told to deliver to any IP address a stranger names
// (internal hosts included).
func TestSignupRefusesAddressLiteral(t *testing.T) {
	f := newFixture(t)
	res, _ := f.post(t, "/subscribe", signupForm(f.formToken(t), "postmaster@[10.0.0.5]"))
	if res.StatusCode != http.StatusBadRequest || f.mail.count() != 0 {
		t.Errorf("answered %d and mailed %d confirmations, want 400 and none", res.StatusCode, f.mail.count())
	}
}
