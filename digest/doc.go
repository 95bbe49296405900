// Package digest composes the daily email digest of a news site: it keeps
// subscribers, selects and ranks each subscriber's stories, renders an
// HTML and a plain-text body, and signs the one-click unsubscribe links it
// serves. Sending (DKIM, SMTP pools, the delivery journal) lives in
// digest/deliver, which builds on the names below; they are stable.
//
// # Subscribers
//
// A Subscriber has an address, a name, a language (hi, en, ur), a time zone,
// Follows (category paths with their descendants, tag and author slugs) and
// a Status (StatusActive, StatusUnsubscribed, StatusBounced). The Builder
// reads them through the SubscriberStore interface; package sqlite has the
// embedded default (one SQLite file that the delivery journal shares), and
// MemStore keeps them in memory. ReadCSV reads a subscriber list and a
// store's Import loads it without ever turning an unsubscribed or bounced
// address back to active.
//
// # Editions and windows
//
// An Edition is a list and a calendar date ("daily", "2026-11-24"); its ID
// is "daily-2026-11-24". For each subscriber the date is read in the
// subscriber's zone (Config.Location, Asia/Kolkata, by default): the window
// ends at Config.Cutoff after the start of the date (midnight at its end by
// default) and starts Config.Window (24 h) earlier, or where the last sent
// edition's window ended when that is later (SentLog.LastSent). A
// deliverer records each send with the store's MarkSent(Message.Sent(at)).
// Edition.RecipientKey is the deterministic per-(edition, address) key and
// Edition.MessageID the Message-ID built from it.
//
// # Selection and ranking
//
// Stories come from a StorySource (*khabar.Catalog). Each is scored as Ranking
// documents: weighted log1p of views, shares and comments, halved every
// HalfLife of age, ties broken newest first then by ID. The digest holds
// first the best stories from the subscriber's follows, then the top
// stories for everyone, at most Ranking.PerCategory of one category (a
// category holding more than half of the window, like "Latest News", is
// not counted), each story once. Stories in the subscriber's language come
// first in each section (LanguageFirst) or alone (LanguageOnly). A
// subscriber with nothing new gets no message: Build returns a *SkipError
// saying why (SkipNoStories, SkipUnsubscribed, SkipBounced,
// SkipAlreadySent; Message.Recheck adds SkipRemoved).
//
// The ranked window is computed once and shared by every subscriber with
// the same window and language; with a *khabar.Catalog it is cached until
// the catalog's Version changes.
//
// # Rendering
//
// Templates (html/template and text/template, embedded, each file
// overridable from an fs.FS with ParseTemplates) render a 600 px table
// layout with inline CSS, color-scheme light dark, a hidden preheader, lang
// and dir on <html> (Urdu is right-to-left), a font stack for Devanagari and
// Nastaliq, sized images with alt text, a visible unsubscribe link, a
// view-in-browser link and the publisher's name and postal address. The
// preheader is hidden with display:none and mso-hide:all only, never with
// transparent or 1 px text, which spam filters score (TestSpamAssassin runs
// SpamAssassin's local rules over the golden messages: -1.0, the list
// headers' bonus, with no scoring rule against them). The text part carries
// every story and link of the HTML part and is wrapped by display width without splitting grapheme clusters
// (Wrap). Each template defines "story", which renders one story; it is
// executed once per story and displayed time and the result (StoryView.HTML
// and .Text) shared by every digest that shows the story, which is what
// makes a personalized digest cheap (BenchmarkBuild). Locales (JSON files,
// hi, en and ur embedded) hold the strings, month names and direction;
// a partial locale borrows missing strings from English. The HTML is kept under Config.MaxHTML (100,000 bytes) by dropping
// the last stories; Message.Trimmed says how many, and the email says so.
//
// # Messages
//
// Builder.Build composes one Message; Builder.Each walks every subscriber
// of the store, one at a time, calling back with a *Message or with the
// reason it is skipped. Message.Msg turns a message into a go-mail *mail.Msg
// with Date, the deterministic Message-ID, List-Id, List-Unsubscribe (https
// one-click URL, optional mailto) and List-Unsubscribe-Post:
// List-Unsubscribe=One-Click, Precedence: bulk, and base64-encoded
// multipart/alternative bodies. Its MIME boundary is derived from the
// Message-ID, so the same message always gives the same bytes. A deliverer
// adds DKIM and sends. A message built a while before it is sent does not
// see an unsubscribe that came in meanwhile: Message.Recheck asks the store
// again (one primary-key lookup with a StatusStore) and returns a *SkipError when
// the subscriber is no longer active or was removed.
//
// # Unsubscribing and the web version
//
// Tokens signs (address, list, expiry) with HMAC-SHA256 under a key ID, so
// keys can be rotated with a grace period; Verify compares in constant
// time and refuses forged, altered and expired tokens. UnsubscribeHandler
// shows a confirmation page with a button on GET (mail scanners follow
// links, so GET never unsubscribes) and unsubscribes on POST, including
// RFC 8058 one-click POSTs, writing the change to the store before it
// answers 200; an unsubscribe for an address no longer in the store is
// recorded anyway (Suppressor), so importing the address again does not
// undo it. BrowserHandler serves an edition's web version: the general
// digest, with no personal data in it.
//
// # Concurrency
//
// Builder, MemStore, Tokens, Templates and the handlers are safe for
// concurrent use. A Message is immutable once built.
package digest
