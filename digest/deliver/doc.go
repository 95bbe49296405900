// Package deliver sends the daily digest over SMTP, reliably: pooled and
// rate-limited, DKIM-signed, retried on temporary failures, journaled so that
// a crash at any moment never causes a second copy, and scheduled at a local
// time of day in each subscriber's own time zone.
//
// To start, give a Sender an SMTP client and a journal, and run the jobs of
// an edition:
//
//	sender, err := deliver.NewSender(deliver.Config{Client: client, Journal: journal})
//	d := &deliver.Digest{Builder: builder, Store: store}
//	counts, err := sender.Run(ctx, d.Jobs(ctx, edition))
//
// A Sender runs a pool of workers, each holding one SMTP session (go-mail's,
// so TLS, STARTTLS and AUTH are go-mail's) for many messages, fed by a few
// goroutines that build messages ahead of them. Each message is written
// once, signed once (DKIM) and sent as those bytes on every attempt. 250 after DATA is sent; a 5xx at any step is failed; a 4xx or a
// connection lost before the end of DATA is retried with backoff up to
// Config.MaxAttempts; no reply after the end of DATA is unknown, never
// resent, since the server may have accepted it. A recipient whose address
// needs SMTPUTF8 is failed alone when the server does not offer it.
//
// A Journal holds one Record per Key (edition, recipient), moving
// pending → sending → sent | failed | unknown (or skipped); journal.go has
// the state diagram. Every transition is committed before the SMTP step it
// guards, and "sending" after RCPT TO and before DATA (when the server
// offers PIPELINING, MAIL FROM, RCPT TO and DATA go out in one write and
// "sending" comes after DATA's 354, before the message), so running an
// edition again resumes it and a record a crash left in "sending" becomes
// unknown. The sending transition is a compare-and-swap. MemJournal keeps
// the journal in memory; packages sqlite and postgres keep it in a database.
//
// A journal that is a Claimer (package postgres's) lets any number of
// Senders, on any machines, deliver one edition together: each Run claims
// jobs in batches under a lease a heartbeat renews, and then waits for the
// jobs others hold until each is settled; a sender that dies loses its
// leases, and the others take its work over. A Run that stalled for
// longer than a lease (a long pause, a suspended machine) claims again the
// records whose lease it lost before it sends them. The rate limit is per Sender:
// give each process its share. A Batcher commits a message's outcome with
// the next message's "sending".
//
// Digest adapts package digest (Jobs, and the Scheduler's Audience), and
// records each send in the digest store's sent log, in the journal's
// commit when the journal is a SentJournal on the same database. A
// Scheduler sends each recipient's edition once per local day, at a local
// time (07:00 by default), and picks up after a restart from the journal.
//
// Sender, Scheduler and MemJournal are safe for concurrent use. Config and
// DKIM values must not be changed while in use. Progress callbacks are
// called one at a time.
package deliver
