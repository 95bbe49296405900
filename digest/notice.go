package digest

import (
	"fmt"
	"io"
	"net/mail"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Notice is a message to one address outside the digest (a signup's
// confirmation), written in the digest's header style: From, To with the
// recipient's name, Subject, Date, Message-ID, Content-Language and a
// multipart/alternative body of text and HTML, both base64 UTF-8, under a
// boundary derived from MessageID. It has no List-* fields and no
// Precedence: it is not bulk mail.
type Notice struct {
	// From is the sender.
	From mail.Address
	// To is the recipient, with a name when known.
	To mail.Address
	// Subject is one line of plain text.
	Subject string
	// Text and HTML are the two bodies, UTF-8.
	Text, HTML []byte
	// MessageID is the Message-ID without angle brackets (required).
	MessageID string
	// Date is the Date field.
	Date time.Time
	// Language is the Content-Language; empty writes none.
	Language string
}

// Boundary returns the MIME boundary Msg uses, derived from MessageID.
func (n *Notice) Boundary() string { return boundaryOf(n.MessageID) }

// Msg builds the go-mail message, a fresh one each call, which reads Text
// and HTML when it is written (change neither meanwhile). A sender signs
// its bytes with deliver.DKIM as it does a digest's.
func (n *Notice) Msg() (*gomail.Msg, error) {
	if n.MessageID == "" {
		return nil, fmt.Errorf("digest: notice to %s: no Message-ID", n.To.Address)
	}
	msg, err := newMsg(n.Boundary(), n.From, n.To, n.Subject, n.Date, n.MessageID)
	if err != nil {
		return nil, fmt.Errorf("digest: notice %s: %w", n.MessageID, err)
	}
	setBodies(msg, n.Language, n.Text, n.HTML)
	return msg, nil
}

// WriteTo writes the notice as an RFC 5322 .eml file, without DKIM.
func (n *Notice) WriteTo(w io.Writer) (int64, error) {
	msg, err := n.Msg()
	if err != nil {
		return 0, err
	}
	return msg.WriteTo(w)
}
