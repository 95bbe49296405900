package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/internal/browsertest"
)

// TestBrowserFlow is a newcomer's whole way through the site in a
// headless Chromium at phone width, as a person goes it: the signup form
// (en and ur shown, hi filled in by typing and clicking), the
// confirmation message's link (opening it confirms nothing, its button
// does; a tampered link offers to ask again), the digest that
// digest-sender then writes, its preferences link (a follow and the
// language changed) and its unsubscribe link. The store is checked after
// each step, and the consent history at the end. Screenshots of the
// steps go to out/screenshots (site-*.png).
func TestBrowserFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser and runs go run ./examples/digest-sender")
	}
	b := &browser{t: t, ctx: browsertest.New(t)}
	s := startSite(t)
	const email = "pathak@example.com"

	for _, lang := range []string{"en", "ur"} {
		b.open(s.url + "/subscribe?lang=" + lang)
		b.look("site-subscribe-"+lang, lang, "#subscribe-form")
	}

	// Subscribe in Hindi, following a category and a tag.
	b.open(s.url + "/subscribe?lang=hi")
	b.look("site-subscribe-hi", "hi", "#subscribe-form")
	var offered []string
	browsertest.Eval(t, b.ctx, `[...document.querySelectorAll("input[name=follow]")].map(e => e.value)`, &offered)
	cat, tag, author := first(offered, "c:"), first(offered, "t:"), first(offered, "a:")
	if cat == "" || tag == "" || author == "" {
		t.Fatalf("the form offers no category, tag or author to follow: %q", offered)
	}
	b.typeIn("#email", email)
	b.typeIn("#name", "नई पाठक")
	b.click(follow(cat))
	b.click(follow(tag))
	b.typeIn("#tz", "Asia/Dubai") // a select: typing picks the option
	if v := b.value("#tz"); v != "Asia/Dubai" {
		t.Fatalf("time zone picked by typing: %q", v)
	}
	b.submit("#subscribe-submit", "#sent")
	b.look("site-sent-hi", "hi", "#sent")
	if sub := s.subscriber(t, email); sub.Status != digest.StatusPending {
		t.Fatalf("after the form: %s, want pending", sub.Status)
	}

	// The confirmation message's link: opening it confirms nothing.
	text, hdr := textPart(t, s.nextMessage(t))
	if to := hdr.Get("To"); !strings.Contains(to, email) {
		t.Errorf("the confirmation is addressed to %q", to)
	}
	confirm := link(t, text, s.url+"/confirm?")
	b.open(confirm)
	b.look("site-confirm-hi", "hi", "#confirm-submit")
	if sub := s.subscriber(t, email); sub.Status != digest.StatusPending {
		t.Fatalf("opening the confirmation link made the address %s", sub.Status)
	}

	// A tampered link: an error page offering a new form.
	b.open(tamper(t, confirm))
	b.look("site-confirm-tampered-hi", "hi", "#ask-again")
	if got := b.text("#error"); got == "" {
		t.Error("the tampered link's page says nothing")
	}
	b.submit("#ask-again", "#subscribe-form")

	b.open(confirm)
	b.submit("#confirm-submit", "#confirmed")
	b.look("site-confirmed-hi", "hi", "#confirmed")
	sub := s.subscriber(t, email)
	if sub.Status != digest.StatusActive || sub.Language != "hi" || sub.Name != "नई पाठक" ||
		!slices.Equal(sub.Follows.Categories, []string{cat[2:]}) || !slices.Equal(sub.Follows.Tags, []string{tag[2:]}) ||
		sub.TimeZone == nil || sub.TimeZone.String() != "Asia/Dubai" {
		t.Fatalf("after confirming: %+v", sub)
	}

	// The digest's preferences link: drop the tag, follow an author, read
	// English.
	dtext, _ := textPart(t, s.sendDigests(t, email, "hi"))
	b.open(link(t, dtext, s.url+"/preferences?"))
	b.look("site-preferences-hi", "hi", "#preferences-form")
	for v, want := range map[string]bool{cat: true, tag: true, author: false} {
		if got := b.checked(follow(v)); got != want {
			t.Errorf("preferences: %s checked %v, want %v", v, got, want)
		}
	}
	b.click(follow(tag))
	b.click(follow(author))
	b.typeIn("#language", "English")
	b.submit("#preferences-save", "#saved")
	b.look("site-preferences-saved-en", "en", "#saved")
	sub = s.subscriber(t, email)
	if sub.Language != "en" || !slices.Equal(sub.Follows.Categories, []string{cat[2:]}) ||
		len(sub.Follows.Tags) != 0 || !slices.Equal(sub.Follows.Authors, []string{author[2:]}) {
		t.Errorf("after saving preferences: %+v", sub)
	}

	// The digest's unsubscribe link, and its button.
	b.open(link(t, dtext, s.url+"/digest/unsubscribe?"))
	b.look("site-unsubscribe-en", "en", "form button")
	b.submit("form button", "h1")
	b.look("site-unsubscribed-en", "en", "h1")
	if sub := s.subscriber(t, email); sub.Status != digest.StatusUnsubscribed {
		t.Errorf("after unsubscribing: %s", sub.Status)
	}

	checkHistory(t, s.history(t, email))
}

