package feedback

import (
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// classify decides the report's kind from what walk collected, in order
// of how much the message proves: an ARF report, an RFC 3464 report, a
// bounce in prose from a mail server, an auto-reply, a mailto: request.
func classify(rep *Report, h mail.Header, w *walker) {
	if w.original != nil {
		o := w.original
		rep.Original = Original{
			MessageID: messageID(o.get("Message-Id")),
			From:      address(o.get("From")),
			To:        address(o.get("To")),
			Subject:   decodeHeader(o.get("Subject")),
		}
		for _, v := range o["Return-Path"] {
			rep.addReturnPaths(v)
		}
	}
	switch {
	case w.arf:
		classifyARF(rep, w)
	case w.dsn:
		classifyDSN(rep, w)
	default:
		if f := proseFormat(rep, h, w); f != "" {
			classifyProse(rep, h, w, f)
			break
		}
		// A request to the mailto: address with its signed token is an
		// unsubscribe even when marked Auto-Submitted: auto-generated
		// (RFC 3834 5.1: not a reply; mail clients' unsubscribe buttons
		// send such), since the token says who asks.
		mailto := classifyMailto(rep, w)
		if rep.Kind == Unsubscribe {
			break
		}
		if why := autoReply(rep, h); why != "" {
			rep.Kind, rep.Format, rep.Reason = Unknown, "auto-reply", "auto-reply ("+why+"), not a bounce"
		} else if !mailto {
			rep.Kind, rep.Reason = Unknown, "no delivery-status or feedback-report part, no bounce text from a mail server, no unsubscribe subject"
		}
	}
	if rep.Kind == "" {
		rep.Kind = Unknown
	}
	for _, r := range rep.Recipients {
		if severity(r.Kind) > severity(rep.Kind) {
			rep.Kind = r.Kind
		}
	}
}

// classifyARF reads an RFC 5965 report: feedback types abuse and fraud
// are complaints; others (not-spam, virus, auth-failure, other) are
// reported as Unknown, with the type.
func classifyARF(rep *Report, w *walker) {
	rep.Format = "arf"
	f := w.feedback
	rep.FeedbackType = strings.ToLower(strings.TrimSpace(f.get("feedback-type")))
	for _, v := range f.all("original-mail-from") {
		rep.addReturnPaths(v)
	}
	switch rep.FeedbackType {
	case "abuse", "fraud":
	case "":
		rep.Kind, rep.Reason = Unknown, "feedback report without a Feedback-Type"
		return
	default:
		rep.Kind, rep.Reason = Unknown, fmt.Sprintf("feedback report of type %q, not a complaint", rep.FeedbackType)
		return
	}
	rep.Kind, rep.Reason = Complaint, "ARF feedback-type "+rep.FeedbackType
	var rcpts []string
	for _, v := range f.all("original-rcpt-to") {
		if a := address(v); a != "" {
			rcpts = append(rcpts, a)
		}
	}
	if len(rcpts) == 0 && rep.Original.To != "" {
		rcpts = []string{rep.Original.To}
	}
	for _, a := range rcpts[:min(len(rcpts), maxRecipients)] {
		rep.Recipients = append(rep.Recipients, Recipient{Email: a, Kind: Complaint})
	}
}

var statusRE = regexp.MustCompile(`\b([245])\.([0-9]{1,3})\.([0-9]{1,3})\b`)

// replyRE finds an SMTP reply code: three digits at the start of a line
// or after a space, '#' or ':', followed by a space or '-'.
var replyRE = regexp.MustCompile(`(?:^|[\s:#(])([45][0-9][0-9])[ -]`)

// classifyDSN reads an RFC 3464 report: a recipient's kind comes from its
// Action and Status (Diagnostic-Code's reply code when Status is
// missing). Delivered, relayed and expanded recipients are left out.
func classifyDSN(rep *Report, w *walker) {
	rep.Format = "dsn"
	seen := 0
	for _, b := range w.status {
		if len(rep.Recipients) >= maxRecipients {
			break
		}
		final, orig := dsnAddress(b.get("final-recipient")), dsnAddress(b.get("original-recipient"))
		if final == "" && orig == "" {
			continue
		}
		seen++
		r := Recipient{Email: orig, Action: strings.ToLower(strings.TrimSpace(b.get("action")))}
		if r.Email == "" {
			r.Email = final
		} else if !strings.EqualFold(final, orig) {
			r.Final = final
		}
		diag := b.get("diagnostic-code")
		if _, after, ok := strings.Cut(diag, ";"); ok {
			diag = after
		}
		r.Diagnostic = oneLine(diag, 300)
		r.Status = statusRE.FindString(b.get("status"))
		if r.Status == "" {
			r.Status = statusOf(diag)
		}
		switch r.Action {
		case "delivered", "relayed", "expanded":
			continue
		case "delayed":
			r.Kind = SoftBounce
		default:
			r.Kind = kindOf(r.Status)
		}
		if r.Kind == "" {
			continue
		}
		rep.Recipients = append(rep.Recipients, r)
	}
	switch {
	case len(rep.Recipients) > 0:
		rep.Reason = "RFC 3464 delivery status"
	case seen > 0:
		rep.Kind, rep.Reason = Unknown, "delivery status with no failed or delayed recipient"
	default:
		rep.Kind, rep.Reason = Unknown, "delivery status without a recipient"
	}
}

// dsnAddress reads "rfc822; addr" (the address type is required, but
// some servers leave it out) and RFC 6533's "utf-8; addr", in which a
// character may be written \x{HEX}; other address types give "".
func dsnAddress(v string) string {
	typ, addr, ok := strings.Cut(v, ";")
	if !ok {
		addr, typ = typ, "rfc822"
	}
	switch typ = strings.TrimSpace(typ); {
	case strings.EqualFold(typ, "rfc822"):
		return address(addr)
	case strings.EqualFold(typ, "utf-8"):
		if addr, ok = unescapeUTF8Addr(strings.TrimSpace(addr)); ok {
			return address(addr)
		}
	}
	return ""
}

// unescapeUTF8Addr replaces each \x{HEX} of an RFC 6533 utf-8 address
// (EmbeddedUnicodeChar, in the xtext forms) with its character; false
// for a malformed escape or one that names no character.
func unescapeUTF8Addr(s string) (string, bool) {
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", false
	}
	if !strings.Contains(s, `\x{`) {
		return s, utf8.ValidString(s)
	}
	var b strings.Builder
	for {
		i := strings.Index(s, `\x{`)
		if i < 0 {
			b.WriteString(s)
			return b.String(), utf8.ValidString(b.String())
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 || end-3 < 2 || end-3 > 6 {
			return "", false
		}
		n, err := strconv.ParseUint(s[i+3:i+end], 16, 32)
		if err != nil || n < 0x20 || n == 0x7f || !utf8.ValidRune(rune(n)) {
			return "", false // no control character is part of an address
		}
		b.WriteRune(rune(n))
		s = s[i+end+1:]
	}
}

// statusOf returns the enhanced status code in s, or "5.0.0"/"4.0.0" for
// its first SMTP reply code, or "".
func statusOf(s string) string {
	if st := statusRE.FindString(s); st != "" && st[0] != '2' {
		return st
	}
	if m := replyRE.FindStringSubmatch(s); m != nil {
		return m[1][:1] + ".0.0"
	}
	return ""
}

// kindOf maps a status to a kind: 5.x.x is permanent, except X.2.2
// (mailbox full), which RFC 3463 calls a persistent transient failure.
func kindOf(status string) Kind {
	switch {
	case status == "":
		return ""
	case strings.HasPrefix(status, "4."), status[1:] == ".2.2":
		return SoftBounce
	case strings.HasPrefix(status, "5."):
		return HardBounce
	}
	return ""
}
