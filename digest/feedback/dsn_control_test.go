package feedback

import (
	"context"
	"strings"
	"testing"

	"github.com/khabar/khabar/digest"
)

// TestDSNUTF8ControlEscape (found by a review of 244c5a8).
//
// Before the utf-8 address type, a recipient came from an unfolded header
// value and could not hold a line break. unescapeUTF8Addr turns any
// \x{HEX} into its character, control characters included, although
// RFC 6533's HEXPOINT has no form for U+000A or U+000D and no Mailbox
// (RFC 6531) holds one; address()'s fallback then keeps it. So anyone who
// mails a bounce to the return address puts a line break in
// Recipient.Email, which Processor reports back in Action.Email (with or
// without TrustRecipients) and digest-sender -bounces prints as a row of
// its table: a forged line of output.
func TestDSNUTF8ControlEscape(t *testing.T) {
	msg := "From: MAILER-DAEMON@mx.example.in\r\n" +
		"To: bounces@khabar.example\r\n" +
		"Subject: Undelivered Mail Returned to Sender\r\n" +
		"Message-ID: <x2@mx.example.in>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=global-delivery-status; boundary=\"b\"\r\n" +
		"\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nfailed.\r\n" +
		"--b\r\nContent-Type: message/global-delivery-status\r\n\r\n" +
		"Reporting-MTA: dns; mx.example.in\r\n\r\n" +
		`Final-Recipient: utf-8; -\x{0D}\x{0A}asha@example.com` + "\r\n" +
		"Action: failed\r\n" +
		"Status: 5.1.1\r\n" +
		"--b--\r\n"
	rep, err := Parse(strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Recipients {
		if strings.ContainsAny(r.Email, "\r\n") {
			t.Errorf("Recipient.Email %q holds a line break (a \\x{0A} escape); want the recipient refused (no address)", r.Email)
		}
	}
}

// TestDSNUTF8ControlEscapeAction: what the Processor hands back
// for it (digest-sender -bounces prints Action.Email as a table row).
func TestDSNUTF8ControlEscapeAction(t *testing.T) {
	msg := "From: MAILER-DAEMON@mx.example.in\r\n" +
		"To: bounces@khabar.example\r\n" +
		"Subject: Undelivered Mail Returned to Sender\r\n" +
		"Message-ID: <x3@mx.example.in>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=global-delivery-status; boundary=\"b\"\r\n" +
		"\r\n" +
		"--b\r\nContent-Type: message/global-delivery-status\r\n\r\n" +
		"Reporting-MTA: dns; mx.example.in\r\n\r\n" +
		`Final-Recipient: utf-8; -\x{0A}asha@example.com` + "\r\n" +
		"Action: failed\r\nStatus: 5.1.1\r\n--b--\r\n"
	p := &Processor{Store: &digest.MemStore{}}
	res, err := p.Process(context.Background(), strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Actions {
		if strings.ContainsAny(a.Email, "\r\n") {
			t.Errorf("Action.Email %q (%s) holds a line break", a.Email, a.Did)
		}
	}
}
