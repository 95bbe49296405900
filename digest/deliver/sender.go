package deliver

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
	"golang.org/x/time/rate"
)

// Defaults for the zero values of Config.
const (
	DefaultWorkers     = 4
	DefaultMaxAttempts = 5
	DefaultBackoff     = 2 * time.Second
	DefaultMaxBackoff  = 2 * time.Minute
	DefaultTimeout     = 2 * time.Minute
)

// ErrNoClient is returned by NewSender when Config.Client is nil.
var ErrNoClient = errors.New("deliver: no SMTP client configured")

// ErrNoJournal is returned by NewSender when Config.Journal is nil.
var ErrNoJournal = errors.New("deliver: no journal configured")

// ErrUnreachable matches a *DialError: the SMTP server could not be reached
// or refused the session, so the run stopped; unsent messages stay pending.
var ErrUnreachable = errors.New("deliver: SMTP server unreachable")

// DialError reports that a worker could not open an SMTP session after
// Attempts tries.
type DialError struct {
	Addr     string
	Attempts int
	Err      error
}

// Error describes the failure.
func (e *DialError) Error() string {
	return fmt.Sprintf("deliver: SMTP server %s unreachable after %d attempts: %v", e.Addr, e.Attempts, e.Err)
}

// Unwrap returns both ErrUnreachable and the last dial error.
func (e *DialError) Unwrap() []error { return []error{ErrUnreachable, e.Err} }

// Job is one message to deliver: its journal key and how to build it.
type Job struct {
	// Key identifies the delivery in the journal.
	Key Key
	// Compose builds the message. It is called only if the journal says the
	// message has not been sent yet, from a worker goroutine, at most once
	// per Run. The message's envelope sender is its Envelope-From or From
	// address; it must have exactly one recipient (To, Cc and Bcc together).
	// An error wrapping ErrSkip records the delivery as skipped (nothing to
	// send); any other error marks it failed, with the error as its detail.
	Compose func() (*gomail.Msg, error)
	// Failed, when set, is called after the journal records a permanent
	// failure that the server replied (a 5xx: r.Code and r.Status say which);
	// the digest uses it to mark addresses that do not exist as bounced. An
	// error is added to the Result's Detail.
	Failed func(ctx context.Context, r Result) error
	// Sent, when set, records the send somewhere else too; the digest uses
	// it to note where the subscriber's next window starts. With a
	// TxJournal (SQLiteJournal) it runs inside the transaction that records
	// the message as sent, with that transaction, so both are committed
	// together; with other journals tx is nil and it runs after. If it
	// fails, the message is recorded as sent all the same (it was) and the
	// error is added to the Result's Detail.
	Sent func(ctx context.Context, tx *sql.Tx, at time.Time) error
}

// Counts are the tallies of one Run.
type Counts struct {
	// Read is the number of jobs taken from the source.
	Read int
	// Sent, Failed and Unknown count deliveries that reached that state in
	// this run. Unknown includes records found in "sending", left there by
	// an interrupted earlier run.
	Sent, Failed, Unknown int
	// Skipped counts jobs whose Compose said there was nothing to send.
	Skipped int
	// Done counts jobs whose record was already terminal (sent, failed,
	// unknown or skipped) before this run, so nothing was sent.
	Done int
	// Deferred counts jobs left pending because the run was cancelled or
	// stopped before their turn (or while waiting to retry).
	Deferred int
	// Retries counts attempts after the first for the same message.
	Retries int
	// Reconnects counts SMTP sessions opened beyond each worker's first.
	Reconnects int
}

// Result is the outcome of one job in a Run.
type Result struct {
	Key       Key
	State     State // sent, failed, unknown, pending (deferred) or the terminal state found
	Attempts  int   // attempts made in this run
	MessageID string
	Detail    string // server reply or error
	// Code is the last SMTP reply code (550), and Status its enhanced
	// status code ("5.1.1", RFC 3463) when the server gave one; zero and
	// empty when the outcome did not come from a reply.
	Code   int
	Status string
	// Already is true when the record was terminal before this run.
	Already bool
}

// Progress is reported after each job finishes.
type Progress struct {
	Counts
	Last Result
}

