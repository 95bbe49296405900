package deliver

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	gomail "github.com/wneessen/go-mail"
)

// TestUTF8ParameterStaysOnSession (review of e992ae5): needUTF8
// ("makes c say SMTPUTF8 in its next MAIL FROM") clears go-mail's
// skipUTF8 flag for good, and the Sender's worker keeps its session from
// message to message. With a Client made WithoutSMTPUTF8 (a server
// whose SMTPUTF8 is broken), every ASCII message that follows a UTF-8
// one on the same session now also says SMTPUTF8, which before e992ae5
// none did: only the UTF-8 transaction should carry the parameter.
func TestUTF8ParameterStaysOnSession(t *testing.T) {
	const edition = "daily-2026-11-24"
	addr, cmds := utf8SMTP(t)
	j := &MemJournal{}
	s := newSender(t, Config{Client: plainClient(t, addr, gomail.WithoutSMTPUTF8()), Journal: j, Workers: 1})
	rcpts := []string{"राम@example.org", "ascii@example.org", "other@example.org"}
	jobs := func(yield func(Job, error) bool) {
		for _, to := range rcpts {
			job := Job{Key: Key{Edition: edition, Recipient: to}, Compose: func() (*gomail.Msg, error) { return testMsg(edition, to) }}
			if !yield(job, nil) {
				return
			}
		}
	}
	if _, err := s.Run(context.Background(), jobs); err != nil {
		t.Fatal(err)
	}
	var mailFrom string
	for _, l := range cmds() {
		u := strings.ToUpper(l)
		switch {
		case strings.HasPrefix(u, "MAIL"):
			mailFrom = l
		case strings.HasPrefix(u, "RCPT"):
			utf8 := !isASCIIString(l)
			if has := strings.Contains(strings.ToUpper(mailFrom), " SMTPUTF8"); has != utf8 {
				t.Errorf("%q after %q: SMTPUTF8 parameter %v, want %v (Client made WithoutSMTPUTF8)", l, mailFrom, has, utf8)
			}
		}
	}
}

// TestMailerNullReturnPath (review of e992ae5): SMTPMailer's
// ReturnPath "<>" is the null reverse-path (RFC 5321 4.5.5, what an
// automatic message such as a signup confirmation may use so that no
// bounce comes back). Before e992ae5 it went out as "MAIL FROM:<>";
// now mail.ParseAddress refuses it ("no address") and Send fails without
// sending.
func TestMailerNullReturnPath(t *testing.T) {
	addr, cmds := plainSMTP(t)
	m := &SMTPMailer{Client: plainClient(t, addr), ReturnPath: "<>"}
	err := m.Send(context.Background(), testNotice())
	if err != nil {
		t.Errorf("ReturnPath \"<>\": Send: %v, want MAIL FROM:<> sent", err)
	}
	found := false
	for _, l := range cmds() {
		if strings.HasPrefix(strings.ToUpper(l), "MAIL") {
			found = true
			if !strings.HasPrefix(l, "MAIL FROM:<>") {
				t.Errorf("sent %q, want MAIL FROM:<>", l)
			}
		}
	}
	if !found {
		t.Error("no MAIL FROM sent")
	}
}

// TestMailerQuotedReturnPath (review of e992ae5): a ReturnPath
// with a quoted local part loses its quotes: mail.ParseAddress gives the
// quoted-string's content, and Send writes it bare in angle brackets,
// "MAIL FROM:<un sub@khabar.example>", which is no RFC 5321 Mailbox (a
// space in a Dot-string). Before e992ae5 the quotes went out as written.
// The same commit fixes this very loss of quotes in mailtoURI.
func TestMailerQuotedReturnPath(t *testing.T) {
	addr, cmds := plainSMTP(t)
	m := &SMTPMailer{Client: plainClient(t, addr), ReturnPath: `"un sub"@khabar.example`}
	if err := m.Send(context.Background(), testNotice()); err != nil {
		t.Fatal(err)
	}
	for _, l := range cmds() {
		if strings.HasPrefix(strings.ToUpper(l), "MAIL") && !strings.HasPrefix(l, `MAIL FROM:<"un sub"@khabar.example>`) {
			t.Errorf("sent %q, want MAIL FROM:<\"un sub\"@khabar.example>", l)
		}
	}
}

// TestDKIMFastPathIDNDomain (review of e992ae5): signature puts
// DKIM.Domain through asciiHost (RFC 6376 3.5: d= in A-labels) into
// SignOptions.Domain, but fastSignature, the path every CRLF message
// takes, writes d.Domain as configured: DKIM{Domain: "ख़बर.भारत"} still
// signs with a raw UTF-8 d=. Only go-msgauth's slow path (a message with
// bare LFs) gets the A-label, so the two paths, meant to agree byte for
// byte, disagree. (TestIDNDKIMDomain passes only because digest-sender
// hands DKIM a Domain DomainOf already converted.)
func TestDKIMFastPathIDNDomain(t *testing.T) {
	_, key := testKeys(t)
	d := &DKIM{Domain: "ख़बर.भारत", Selector: "s1", Key: key}
	want := "xn--21b8bm0c.xn--h2brj9c"
	msg := testMsgBytes(t, "daily-2026-11-24", "asha@example.org")
	for name, m := range map[string][]byte{
		"CRLF message (fast path)":    msg,
		"bare-LF message (slow path)": bytes.ReplaceAll(msg, []byte("\r\n"), []byte("\n")),
	} {
		signed, err := d.Sign(m)
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := strings.Cut(string(signed), "\n\n")
		head = strings.NewReplacer("\r\n", "", "\n", "").Replace(head)
		got := regexp.MustCompile(`[; \t]d=([^;]*);`).FindStringSubmatch(head)
		if got == nil || strings.TrimSpace(got[1]) != want {
			t.Errorf("%s: DKIM-Signature d=%v, want the A-label %s", name, got, want)
		}
	}
}
