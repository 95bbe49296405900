package deliver

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"
)

// ErrSkip is wrapped by the error an Audience returns from Job when the
// recipient gets nothing this time (no new story, unsubscribed meanwhile).
// The scheduler records the delivery as skipped, with the error as the
// reason, and does not ask again for that edition.
var ErrSkip = errors.New("deliver: nothing to send")

// Recipient is one addressee the scheduler considers.
type Recipient struct {
	// Key is the journal's recipient key (for the digest, the address key).
	Key string
	// Location is the recipient's time zone; nil means the Scheduler's.
	Location *time.Location
}

// Audience is what a Scheduler sends to. Implementations must be safe for
// use from one goroutine at a time; the scheduler does not call them
// concurrently.
type Audience interface {
	// Recipients yields every recipient who should get mail now. A non-nil
	// error stops the pass.
	Recipients(ctx context.Context) iter.Seq2[Recipient, error]
	// Job returns the job that sends the recipient the edition of a local
	// date (YYYY-MM-DD). Its Key must be Key{EditionID(date), r.Key}. An
	// error wrapping ErrSkip means nothing to send; any other error marks
	// this delivery failed and the pass goes on. The job's Compose may also
	// return ErrSkip, which the Sender records the same way; building there
	// lets the Sender build in parallel.
	Job(ctx context.Context, r Recipient, date string) (Job, error)
	// EditionID returns the journal edition of a local date, e.g.
	// "daily-2026-11-24".
	EditionID(date string) string
}

// DefaultSendAt is the local time of day a Scheduler sends at by default.
const DefaultSendAt = "07:00"

// DefaultPoll is the longest a Scheduler sleeps between passes by default.
const DefaultPoll = 15 * time.Minute

// DefaultCatchUp is how late after its send time an edition is still sent
// by default, for a scheduler that was down at the time.
const DefaultCatchUp = 4 * time.Hour

// Scheduler sends each recipient's edition once per local day, at a local
// time of day in the recipient's own time zone. A pass looks at every
// recipient: one whose local time has reached SendAt today, and whose
// edition for today's local date has no terminal journal record, is due;
// the Audience builds the job (or says there is nothing new, which is
// recorded as skipped) and the Sender delivers all due jobs. Because the
// journal keys deliveries by local date, a recipient who changes time zone
// is still sent at most one edition per date, and a restarted scheduler
// picks up exactly what was not yet sent today, up to CatchUp after the
// send time; an edition missed by more is not sent (the next edition's
// window covers its stories).
//
// A Scheduler is safe for concurrent use, but run one Run loop per journal.
type Scheduler struct {
	// Sender delivers the jobs; its journal is the one consulted. Required.
	Sender *Sender
	// Audience lists recipients and builds their jobs. Required.
	Audience Audience
	// SendAt is the local time of day, "HH:MM" (24-hour); empty means
	// DefaultSendAt.
	SendAt string
	// Location is the time zone of recipients without one; nil means
	// Asia/Kolkata.
	Location *time.Location
	// CatchUp is how late after the send time a recipient's edition is
	// still sent (after downtime, or on the first start); zero means
	// DefaultCatchUp.
	CatchUp time.Duration
	// Poll is the longest sleep between passes, so that new recipients,
	// zone changes and deliveries left pending are picked up; zero means
	// DefaultPoll.
	Poll time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits for d or until ctx is done, returning ctx.Err() then; nil
	// means a timer. Tests pass one that advances a fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnPass, when set, is called after each pass.
	OnPass func(Pass)
}

// Pass is the result of one scheduler pass.
type Pass struct {
	// At is the pass's time.
	At time.Time
	// Recipients is how many recipients the Audience listed.
	Recipients int
	// Due is how many recipients were due and had a job built.
	Due int
	// Skipped is how many due recipients had nothing to send.
	Skipped int
	// Failed is how many jobs could not be built (recorded failed).
	Failed int
	// Sent holds the Sender's counts for the due jobs.
	Sent Counts
	// Next is when the next recipient's send time comes, after At.
	Next time.Time
	// Err is the error that ended the pass early, if any (also returned by
	// RunOnce).
	Err error
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Scheduler) location() *time.Location {
	if s.Location != nil {
		return s.Location
	}
	return kolkata()
}

// kolkata returns Asia/Kolkata, or a fixed +05:30 zone with that name when
// the zone database is not available.
func kolkata() *time.Location {
	if loc, err := time.LoadLocation("Asia/Kolkata"); err == nil {
		return loc
	}
	return time.FixedZone("Asia/Kolkata", 5*3600+1800)
}

// sendAt parses SendAt.
func (s *Scheduler) sendAt() (h, m int, err error) {
	at := s.SendAt
	if at == "" {
		at = DefaultSendAt
	}
	t, err := time.Parse("15:04", at)
	if err != nil {
		return 0, 0, fmt.Errorf("deliver: scheduler SendAt %q is not HH:MM", s.SendAt)
	}
	return t.Hour(), t.Minute(), nil
}

// dueTime returns the send time on the local date of t in loc.
func dueTime(t time.Time, loc *time.Location, h, m int) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), h, m, 0, 0, loc)
}

