package deliver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"iter"
	"os"
	"time"
)

// applyClaimDefaults fills in the zero claim settings.
func (cfg *Config) applyClaimDefaults() {
	if cfg.Lease == 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.ClaimBatch == 0 {
		cfg.ClaimBatch = DefaultClaimBatch
	}
	// A random part always: two Senders given one Owner, or a process
	// restarted under the Owner it had, must not share leases (the new
	// one would renew the dead one's lease on a message in "sending"
	// forever, or release a batch the other has claimed).
	var b [4]byte
	_, _ = rand.Read(b[:])
	if cfg.Owner == "" {
		host, _ := os.Hostname()
		cfg.Owner = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	} else {
		cfg.Owner += ":" + hex.EncodeToString(b[:])
	}
}

// heartbeat renews the Run's leases every Lease/3 until the returned
// function is called; that function then releases what the Run still
// holds (pending records it did not get to), so that other senders take
// them at once. A failed renewal stops the Run: once its leases may have
// run out, others may take its work, so it must start no more messages.
func (r *run) heartbeat(c Claimer) (stop func()) {
	cfg := &r.s.cfg
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(max(cfg.Lease/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := c.Renew(context.WithoutCancel(r.ctx), r.owner, cfg.Lease, cfg.Now()); err != nil {
					r.fail(fmt.Errorf("deliver: renew leases: %w", err))
					return
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		if err := c.Release(context.WithoutCancel(r.ctx), r.owner); err != nil {
			r.fail(fmt.Errorf("deliver: release leases: %w", err))
		}
	}
}

// produceClaims reads the source in batches of ClaimBatch jobs, claims
// each batch in one call and hands the jobs it holds to the workers. Jobs
// another sender holds are kept aside and claimed again once their lease
// could have run out (at most a Lease later), until each is terminal:
// when a sender dies, the survivors finish its work, and nobody is
// skipped.
func (r *run) produceClaims(c Claimer, source iter.Seq2[Job, error]) {
	cfg := &r.s.cfg
	others := make(map[Key]Job)
	var wake time.Time // when the first lease in others runs out
	batch := make([]Job, 0, cfg.ClaimBatch)
	n := 0
	for job, err := range source {
		if n++; !r.accept(job, err, n) {
			// Every job read is accounted for: the batch not yet
			// claimed, and those others hold.
			r.stopped(batch)
			r.abandon(others)
			return
		}
		if batch = append(batch, job); len(batch) == cfg.ClaimBatch {
			if !r.claim(c, batch, others, &wake) {
				r.abandon(others)
				return
			}
			batch = batch[:0]
			// Keep the jobs set aside to about what the other senders
			// have in hand: most are settled by now.
			if len(others) >= 8*cfg.ClaimBatch {
				if !r.reclaim(c, others, &wake) {
					r.abandon(others)
					return
				}
			}
		}
	}
	if len(batch) > 0 && !r.claim(c, batch, others, &wake) {
		r.abandon(others)
		return
	}
	r.sweep(c, others, wake)
}

// abandon reports the jobs set aside in others as left pending: the run
// stops, and every job it read is accounted for.
func (r *run) abandon(others map[Key]Job) {
	for k := range others {
		r.report(Result{Key: k, State: StatePending, Detail: "run stopped while another sender held this message"})
	}
	clear(others)
}

// sweep claims the jobs others held again until none is left: often
// while others settle them (from every 20 ms, doubling while nothing
// changes, up to a quarter of a lease), and at the latest when the first
// of their leases may have run out.
func (r *run) sweep(c Claimer, others map[Key]Job, wake time.Time) {
	cfg := &r.s.cfg
	const minPoll = 20 * time.Millisecond
	poll := minPoll
	for len(others) > 0 {
		d := min(max(time.Until(wake)+cfg.Lease/20, minPoll), poll)
		if !sleep(r.ctx, d) {
			r.abandon(others)
			return
		}
		before := len(others)
		if !r.reclaim(c, others, &wake) {
			r.abandon(others)
			return
		}
		if len(others) < before {
			poll = minPoll
		} else {
			poll = min(2*poll, max(cfg.Lease/4, minPoll))
		}
	}
}

// reclaim claims the jobs in others again, in batches; those still held
// by others go back in it, with wake reset to the earliest end of their
// leases. It returns false when the run must stop.
func (r *run) reclaim(c Claimer, others map[Key]Job, wake *time.Time) bool {
	jobs := make([]Job, 0, len(others))
	for _, j := range others {
		jobs = append(jobs, j)
	}
	clear(others)
	*wake = time.Time{}
	for i := 0; i < len(jobs); {
		end := min(i+r.s.cfg.ClaimBatch, len(jobs))
		if !r.claim(c, jobs[i:end], others, wake) {
			r.stopped(jobs[end:])
			return false
		}
		i = end
	}
	return true
}

// stopped reports jobs, which the run read and will not send, as left
// pending.
func (r *run) stopped(jobs []Job) {
	for _, job := range jobs {
		r.report(Result{Key: job.Key, State: StatePending, Detail: "run stopped before this message"})
	}
}

// claim claims jobs in one call: held jobs go to the workers, jobs that
// are terminal are reported done, records a dead sender left in sending
// are reported unknown, and jobs another sender holds go into others,
// with wake moved to the earliest end of their leases. It returns false
// when the run must stop.
func (r *run) claim(c Claimer, jobs []Job, others map[Key]Job, wake *time.Time) bool {
	cfg := &r.s.cfg
	keys := make([]Key, len(jobs))
	for i, j := range jobs {
		keys[i] = j.Key
	}
	claims, err := c.Claim(r.ctx, r.owner, keys, cfg.Lease, cfg.Now())
	if err == nil && len(claims) != len(keys) {
		err = fmt.Errorf("deliver: claim returned %d records for %d keys", len(claims), len(keys))
	}
	if err != nil {
		if r.ctx.Err() == nil {
			r.fail(err)
		}
		r.stopped(jobs)
		return false
	}
	stop := false // the run stopped: what is left is reported, not handed on
	for i, cl := range claims {
		job := jobs[i]
		switch {
		case cl.Interrupted:
			r.report(Result{Key: job.Key, State: StateUnknown, MessageID: cl.MessageID, Detail: cl.Detail})
		case cl.State.Terminal():
			r.report(Result{Key: job.Key, State: cl.State, Already: true, MessageID: cl.MessageID, Detail: cl.Detail})
		case cl.Held:
			rec := cl.Record
			if !stop {
				select {
				case r.jobs <- task{job: job, rec: &rec}:
					continue
				case <-r.ctx.Done():
					stop = true
				}
			}
			r.report(Result{Key: job.Key, State: StatePending, Detail: "run stopped before this message"})
		case stop:
			r.report(Result{Key: job.Key, State: StatePending, Detail: "run stopped while another sender held this message"})
		default:
			others[job.Key] = job
			if wake.IsZero() || cl.Until.Before(*wake) {
				*wake = cl.Until
			}
		}
	}
	return !stop
}
