package feedback

import (
	"strings"
	"testing"
)

// TestGlobalDSNUTF8AddressType: RFC 6533 section 3 defines the
// "utf-8" address type for Original-Recipient and Final-Recipient, used
// in message/global-delivery-status for the SMTPUTF8 addresses the
// digest sends to (digest.NeedsSMTPUTF8). Such a hard bounce is read as
// "delivery status without a recipient" (Unknown), and since Processor
// ignores Unknown reports, even a signed return path does not mark the
// address bounced.
func TestGlobalDSNUTF8AddressType(t *testing.T) {
	msg := "From: MAILER-DAEMON@mx.example.in\r\n" +
		"To: bounces+abc@khabar.example\r\n" +
		"Subject: Undelivered Mail Returned to Sender\r\n" +
		"Message-ID: <x1@mx.example.in>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=global-delivery-status; boundary=\"b\"\r\n" +
		"\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDelivery to the following recipient failed.\r\n" +
		"--b\r\nContent-Type: message/global-delivery-status\r\n\r\n" +
		"Reporting-MTA: dns; mx.example.in\r\n\r\n" +
		"Original-Recipient: utf-8; राम@उदाहरण.भारत\r\n" +
		"Final-Recipient: utf-8; राम@उदाहरण.भारत\r\n" +
		"Action: failed\r\n" +
		"Status: 5.1.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 mailbox unknown\r\n" +
		"--b--\r\n"
	rep, err := Parse(strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != HardBounce || len(rep.Recipients) != 1 || rep.Recipients[0].Email != "राम@उदाहरण.भारत" {
		t.Errorf("kind %q, recipients %+v (%s); want a hard bounce of राम@उदाहरण.भारत", rep.Kind, rep.Recipients, rep.Reason)
	}
}

func TestDSNAddressTypes(t *testing.T) {
	for in, want := range map[string]string{
		"rfc822; a@example.com":                   "a@example.com",
		"a@example.com":                           "a@example.com",
		"RFC822;<a@example.com>":                  "a@example.com",
		"utf-8; राम@उदाहरण.भारत":                  "राम@उदाहरण.भारत",
		`UTF-8; \x{930}\x{93E}\x{92E}@example.in`: "राम@example.in",
		`utf-8; a\x{2B}b@example.in`:              "a+b@example.in",
		`utf-8; a\x{}b@example.in`:                "",
		`utf-8; a\x{110000}@example.in`:           "",
		`utf-8; a\x{930@example.in`:               "",
		"utf-8; a\xffb@example.in":                "",
		"x400; /G=a/S=b/O=c/":                     "",
		"unknown; a@example.com":                  "",
	} {
		if got := dsnAddress(in); got != want {
			t.Errorf("dsnAddress(%q) = %q, want %q", in, got, want)
		}
	}
}
