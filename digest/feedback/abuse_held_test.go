package feedback

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
)

func strangerMailto(subject string) string {
	return "From: Asha <asha@example.com>\nTo: unsubscribe@khabar.example\nSubject: " + subject +
		"\nMessage-ID: <m-" + time.Now().Format("150405.000000000") + "@evil.example>\n\nplease\n"
}

// TestMailtoForgeries: what a stranger can put in a mailto request.
func TestMailtoForgeries(t *testing.T) {
	ctx := context.Background()
	tk := testTokens()
	daily, _ := tk.Sign("asha@example.com", "daily")
	weekly, _ := tk.Sign("asha@example.com", "weekly")
	prefs, _ := tk.SignFor(digest.PurposePreferences, "asha@example.com", "daily", testNow.Add(time.Hour))
	other, _ := (&digest.Tokens{Keys: []digest.TokenKey{{ID: "t1", Secret: []byte("another-secret-0123456789abcdefgh")}}}).Sign("asha@example.com", "daily")
	tampered := strings.Replace(daily, "YXNoYUBleGFtcGxlLmNvbQ", "cmF2aUBleGFtcGxlLm5ldA", 1) // ravi's address, asha's MAC
	for _, c := range []struct{ name, subject string }{
		{"From spoofed, no token", "unsubscribe"},
		{"token for another list", "unsubscribe " + weekly},
		{"preferences-purpose token", "unsubscribe " + prefs},
		{"token under another key", "unsubscribe " + other},
		{"address swapped", "unsubscribe " + tampered},
	} {
		p, store := newTestProcessor(t)
		res, _ := p.Process(ctx, strings.NewReader(strangerMailto(c.subject)))
		for _, e := range testSubscribers {
			if st := status(t, store, e); st != digest.StatusActive {
				t.Errorf("%s: %s became %s (%+v)", c.name, e, st, res.Actions)
			}
		}
	}
	// A genuine request, then the same message again: one change.
	p, store := newTestProcessor(t)
	msg := strangerMailto("unsubscribe " + daily)
	p.Process(ctx, strings.NewReader(msg))
	res, _ := p.Process(ctx, strings.NewReader(msg))
	if h, _ := store.History(ctx, "asha@example.com"); len(h) != 1 || res.Actions[0].Changed {
		t.Errorf("replay: %+v %+v", h, res.Actions)
	}
}

// TestMalformedDoesNotStopDir: a too-deep, an oversize, a
// header-less and a bad-charset message each give their own Result.Err
// (or Unknown) and the genuine bounce after them is applied.
func TestMalformedDoesNotStopDir(t *testing.T) {
	dir := t.TempDir()
	nested := "Subject: x\nContent-Type: multipart/mixed; boundary=b0\n\n"
	for i := range 40 {
		nested += "--b" + string(rune('A'+i)) + "\nContent-Type: multipart/mixed; boundary=b" + string(rune('A'+i+1)) + "\n\n"
	}
	nested = strings.Replace(nested, "b0", "bA", 1)
	files := map[string]string{
		"1-deep":     nested,
		"2-noheader": "\n\n",
		"3-charset":  "From: =?x-bogus?B?AAAA?= <mailer-daemon@x.example>\nSubject: =?x-bogus?Q?=FF=00?=\nContent-Type: text/plain; charset=x-bogus\nContent-Transfer-Encoding: base64\n\n!!!notbase64!!!\n",
		"4-base64":   "Subject: x\nContent-Type: message/delivery-status\nContent-Transfer-Encoding: base64\n\n" + strings.Repeat("QUFBQUFBQUFB\n", 100000),
		"9-genuine":  readFixture(t, "verp-only"),
	}
	for n, b := range files {
		os.WriteFile(filepath.Join(dir, n+".eml"), []byte(b), 0o644)
	}
	p, store := newTestProcessor(t)
	res, err := p.ProcessDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		kind := Kind("")
		if r.Report != nil {
			kind = r.Report.Kind
		}
		t.Logf("%s: kind %q err %v", filepath.Base(r.File), kind, r.Err)
	}
	if st := status(t, store, "ravi@example.net"); st != digest.StatusBounced {
		t.Errorf("genuine bounce not applied: %s", st)
	}
}