// Config configures a Sender. Only Client and Journal are required.
type Config struct {
	// Client says where and how to connect: host, port, TLS policy, SMTP
	// AUTH, HELO name, timeouts for dialing. Each worker opens its own
	// session with Client.DialToSMTPClientWithContext; the Client itself is
	// not used to send.
	Client *gomail.Client
	// Journal records every delivery. Required.
	Journal Journal
	// Workers is the number of concurrent SMTP sessions; zero means
	// DefaultWorkers.
	Workers int
	// Rate limits messages per second across all workers (each attempt
	// counts); zero means no limit.
	Rate float64
	// MaxAttempts bounds the attempts per message after temporary (4xx)
	// failures, counted across runs; when used up the delivery is failed.
	// Zero means DefaultMaxAttempts. It also bounds consecutive failed dials
	// before a worker gives up and the run stops with a *DialError.
	MaxAttempts int
	// Backoff is the wait before the first retry; it doubles per retry, up
	// to MaxBackoff, with ±20% jitter. Zero means DefaultBackoff and
	// DefaultMaxBackoff.
	Backoff, MaxBackoff time.Duration
	// MessagesPerSession, when positive, closes a worker's session (QUIT)
	// after that many messages and opens a new one, for servers that limit
	// messages per connection; zero means no limit.
	MessagesPerSession int
	// Timeout bounds one message's SMTP exchange (MAIL FROM to the reply
	// after the end of DATA); zero means DefaultTimeout.
	Timeout time.Duration
	// DKIM, when set, signs every message.
	DKIM *DKIM
	// Progress, when set, is called after each job with the running counts.
	// Calls are serialized; keep it fast, it holds up the workers.
	Progress func(Progress)
	// Now is the clock for journal timestamps; nil means time.Now.
	Now func() time.Time
}

// Sender delivers jobs over SMTP with a pool of workers, recording each step
// in a Journal so that a run can be repeated after a crash without sending
// anything twice. A Sender is safe for concurrent use: Runs of one Sender
// over the same keys share the work, each message sent once. Senders in
// different processes on one journal never send a message twice either (the
// journal's compare-and-swap), but one may take a message the other is
// sending for a crash's leftover and record it unknown until the sender
// records the real outcome; run one edition from one process at a time.
type Sender struct {
	cfg     Config
	limiter *rate.Limiter
	// inFlight holds the keys this Sender's workers are sending (from just
	// before the journal says "sending" until the outcome is recorded), so
	// that a concurrent Run does not mistake them for a crash's leftovers.
	inFlight sync.Map // Key → struct{}
}

// NewSender checks cfg, applies defaults and returns a Sender.
func NewSender(cfg Config) (*Sender, error) {
	if cfg.Client == nil {
		return nil, ErrNoClient
	}
	if cfg.Journal == nil {
		return nil, ErrNoJournal
	}
	if cfg.Workers < 0 || cfg.Rate < 0 || cfg.MaxAttempts < 0 || cfg.Backoff < 0 || cfg.MaxBackoff < 0 || cfg.Timeout < 0 || cfg.MessagesPerSession < 0 {
		return nil, fmt.Errorf("deliver: negative value in config (workers %d, rate %g, attempts %d, backoff %v, max backoff %v, timeout %v, messages per session %d)",
			cfg.Workers, cfg.Rate, cfg.MaxAttempts, cfg.Backoff, cfg.MaxBackoff, cfg.Timeout, cfg.MessagesPerSession)
	}
	if cfg.DKIM != nil {
		if err := cfg.DKIM.check(); err != nil {
			return nil, err
		}
	}
	if cfg.Workers == 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = max(DefaultMaxBackoff, cfg.Backoff)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	lim := rate.NewLimiter(rate.Inf, 1)
	if cfg.Rate > 0 {
		lim = rate.NewLimiter(rate.Limit(cfg.Rate), 1)
	}
	return &Sender{cfg: cfg, limiter: lim}, nil
}

// Journal returns the sender's journal.
func (s *Sender) Journal() Journal { return s.cfg.Journal }

// run is the state of one Run.
type run struct {
	s      *Sender
	ctx    context.Context
	jobs   chan Job
	mu     sync.Mutex // guards counts, err and Progress calls
	counts Counts
	err    error
	stop   context.CancelFunc
}

// Run reads jobs from source and delivers each one whose journal record is
// not terminal, then returns the counts. It stops early when ctx is cancelled
// (between messages: a message whose DATA has begun is finished first), when
// the source yields an error, when the journal fails, or when the server
// cannot be reached; the error says which, and every message not yet sent
// stays pending for the next run.
func (s *Sender) Run(ctx context.Context, source iter.Seq2[Job, error]) (Counts, error) {
	inner, stop := context.WithCancel(ctx)
	defer stop()
	r := &run{s: s, ctx: inner, jobs: make(chan Job, s.cfg.Workers), stop: stop}

	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{r: r}
			w.loop()
			w.close()
		}()
	}

	r.produce(source)
	close(r.jobs)
	wg.Wait()

	if r.err == nil && ctx.Err() != nil {
		r.err = ctx.Err()
	}
	return r.counts, r.err
}

