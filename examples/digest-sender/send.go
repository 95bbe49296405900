package main

// Sending mode: with -smtp the edition is sent instead of written to files,
// through digest/deliver (pooled SMTP sessions, DKIM, retries, a journal in
// the state file so that a rerun after a crash sends nobody twice); with
// -daemon too, the daily schedule runs until interrupted.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/examples/internal/dkimflag"
	gomail "github.com/wneessen/go-mail"
)

// sendOptions are the flags of the sending mode.
type sendOptions struct {
	smtp, user, pass         string
	starttls                 bool
	dkimKey, dkimSelector    string
	rate                     float64
	workers                  int
	daemon                   bool
	at                       string
	progress                 bool // draw a progress bar (set when stdout is a terminal)
	client                   *gomail.Client
	dialTimeout, sendTimeout time.Duration
}

func registerSendFlags(fs *flag.FlagSet, s *sendOptions) {
	fs.StringVar(&s.smtp, "smtp", "", "send through this SMTP server, host:port, instead of writing files")
	fs.StringVar(&s.user, "user", "", "SMTP AUTH user name")
	fs.StringVar(&s.pass, "pass", "", "SMTP AUTH password (or set KHABAR_SMTP_PASS)")
	fs.BoolVar(&s.starttls, "starttls", false, "require STARTTLS")
	fs.StringVar(&s.dkimKey, "dkim-key", "", "DKIM private key, PEM (RSA or Ed25519); the domain is the From domain")
	fs.StringVar(&s.dkimSelector, "dkim-selector", "", "DKIM selector")
	fs.Float64Var(&s.rate, "rate", 0, "at most this many messages per second (0: no limit)")
	fs.IntVar(&s.workers, "workers", deliver.DefaultWorkers, "SMTP connections used at once")
	fs.BoolVar(&s.daemon, "daemon", false, "run the daily schedule (each subscriber at -at in their own time zone) until interrupted")
	fs.StringVar(&s.at, "at", deliver.DefaultSendAt, "with -daemon: local time of day to send, HH:MM")
	s.progress = isTerminal(os.Stdout)
}

// enabled reports whether the sending mode was asked for.
func (s *sendOptions) enabled() bool { return s.smtp != "" || s.daemon }

// cutoff is the Builder's Cutoff: for the daily schedule an edition covers
// the 24 hours before it is sent; a one-off edition the calendar day.
func (s *sendOptions) cutoff() time.Duration {
	if !s.daemon {
		return 0
	}
	t, err := time.Parse("15:04", s.at)
	if err != nil {
		return 0 // reported by the scheduler
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// newSender configures the SMTP client, DKIM and the journal.
func (s *sendOptions) newSender(ctx context.Context, o options, st *state, progress func(deliver.Progress)) (*deliver.Sender, error) {
	if s.smtp == "" {
		return nil, errors.New("-daemon needs -smtp host:port")
	}
	if s.workers < 1 {
		return nil, fmt.Errorf("-workers %d: want at least 1", s.workers)
	}
	if s.rate < 0 {
		return nil, fmt.Errorf("-rate %g: want 0 (no limit) or more", s.rate)
	}
	cl := s.client
	if cl == nil {
		host, portStr, err := net.SplitHostPort(s.smtp)
		if err != nil {
			return nil, fmt.Errorf("-smtp %q: %w", s.smtp, err)
		}
		port, err := strconv.Atoi(portStr)
		if err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("-smtp %q: bad port", s.smtp)
		}
		opts := []gomail.Option{gomail.WithPort(port), gomail.WithTLSPolicy(gomail.NoTLS)}
		if s.starttls {
			opts = []gomail.Option{gomail.WithPort(port), gomail.WithTLSPolicy(gomail.TLSMandatory)}
		}
		if s.dialTimeout > 0 {
			opts = append(opts, gomail.WithTimeout(s.dialTimeout))
		}
		pass := s.pass
		if pass == "" {
			pass = os.Getenv("KHABAR_SMTP_PASS")
		}
		if s.user != "" {
			// Auto-discovery picks the strongest mechanism the server
			// offers, and never a plain-text one without TLS.
			opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.user), gomail.WithPassword(pass))
		}
		if cl, err = gomail.NewClient(host, opts...); err != nil {
			return nil, fmt.Errorf("-smtp %q: %w", s.smtp, err)
		}
	}
	dk, err := dkimflag.Load(s.dkimKey, s.dkimSelector, o.from)
	if err != nil {
		return nil, err
	}
	j, err := st.journal(ctx)
	if err != nil {
		return nil, err
	}
	return deliver.NewSender(deliver.Config{
		Client: cl, Journal: j, Workers: s.workers, Rate: s.rate, DKIM: dk,
		Timeout: s.sendTimeout, Progress: progress,
	})
}

// sendRow is one line of the sending summary.
type sendRow struct {
	email, result, detail string
}

// tally collects outcomes from the Sender's workers and the digest's skips.
type tally struct {
	mu   sync.Mutex
	rows []sendRow
}

func (t *tally) add(r sendRow) {
	t.mu.Lock()
	t.rows = append(t.rows, r)
	t.mu.Unlock()
}

