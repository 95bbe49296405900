package digest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/mail"
	"slices"
	"sync"
	"time"
)

// The bytes of a digest without go-mail: a fast path checked against it.
//
// go-mail (DESIGN.md's library for building and sending mail) writes each
// base64 line of a body as three writes into a buffer that grows from
// nothing for every part, which cost about as much as rendering the
// digest. AppendTo writes the very bytes go-mail's Msg.WriteTo writes for
// Msg's message (its header fields in its order and folding, its
// multipart/alternative structure, base64 in 76-column lines), encoding
// each body in one pass into the caller's slice. It covers what a digest
// holds; a message whose header values go-mail would encode itself (a
// value that is not printable ASCII) or that Msg refuses is written by
// go-mail. The differential tests and FuzzAppendTo compare the two byte
// for byte, as deliver's DKIM fast path is compared with go-msgauth.

// AppendTo appends the message to b as WriteTo writes it, byte for byte
// what go-mail writes for Msg's message, and returns the extended slice.
// The bodies are encoded straight into b, which grows once for them.
func (m *Message) AppendTo(b []byte) ([]byte, error) {
	if out, ok := m.appendFast(b); ok {
		return out, nil
	}
	msg, err := m.Msg()
	if err != nil {
		return b, err
	}
	w := appendWriter{b: b}
	_, err = msg.WriteTo(&w)
	return w.b, err
}

// Envelope returns the SMTP envelope of Msg's message as go-mail gives it,
// without building it: from is what Msg.GetSender(false) returns (the
// ReturnPath's address, or From's, in angle brackets) and to is
// GetRecipients' one address (the subscriber's, its domain in punycode).
// The error is Msg's, when Msg fails.
func (m *Message) Envelope() (from, to string, err error) {
	addr, _, err := recipient(mail.Address{Address: m.Subscriber.Email})
	sender := m.From.Address
	if err == nil {
		sender, err = asciiDomain(sender) // as Msg writes it
	}
	if err == nil && m.ReturnPath != "" {
		var rp *mail.Address
		if rp, err = mail.ParseAddress(m.ReturnPath); err == nil {
			sender = rp.Address
		}
	}
	if err == nil {
		_, err = m.listUnsubscribe()
	}
	if err != nil {
		_, err = m.Msg() // fails as well: its error
		if err == nil {
			err = errors.New("digest: no envelope") // not reached
		}
		return "", "", err
	}
	return (&mail.Address{Address: sender}).String(), (&mail.Address{Address: addr}).String(), nil
}

// appendWriter is an io.Writer that appends to b.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// rawPool holds the buffers WriteTo encodes into before its one write.
var rawPool = sync.Pool{New: func() any { return new([]byte) }}

// writeRaw writes m's bytes to w in one Write: straight into w when it is
// a *bytes.Buffer, else through a pooled buffer.
func (m *Message) writeRaw(w io.Writer) (int64, error) {
	if bb, ok := w.(*bytes.Buffer); ok {
		bb.Grow(m.rawSize())
		out, err := m.AppendTo(bb.AvailableBuffer())
		if err != nil {
			return 0, err
		}
		n, err := bb.Write(out)
		return int64(n), err
	}
	p := rawPool.Get().(*[]byte)
	defer rawPool.Put(p)
	out, err := m.AppendTo((*p)[:0])
	if err != nil {
		return 0, err
	}
	*p = out
	n, err := w.Write(out)
	return int64(n), err
}

// headerRoom is what rawSize allows for the header block and the parts'
// headers and boundaries (about 1 KB in a digest).
const headerRoom = 2048

// rawSize returns about the size of m's bytes: over, unless the header
// block is longer than headerRoom.
func (m *Message) rawSize() int {
	return headerRoom + base64Lines(len(m.Text)) + base64Lines(len(m.HTML))
}

// base64Lines returns the size of n bytes in base64, in 76-column lines
// each ending in CRLF.
func base64Lines(n int) int {
	enc := base64.StdEncoding.EncodedLen(n)
	return enc + (enc+75)/76*2
}

