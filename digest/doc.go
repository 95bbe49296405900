// Package digest composes the daily email digest of a news site: it keeps
// subscribers, selects and ranks each subscriber's stories, renders an
// HTML and a plain-text body, and serves the signed one-click unsubscribe
// links and the web version. Sending (SMTP pools, DKIM, the delivery
// journal that never mails anyone twice) is package digest/deliver;
// storage is package sqlite (the embedded default) or postgres.
//
// To start, make a Builder over a catalog and build a subscriber's message:
//
//	tokens, _ := digest.NewTokens("k1", secret)
//	b, err := digest.NewBuilder(digest.Config{
//		Source:         catalog, // a *khabar.Catalog
//		From:           "ख़बर <digest@khabar.example>",
//		Publisher:      digest.Publisher{Name: "ख़बर", Address: "12, माल रोड, कानपुर"},
//		UnsubscribeURL: "https://khabar.example/digest/unsubscribe",
//		Tokens:         tokens,
//	})
//	...
//	m, err := b.Build(ctx, digest.Edition{Date: "2026-11-24"}, subscriber)
//	msg, err := m.Msg() // a go-mail message, ready to sign and send
//
// A Subscriber has an address, a name, a language (hi, en, ur), a time
// zone, Follows (category paths with their descendants, tag and author
// slugs) and a Status. The Builder reads them through SubscriberStore;
// MemStore keeps them in memory, and ReadCSV reads a subscriber list.
//
// An Edition is a list and a calendar date ("daily-2026-11-24"). Each
// subscriber's window is read in their own time zone (Asia/Kolkata by
// default) and starts where their last sent edition's ended (SentLog). The
// digest holds the best stories from the subscriber's follows, then the
// top stories for everyone (log-scaled views, shares and comments, halved
// every Ranking.HalfLife), each story once, the subscriber's language
// first. A subscriber with nothing new gets no message: Build returns a
// *SkipError saying why.
//
// The embedded templates (overridable one file at a time with
// ParseTemplates) render a 600 px table layout with inline CSS, light and
// dark schemes, Urdu right to left, and the publisher's name and postal
// address; the hi, en and ur locales hold the strings. Each story shows
// its views the way the subscriber's language writes them
// (khabar.FormatCount), and the lead story, where room allows, two
// stories like it (Catalog.Related). Each story is rendered once per
// edition and shared by every digest that shows it.
// Message.Msg adds List-Unsubscribe (RFC 8058 one-click; the mailto:
// subject carries the signed token), List-Id and a deterministic
// Message-ID and MIME boundary: the same message always gives the same
// bytes. Message.AppendTo writes those bytes without building the go-mail
// message (what the sender does for each digest; checked against go-mail)
// and Message.Envelope gives its envelope. With Config.ReturnPath, the envelope sender is signed to name the
// subscriber and edition (VERP), for package digest/feedback's bounces.
//
// UnsubscribeHandler asks for confirmation on GET (mail scanners follow
// links) and unsubscribes on POST, one-click POSTs included; Tokens signs
// its links with HMAC-SHA256 under rotating keys. BrowserHandler serves an
// edition's web version, with no personal data in it.
//
// Limits, fixed: an edition's date lies in the years MinEditionYear (1900)
// to MaxEditionYear (2200), else ErrInvalidEdition; Tokens.Verify refuses
// a token longer than 1024 bytes (ErrTokenMalformed) before reading it.
//
// Builder, MemStore, Tokens, Templates and the handlers are safe for
// concurrent use. A Message is immutable once built.
package digest