// checkHistory: requested, confirmed, preferences and unsubscribed, each
// from the browser's address, with the consent wording on the first two.
func checkHistory(t *testing.T, hist []digest.Event) {
	t.Helper()
	want := []struct {
		kind            digest.EventKind
		source, wording string
	}{
		{digest.EventRequested, "/subscribe", "2026-01"},
		{digest.EventConfirmed, "/confirm", "2026-01"},
		{digest.EventPreferences, "preferences", ""},
		{digest.EventUnsubscribed, "link", ""},
	}
	if len(hist) != len(want) {
		t.Fatalf("history has %d events, want %d: %+v", len(hist), len(want), hist)
	}
	for i, w := range want {
		e := hist[i]
		if e.Kind != w.kind || e.Source != w.source || e.Wording != w.wording || e.IP != "127.0.0.1" || e.At.IsZero() {
			t.Errorf("history[%d] = %s from %q at %s, wording %q, IP %q; want %s from %q, wording %q, IP 127.0.0.1",
				i, e.Kind, e.Source, e.At, e.Wording, e.IP, w.kind, w.source, w.wording)
		}
	}
	if c := hist[0].Choices; c == nil || c.Language != "hi" || c.TimeZone != "Asia/Dubai" {
		t.Errorf("the request's choices: %+v", c)
	}
}

// first returns the first of values that starts with prefix.
func first(values []string, prefix string) string {
	for _, v := range values {
		if strings.HasPrefix(v, prefix) {
			return v
		}
	}
	return ""
}

// follow is the selector of the follow checkbox of value v.
func follow(v string) string { return fmt.Sprintf("input[name=follow][value=%q]", v) }

// tamper returns the link with a character of its token's signature
// changed.
func tamper(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	tok := []byte(q.Get("t"))
	i := len(tok) - 5
	tok[i] = map[bool]byte{true: 'B', false: 'A'}[tok[i] == 'A']
	q.Set("t", string(tok))
	u.RawQuery = q.Encode()
	return u.String()
}

// browser is one tab at phone size (375 × 812) driven as a person would:
// typing, clicking and looking.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func (b *browser) open(u string) {
	b.t.Helper()
	browsertest.Open(b.t, b.ctx, u, browsertest.View{Width: 375, Height: 812})
}

func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// typeIn types text into the field sel.
func (b *browser) typeIn(sel, text string) {
	b.t.Helper()
	b.do("typing into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// click clicks sel.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.do("clicking "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// submit clicks sel, waits for the page it leads to, which must answer
// 200, and for want on it.
func (b *browser) submit(sel, want string) {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("clicking %s: %v", sel, err)
	}
	if res == nil || res.Status != 200 {
		b.t.Fatalf("clicking %s: the next page answered %v", sel, res)
	}
	b.do("waiting for "+want, chromedp.WaitVisible(chromedp.CSS(want)))
}

func (b *browser) value(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("the value of %s: %v", sel, err)
	}
	return v
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("the text of %s: %v", sel, err)
	}
	return strings.TrimSpace(v)
}

func (b *browser) checked(sel string) bool {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.JavascriptAttribute[bool](chromedp.CSS(sel), "checked"))
	if err != nil {
		b.t.Fatalf("%s checked: %v", sel, err)
	}
	return v
}

// look waits for sel, photographs the page as name.png and checks what a
// reader would see: the page is in lang, Urdu reads right to left and
// the rest left to right, and nothing is wider than the phone.
func (b *browser) look(name, lang, sel string) {
	b.t.Helper()
	b.do("waiting for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	browsertest.Screenshot(b.t, b.ctx, name+".png")
	page := browsertest.PageLayout(b.t, b.ctx)
	dir := map[bool]string{true: "rtl", false: "ltr"}[lang == "ur"]
	if page.Lang != lang || page.Dir != dir {
		b.t.Errorf("%s: <html lang=%q dir=%q>; want %s, %s", name, page.Lang, page.Dir, lang, dir)
	}
	page.CheckDirection(b.t, name, lang)
	page.CheckFits(b.t, name)
}