// appendFast appends m's bytes to b as go-mail writes them; ok is false,
// and b is unchanged, when the message is outside the fast path's scope.
func (m *Message) appendFast(b []byte) (out []byte, ok bool) {
	addr, to, err := recipient(mail.Address{Name: m.Subscriber.Name, Address: m.Subscriber.Email})
	if err != nil {
		return b, false
	}
	if m.ReturnPath != "" {
		if _, err := mail.ParseAddress(m.ReturnPath); err != nil {
			return b, false
		}
	}
	unsub, err := m.listUnsubscribe()
	if err != nil {
		return b, false
	}
	if !isASCII(m.From.Address) {
		return b, false // go-mail's path writes its domain in punycode
	}
	from := m.From.String()
	if bytes.ContainsAny([]byte(from), "\r\n") {
		return b, false
	}
	utf8To := NeedsSMTPUTF8(addr)
	subject := encodeSubject(m.Subject)
	// go-mail's generic fields, sorted by name as it writes them; it
	// would encode a value that is not printable ASCII (or HTAB).
	var date [len(time.RFC1123Z) + 8]byte
	fields := [...]struct{ name, value string }{
		{"Content-Language", m.Language},
		{"Date", string(m.Date.AppendFormat(date[:0], time.RFC1123Z))},
		{"List-Id", "<" + m.ListID + ">"},
		{"List-Unsubscribe", unsub},
		{"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
		{"MIME-Version", "1.0"},
		{"Message-ID", "<" + m.MessageID + ">"},
		{"Precedence", "bulk"},
		{"Subject", subject},
		{"To", to},
		{"X-Auto-Response-Suppress", "All"},
	}
	for _, f := range fields {
		if !plainValue(f.value) && (f.name != "To" || !utf8To) {
			return b, false
		}
	}
	b = slices.Grow(b, m.rawSize())
	for _, f := range fields {
		switch {
		case f.name == "Content-Language" && m.Language == "",
			f.name == "List-Id" && m.ListID == "",
			f.name == "To" && utf8To:
			continue
		}
		b = appendField(b, f.name, f.value)
	}
	if utf8To { // go-mail's preformatted field, written as it is
		b = append(b, "To: "...)
		b = append(b, to...)
		b = append(b, "\r\n"...)
	}
	b = appendField(b, "From", from)
	boundary := m.Boundary()
	b = append(b, "Content-Type: multipart/alternative;\r\n boundary="...)
	b = append(b, boundary...)
	b = append(b, "\r\n\r\n--"...)
	b = appendPart(b, boundary, "text/plain", m.Text)
	b = append(b, "\r\n--"...)
	b = appendPart(b, boundary, "text/html", m.HTML)
	b = append(b, "\r\n--"...)
	b = append(b, boundary...)
	return append(b, "--\r\n"...), true
}

// plainValue reports whether go-mail writes a generic field's value
// unchanged: mime's word encoder leaves a value alone when it has only
// printable ASCII and HTAB.
func plainValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' || c > '~') && c != '\t' {
			return false
		}
	}
	return true
}

// appendPart appends a multipart part's boundary line (after the "--"
// the caller wrote), its header and its body in base64.
func appendPart(b []byte, boundary, contentType string, body []byte) []byte {
	b = append(b, boundary...)
	b = append(b, "\r\nContent-Transfer-Encoding: base64\r\nContent-Type: "...)
	b = append(b, contentType...)
	b = append(b, "; charset=UTF-8\r\n\r\n"...)
	return appendBase64Lines(b, body)
}

// appendBase64Lines appends body in base64, in lines of 76 characters
// (57 bytes of body), each ending in CRLF, the last one too, as go-mail's
// line breaker writes them; nothing for an empty body.
func appendBase64Lines(b, body []byte) []byte {
	at := len(b)
	b = slices.Grow(b, base64Lines(len(body)))[:at+base64Lines(len(body))]
	for len(body) > 0 {
		n := min(len(body), 57)
		at += base64.StdEncoding.EncodedLen(n)
		base64.StdEncoding.Encode(b[at-base64.StdEncoding.EncodedLen(n):at], body[:n])
		b[at], b[at+1] = '\r', '\n'
		at += 2
		body = body[n:]
	}
	return b
}

// appendField appends a header field as go-mail's msgWriter.writeHeader
// writes it: the value split at each space into words, a line break
// (CRLF SP) before a word that would not leave more than one column of the
// 76 on its line, and the space before a line break dropped.
func appendField(b []byte, name, value string) []byte {
	room := 76 - 2 - len(name) - 2
	b = append(b, name...)
	b = append(b, ": "...)
	for i := 0; ; i++ {
		word, rest, more := cut(value, ' ')
		if room-len(word) <= 1 {
			if b[len(b)-1] == ' ' {
				b = b[:len(b)-1]
			}
			b = append(b, "\r\n "...)
			room = 76 - 3
		}
		b = append(b, word...)
		room -= len(word)
		if !more {
			break
		}
		b = append(b, ' ')
		room--
		value = rest
	}
	return append(b, "\r\n"...)
}

// cut is strings.Cut for one byte.
func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
