// Package deliver sends the daily digest over SMTP, reliably: pooled and
// rate-limited, DKIM-signed, retried on temporary failures, journaled so that
// a crash at any moment never causes a second copy, and scheduled at a local
// time of day in each subscriber's own time zone.
//
// # Sending
//
// A Sender runs a pool of workers. Each worker holds one SMTP session
// (opened through a go-mail *mail.Client, so TLS, STARTTLS and SMTP AUTH are
// go-mail's) and sends many messages over it, reconnecting when it drops. A
// global token bucket (golang.org/x/time/rate) limits messages per second.
// For every job the worker builds the go-mail message, writes it once with
// Msg.WriteTo, signs those bytes with DKIM if configured (see DKIM for why
// go-mail's own signer is not used), and sends exactly those bytes on every
// attempt.
//
// Replies decide what happens next:
//
//   - 250 after the end of DATA: sent.
//   - 5xx at any step: failed, never retried.
//   - 4xx at any step, or a connection lost before the end of DATA: retried
//     with exponential backoff, up to Config.MaxAttempts attempts counted
//     across runs, then failed.
//   - no reply after the end of DATA (connection lost, timeout): unknown. The
//     server may have accepted the message, so it is never resent
//     automatically.
//
// Cancelling the context stops a run between messages: a message whose DATA
// has started is finished and recorded first.
//
// # Journal
//
// A Journal holds one Record per Key (edition, recipient), moving
// pending → sending → sent | failed | unknown (and skipped, for the
// scheduler). Each transition is committed before the next SMTP step, and
// "sending" is recorded after RCPT TO is accepted and before DATA begins.
// Running an edition again therefore resumes it: pending records are sent,
// terminal ones are left alone, and a record a crash left in "sending" becomes
// unknown (it may have been delivered) instead of being sent twice. The
// sending transition is a compare-and-swap, so even two overlapping runs
// cannot both send one message. MemJournal keeps the journal in memory;
// package sqlite keeps it in a table of the digest's SQLite database.
//
// # Several processes
//
// A journal that is a Claimer (package postgres's) lets any number of
// Senders, on any machines, deliver one edition together: each Run claims
// its jobs in batches under a lease that a heartbeat renews, sends what it
// holds, and then waits for the jobs others hold until each is settled. A
// sender that dies loses its leases when they run out; the others take
// its pending jobs over and record unknown what it left in "sending". The
// rate limit is per Sender: give each process its share. A journal that is
// also a Batcher records each message's outcome together with the next
// message's "sending", in one commit.
//
// # The digest
//
// Digest adapts package digest: Jobs yields one job per active subscriber
// whose Compose builds that subscriber's digest on a worker, and Digest is
// the Scheduler's Audience. A sent message is recorded in the digest
// store's sent log (Job.Sent), so the subscriber's next window starts where
// this one ended; a SentJournal (sqlite.Journal on the sqlite.Store's
// database) commits that entry together with the journal's "sent".
//
// # Schedule
//
// A Scheduler sends each recipient's edition once per local day, at a local
// time of day (07:00 by default) in the recipient's own time zone, skipping
// recipients with nothing new, and picks up after a restart from the
// journal. Its clock and sleep are injectable.
//
// # Concurrency
//
// Sender, Scheduler and MemJournal are safe for concurrent use.
// Config and DKIM values must not be changed while in use. Progress callbacks
// are called one at a time.
package deliver
