package feedback

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Parser reads returned messages within limits. Its zero value uses the
// defaults in brackets; a Parser is safe for concurrent use.
type Parser struct {
	// MaxSize is the largest message in bytes [10 MiB].
	MaxSize int64
	// MaxDepth is how deep multiparts and enclosed messages may nest [8].
	MaxDepth int
	// MaxParts is the most MIME parts a message may have [200].
	MaxParts int
}

// Parse reads one message with the default limits and classifies it.
func Parse(r io.Reader) (*Report, error) { return (&Parser{}).Parse(r) }

// Parse reads one message and classifies it. It returns an error only for
// input it cannot read within its limits (ErrTooLarge, ErrTooDeep) or
// that has no header (ErrMalformed); a message it can read but not
// classify is a Report of Kind Unknown with the reason.
func (p *Parser) Parse(r io.Reader) (*Report, error) {
	max := p.MaxSize
	if max <= 0 {
		max = 10 << 20
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, max)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil || len(msg.Header) == 0 {
		return nil, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	sum := sha256.Sum256(data)
	rep := &Report{
		Sum:       hex.EncodeToString(sum[:]),
		MessageID: messageID(msg.Header.Get("Message-Id")),
		From:      address(msg.Header.Get("From")),
		Subject:   decodeHeader(msg.Header.Get("Subject")),
	}
	if d, err := msg.Header.Date(); err == nil {
		rep.Date = d
	}
	body, _ := io.ReadAll(msg.Body)
	w := walker{p: p}
	if err := w.walk(textproto(msg.Header), body, 0); err != nil {
		return nil, err
	}
	for _, h := range []string{"To", "Delivered-To", "X-Original-To", "Return-Path"} {
		for _, v := range msg.Header[h] {
			rep.addReturnPaths(v)
		}
	}
	classify(rep, msg.Header, &w)
	return rep, nil
}

// header is a part's header with canonical keys, as textproto keeps it.
type header map[string][]string

func textproto(h mail.Header) header { return header(h) }

func (h header) get(k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// walker collects the parts of a message that classify reads.
type walker struct {
	p        *Parser
	parts    int
	text     []string // text/plain bodies (and text/html, tags removed), in order
	status   []block  // delivery-status fields, per-message block first
	feedback block    // feedback-report fields
	arf      bool     // a feedback-report part was seen
	dsn      bool     // a delivery-status part was seen
	original header   // the returned message's header, the first one seen
}

func (w *walker) walk(h header, body []byte, depth int) error {
	maxDepth, maxParts := w.p.MaxDepth, w.p.MaxParts
	if maxDepth <= 0 {
		maxDepth = 8
	}
	if maxParts <= 0 {
		maxParts = 200
	}
	if depth > maxDepth {
		return fmt.Errorf("%w: over %d levels", ErrTooDeep, maxDepth)
	}
	if w.parts++; w.parts > maxParts {
		return fmt.Errorf("%w: over %d MIME parts", ErrTooLarge, maxParts)
	}
	mt, params, err := mime.ParseMediaType(h.get("Content-Type"))
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err != nil {
				return nil // the end, or a broken multipart: keep what was read
			}
			// An unterminated part is read as far as it goes.
			b, rerr := io.ReadAll(part)
			if err := w.walk(header(part.Header), b, depth+1); err != nil {
				return err
			}
			if rerr != nil {
				return nil
			}
		}
	}
	body = decodeBody(h.get("Content-Transfer-Encoding"), body)
	switch mt {
	case "message/delivery-status", "message/global-delivery-status":
		w.dsn = true
		w.status = append(w.status, fieldBlocks(body)...)
	case "message/feedback-report":
		w.arf = true
		for _, b := range fieldBlocks(body) {
			w.feedback = append(w.feedback, b...)
		}
	case "message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers":
		if w.original == nil {
			if m, err := mail.ReadMessage(bytes.NewReader(append(body, "\r\n\r\n"...))); err == nil {
				w.original = header(m.Header)
			}
		}
	case "text/plain", "text/html":
		s := string(body)
		if mt == "text/html" {
			s = stripTags(s)
		}
		w.text = append(w.text, s)
	}
	return nil
}

