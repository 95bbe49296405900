package deliver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/khabar/khabar/digest"
	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// SMTPMailer sends one message at a time (a signup's confirmation) over
// its own SMTP session, signed with the digests' DKIM: what package
// digest/signup's Mailer asks for. It has no journal and no retries: the
// caller learns of a failure at once and the person can ask again. It is
// safe for concurrent use.
type SMTPMailer struct {
	// Client says where and how to connect, as Config.Client does.
	Client *gomail.Client
	// DKIM, when set, signs every message.
	DKIM *DKIM
	// ReturnPath is the envelope sender (MAIL FROM); empty means the
	// message's From address.
	ReturnPath string
	// Timeout bounds one message's exchange, dial included; zero means
	// DefaultTimeout.
	Timeout time.Duration
}

// Send writes n out, signs it and sends it in one SMTP session.
func (m *SMTPMailer) Send(ctx context.Context, n *digest.Notice) error {
	if m.Client == nil {
		return errors.New("deliver: SMTPMailer has no Client")
	}
	msg, raw, err := noticeBytes(n, m.DKIM)
	if err != nil {
		return err
	}
	var from string
	if m.ReturnPath == "" {
		if from, err = msg.GetSender(false); err != nil { // "<addr>", its domain in punycode
			return fmt.Errorf("deliver: send %s: %w", n.MessageID, err)
		}
	} else if strings.TrimSpace(m.ReturnPath) == "<>" {
		from = "<>" // the null reverse-path (RFC 5321 4.5.5)
	} else {
		// RFC 5321 4.1.2: MAIL FROM:<reverse-path>, the domain in ASCII
		// (RFC 6531: only a local part may need SMTPUTF8), a local part
		// that is no dot-atom quoted again.
		rp, err := mail.ParseAddress(m.ReturnPath)
		if err == nil {
			rp.Address, err = digest.ASCIIAddress(rp.Address)
		}
		if err != nil {
			return fmt.Errorf("deliver: send %s: ReturnPath %q: %w", n.MessageID, m.ReturnPath, err)
		}
		from = (&mail.Address{Address: rp.Address}).String()
	}
	rcpts, err := msg.GetRecipients()
	if err != nil || len(rcpts) != 1 {
		return fmt.Errorf("deliver: send %s: recipients %v: %v", n.MessageID, rcpts, err)
	}
	to := rcpts[0]
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := m.Client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("deliver: send %s: %w", n.MessageID, err)
	}
	defer c.Close()
	if digest.NeedsSMTPUTF8(to) || digest.NeedsSMTPUTF8(from) {
		// RFC 6531 3.4: a UTF-8 envelope only to a server that offers
		// SMTPUTF8 (go-mail then says SMTPUTF8 in MAIL FROM), as the
		// digests' Sender does.
		if ok, _ := c.Extension("SMTPUTF8"); !ok {
			return fmt.Errorf("deliver: send %s: not sent: the address %s has a non-ASCII local part and the server does not offer SMTPUTF8", n.MessageID, to)
		}
		needUTF8(c)
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("deliver: send %s: MAIL FROM: %w", n.MessageID, err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("deliver: send %s: RCPT TO: %w", n.MessageID, err)
	}
	wc, err := c.Data()
	if err != nil {
		return fmt.Errorf("deliver: send %s: DATA: %w", n.MessageID, err)
	}
	if _, err := wc.Write(raw); err != nil {
		wc.Close()
		return fmt.Errorf("deliver: send %s: %w", n.MessageID, err)
	}
	if err := wc.Close(); err != nil {
		return fmt.Errorf("deliver: send %s: end of DATA: %w", n.MessageID, err)
	}
	_ = c.Quit()
	return nil
}

// noticeBytes builds n and writes it out, signed when d is set.
func noticeBytes(n *digest.Notice, d *DKIM) (*gomail.Msg, []byte, error) {
	msg, err := n.Msg()
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, nil, err
	}
	if d == nil {
		return msg, buf.Bytes(), nil
	}
	raw, err := d.Sign(buf.Bytes())
	return msg, raw, err
}

// FileMailer writes each message as an .eml file into a folder instead of
// sending it: for development and for the examples, where the person
// opens the confirmation message from the folder. It is safe for
// concurrent use.
type FileMailer struct {
	// Dir is the folder; it is created when missing.
	Dir string
	// DKIM, when set, signs every message, as SMTPMailer would.
	DKIM *DKIM
	// Written, when set, is called with each file's path.
	Written func(path string)
}

// Send writes n to Dir/<recipient>-<Message-ID's first part>.eml.
func (m *FileMailer) Send(ctx context.Context, n *digest.Notice) error {
	_, raw, err := noticeBytes(n, m.DKIM)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(m.Dir, 0o755); err != nil {
		return err
	}
	id, _, _ := strings.Cut(n.MessageID, "@")
	path := filepath.Join(m.Dir, safeName(digest.EmailKey(n.To.Address))+"-"+safeName(id)+".eml")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		return err
	}
	if m.Written != nil {
		m.Written(path)
	}
	return nil
}

// safeName keeps letters, digits and ".-_@+" of s.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(".-_@+", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// needUTF8 makes c say SMTPUTF8 in its MAIL FROMs, which a UTF-8 envelope
// needs (RFC 6531 3.4), even if its Client was made with go-mail's
// WithoutSMTPUTF8: that option is for servers whose SMTPUTF8 is broken, to
// which such an address cannot be sent right in any case (they may refuse
// it; without the parameter they would take it unannounced). It reports
// whether it changed c, so that the caller can set the option back for
// the session's ASCII messages (restoreUTF8).
func needUTF8(c *smtp.Client) (changed bool) {
	if !skipsSMTPUTF8(c) {
		return false // go-mail says SMTPUTF8 whenever the server offers it
	}
	c.SkipSMTPUTF8(false)
	return true
}

// restoreUTF8 gives c back the WithoutSMTPUTF8 that needUTF8 lifted.
func restoreUTF8(c *smtp.Client) { c.SkipSMTPUTF8(true) }

// skipsSMTPUTF8 reports whether c was told to leave SMTPUTF8 out of MAIL
// FROM (go-mail's WithoutSMTPUTF8), which go-mail offers no getter for: it
// reads the field SkipSMTPUTF8 sets (TestSkipsSMTPUTF8 fails if a go-mail
// upgrade renames it; false, go-mail's default, when it is gone).
func skipsSMTPUTF8(c *smtp.Client) bool {
	f := reflect.ValueOf(c).Elem().FieldByName("skipUTF8")
	return f.IsValid() && f.Kind() == reflect.Bool && f.Bool()
}