// fail records the first fatal error and stops the run.
func (r *run) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
	r.stop()
}

func (r *run) report(res Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case res.Already:
		r.counts.Done++
	case res.State == StateSent:
		r.counts.Sent++
	case res.State == StateFailed:
		r.counts.Failed++
	case res.State == StateUnknown:
		r.counts.Unknown++
	case res.State == StateSkipped:
		r.counts.Skipped++
	default:
		r.counts.Deferred++
	}
	if res.Attempts > 1 {
		r.counts.Retries += res.Attempts - 1
	}
	if r.s.cfg.Progress != nil {
		r.s.cfg.Progress(Progress{Counts: r.counts, Last: res})
	}
}

func (r *run) produce(source iter.Seq2[Job, error]) {
	j := r.s.cfg.Journal
	n := 0
	for job, err := range source {
		if err != nil {
			r.fail(fmt.Errorf("deliver: job source: %w", err))
			return
		}
		if r.ctx.Err() != nil {
			return
		}
		n++
		r.mu.Lock()
		r.counts.Read++
		r.mu.Unlock()
		if job.Key.Edition == "" || job.Key.Recipient == "" || job.Compose == nil {
			r.fail(fmt.Errorf("deliver: job %d: key %q and Compose are required", n, job.Key))
			return
		}
		rec, err := j.Open(r.ctx, job.Key, r.s.cfg.Now())
		if err != nil {
			if r.ctx.Err() == nil {
				r.fail(err)
			}
			return
		}
		switch {
		case rec.State == StateSending:
			if _, busy := r.s.inFlight.Load(job.Key); busy {
				// Another Run of this Sender is sending it right now.
				r.report(Result{Key: job.Key, State: StateSending, Already: true, MessageID: rec.MessageID, Detail: "being sent by another run"})
				continue
			}
			// An earlier run recorded that DATA was about to start and never
			// recorded the outcome: the message may have been delivered.
			const detail = "interrupted: the previous run stopped after starting DATA; outcome unknown, not resent"
			err := j.Transition(r.ctx, job.Key, StateSending, StateUnknown, Update{Detail: detail, At: r.s.cfg.Now()})
			if errors.Is(err, ErrConflict) {
				r.report(Result{Key: job.Key, State: rec.State, Already: true, MessageID: rec.MessageID})
				continue
			}
			if err != nil {
				if r.ctx.Err() == nil {
					r.fail(err)
				}
				return
			}
			r.report(Result{Key: job.Key, State: StateUnknown, MessageID: rec.MessageID, Detail: detail})
		case rec.State.Terminal():
			r.report(Result{Key: job.Key, State: rec.State, Already: true, MessageID: rec.MessageID, Detail: rec.Detail})
		default:
			select {
			case r.jobs <- job:
			case <-r.ctx.Done():
				r.report(Result{Key: job.Key, State: StatePending, Detail: "run stopped before this message"})
				return
			}
		}
	}
}

// worker owns one SMTP session at a time.
type worker struct {
	r      *run
	c      *smtp.Client
	fresh  bool // c was opened for the current message
	dialed int
	used   int // messages sent on c
	// hookErr is the error of the last job's Sent hook, if any.
	hookErr error
}

func (w *worker) loop() {
	for job := range w.r.jobs {
		if w.r.ctx.Err() != nil {
			w.r.report(Result{Key: job.Key, State: StatePending, Detail: "run stopped before this message"})
			continue
		}
		w.deliver(job)
	}
}

func (w *worker) close() {
	if w.c != nil {
		_ = w.c.Quit()
		_ = w.c.Close()
		w.c = nil
	}
}

// drop discards a session that failed.
func (w *worker) drop() {
	if w.c != nil {
		_ = w.c.Close()
		w.c = nil
	}
}

// outcome of one SMTP transaction.
type outcome int

const (
	outSent     outcome = iota
	outTemp             // not delivered; may retry (4xx, or connection lost before the end of DATA)
	outPerm             // not delivered; never retry (5xx)
	outUnknown          // the end of DATA was sent and no reply came
	outConflict         // the journal record was claimed by someone else
	outStale            // a reused session had died before DATA; retry at once on a new one
	outFatal            // the run must stop (journal error, unreachable server)
)

