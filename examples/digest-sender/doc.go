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
//	-subscribers FILE  subscribers, CSV (testdata/subscribers.csv); "" keeps the store's.
//	                   Read on every run: its new addresses are added, and
//	                   the subscribers the store already holds are left as
//	                   they are (their own choices on the site stand)
//	-update-subscribers  let -subscribers replace the stored subscribers'
//	                   name, language, time zone and sections too
//	-out DIR           where the .eml and .html files go (out)
//	-db FILE|URL       the store: a SQLite file (default -state's), or a
//	                   postgres:// URL that any number of senders share
//	-state FILE        the embedded store (khabar-state.db), -db's older name
//	-from "N <a@d>"    the sender; its domain is the Message-ID's
//	-date YYYY-MM-DD   the edition's date (the newest article's day)
//	-site URL          the site, for the unsubscribe and web-version links
//	-cpuprofile FILE   write a CPU profile (pprof) of the run to FILE
//	-memprofile FILE   write a heap profile (pprof) at the end of the run to FILE
//
// With -smtp it sends the edition instead of writing files (send.go),
// through digest/deliver: pooled SMTP sessions, DKIM, retries, and a
// journal in the state file, so that running the same edition again after
// a crash sends nobody twice. On a terminal a progress bar shows while it
// sends; the table then says who was sent, failed, unknown (no reply after
// the message was handed over, so never resent automatically) or skipped.
//
//	go run ./examples/digest-sender -smtp localhost:1025
//
//	-smtp host:port    send through this SMTP server
//	-user, -pass       SMTP AUTH (the password may also come from KHABAR_SMTP_PASS)
//	-starttls          require STARTTLS
//	-dkim-key FILE     DKIM private key, PEM (RSA or Ed25519), with -dkim-selector S;
//	                   the signing domain is -from's
//	-rate N            at most N messages per second (no limit)
//	-workers N         SMTP connections at once (4)
//	-daemon            run the daily schedule until interrupted: each subscriber
//	                   gets their edition at -at (07:00) in their own time zone
//
// With -bounces DIR it processes the returned mail in DIR (a Maildir or
// a folder of .eml files: bounces, complaints, mailto: unsubscribes) with
// package digest/feedback against the same store, and prints a row per
// address: kind, action taken, file. Digests are sent with a signed
// return path (bounces+CODE@ the -from domain) so that bounces map back;
// a bounce or complaint without one changes nothing (anyone can mail a
// report naming any address) unless -trust-recipients says that nothing
// but your own mail servers writes to DIR.
//
// With -db postgres://..., start the same command on as many machines as
// you like: they share the edition (each claims its subscribers in
// batches; a sender that dies is taken over by the others after a
// lease), and nobody is mailed twice. -rate is per process.
//
// The step that hands a finished message over is one function, deliver
// (see writeFiles), run on a few goroutines in parallel with the
// building; the summary keeps the subscribers' order. Sending over SMTP
// (runSend) goes through the whole edition at once instead, since it
// needs a pool of sessions and a journal.
package main
