package deliver

import (
	"errors"
	"fmt"
	"iter"
	"slices"
)

// A Run's lease on a pending record can run out while the Run still means
// to send it: the process stalled for longer than a Lease (a long
// garbage-collection pause, SIGSTOP, a virtual machine migrated or a
// laptop suspended, a database failover) before the heartbeat renewed
// it. The journal then refuses the record's move from pending. Nobody
// else may have taken the record; if the Run gave up on it, it would stay
// pending with no one to send it until the next run. So the worker hands
// the job back (relinquish) and goes on with the next one, and once the
// pass is over the Run claims those jobs again in a pass of their own,
// through the producer's claim path: sent if the claim holds it, reported
// as another sender's outcome if that sender settled it, waited for while
// another sender holds it. A worker never waits for another sender
// itself: two senders that both stalled could each be waiting for a
// record queued behind the other's waiting worker.

// maxRegains is how many times one message's lease may be lost in one
// Run: past it the job is left pending and the Run, once done with the
// rest, returns an error (a Lease shorter than the journal's round trip
// would otherwise lose it forever).
const maxRegains = 3

// lostLease reports whether err is the journal refusing a move from
// pending because this Run no longer holds the record's lease: a conflict
// with the record still pending.
func (w *worker) lostLease(err error) bool {
	var ce *ConflictError
	return w.r.owner != "" && errors.As(err, &ce) && ce.Want == StatePending && ce.Got == StatePending
}

// relinquish takes back job, whose lease this Run lost before it could
// record a move from pending, for the next pass; res is the job's result
// so far, whose attempts its report will count. A job lost more than
// maxRegains times is reported pending instead, and the Run will return
// an error.
func (r *run) relinquish(job Job, res Result) {
	r.mu.Lock()
	if r.losses == nil {
		r.losses, r.prior = make(map[Key]int), make(map[Key]int)
	}
	r.losses[job.Key]++
	n := r.losses[job.Key]
	if n <= maxRegains {
		r.again = append(r.again, job)
		r.prior[job.Key] += res.Attempts
		r.mu.Unlock()
		return
	}
	if r.leaseErr == nil {
		r.leaseErr = fmt.Errorf("deliver: the lease on %s ran out %d times before it could be sent; is Config.Lease (%v) shorter than a journal round trip?", job.Key, n, r.s.cfg.Lease)
	}
	r.mu.Unlock()
	res.State, res.Already = StatePending, false
	res.Detail = fmt.Sprintf("left pending: this run's lease on it ran out %d times", n)
	r.report(res)
}

// takeAgain returns the jobs handed back during the pass that ended, and
// starts the record of what the next pass reports.
func (r *run) takeAgain() []Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	again := r.again
	r.again = nil
	r.reported = make(map[Key]bool, len(again))
	return again
}

// unreported returns the jobs of a pass over handed-back jobs (again)
// that it neither reported nor handed back once more: those it never
// reached because it was cut short.
func (r *run) unreported(again []Job) []Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Job
	for _, j := range again {
		if !r.reported[j.Key] && !slices.ContainsFunc(r.again, func(a Job) bool { return a.Key == j.Key }) {
			out = append(out, j)
		}
	}
	return out
}

// jobsOf is jobs as a source.
func jobsOf(jobs []Job) iter.Seq2[Job, error] {
	return func(yield func(Job, error) bool) {
		for _, j := range jobs {
			if !yield(j, nil) {
				return
			}
		}
	}
}