// decodeBody undoes a Content-Transfer-Encoding; a body that does not
// decode is kept as it is.
func decodeBody(cte string, body []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, body)
		if out, err := base64.StdEncoding.DecodeString(string(clean)); err == nil {
			return out
		}
	case "quoted-printable":
		if out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err == nil {
			return out
		}
	}
	return body
}

// field is one "Name: value" line of a delivery-status or feedback-report
// block, the name in lower case.
type field struct{ name, value string }

// block is a group of fields.
type block []field

func (b block) get(name string) string {
	for _, f := range b {
		if f.name == name {
			return f.value
		}
	}
	return ""
}

func (b block) all(name string) []string {
	var out []string
	for _, f := range b {
		if f.name == name {
			out = append(out, f.value)
		}
	}
	return out
}

// maxFieldValue bounds how much of a folded field is kept.
const maxFieldValue = 4000

// Bounds on what one message can make a report hold, whatever its size:
// a report about a digest names one recipient, so more are noise or an
// attack (each recipient and return path is compared with the others).
const (
	maxFields      = 1000 // fields read from one delivery-status or feedback-report part
	maxRecipients  = 50   // recipients a report keeps
	maxReturnPaths = 20   // signed return path candidates a report keeps
)

// fieldBlocks reads blocks of fields separated by blank lines, unfolding
// continuation lines; lines that are not fields are skipped. It stops
// after maxFields fields.
func fieldBlocks(body []byte) []block {
	var out []block
	var cur block
	n := 0
	for line := range strings.SplitSeq(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n") {
		if n >= maxFields {
			break
		}
		switch {
		case strings.TrimSpace(line) == "":
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
		case (line[0] == ' ' || line[0] == '\t') && len(cur) > 0:
			if f := &cur[len(cur)-1]; len(f.value) < maxFieldValue { // longer is noise; stop copying
				f.value += " " + strings.TrimSpace(line)
			}
		default:
			name, value, ok := strings.Cut(line, ":")
			if ok && name != "" && !strings.ContainsAny(name, " \t") {
				cur = append(cur, field{strings.ToLower(name), strings.TrimSpace(value)})
				n++
			}
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// stripTags turns HTML into rough text: tags become line breaks, a few
// entities are decoded. Enough to find addresses and status codes.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
			b.WriteByte('\n')
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&nbsp;", " ", "&#64;", "@").Replace(b.String())
}

var wordDecoder = mime.WordDecoder{}

func decodeHeader(v string) string {
	if s, err := wordDecoder.DecodeHeader(v); err == nil {
		return oneLine(s, 998)
	}
	return oneLine(v, 998)
}

// address returns the bare address of a header value, "" when none.
func address(v string) string {
	if a, err := mail.ParseAddress(v); err == nil {
		return a.Address
	}
	v = strings.TrimSpace(v)
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		v = v[i+1:]
		v, _, _ = strings.Cut(v, ">")
	}
	if strings.Count(v, "@") == 1 && !strings.ContainsAny(v, " \t<>,;\"") {
		return v
	}
	return ""
}

func messageID(v string) string {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "<")
	v, _, _ = strings.Cut(v, ">")
	if strings.ContainsAny(v, " \t\r\n") || len(v) > 900 {
		return ""
	}
	return v
}

// addReturnPaths adds the addresses of a header value that may be signed
// return paths: those with a '+' in the local part.
func (r *Report) addReturnPaths(v string) {
	list, err := mail.ParseAddressList(v)
	if err != nil {
		if a := address(v); a != "" {
			list = []*mail.Address{{Address: a}}
		}
	}
	for _, a := range list {
		if len(r.ReturnPaths) >= maxReturnPaths {
			return
		}
		at := strings.LastIndexByte(a.Address, '@')
		if at < 0 || !strings.Contains(a.Address[:at], "+") || len(a.Address) > 254 {
			continue
		}
		dup := false
		for _, have := range r.ReturnPaths {
			dup = dup || strings.EqualFold(have, a.Address)
		}
		if !dup {
			r.ReturnPaths = append(r.ReturnPaths, a.Address)
		}
	}
}