// nextDue returns the first send time in loc strictly after t.
func nextDue(t time.Time, loc *time.Location, h, m int) time.Time {
	d := dueTime(t, loc, h, m)
	if d.After(t) {
		return d
	}
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()+1, h, m, 0, 0, loc)
}

// RunOnce makes one pass at the scheduler's current time.
func (s *Scheduler) RunOnce(ctx context.Context) (Pass, error) {
	if s.Sender == nil || s.Audience == nil {
		return Pass{}, errors.New("deliver: scheduler needs a Sender and an Audience")
	}
	h, m, err := s.sendAt()
	if err != nil {
		return Pass{}, err
	}
	catchUp := s.CatchUp
	if catchUp <= 0 {
		catchUp = DefaultCatchUp
	}
	now := s.now()
	p := Pass{At: now}
	def := s.location()
	p.Next = nextDue(now, def, h, m)
	pass := &schedulePass{s: s, ctx: ctx, now: now, def: def, h: h, m: m, catchUp: catchUp, p: &p}
	p.Sent, err = s.Sender.Run(ctx, pass.jobs)
	if err == nil {
		err = pass.stop
	}
	p.Err = err
	if s.OnPass != nil {
		s.OnPass(p)
	}
	return p, err
}

// schedulePass is one RunOnce pass: the time it runs at and what it
// tallies.
type schedulePass struct {
	s       *Scheduler
	ctx     context.Context
	now     time.Time
	def     *time.Location // for recipients without a time zone
	h, m    int            // the local time of day to send at
	catchUp time.Duration
	p       *Pass
	stop    error // an error from the audience or the journal, which ends the pass
}

// jobs yields the job of every recipient whose local send time has come
// (within CatchUp) and whose edition is not in a terminal state yet; a
// recipient the audience cannot make a job for is recorded skipped or
// failed. It also moves p.Next to the earliest next send time.
func (sp *schedulePass) jobs(yield func(Job, error) bool) {
	for r, err := range sp.s.Audience.Recipients(sp.ctx) {
		if err != nil {
			sp.stop = fmt.Errorf("deliver: scheduler: recipients: %w", err)
			return
		}
		sp.p.Recipients++
		loc := r.Location
		if loc == nil {
			loc = sp.def
		}
		if n := nextDue(sp.now, loc, sp.h, sp.m); n.Before(sp.p.Next) {
			sp.p.Next = n
		}
		if due := dueTime(sp.now, loc, sp.h, sp.m); sp.now.Before(due) || sp.now.Sub(due) > sp.catchUp {
			continue
		}
		date := sp.now.In(loc).Format(time.DateOnly)
		key := Key{Edition: sp.s.Audience.EditionID(date), Recipient: r.Key}
		rec, ok, err := sp.s.Sender.Journal().Get(sp.ctx, key)
		if err != nil {
			sp.stop = err
			return
		}
		if ok && rec.State.Terminal() {
			continue
		}
		job, err := sp.s.Audience.Job(sp.ctx, r, date)
		if err != nil {
			to := StateFailed
			if errors.Is(err, ErrSkip) {
				to = StateSkipped
			}
			if err := sp.s.record(sp.ctx, key, to, err.Error(), sp.now); err != nil {
				sp.stop = err
				return
			}
			if to == StateSkipped {
				sp.p.Skipped++
			} else {
				sp.p.Failed++
			}
			continue
		}
		if job.Key != key {
			sp.stop = fmt.Errorf("deliver: scheduler: audience returned job %s for %s", job.Key, key)
			return
		}
		sp.p.Due++
		if !yield(job, nil) {
			return
		}
	}
}

// record writes a terminal state for a delivery that is not sent.
func (s *Scheduler) record(ctx context.Context, k Key, to State, detail string, at time.Time) error {
	j := s.Sender.Journal()
	rec, err := j.Open(ctx, k, at)
	if err != nil {
		return err
	}
	if rec.State != StatePending {
		return nil // a concurrent run got there
	}
	err = j.Transition(ctx, k, StatePending, to, Update{Detail: detail, At: at})
	if errors.Is(err, ErrConflict) {
		return nil
	}
	return err
}

// Run makes a pass, sleeps until the next recipient's send time (or Poll,
// whichever is sooner) and repeats until ctx is done, which it returns.
// A pass that fails (server unreachable, store error) is logged through
// OnPass and retried after Poll; an invalid configuration is returned at
// once.
func (s *Scheduler) Run(ctx context.Context) error {
	if _, _, err := s.sendAt(); err != nil {
		return err
	}
	poll := s.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	wait := s.Sleep
	if wait == nil {
		wait = func(ctx context.Context, d time.Duration) error {
			if sleep(ctx, d) {
				return nil
			}
			return ctx.Err()
		}
	}
	for {
		p, err := s.RunOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d := poll
		if err == nil {
			if until := p.Next.Sub(s.now()); until < d {
				d = max(until, 0)
			}
		}
		if err := wait(ctx, d); err != nil {
			return err
		}
	}
}