func (w *worker) deliver(job Job) {
	r, cfg := w.r, &w.r.s.cfg
	res := Result{Key: job.Key}

	fail := func(detail string) {
		res.State, res.Detail = StateFailed, detail
		if err := cfg.Journal.Transition(w.jctx(), job.Key, StatePending, StateFailed, Update{Detail: detail, At: cfg.Now()}); err != nil {
			w.journalError(&res, err)
			return
		}
		r.report(res)
	}

	msg, err := job.Compose()
	if errors.Is(err, ErrSkip) {
		res.State, res.Detail = StateSkipped, err.Error()
		if err := cfg.Journal.Transition(w.jctx(), job.Key, StatePending, StateSkipped, Update{Detail: res.Detail, At: cfg.Now()}); err != nil {
			w.journalError(&res, err)
			return
		}
		r.report(res)
		return
	}
	if err != nil {
		fail("compose: " + err.Error())
		return
	}
	res.MessageID = msg.GetMessageID()
	from, err := msg.GetSender(false)
	if err != nil {
		fail("envelope sender: " + err.Error())
		return
	}
	rcpts, err := msg.GetRecipients()
	if err != nil || len(rcpts) != 1 {
		fail(fmt.Sprintf("envelope recipients: want exactly one, got %d (%v)", len(rcpts), err))
		return
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		fail("write message: " + err.Error())
		return
	}
	raw := buf.Bytes()
	if cfg.DKIM != nil {
		// Sign the exact bytes go-mail wrote; raw is sent unchanged from here
		// on, on every attempt (see the DKIM type for why go-mail's own
		// signer is not used).
		if raw, err = cfg.DKIM.Sign(raw); err != nil {
			fail(err.Error())
			return
		}
	}

	rec, _, err := cfg.Journal.Get(w.jctx(), job.Key)
	if err != nil {
		w.journalError(&res, err)
		return
	}
	prior := rec.Attempts
	for {
		if err := r.s.limiter.Wait(r.ctx); err != nil {
			res.State, res.Detail = StatePending, "run stopped before this message"
			r.report(res)
			return
		}
		if err := w.connect(); err != nil {
			res.State, res.Detail = StatePending, err.Error()
			r.report(res)
			if !errors.Is(err, context.Canceled) {
				r.fail(err)
			}
			return
		}
		res.Attempts++
		out, detail := w.transact(job, from, rcpts[0], raw, res.MessageID)
		res.Detail = detail
		res.Code, res.Status = parseReply(detail)
		switch out {
		case outSent:
			res.State = StateSent
			if w.hookErr != nil {
				res.Detail += "; " + w.hookErr.Error()
			}
			r.report(res)
			if w.used++; cfg.MessagesPerSession > 0 && w.used >= cfg.MessagesPerSession {
				w.close()
			}
			return
		case outPerm:
			res.State = StateFailed
			if job.Failed != nil && res.Code >= 500 {
				if err := job.Failed(w.jctx(), res); err != nil {
					res.Detail += "; failure hook: " + err.Error()
				}
			}
			r.report(res)
			return
		case outUnknown:
			res.State = StateUnknown
			r.report(res)
			return
		case outConflict:
			res.Already = true
			res.State = StateSending
			r.report(res)
			return
		case outFatal:
			res.State = StatePending
			r.report(res)
			return
		case outStale:
			res.Attempts-- // not the message's fault: a pooled session had gone away
			continue
		case outTemp:
			if prior+res.Attempts >= cfg.MaxAttempts {
				detail = fmt.Sprintf("gave up after %d attempts: %s", prior+res.Attempts, detail)
				res.State, res.Detail = StateFailed, detail
				if err := cfg.Journal.Transition(w.jctx(), job.Key, StatePending, StateFailed, Update{Detail: detail, At: cfg.Now()}); err != nil {
					w.journalError(&res, err)
					return
				}
				r.report(res)
				return
			}
			if !sleep(r.ctx, w.backoff(res.Attempts)) {
				res.State = StatePending
				r.report(res)
				return
			}
		}
	}
}

