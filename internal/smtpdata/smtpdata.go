// Package smtpdata writes a message as the data of an SMTP DATA command in
// bulk: dot-stuffed (RFC 5321 4.5.2) a line at a time onto the session's
// buffered writer instead of through net/textproto's DotWriter, which
// looks at every byte on its own.
//
// Start with Write, after go-mail's (*smtp.Client).Data:
//
//	wc, err := c.Data()
//	...
//	err = smtpdata.Write(c, wc, msg)
//	...
//	err = wc.Close() // the terminating dot and the reply
//
// On a server that offers PIPELINING (RFC 2920), a Pipeline's Begin
// takes the place of c.Mail, c.Rcpt and c.Data: it sends the three
// commands in one write and reads their replies in order.
package smtpdata

import (
	"bytes"
	"io"

	"github.com/wneessen/go-mail/smtp"
)

var (
	crlf   = []byte("\r\n")
	lfDot  = []byte("\n.")
	cr, lf = []byte("\r"), []byte("\n")
)

// Write writes msg as the data of the DATA command c has just begun, wc
// being the writer c.Data returned; wc.Close then ends it. The bytes on
// the wire are the ones wc.Write(msg) would send. A message whose lines
// all end in CRLF, the last one included, is dot-stuffed in bulk onto
// c.Text.W; any other (a bare CR or LF, no final CRLF) goes through wc,
// which also turns bare LFs into CRLF.
func Write(c *smtp.Client, wc io.Writer, msg []byte) error {
	if !canonical(msg) {
		_, err := wc.Write(msg)
		return err
	}
	bw := c.Text.W
	// All but the final CRLF, which goes through wc, so that wc knows it
	// is at the start of a line and Close adds only ".\r\n".
	rest := msg[:len(msg)-2]
	if len(rest) > 0 && rest[0] == '.' {
		if err := bw.WriteByte('.'); err != nil {
			return err
		}
	}
	for {
		i := bytes.Index(rest, lfDot)
		if i < 0 {
			break
		}
		if _, err := bw.Write(rest[:i+2]); err != nil {
			return err
		}
		if err := bw.WriteByte('.'); err != nil {
			return err
		}
		rest = rest[i+2:]
	}
	if _, err := bw.Write(rest); err != nil {
		return err
	}
	_, err := wc.Write(crlf)
	return err
}

// canonical reports whether every CR and LF of msg is in a CRLF pair and
// msg ends with one.
func canonical(msg []byte) bool {
	if !bytes.HasSuffix(msg, crlf) {
		return false
	}
	n := bytes.Count(msg, lf)
	return bytes.Count(msg, cr) == n && bytes.Count(msg, crlf) == n
}
