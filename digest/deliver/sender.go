package deliver

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/khabar/khabar/digest"
	gomail "github.com/wneessen/go-mail"
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
	// message has not been sent yet, at most once per Run, from one of the
	// Run's build goroutines (Config.Builders), ahead of the SMTP workers. The message's envelope sender is its Envelope-From or From
	// address; it must have exactly one recipient (To, Cc and Bcc together).
	// An error wrapping ErrSkip records the delivery as skipped (nothing to
	// send); any other error marks it failed, with the error as its detail.
	Compose func() (*gomail.Msg, error)
	// Failed, when set, is called after the journal records a permanent
	// failure that the server replied (a 5xx: r.Code and r.Status say which);
	// the digest uses it to mark addresses that do not exist as bounced. An
	// error is added to the Result's Detail.
	Failed func(ctx context.Context, r Result) error
	// Sent, when set, records the send in a sent log too once the server
	// has accepted the message; the digest uses it to note where the
	// subscriber's next window starts. If recording fails, the message is
	// recorded as sent all the same (it was) and the error is added to the
	// Result's Detail.
	Sent *SentRecord

	// composeRaw, when set, is used in Compose's place by the build stage:
	// it composes the same message without go-mail (Digest's jobs use
	// digest.Message's Envelope and AppendTo, checked against go-mail),
	// which the build stage writes into room kept in front for the
	// DKIM-Signature field.
	composeRaw func() (composed, error)
}

// composed is a message composed without go-mail: its Message-ID (in
// angle brackets) and envelope as go-mail's Msg gives them, and a
// function that appends its bytes, what the Msg's WriteTo writes.
type composed struct {
	id, from, to string
	write        func([]byte) ([]byte, error)
}

// SentRecord says how a Job's send goes into a sent log. When the Sender's
// journal keeps that log (SentJournal), the entry is committed together
// with the journal's "sent"; otherwise it is written right after.
type SentRecord struct {
	// Log is the sent log, the digest store.
	Log SentMarker
	// Entry returns the log's entry for a message accepted at at.
	Entry func(at time.Time) digest.Sent
}

// SentMarker is the write side of a sent log; *digest.MemStore and
// *sqlite.Store implement it.
type SentMarker interface {
	MarkSent(ctx context.Context, r digest.Sent) error
}

var _ SentMarker = (*digest.MemStore)(nil)

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
	// Builders is the number of goroutines that compose, write and
	// DKIM-sign messages ahead of the SMTP workers (at most
	// Workers+Builders built messages wait for a session); zero means
	// runtime.GOMAXPROCS(0), one per core.
	Builders int
	// Rate limits messages per second across all workers of this Sender
	// (each attempt counts); zero means no limit. It is not shared between
	// processes: when N processes send one edition through a Claimer,
	// give each Rate/N.
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
	// Owner names this Sender in the leases of a Claimer journal: it is
	// given a random suffix, so that no two Senders, nor a process
	// restarted under the same name, share a lease, and each Run adds a
	// sequence number; empty means host name and process ID.
	Owner string
	// Lease is how long a Claimer's claim lasts without renewal; a Run
	// renews its leases every Lease/3, and a dead process's work is taken
	// over by the others about one Lease after it died (a process
	// restarted after a crash waits as long for its own). A Run whose
	// lease on a record ran out before it started the message (it stalled
	// for longer than Lease) claims the record again once it is done with
	// the others; a record whose lease it loses more than three times is
	// left pending and the Run returns an error, as a Lease shorter than
	// the journal's round trip would make it. Zero means DefaultLease.
	Lease time.Duration
	// ClaimBatch is how many jobs a Run claims from a Claimer, or opens in
	// an Opener, in one call; zero means DefaultClaimBatch.
	ClaimBatch int
}

