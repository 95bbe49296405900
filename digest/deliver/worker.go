package deliver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/khabar/khabar/internal/smtpdata"
	"github.com/wneessen/go-mail/smtp"
	"golang.org/x/time/rate"
)

// worker owns one SMTP session at a time.
type worker struct {
	r      *run
	held   *heldSettle // an outcome to record with the next journal move
	c      *smtp.Client
	fresh  bool // c was opened for the current message
	dialed int
	used   int // messages sent on c
	// pipelining is true when c's server offers PIPELINING; pipe then
	// sends each envelope with DATA.
	pipelining bool
	pipe       smtpdata.Pipeline
	// forcedUTF8 says c was made to say SMTPUTF8 (needUTF8) against its
	// Client's WithoutSMTPUTF8, for a message that needed it: the next
	// ASCII message gives the option back (restoreUTF8).
	forcedUTF8 bool
}

// message is a job's message ready to send: its envelope and the bytes
// sent on every attempt.
type message struct {
	job      Job
	id       string  // Message-ID
	from, to string  // envelope
	raw      []byte  // written and signed once
	buf      *[]byte // the pooled array raw is in (see release); nil: none
}

func (w *worker) loop() {
	defer w.flush()
	for {
		t, ok := w.next()
		if !ok {
			return
		}
		if w.r.ctx.Err() != nil {
			w.r.report(Result{Key: t.job.Key, State: StatePending, Detail: "run stopped before this message"})
			continue
		}
		w.deliver(t)
	}
}

// holdWait is how long a worker holding an outcome waits for the build
// stage's next message before recording the outcome on its own: about a
// message's build, so that a worker a little ahead of the builders still
// records the outcome with the next "sending", in one commit.
const holdWait = 10 * time.Millisecond

// next returns the next built task; false when there are no more. An
// outcome held while no message comes is recorded on its own.
func (w *worker) next() (task, bool) {
	select {
	case t, ok := <-w.r.ready:
		return t, ok
	default:
	}
	if w.held != nil {
		timer := time.NewTimer(holdWait)
		defer timer.Stop()
		select {
		case t, ok := <-w.r.ready:
			return t, ok
		case <-timer.C:
		}
	}
	w.flush() // nothing to send soon: do not keep an outcome waiting
	t, ok := <-w.r.ready
	return t, ok
}

func (w *worker) close() {
	if w.c != nil {
		_ = w.c.Quit()
		_ = w.c.Close()
		w.c = nil
	}
	w.forcedUTF8 = false
}

// drop discards a session that failed.
func (w *worker) drop() {
	if w.c != nil {
		_ = w.c.Close()
		w.c = nil
	}
	w.forcedUTF8 = false
}

// deliver sends the task's message, built by the build stage (or here,
// when the stage passed it on unbuilt), or records why there is none.
func (w *worker) deliver(t task) {
	if !t.built {
		t.m, t.res, t.ok = w.r.prepare(t.job)
	}
	job := t.job
	if !t.ok {
		res := t.res
		cfg := &w.r.s.cfg
		u := Update{Detail: res.Detail, At: cfg.Now(), Owner: w.r.owner}
		if err := w.record(Move{Key: job.Key, From: StatePending, To: res.State, Update: u}); err != nil {
			if w.lostLease(err) {
				w.r.relinquish(job, t.res)
				return
			}
			w.journalError(&res, err)
			return
		}
		w.r.report(res)
		return
	}
	w.send(&t.m, t.res, t.rec)
	t.m.release()
}

// send makes attempts until one settles the message, the attempts counted
// across runs are used up, or the run stops. rec is the message's journal
// record as the producer read it; nil means read it here.
func (w *worker) send(m *message, res Result, rec *Record) {
	r, cfg := w.r, &w.r.s.cfg
	if rec == nil {
		got, _, err := cfg.Journal.Get(w.jctx(), m.job.Key)
		if err != nil {
			w.journalError(&res, err)
			return
		}
		rec = &got
	}
	for {
		if r.s.limiter.Limit() != rate.Inf {
			w.flush() // the wait may be long
		}
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
		a := w.transact(m)
		if a.out == outStale {
			continue // not the message's fault: a pooled session had gone away
		}
		if a.out == outLost {
			r.relinquish(m.job, res) // claimed again in the next pass
			return
		}
		res.Attempts++
		res.Detail, res.Code, res.Status = a.detail(), a.reply.smtpCode(), a.reply.Status
		if a.out == outSent {
			w.sessionUsed()
		}
		if w.held != nil && a.held {
			w.held.res, w.held.final = res, a.out != outTemp
		}
		if a.out != outTemp {
			if !a.held {
				w.report(m, res, a)
			}
			return
		}
		if n := rec.Attempts + res.Attempts; n >= cfg.MaxAttempts {
			detail := res.Detail
			res.State, res.Detail = StateFailed, fmt.Sprintf("gave up after %d attempts: %s", n, detail)
			// As every move from pending, under the Run's lease: one lost
			// during the backoff hands the job back, and another sender
			// that took it meanwhile has it.
			u := Update{Detail: res.Detail, At: cfg.Now(), Owner: r.owner}
			if err := w.record(Move{Key: m.job.Key, From: StatePending, To: StateFailed, Update: u}); err != nil {
				var ce *ConflictError
				switch {
				case w.lostLease(err):
					res.State, res.Detail = StatePending, detail
					r.relinquish(m.job, res)
				case r.owner != "" && errors.As(err, &ce):
					res.State, res.Detail, res.Already = ce.Got, err.Error(), true
					r.report(res)
				default:
					w.journalError(&res, err)
				}
				return
			}
			r.report(res)
			return
		}
		if !w.sleepHeld(r.ctx, w.backoff(res.Attempts)) {
			res.State = StatePending
			r.report(res)
			return
		}
	}
}

// sessionUsed counts a message sent on the session and closes the
// session when it has carried MessagesPerSession.
func (w *worker) sessionUsed() {
	if w.used++; w.r.s.cfg.MessagesPerSession > 0 && w.used >= w.r.s.cfg.MessagesPerSession {
		w.close()
	}
}

// report reports an attempt that ended the message's turn in this run.
func (w *worker) report(m *message, res Result, a attempt) {
	switch a.out {
	case outSent:
		res.State = StateSent
		if a.logErr != nil {
			res.Detail += "; " + a.logErr.Error()
		}
	case outPerm:
		res.State = StateFailed
		if m.job.Failed != nil && res.Code >= 500 {
			if err := m.job.Failed(w.jctx(), res); err != nil {
				res.Detail += "; failure hook: " + err.Error()
			}
		}
	case outUnknown:
		res.State = StateUnknown
	case outConflict:
		res.State, res.Already = StateSending, true
	default: // outFatal
		res.State = StatePending
	}
	w.r.report(res)
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
	w.flush() // dialing may take long
	cfg := &w.r.s.cfg
	var last error
	for try := 1; try <= cfg.MaxAttempts; try++ {
		c, err := cfg.Client.DialToSMTPClientWithContext(w.r.ctx)
		if err == nil {
			w.c, w.fresh, w.used = c, true, 0
			w.pipelining = smtpdata.Pipelining(c)
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
	if r, ok := replyOf(err); ok && r.Code >= 500 {
		return true
	}
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var he x509.HostnameError
	var ie x509.CertificateInvalidError
	return errors.As(err, &cve) || errors.As(err, &uae) || errors.As(err, &he) || errors.As(err, &ie)
}
