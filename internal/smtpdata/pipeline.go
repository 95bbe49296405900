package smtpdata

import (
	"errors"
	"io"
	"net/textproto"

	"github.com/wneessen/go-mail/smtp"
)

// Pipelining reports whether c's server offered PIPELINING (RFC 2920) in
// its EHLO reply.
func Pipelining(c *smtp.Client) bool {
	ok, _ := c.Extension("PIPELINING")
	return ok
}

// Pipeline begins transactions as PIPELINING allows: MAIL FROM, RCPT TO
// and DATA in one write, then their replies read in order. Its zero value
// is ready to use; it is for one caller at a time (one per SMTP worker),
// and may serve any number of sessions one after the other.
type Pipeline struct {
	rec  recorder
	text *textproto.Conn // c.Text while go-mail writes a command into rec
	dw   DataWriter
}

// recorder stands in for the connection while go-mail's client writes a
// command: it keeps the bytes and answers every command with a 250.
type recorder struct{ out []byte }

var recorded = []byte("250 2.0.0 recorded for PIPELINING\r\n")

func (r *recorder) Read(p []byte) (int, error)  { return copy(p, recorded), nil }
func (r *recorder) Write(p []byte) (int, error) { r.out = append(r.out, p...); return len(p), nil }
func (r *recorder) Close() error                { return nil }

var (
	// ErrNotSent is the error of a command that go-mail's client refused
	// to write (an address with a line break).
	ErrNotSent = errors.New("smtpdata: command not sent")
	// ErrNoPipelining is Begin's error on a session whose server does not
	// offer PIPELINING.
	ErrNoPipelining = errors.New("smtpdata: the server does not offer PIPELINING")
)

// Begin starts a transaction from one sender to one recipient on c, whose
// server offers PIPELINING (else it returns ErrNoPipelining): the commands are go-mail's own, as c.Mail and
// c.Rcpt write them (with the parameters they add for the session's
// extensions and options), and go out together with DATA in one write.
// (go-mail's debug log, when on, shows them with a placeholder reply.)
//
// On success it returns the writer of the message, as c.Data would: write
// the message with Write(c, wc, msg), and wc.Close ends DATA and reads the
// reply. Otherwise no byte of the message was sent and err is, in the
// order of the commands, the first refusal (a *textproto.Error, which
// carries the server's code; also when the session was cut after it, and
// Begin then closes c), or the error that cut the session. If the
// server accepted DATA even so, Begin ends it at once with a lone dot, as
// RFC 2920 section 3.1 requires (or closes c, when a refusal was a reply
// other than 4xx or 5xx, which may have left the transaction standing:
// the dot would deliver an empty message); the session then stands between
// transactions, like after any refusal (send RSET to be sure). answered
// reports whether the server replied to anything at all: false means the
// session was gone before the first reply (or nothing was written).
func (p *Pipeline) Begin(c *smtp.Client, from, to string) (wc *DataWriter, answered bool, err error) {
	if !Pipelining(c) { // also makes sure EHLO went out on the session
		return nil, false, ErrNoPipelining
	}
	if p.text == nil {
		p.text = textproto.NewConn(&p.rec)
	}
	conn := c.Text
	if err := p.record(c, from, to); err != nil {
		return nil, false, errors.Join(ErrNotSent, err)
	}
	w := conn.W
	_, _ = w.Write(p.rec.out)
	_, _ = w.WriteString("DATA\r\n")
	if err := w.Flush(); err != nil {
		return nil, false, err
	}
	var refusal error
	for i, code := range []int{250, 25, 354} { // MAIL, RCPT, DATA
		_, _, err := conn.ReadResponse(code)
		var te *textproto.Error
		switch {
		case err == nil:
		case errors.As(err, &te):
			if refusal == nil {
				refusal = err
			}
			if i == 2 {
				return nil, true, refusal // DATA refused: nothing to end
			}
		default:
			if refusal != nil { // a 421 and a hang-up (RFC 5321 3.8)
				_ = c.Close() // replies may be left unread: not to be reused
				return nil, true, refusal
			}
			return nil, i > 0, err
		}
	}
	if refusal != nil { // DATA accepted after a refusal: end it empty
		var te *textproto.Error
		if errors.As(refusal, &te) && te.Code < 400 {
			// A success other than the one expected (a 251 to MAIL):
			// the transaction may stand, and a dot deliver it empty.
			_ = c.Close()
			return nil, true, refusal
		}
		// The reply to the dot changes nothing: the transaction was
		// refused. A session cut here is closed (a caller's RSET fails).
		_, _ = w.WriteString(".\r\n")
		err := w.Flush()
		if err == nil {
			_, _, err = conn.ReadResponse(0)
		}
		if err != nil && !errors.As(err, &te) {
			_ = c.Close()
		}
		return nil, true, refusal
	}
	p.dw = DataWriter{c: c, w: conn.DotWriter()}
	return &p.dw, true, nil
}

// record has go-mail's client write MAIL FROM and RCPT TO into p.rec,
// and gives the client its connection back on every way out.
func (p *Pipeline) record(c *smtp.Client, from, to string) error {
	p.rec.out = p.rec.out[:0]
	conn := c.Text
	c.Text = p.text
	defer func() { c.Text = conn }()
	if err := c.Mail(from); err != nil {
		return err
	}
	return c.Rcpt(to)
}

// DataWriter writes the message of a transaction Begin started, and ends
// it, as the writer go-mail's (*smtp.Client).Data returns.
type DataWriter struct {
	c    *smtp.Client
	w    io.WriteCloser // the session's DotWriter
	resp string
}

// Write writes message bytes, dot-stuffed.
func (d *DataWriter) Write(b []byte) (int, error) { return d.w.Write(b) }

// Close ends the data with the terminating dot and reads the server's
// reply: nil for a 250, else a *textproto.Error with the server's reply,
// or the error that cut the session.
func (d *DataWriter) Close() error {
	_ = d.w.Close()
	_, resp, err := d.c.Text.ReadResponse(250)
	d.resp = resp
	return err
}

// ServerResponse returns the text of the server's reply to the end of
// the data (after its code), once Close has read it.
func (d *DataWriter) ServerResponse() string { return d.resp }