// recordSent records a sent message together with the job's Sent hook: in
// one transaction with a TxJournal, else one after the other. A failing
// hook never stops the message being recorded as sent.
func (w *worker) recordSent(job Job, from State, u Update) error {
	j := w.r.s.cfg.Journal
	ctx := w.jctx()
	if tj, ok := j.(TxJournal); ok {
		err := tj.TransitionTx(ctx, job.Key, from, StateSent, u, func(tx *sql.Tx) error {
			return job.Sent(ctx, tx, u.At)
		})
		var he *HookError
		if !errors.As(err, &he) {
			return err
		}
		w.hookErr = he
		return j.Transition(ctx, job.Key, from, StateSent, u)
	}
	if err := j.Transition(ctx, job.Key, from, StateSent, u); err != nil {
		return err
	}
	if err := job.Sent(ctx, nil, u.At); err != nil {
		w.hookErr = fmt.Errorf("after-send hook: %w", err)
	}
	return nil
}

// jctx is the context for journal writes made by workers. It ignores the
// run's cancellation: once a message is under way, its outcome is recorded
// even if the run is being stopped, and a write is never cut off half-way.
func (w *worker) jctx() context.Context { return context.WithoutCancel(w.r.ctx) }

func (w *worker) journalError(res *Result, err error) {
	res.State = StatePending
	if res.Detail == "" {
		res.Detail = err.Error()
	}
	w.r.report(*res)
	if w.r.ctx.Err() == nil {
		w.r.fail(err)
	}
}

func (w *worker) backoff(attempt int) time.Duration {
	cfg := &w.r.s.cfg
	d := cfg.Backoff
	for i := 1; i < attempt && d < cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, cfg.MaxBackoff)
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// connect makes sure the worker has a session, dialing with backoff.
func (w *worker) connect() error {
	if w.c != nil {
		w.fresh = false
		return nil
	}
	cfg := &w.r.s.cfg
	var last error
	for try := 1; try <= cfg.MaxAttempts; try++ {
		c, err := cfg.Client.DialToSMTPClientWithContext(w.r.ctx)
		if err == nil {
			w.c, w.fresh, w.used = c, true, 0
			if w.dialed > 0 {
				w.r.mu.Lock()
				w.r.counts.Reconnects++
				w.r.mu.Unlock()
			}
			w.dialed++
			return nil
		}
		if w.r.ctx.Err() != nil {
			return w.r.ctx.Err()
		}
		last = err
		if permanentDialError(err) {
			return &DialError{Addr: cfg.Client.ServerAddr(), Attempts: try, Err: err}
		}
		if try < cfg.MaxAttempts && !sleep(w.r.ctx, w.backoff(try)) {
			return w.r.ctx.Err()
		}
	}
	return &DialError{Addr: cfg.Client.ServerAddr(), Attempts: cfg.MaxAttempts, Err: last}
}

// permanentDialError reports whether retrying the dial cannot help: a 5xx
// reply to EHLO, STARTTLS or AUTH, or a server certificate that does not
// verify.
func permanentDialError(err error) bool {
	if code, _ := replyCode(err); code >= 500 {
		return true
	}
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var he x509.HostnameError
	var ie x509.CertificateInvalidError
	return errors.As(err, &cve) || errors.As(err, &uae) || errors.As(err, &he) || errors.As(err, &ie)
}

// replyCode returns the SMTP reply code carried by err and the reply text,
// or 0 if err is not a server reply (a network error, a timeout).
func replyCode(err error) (int, string) {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code, fmt.Sprintf("%d %s", te.Code, strings.ReplaceAll(te.Msg, "\n", " "))
	}
	return 0, ""
}

// parseReply reads the reply code and the enhanced status code from a
// detail that starts with a server reply ("550 5.1.1 no such user").
func parseReply(detail string) (int, string) {
	if len(detail) < 3 {
		return 0, ""
	}
	code, err := strconv.Atoi(detail[:3])
	if err != nil || code < 200 || code > 599 || (len(detail) > 3 && detail[3] != ' ' && detail[3] != '-') {
		return 0, ""
	}
	rest := strings.TrimSpace(detail[3:])
	st, _, _ := strings.Cut(rest, " ")
	parts := strings.Split(st, ".")
	if len(parts) != 3 || parts[0] != detail[:1] {
		return code, ""
	}
	for _, p := range parts[1:] {
		if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 999 || len(p) > 3 {
			return code, ""
		}
	}
	return code, st
}

// classify maps an error before the end of DATA to an outcome: a 5xx reply is
// permanent, a 4xx reply or a lost connection is temporary (the message was
// certainly not accepted).
func classify(err error) (outcome, string, bool) {
	code, text := replyCode(err)
	switch {
	case code >= 500:
		return outPerm, text, true
	case code >= 400:
		return outTemp, text, true
	case code > 0:
		return outTemp, text, true // unexpected positive reply: treat as a protocol hiccup
	}
	return outTemp, err.Error(), false
}

