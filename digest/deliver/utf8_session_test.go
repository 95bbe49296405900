package deliver

import (
	"context"
	"iter"
	"strings"
	"testing"

	gomail "github.com/wneessen/go-mail"
)

// review3Jobs yields one job per recipient of an edition.
func review3Jobs(edition string, rcpts []string) iter.Seq2[Job, error] {
	return func(yield func(Job, error) bool) {
		for _, to := range rcpts {
			job := Job{Key: Key{Edition: edition, Recipient: to}, Compose: func() (*gomail.Msg, error) { return testMsg(edition, to) }}
			if !yield(job, nil) {
				return
			}
		}
	}
}

// TestUTF8NoNewSessionForDefaultClient (review of be60117):
// needsUTF8 sets worker.forcedUTF8 for every UTF-8 envelope, also when
// the Client was made without WithoutSMTPUTF8, go-mail's default. Such a
// client says SMTPUTF8 in every MAIL FROM whenever the server offers it
// (smtp.Client.Mail: !skipUTF8), so needUTF8 changed nothing on the
// session; yet each ASCII message after a UTF-8 one now QUITs and dials a
// new session. Recipients UTF-8, ASCII, UTF-8, ASCII on one worker: three
// sessions (Reconnects 2) where one does (before be60117: one).
func TestUTF8NoNewSessionForDefaultClient(t *testing.T) {
	const edition = "daily-2026-11-24"
	addr, cmds := utf8SMTP(t)
	s := newSender(t, Config{Client: plainClient(t, addr), Journal: &MemJournal{}, Workers: 1, Builders: 1})
	rcpts := []string{"राम@example.org", "ascii@example.org", "सीता@example.org", "other@example.org"}
	c, err := s.Run(context.Background(), review3Jobs(edition, rcpts))
	if err != nil {
		t.Fatal(err)
	}
	if c.Sent != len(rcpts) {
		t.Fatalf("sent %d, want %d", c.Sent, len(rcpts))
	}
	ehlo := 0
	for _, l := range cmds() {
		if strings.HasPrefix(strings.ToUpper(l), "EHLO") {
			ehlo++
		}
	}
	if ehlo != 1 || c.Reconnects != 0 {
		t.Errorf("default Client (SMTPUTF8 on every MAIL FROM anyway): %d sessions, Reconnects %d; want 1 session, 0 reconnects", ehlo, c.Reconnects)
	}
}

// TestUTF8OptionGivenBack: on a Client made WithoutSMTPUTF8, a UTF-8
// message asks for SMTPUTF8 and the ASCII message after it, on the same
// session (no reconnect, so no extra rate token either, which a first
// fix took), gives the option back: only the UTF-8 one's MAIL FROM says
// SMTPUTF8.
func TestUTF8OptionGivenBack(t *testing.T) {
	const edition = "daily-2026-11-24"
	addr, cmds := utf8SMTP(t)
	s := newSender(t, Config{Client: plainClient(t, addr, gomail.WithoutSMTPUTF8()), Journal: &MemJournal{}, Workers: 1, Builders: 1})
	c, err := s.Run(context.Background(), review3Jobs(edition, []string{"राम@example.org", "ascii@example.org"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Sent != 2 || c.Retries != 0 || c.Reconnects != 0 {
		t.Fatalf("counts %+v, want 2 sent on one session", c)
	}
	var mails []string
	for _, l := range cmds() {
		if strings.HasPrefix(strings.ToUpper(l), "MAIL FROM") {
			mails = append(mails, l)
		}
	}
	if len(mails) != 2 || !strings.Contains(mails[0], "SMTPUTF8") || strings.Contains(mails[1], "SMTPUTF8") {
		t.Errorf("MAIL FROMs %q: want SMTPUTF8 in the first (UTF-8) only", mails)
	}
}