// Sender delivers jobs over SMTP with a pool of workers, recording each step
// in a Journal so that a run can be repeated after a crash without sending
// anything twice. A Sender is safe for concurrent use: Runs of one Sender
// over the same keys share the work, each message sent once.
//
// When the journal is a Claimer, any number of Senders, in any number of
// processes, deliver one edition together: each Run claims its jobs in
// batches, sends those it holds, and then waits for the jobs others hold
// until each is settled or taken over from a sender that died. On any other
// journal, Senders in different processes never send a message twice
// either (the journal's compare-and-swap), but one may take a message the
// other is sending for a crash's leftover and record it unknown until the
// sender records the real outcome; run one edition from one process at a
// time.
type Sender struct {
	cfg     Config
	limiter *rate.Limiter
	runs    atomic.Int64 // numbers the Runs, for lease owners
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
	if cfg.Workers < 0 || cfg.Builders < 0 || cfg.Rate < 0 || cfg.MaxAttempts < 0 || cfg.Backoff < 0 || cfg.MaxBackoff < 0 || cfg.Timeout < 0 || cfg.MessagesPerSession < 0 ||
		cfg.Lease < 0 || cfg.ClaimBatch < 0 {
		return nil, fmt.Errorf("deliver: negative value in config (workers %d, builders %d, rate %g, attempts %d, backoff %v, max backoff %v, timeout %v, messages per session %d, lease %v, claim batch %d)",
			cfg.Workers, cfg.Builders, cfg.Rate, cfg.MaxAttempts, cfg.Backoff, cfg.MaxBackoff, cfg.Timeout, cfg.MessagesPerSession, cfg.Lease, cfg.ClaimBatch)
	}
	if cfg.DKIM != nil {
		if err := cfg.DKIM.check(); err != nil {
			return nil, err
		}
	}
	if cfg.Workers == 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Builders == 0 {
		cfg.Builders = runtime.GOMAXPROCS(0)
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
	cfg.applyClaimDefaults()
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
	jobs   chan task  // from the producer to the build stage
	ready  chan task  // from the build stage to the workers
	mu     sync.Mutex // guards counts, err and Progress calls
	counts Counts
	err    error
	stop   context.CancelFunc
	// owner names this Run in the leases of a Claimer journal; empty when
	// the journal is not one.
	owner string
	// again are the jobs whose lease the Run lost in this pass, to claim
	// again in the next (regain.go); losses counts each key's losses, and
	// leaseErr is the Run's error once one is lost too often. retaking is
	// set in the passes after the first: their jobs were read already.
	again    []Job
	losses   map[Key]int
	leaseErr error
	retaking bool
	// prior are the attempts made on a handed-back job before it was
	// handed back, added to its Result when it is reported; reported
	// are the keys reported during the current pass over handed-back
	// jobs.
	prior    map[Key]int
	reported map[Key]bool
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
	r := &run{s: s, ctx: inner, stop: stop}
	c, claims := s.cfg.Journal.(Claimer)
	if !claims {
		r.pass(func() { r.produce(source) })
	} else {
		r.owner = fmt.Sprintf("%s#%d", s.cfg.Owner, s.runs.Add(1))
		hb := r.heartbeat(c)
		r.pass(func() { r.produceClaims(c, source) })
		// Jobs whose lease was lost are claimed again, a pass at a time.
		for {
			again := r.takeAgain()
			if len(again) == 0 {
				break
			}
			if r.ctx.Err() != nil {
				r.stopped(again)
				break
			}
			r.retaking = true
			r.pass(func() { r.produceClaims(c, jobsOf(again)) })
			// A pass cut short leaves jobs it never reached: each was
			// read (and counted) in the first pass, so it is reported.
			r.stopped(r.unreported(again))
		}
		hb()
	}

	if r.err == nil && ctx.Err() != nil {
		r.err = ctx.Err()
	}
	if r.err == nil {
		r.err = r.leaseErr
	}
	return r.counts, r.err
}

// pass runs the pipeline once over what produce hands it: the builders
// and workers start, produce runs, and pass returns once every job it
// handed on is done.
func (r *run) pass(produce func()) {
	cfg := &r.s.cfg
	r.jobs, r.ready = make(chan task, cfg.Workers), make(chan task, cfg.Workers+cfg.Builders)
	var wg sync.WaitGroup
	for range cfg.Workers {
		wg.Go(func() {
			w := &worker{r: r}
			w.loop()
			w.close()
		})
	}
	built := r.startBuilders()
	produce()
	close(r.jobs)
	built()
	wg.Wait()
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
	if n := r.prior[res.Key]; n > 0 {
		res.Attempts += n
		delete(r.prior, res.Key)
	}
	if r.retaking {
		r.reported[res.Key] = true
	}
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

// accept takes the source's next job (the n-th), or its error, and
// counts it; false means the run must stop.
func (r *run) accept(job Job, err error, n int) bool {
	if err != nil {
		r.fail(fmt.Errorf("deliver: job source: %w", err))
		return false
	}
	if r.ctx.Err() != nil {
		return false
	}
	if !r.retaking {
		r.mu.Lock()
		r.counts.Read++
		r.mu.Unlock()
	}
	if job.Key.Edition == "" || job.Key.Recipient == "" || job.Compose == nil {
		r.fail(fmt.Errorf("deliver: job %d: key %q and Compose are required", n, job.Key))
		return false
	}
	return true
}

// produce opens each job's record, in batches when the journal is an
// Opener, and hands the jobs to send to the workers.
func (r *run) produce(source iter.Seq2[Job, error]) {
	j := r.s.cfg.Journal
	opener, batched := j.(Opener)
	size := 1
	if batched {
		size = r.s.cfg.ClaimBatch
	}
	batch := make([]Job, 0, size)
	keys := make([]Key, 0, size)
	// open opens the batch's records and dispatches its jobs; false means
	// the run must stop.
	open := func() bool {
		defer func() { batch, keys = batch[:0], keys[:0] }()
		var recs []Record
		var err error
		if batched {
			recs, err = opener.OpenAll(r.ctx, keys, r.s.cfg.Now())
		} else {
			var rec Record
			rec, err = j.Open(r.ctx, keys[0], r.s.cfg.Now())
			recs = []Record{rec}
		}
		if err == nil && len(recs) != len(batch) {
			err = fmt.Errorf("deliver: journal opened %d records for %d keys", len(recs), len(batch))
		}
		if err != nil {
			if r.ctx.Err() == nil {
				r.fail(err)
			}
			return false
		}
		for i, job := range batch {
			if !r.dispatch(job, recs[i]) {
				for _, job := range batch[i+1:] {
					r.report(Result{Key: job.Key, State: StatePending, Detail: "run stopped before this message"})
				}
				return false
			}
		}
		return true
	}
	n := 0
	for job, err := range source {
		if n++; !r.accept(job, err, n) {
			r.stopped(batch) // read, not yet opened
			return
		}
		batch, keys = append(batch, job), append(keys, job.Key)
		if len(batch) == size && !open() {
			return
		}
	}
	if len(batch) > 0 {
		open()
	}
}

// dispatch hands job, whose record is rec, to a worker, or settles it
// here when its record is terminal or was left in sending by a crash;
// false means the run must stop.
func (r *run) dispatch(job Job, rec Record) bool {
	j := r.s.cfg.Journal
	switch {
	case rec.State == StateSending:
		if _, busy := r.s.inFlight.Load(job.Key); busy {
			// Another Run of this Sender is sending it right now.
			r.report(Result{Key: job.Key, State: StateSending, Already: true, MessageID: rec.MessageID, Detail: "being sent by another run"})
			return true
		}
		// An earlier run recorded that DATA was about to start and never
		// recorded the outcome: the message may have been delivered.
		err := j.Transition(r.ctx, job.Key, StateSending, StateUnknown, Update{Detail: InterruptedDetail, At: r.s.cfg.Now()})
		if errors.Is(err, ErrConflict) {
			r.report(Result{Key: job.Key, State: rec.State, Already: true, MessageID: rec.MessageID})
			return true
		}
		if err != nil {
			if r.ctx.Err() == nil {
				r.fail(err)
			}
			return false
		}
		r.report(Result{Key: job.Key, State: StateUnknown, MessageID: rec.MessageID, Detail: InterruptedDetail})
	case rec.State.Terminal():
		r.report(Result{Key: job.Key, State: rec.State, Already: true, MessageID: rec.MessageID, Detail: rec.Detail})
	default:
		select {
		case r.jobs <- task{job: job, rec: &rec}:
		case <-r.ctx.Done():
			r.report(Result{Key: job.Key, State: StatePending, Detail: "run stopped before this message"})
			return false
		}
	}
	return true
}
