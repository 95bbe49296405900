// Package feedback reads what comes back from the mail system after a
// digest is sent and applies it to the subscriber store: bounces (RFC
// 3464 delivery status notifications and the prose bounces of Postfix,
// Exim, Sendmail, qmail, Microsoft Exchange and Outlook, Gmail, Yahoo and
// Amazon SES), abuse reports (ARF, RFC 5965) and the requests that
// List-Unsubscribe's mailto: URI invites.
//
// Parse reads one message and returns a Report: a hard bounce (5.x.x), a
// soft bounce (4.x.x, a delay, a full mailbox: X.2.2), a complaint (ARF
// feedback-type abuse or fraud), an unsubscribe request (whose subject
// carries the digest's signed token), or Unknown with the reason (an
// auto-reply, a success notice, a bounce without a status, a request
// without a token). Nothing is guessed. Input is bounded (Parser's
// MaxSize, MaxDepth and MaxParts) and errors name the limit passed; and
// whatever a message's size, a report keeps at most 50 recipients and 20
// return path candidates and reads at most 1,000 fields of a status part,
// so that one forged message costs time and memory in proportion to its
// size and does not hold up the messages behind it.
//
// A Processor applies reports through digest.Lifecycle.Change, keyed by
// the report's Message-ID (or its hash), so processing a message twice
// changes nothing. A hard bounce marks the address bounced; soft bounces
// are counted by edition and 3 within 14 days (Processor.SoftBounces,
// SoftWindow) mark it bounced; a complaint marks it complained; an unsubscribe
// request marks it unsubscribed.
//
// Anyone can mail a bounce naming any address, so a bounce or complaint
// changes only the address a signed return path in it names (below): the
// proof that the address was sent mail. Recipients named otherwise are
// reported as not credible and left alone, unless the folder is one only
// your own mail servers write to (Processor.TrustRecipients).
//
// Bounces are mapped back to the subscriber through the signed return
// path digest.Config.ReturnPath gives each message (VERP: the envelope
// sender names the address's hash and the edition; see
// digest.Tokens.ReturnPath), found in the bounce's To, Delivered-To,
// X-Original-To or Return-Path, or the returned message's: a bounce that
// does not name the recipient, or names the address mail was forwarded
// to, still maps.
//
// To start:
//
//	p := &feedback.Processor{Store: store, Tokens: tokens}
//	results, err := p.ProcessDir(ctx, "Maildir") // new/ and cur/, or a folder of .eml files
//
// Parse and a Processor are safe for concurrent use.
package feedback
