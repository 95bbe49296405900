package deliver

import (
	"context"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"testing"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// plainSMTP is a loopback SMTP server that does not offer SMTPUTF8
// (RFC 6531) and records the commands it receives.
func plainSMTP(t *testing.T) (addr string, cmds func() []string) {
	return recordingSMTP(t, "SIZE 10485760")
}

// utf8SMTP is plainSMTP offering SMTPUTF8.
func utf8SMTP(t *testing.T) (addr string, cmds func() []string) { return recordingSMTP(t, "SMTPUTF8") }

// recordingSMTP is fakeSMTP offering 8BITMIME and ext, its sessions'
// commands in one list.
func recordingSMTP(t *testing.T, ext string) (addr string, cmds func() []string) {
	addr, sessions := fakeSMTP(t, "8BITMIME", ext)
	return addr, func() []string {
		var all []string
		for _, s := range sessions() {
			all = append(all, s...)
		}
		return all
	}
}

// TestMailerRefusesUTF8WithoutSMTPUTF8: the signup form accepts an address with a
// non-ASCII local part (digest.CanonicalAddress keeps it), and the
// digest Sender refuses to hand such an address to a server that does
// not offer SMTPUTF8 (package doc). SMTPMailer, which mails the signup
// confirmation, sends it anyway: "RCPT TO:<राम@...>" in raw UTF-8 to a
// server that did not announce SMTPUTF8, which RFC 6531 section 3.2
// forbids (and the server may mangle or misroute it). It should fail
// without sending, as the Sender does.
func TestMailerRefusesUTF8WithoutSMTPUTF8(t *testing.T) {
	addr, cmds := plainSMTP(t)
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	c, err := gomail.NewClient(host, gomail.WithPort(p), gomail.WithTLSPolicy(gomail.NoTLS))
	if err != nil {
		t.Fatal(err)
	}
	n := testNotice()
	n.To = mail.Address{Address: "राम@example.com"}
	m := &SMTPMailer{Client: c}
	err = m.Send(context.Background(), n)
	for _, l := range cmds() {
		if strings.HasPrefix(strings.ToUpper(l), "RCPT") && !isASCIIString(l) {
			t.Errorf("sent %q to a server without SMTPUTF8 (Send returned %v)", l, err)
		}
	}
	if err == nil {
		t.Error("Send reported success for a UTF-8 address on a server without SMTPUTF8")
	}
}

func isASCIIString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func plainClient(t *testing.T, addr string, opts ...gomail.Option) *gomail.Client {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	c, err := gomail.NewClient(host, append([]gomail.Option{gomail.WithPort(p), gomail.WithTLSPolicy(gomail.NoTLS)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestMailerIDNReturnPath (found by a review of 244c5a8).
//
// SMTPMailer.ReturnPath on an internationalized domain
// ("bounces@ख़बर.भारत", the domain 244c5a8 lets From have) goes into
// MAIL FROM as it is: raw UTF-8 to a server that does not offer SMTPUTF8,
// which RFC 6531 3.2 forbids and the new check was meant to stop
// (NeedsSMTPUTF8 looks only at the local part, and nothing writes
// ReturnPath's domain in punycode as Msg does for From and To).
// Expected: MAIL FROM:<bounces@xn--...> (or a refusal); actual: the
// UTF-8 domain is sent and Send reports success.
func TestMailerIDNReturnPath(t *testing.T) {
	addr, cmds := plainSMTP(t)
	m := &SMTPMailer{Client: plainClient(t, addr), ReturnPath: "bounces@ख़बर.भारत"}
	err := m.Send(context.Background(), testNotice())
	for _, l := range cmds() {
		if strings.HasPrefix(strings.ToUpper(l), "MAIL") && !isASCIIString(l) {
			t.Errorf("sent %q to a server without SMTPUTF8 (Send returned %v)", l, err)
		}
	}
}

// TestMailerWithoutSMTPUTF8Option (found by a review of 244c5a8).
//
// The new check asks only whether the server offers SMTPUTF8; go-mail
// adds the SMTPUTF8 parameter to MAIL FROM only when the Client was not
// built with gomail.WithoutSMTPUTF8 ("for servers that advertise
// support for SMTPUTF8 but do not actually implement it"). With that
// option the UTF-8 RCPT TO goes out in a transaction without SMTPUTF8
// (RFC 6531 3.4: a UTF-8 address only with the parameter) and Send
// reports success.
func TestMailerWithoutSMTPUTF8Option(t *testing.T) {
	addr, cmds := utf8SMTP(t)
	m := &SMTPMailer{Client: plainClient(t, addr, gomail.WithoutSMTPUTF8())}
	n := testNotice()
	n.To = mail.Address{Address: "राम@example.com"}
	err := m.Send(context.Background(), n)
	var mailFrom string
	utf8Rcpt := false
	for _, l := range cmds() {
		switch u := strings.ToUpper(l); {
		case strings.HasPrefix(u, "MAIL"):
			mailFrom = l
		case strings.HasPrefix(u, "RCPT") && !isASCIIString(l):
			utf8Rcpt = true
		}
	}
	if utf8Rcpt && !strings.Contains(strings.ToUpper(mailFrom), " SMTPUTF8") {
		t.Errorf("UTF-8 RCPT TO after %q (no SMTPUTF8 parameter); Send returned %v", mailFrom, err)
	}
}

// TestMailerReturnPathBrackets (pre-existing since 80a9e2c, seen
// while reviewing 244c5a8): SMTPMailer.ReturnPath, "the envelope sender
// (MAIL FROM)", is handed to go-mail's smtp.Client.Mail as it is, and
// Mail writes "MAIL FROM:%s" without adding angle brackets: the server
// gets "MAIL FROM:bounces@khabar.example", which RFC 5321 4.1.2
// ("MAIL FROM:" Reverse-path, Reverse-path = "<" Mailbox ">") does not
// allow (GetSender, used without ReturnPath, gives "<...>").
func TestMailerReturnPathBrackets(t *testing.T) {
	addr, cmds := plainSMTP(t)
	m := &SMTPMailer{Client: plainClient(t, addr), ReturnPath: "bounces@khabar.example"}
	if err := m.Send(context.Background(), testNotice()); err != nil {
		t.Fatal(err)
	}
	for _, l := range cmds() {
		if strings.HasPrefix(strings.ToUpper(l), "MAIL") && !strings.HasPrefix(strings.ToUpper(l), "MAIL FROM:<") {
			t.Errorf("sent %q; want MAIL FROM:<bounces@khabar.example>", l)
		}
	}
}

// TestSkipsSMTPUTF8: skipsSMTPUTF8 reads go-mail's unexported field; a
// go-mail upgrade that renames it fails here, not silently.
func TestSkipsSMTPUTF8(t *testing.T) {
	var c smtp.Client
	if skipsSMTPUTF8(&c) {
		t.Error("a new smtp.Client skips SMTPUTF8")
	}
	c.SkipSMTPUTF8(true)
	if !skipsSMTPUTF8(&c) {
		t.Error("skipsSMTPUTF8 does not see SkipSMTPUTF8(true): has go-mail renamed its skipUTF8 field?")
	}
}
