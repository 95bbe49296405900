package deliver

import (
	"errors"
	"fmt"
	"time"
)

// A Run's lease on a pending record can run out while the Run still means
// to send it: the process stalled for longer than a Lease (a long
// garbage-collection pause, SIGSTOP, a virtual machine migrated or a
// laptop suspended) before the heartbeat renewed it. The journal then
// refuses the record's move from pending. Nobody else may have taken the
// record; if the Run gave up on it, it would stay pending with no one to
// send it until the next run. So the worker claims it again (regain):
// sends it if the claim holds it, reports it as another sender's outcome
// if that sender settled it, and waits as the producer's sweep waits
// while another sender holds it.

// maxRegains is how many times one message's lease may be lost in one
// Run before the Run stops: a Lease shorter than the journal's round trip
// would otherwise lose it forever.
const maxRegains = 3

// lostLease reports whether err is the journal refusing a move from
// pending because this Run no longer holds the record's lease: a conflict
// with the record still pending.
func (w *worker) lostLease(err error) bool {
	var ce *ConflictError
	return w.r.owner != "" && errors.As(err, &ce) && ce.Want == StatePending && ce.Got == StatePending
}

// regain claims m's record again after this Run lost its lease on it.
// It returns the record when the Run holds it again and may send it; else
// it has reported the job (settled by another sender, the Run stopped, or
// the journal failed) and returns nil. n counts the regains of this
// message so far.
func (w *worker) regain(k Key, res *Result, n *int) *Record {
	r, cfg := w.r, &w.r.s.cfg
	if *n++; *n > maxRegains {
		res.State, res.Detail = StatePending, fmt.Sprintf("lease lost %d times", *n)
		r.report(*res)
		r.fail(fmt.Errorf("deliver: the lease on %s ran out %d times before it could be sent; is Config.Lease (%v) shorter than a journal round trip?", k, *n, cfg.Lease))
		return nil
	}
	w.flush() // the claim, and any wait for another sender, may take long
	c := cfg.Journal.(Claimer)
	const minPoll = 20 * time.Millisecond
	poll := minPoll
	for {
		cls, err := c.Claim(w.jctx(), r.owner, []Key{k}, cfg.Lease, cfg.Now())
		if err == nil && len(cls) != 1 {
			err = fmt.Errorf("deliver: claim returned %d records for 1 key", len(cls))
		}
		if err != nil {
			w.journalError(res, err)
			return nil
		}
		cl := cls[0]
		switch {
		case cl.Held:
			rec := cl.Record
			return &rec
		case cl.Interrupted:
			res.State, res.MessageID, res.Detail = StateUnknown, cl.MessageID, cl.Detail
			r.report(*res)
			return nil
		case cl.State.Terminal():
			res.State, res.Already, res.MessageID, res.Detail = cl.State, true, cl.MessageID, cl.Detail
			r.report(*res)
			return nil
		}
		// Another sender holds it: wait until it has settled it or its
		// lease may have run out, as the producer's sweep does.
		if !sleep(r.ctx, min(max(time.Until(cl.Until)+cfg.Lease/20, minPoll), poll)) {
			res.State, res.Detail = StatePending, "run stopped while another sender held this message"
			r.report(*res)
			return nil
		}
		poll = min(2*poll, max(cfg.Lease/4, minPoll))
	}
}

// recordRegained records mv, a move from pending, claiming the record
// again when this Run's lease on it has run out; false when it could not
// be recorded, and the job is reported.
func (w *worker) recordRegained(mv Move, res *Result) bool {
	n := 0
	for {
		err := w.record(mv)
		if err == nil {
			return true
		}
		if !w.lostLease(err) {
			w.journalError(res, err)
			return false
		}
		if w.regain(mv.Key, res, &n) == nil {
			return false
		}
	}
}
