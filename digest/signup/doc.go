// Package signup is the newsletter's front door: the double opt-in
// signup form, the confirmation link and the preferences page, as
// http.Handlers over a digest.Lifecycle store, so that every step is
// recorded in the subscriber's consent history.
//
// To start, fill in a Signup and mount its three handlers:
//
//	s := &signup.Signup{
//		Store:   store,   // a digest.Lifecycle: *sqlite.Store, *postgres.Store, *digest.MemStore
//		Tokens:  tokens,  // the keyring that signs the digests' links
//		Mailer:  mailer,  // deliver.SMTPMailer, or deliver.FileMailer for .eml files
//		From:    "ख़बर <digest@khabar.example>",
//		Publisher: digest.Publisher{Name: "ख़बर", Address: "12, माल रोड, कानपुर"},
//		Catalog: catalog, // offers its categories, tags and authors to follow
//		SiteURL: "https://khabar.example",
//		Wording: "2026-01",
//	}
//	mux.Handle("/subscribe", s.Subscribe())
//	mux.Handle("/confirm", s.Confirm())
//	mux.Handle("/preferences", s.Preferences())
//
// POST /subscribe records an EventRequested and mails a signed, expiring
// confirmation link; the answer is the same whatever the address's state.
// GET /confirm shows a button and never confirms (mail scanners follow
// links); its POST makes the subscriber active with the request's choices,
// for the address's latest request only, and only while no unsubscribe,
// bounce or complaint came after it.
// /preferences, reached through the signed link every digest carries
// (digest.Config.PreferencesURL), changes follows, language, time zone,
// pauses or unsubscribes; GET never changes anything.
//
// An address that never confirms is pending until Signup.PurgeUnconfirmed
// forgets it, with its history, once its link has expired: run it daily.
//
// The address is kept in the one spelling of its mailbox
// (digest.CanonicalAddress: its domain as IDNA delivers to it), so that a
// spelling that lower-cases to another subscriber's address but is
// delivered elsewhere cannot confirm her record, and address literals
// ("user@[10.0.0.5]") are refused. The confirmation is addressed to the
// address alone: the unconfirmed name is not put in its To field.
//
// Abuse limits: a per-IP and a per-address rate limit (in memory, bounded),
// a honeypot field, at most one confirmation message per address per
// Signup.ResendInterval (and one at a time: a request arriving while one
// for the same address is being mailed is answered as sent), and 400
// naming the field for malformed input.
//
// The pages and the message come from digest's templates
// (digest.TemplateSignupPages, TemplateSignupMailText and HTML) and
// locales (hi, en, ur; Urdu right to left), in the language of ?lang=,
// else of Accept-Language, else Signup.Language.
//
// A Signup is safe for concurrent use once its fields are set.
package signup
