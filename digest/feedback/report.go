package feedback

import (
	"errors"
	"strings"
	"time"
)

// Kind is what a returned message says about a recipient.
type Kind string

// The kinds of report. A message that is none of the first four is
// Unknown, with Report.Reason saying why; nothing is ever guessed.
const (
	// HardBounce is a permanent delivery failure (status 5.x.x).
	HardBounce Kind = "hard bounce"
	// SoftBounce is a temporary one (4.x.x, a delay, a full mailbox).
	SoftBounce Kind = "soft bounce"
	// Complaint is an abuse report (ARF feedback-type abuse or fraud).
	Complaint Kind = "complaint"
	// Unsubscribe is a request sent to the List-Unsubscribe mailto: URI.
	Unsubscribe Kind = "unsubscribe"
	// Unknown is anything else: an auto-reply, a success notice, a
	// bounce without a status, a stray message.
	Unknown Kind = "unknown"
)

// Errors of Parse. Each is wrapped with what exceeded or failed.
var (
	// ErrTooLarge is a message over Parser.MaxSize bytes or with more
	// than Parser.MaxParts MIME parts.
	ErrTooLarge = errors.New("feedback: message too large")
	// ErrTooDeep is a message whose MIME parts nest deeper than
	// Parser.MaxDepth.
	ErrTooDeep = errors.New("feedback: MIME parts nested too deep")
	// ErrMalformed is input that is not a message at all: no header.
	ErrMalformed = errors.New("feedback: not a mail message")
)

// Report is what Parse read from one message.
type Report struct {
	// Kind is the message's kind: for a bounce, the most severe of its
	// recipients' (hard over soft).
	Kind Kind `json:"kind"`
	// Reason says why the message is of its Kind: for Unknown, what was
	// missing or what it is instead ("auto-reply (Auto-Submitted:
	// auto-replied)").
	Reason string `json:"reason"`
	// Format names the layout recognized: "dsn" (RFC 3464), "arf" (RFC
	// 5965), "exim", "qmail", "sendmail", "exchange", "yahoo", "text" (a
	// bounce in prose), "mailto", "auto-reply" or "" when none was.
	Format string `json:"format,omitempty"`
	// MessageID is the report's own Message-ID, without angle brackets.
	MessageID string `json:"message_id,omitempty"`
	// Sum is the hex SHA-256 of the message's bytes.
	Sum string `json:"sum"`
	// Date is the report's Date header; zero when missing or unreadable.
	Date time.Time `json:"date,omitzero"`
	// From is the report's sender address.
	From string `json:"from,omitempty"`
	// Subject is the report's subject, decoded.
	Subject string `json:"subject,omitempty"`
	// Recipients are the recipients the report is about, each with its
	// own kind and status; a DSN may name several.
	Recipients []Recipient `json:"recipients,omitempty"`
	// ReturnPaths are the addresses with a '+' in their local part that
	// may be the signed return path the message was sent with: from the
	// report's To, Delivered-To, X-Original-To and Return-Path, an ARF
	// report's Original-Mail-From and the returned message's Return-Path.
	// They are not verified here (see digest.Tokens.VerifyReturnPath).
	ReturnPaths []string `json:"return_paths,omitempty"`
	// Original holds headers of the returned message, when the report
	// includes it or its headers.
	Original Original `json:"original,omitzero"`
	// FeedbackType is an ARF report's Feedback-Type, lower case.
	FeedbackType string `json:"feedback_type,omitempty"`
	// Token is the unsubscribe token a mailto: request carries (not
	// verified here; see digest.Tokens.Verify).
	Token string `json:"token,omitempty"`
}

// Recipient is one recipient a report is about.
type Recipient struct {
	// Email is the address: a DSN's Original-Recipient when it is an
	// RFC 822 address, else its Final-Recipient; an ARF report's
	// Original-Rcpt-To; the address a prose bounce names.
	Email string `json:"email"`
	// Final is a DSN's Final-Recipient when it differs from Email.
	Final string `json:"final,omitempty"`
	// Kind is HardBounce, SoftBounce or Complaint.
	Kind Kind `json:"kind"`
	// Action is a DSN's Action (failed, delayed), lower case.
	Action string `json:"action,omitempty"`
	// Status is the enhanced status code ("5.1.1"); "5.0.0" or "4.0.0"
	// when only an SMTP reply code or a statement of permanence gave it.
	Status string `json:"status,omitempty"`
	// Diagnostic is the remote server's words, one line, shortened.
	Diagnostic string `json:"diagnostic,omitempty"`
}

// Original is what a report says of the message it returns.
type Original struct {
	MessageID string `json:"message_id,omitempty"`
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
	Subject   string `json:"subject,omitempty"`
}

// Ref returns the report's identity for digest.Event.Ref: its Message-ID,
// or "sha256:" and the hash of its bytes when it has none, so the same
// message processed twice is recognized.
func (r *Report) Ref() string {
	if r.MessageID != "" {
		return r.MessageID
	}
	return "sha256:" + r.Sum
}

// severity orders kinds for Report.Kind.
func severity(k Kind) int {
	switch k {
	case Complaint:
		return 3
	case HardBounce:
		return 2
	case SoftBounce:
		return 1
	}
	return 0
}

// oneLine collapses white space and shortens s to n bytes (on a rune
// boundary), for fields that go into an event's Detail: invalid UTF-8
// and control characters (a NUL, which PostgreSQL refuses) become U+FFFD
// or go.
func oneLine(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