// runSend sends one edition (-date, or the newest article's day) to every
// active subscriber and prints the summary; with -daemon it runs the
// schedule instead, each subscriber's edition being their local date.
func runSend(ctx context.Context, o options, cat *khabar.Catalog, b *digest.Builder, st *state, stdout, stderr io.Writer) error {
	s, store := &o.send, st.store
	var ed digest.Edition
	if !s.daemon {
		var err error
		if ed, err = edition(o.date, cat, b.Location()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "edition: %s\n\n", ed.ID())
	}
	var t tally
	var bar *progressBar
	if s.progress && !s.daemon {
		total, err := receivers(ctx, store, b.Now())
		if err != nil {
			return err
		}
		bar = &progressBar{w: stdout, total: total}
	}
	sender, err := s.newSender(ctx, o, st, func(p deliver.Progress) {
		r := sendRow{email: p.Last.Key.Recipient, result: string(p.Last.State), detail: p.Last.Detail}
		if p.Last.Already {
			r.result, r.detail = "already", "journal: "+string(p.Last.State)
		}
		if _, reason, ok := strings.Cut(r.detail, " skipped: "); ok && p.Last.State == deliver.StateSkipped {
			r.detail = reason // "no new story", "already sent"
		}
		t.add(r)
		if bar != nil {
			bar.draw(p.Counts)
		}
	})
	if err != nil {
		return err
	}
	d := &deliver.Digest{Builder: b, Store: store, MarkBounced: true, OnSkip: func(email string, err error) {
		// Subscribers who receive nothing (inactive, pending, paused) are
		// skipped before the Sender sees them; everything else (nothing
		// new, build failures) the Sender reports through Progress with
		// the journal's state.
		var se *digest.SkipError
		if !errors.As(err, &se) {
			return
		}
		switch se.Reason {
		case digest.SkipUnsubscribed, digest.SkipBounced, digest.SkipComplained, digest.SkipPending, digest.SkipPaused:
			t.add(sendRow{email: email, result: "skipped", detail: se.Reason.String()})
		}
	}}

	if s.daemon {
		sch := &deliver.Scheduler{Sender: sender, Audience: d, SendAt: s.at, Location: b.Location(),
			OnPass: func(p deliver.Pass) {
				fmt.Fprintf(stdout, "%s  pass: %d due, %d sent, %d failed, %d unknown, %d skipped; next %s\n",
					p.At.Format(time.RFC3339), p.Due, p.Sent.Sent, p.Sent.Failed, p.Sent.Unknown, p.Skipped+p.Sent.Skipped,
					p.Next.In(b.Location()).Format("2006-01-02 15:04 MST"))
				if p.Err != nil {
					fmt.Fprintf(stderr, "pass failed: %v\n", p.Err)
				}
			}}
		fmt.Fprintf(stdout, "sending each subscriber's edition at %s their time through %s; Ctrl-C stops\n", s.at, s.smtp)
		err := sch.Run(ctx)
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}

	counts, err := sender.Run(ctx, d.Jobs(ctx, ed))
	if bar != nil {
		bar.done(counts)
	}
	langs := map[string]string{}
	if lerr := store.EachSubscriber(ctx, func(sub *digest.Subscriber) error {
		langs[sub.Key()] = sub.Language
		return nil
	}); lerr != nil && err == nil {
		err = lerr
	}
	printSendSummary(stdout, t.rows, langs, counts)
	return err
}

// printSendSummary prints one row per subscriber (sorted by address, with
// the language from langs) and the totals.
func printSendSummary(w io.Writer, rows []sendRow, langs map[string]string, c deliver.Counts) {
	slices.SortFunc(rows, func(a, b sendRow) int { return strings.Compare(digest.EmailKey(a.email), digest.EmailKey(b.email)) })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SUBSCRIBER\tLANG\tRESULT\tDETAIL")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.email, pad(langs[digest.EmailKey(r.email)]), r.result, r.detail)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d sent, %d failed, %d unknown, %d skipped, %d already done, %d left pending (%d retries, %d reconnects)\n",
		c.Sent, c.Failed, c.Unknown, countResult(rows, "skipped"), c.Done, c.Deferred, c.Retries, c.Reconnects)
}

func countResult(rows []sendRow, result string) int {
	n := 0
	for _, r := range rows {
		if r.result == result {
			n++
		}
	}
	return n
}

// progressBar draws "[#####.....] 12/30  sent 10  failed 1  unknown 0" on
// one terminal line.
type progressBar struct {
	w     io.Writer
	total int
	last  time.Time
}

func (p *progressBar) draw(c deliver.Counts) {
	now := time.Now()
	if now.Sub(p.last) < 50*time.Millisecond {
		return // a terminal needs no more than 20 frames a second
	}
	p.last = now
	p.frame(c)
}

func (p *progressBar) frame(c deliver.Counts) {
	done := c.Sent + c.Failed + c.Unknown + c.Skipped + c.Done
	total := max(p.total, done)
	const width = 30
	fill := 0
	if total > 0 {
		fill = done * width / total
	}
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d  sent %d  failed %d  unknown %d ",
		strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, total, c.Sent, c.Failed, c.Unknown)
}

// done draws the final state and ends the line.
func (p *progressBar) done(c deliver.Counts) {
	p.frame(c)
	fmt.Fprintln(p.w)
}

// receivers counts the subscribers who receive an edition at now (not
// paused, active): the progress bar's total.
func receivers(ctx context.Context, store digest.SubscriberStore, now time.Time) (int, error) {
	n := 0
	err := store.EachSubscriber(ctx, func(sub *digest.Subscriber) error {
		if sub.Receives(now) {
			n++
		}
		return nil
	})
	return n, err
}
