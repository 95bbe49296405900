// Command digest-sender builds one edition of the daily digest for every
// subscriber and writes each message to a folder: an .eml file (the whole
// message, as it would be sent) and an .html file (its HTML body, to open
// in a browser). It then prints a table of who got what and who was
// skipped, and why.
//
// Run from the repository root with no flags, it reads
// testdata/articles.jsonl and testdata/subscribers.csv, keeps its state
// (subscribers, sends, the unsubscribe token key) in ./khabar-state.db,
// and writes ./out. The edition's date defaults to the day (in
// Asia/Kolkata) of the newest article, so the bundled corpus always gives
// a full edition.
//
//	go run ./examples/digest-sender
//	go run ./examples/digest-sender -date 2026-11-23 -out /tmp/digest
//
// Flags:
//
//	-data FILE         articles, JSON Lines (testdata/articles.jsonl)
//	-subscribers FILE  subscribers, CSV (testdata/subscribers.csv); "" keeps the store's
//	-out DIR           where the .eml and .html files go (out)
//	-state FILE        the embedded store (khabar-state.db)
//	-from "N <a@d>"    the sender; its domain is the Message-ID's
//	-date YYYY-MM-DD   the edition's date (the newest article's day)
//	-site URL          the site, for the unsubscribe and web-version links
//
// The step that hands a finished message over is one function, deliver
// (see writeFiles); sending over SMTP replaces it without touching the
// rest.
package main