// transact runs one SMTP transaction for raw on the worker's session and
// records its outcome in the journal.
func (w *worker) transact(job Job, from, to string, raw []byte, msgID string) (outcome, string) {
	r, cfg := w.r, &w.r.s.cfg
	k := job.Key
	w.hookErr = nil
	j := cfg.Journal
	c := w.c
	if err := c.UpdateDeadline(cfg.Timeout); err != nil {
		w.drop()
		return outStale, err.Error()
	}

	// beforeData handles a failure before the journal says "sending".
	beforeData := func(err error) (outcome, string) {
		out, detail, isReply := classify(err)
		if !isReply {
			w.drop()
			if !w.fresh {
				return outStale, detail
			}
		} else if rerr := c.Reset(); rerr != nil {
			w.drop()
		}
		to := StatePending
		if out == outPerm {
			to = StateFailed
		}
		if jerr := j.Transition(w.jctx(), k, StatePending, to, Update{Detail: detail, Attempt: true, MessageID: msgID, At: cfg.Now()}); jerr != nil {
			w.r.fail(jerr)
			return outFatal, jerr.Error()
		}
		return out, detail
	}

	if err := c.Mail(from); err != nil {
		return beforeData(err)
	}
	if err := c.Rcpt(to); err != nil {
		return beforeData(err)
	}

	// Record "sending" durably before DATA starts: if the process dies from
	// here on, the next run finds "sending" and marks it unknown instead of
	// resending.
	r.s.inFlight.Store(k, struct{}{})
	defer r.s.inFlight.Delete(k)
	err := j.Transition(w.jctx(), k, StatePending, StateSending, Update{Detail: "DATA started", Attempt: true, MessageID: msgID, At: cfg.Now()})
	if err != nil {
		if rerr := c.Reset(); rerr != nil {
			w.drop()
		}
		if errors.Is(err, ErrConflict) {
			return outConflict, err.Error()
		}
		r.fail(err)
		return outFatal, err.Error()
	}

	// settle records the outcome.
	settle := func(to State, out outcome, detail string) (outcome, string) {
		u := Update{Detail: detail, At: cfg.Now()}
		var jerr error
		if to == StateSent && job.Sent != nil {
			jerr = w.recordSent(job, StateSending, u)
		} else {
			jerr = j.Transition(w.jctx(), k, StateSending, to, u)
		}
		var ce *ConflictError
		if errors.As(jerr, &ce) && ce.Got == StateUnknown {
			// Another process took our "sending" for a crash's leftover
			// and wrote unknown; we know the outcome, so record it.
			if to == StateSent && job.Sent != nil {
				jerr = w.recordSent(job, StateUnknown, u)
			} else {
				jerr = j.Transition(w.jctx(), k, StateUnknown, to, u)
			}
		}
		if jerr != nil {
			r.fail(jerr)
			return outFatal, jerr.Error()
		}
		return out, detail
	}

	wc, err := c.Data()
	if err != nil {
		out, detail, isReply := classify(err)
		if !isReply {
			w.drop()
		} else if rerr := c.Reset(); rerr != nil {
			w.drop()
		}
		if out == outPerm {
			return settle(StateFailed, outPerm, detail)
		}
		return settle(StatePending, outTemp, detail)
	}
	// Write the whole message and flush it before the terminating dot: an
	// error here means the server cannot have accepted the message.
	if _, err := wc.Write(raw); err == nil {
		err = c.Text.W.Flush()
		if err != nil {
			w.drop()
			return settle(StatePending, outTemp, "connection lost during DATA: "+err.Error())
		}
	} else {
		w.drop()
		return settle(StatePending, outTemp, "connection lost during DATA: "+err.Error())
	}
	err = wc.Close() // sends CRLF.CRLF and reads the reply
	if err == nil {
		reply := "250"
		if dc, ok := wc.(*smtp.DataCloser); ok && dc.ServerResponse() != "" {
			reply = "250 " + dc.ServerResponse()
		}
		return settle(StateSent, outSent, reply)
	}
	code, text := replyCode(err)
	switch {
	case code >= 500:
		return settle(StateFailed, outPerm, text)
	case code >= 400:
		return settle(StatePending, outTemp, text)
	}
	// No reply after the end of DATA: the server may have accepted it.
	w.drop()
	return settle(StateUnknown, outUnknown, "no reply after the end of DATA: "+err.Error())
}
