package deliver

// From an adversarial review of the first regain (f6ab09e), whose worker
// waited for another sender: TestRegainCountsAttemptsOnce and
// TestRegainNoCrossWait failed on it.

import (
	"context"
	"iter"
	"strings"
	"sync"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// nthLapse is a MemJournal on which the Run's lease on target runs out
// just before the nth move from pending to `to` that names an owner (the
// process stalled for longer than a Lease right then).
type nthLapse struct {
	*hooked
	mu     sync.Mutex
	target Key
	to     State
	nth    int
	seen   int
}

func newNthLapse(target Key, to State, nth int) *nthLapse {
	l := &nthLapse{hooked: &hooked{MemJournal: &MemJournal{}}, target: target, to: to, nth: nth}
	l.before = func(mv Move) { l.lapse(mv) }
	return l
}

func (l *nthLapse) lapse(mv Move) (lapsed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if mv.Key != l.target || mv.From != StatePending || mv.To != l.to || mv.Update.Owner == "" {
		return false
	}
	if l.seen++; l.seen != l.nth {
		return false
	}
	l.expire(mv.Key)
	return true
}

// TestRegainCountsAttemptsOnce: a greylisting server answers
// 451 to RCPT three times, then accepts. MaxAttempts is 3. The first 451
// is recorded (the record's Attempts becomes 1, the Run's res.Attempts 1).
// The lease runs out before the second 451 is recorded: the journal refuses
// the move, the worker regains the record and, as regain.go says, "the
// attempt the journal refused did not count". The regained record says
// Attempts 1 — which already includes this Run's first attempt — but send
// keeps adding its own res.Attempts to it (rec.Attempts + res.Attempts),
// so after the third 451 (the second counted one; the journal says 2) it
// computes 1+2 = 3 and gives up: the subscriber is failed for good after
// two counted attempts, with a detail claiming three, and never gets the
// fourth try that would have been accepted.
//
// Expected: the attempts limit counts each attempt once (the journal's
// count after a regain, plus the attempts made since), so the message is
// retried once more and sent.
func TestRegainCountsAttemptsOnce(t *testing.T) {
	target := Key{"greylist", rcptAddr(0)}
	srv := startServer(t, withFaults(func(rcpt string, n int) fault {
		if rcpt == target.Recipient && n <= 3 {
			return faultRcpt451
		}
		return faultNone
	}))
	j := newNthLapse(target, StatePending, 2)
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 1, Builders: 1,
		MaxAttempts: 3, Backoff: time.Millisecond, MaxBackoff: time.Millisecond, Lease: 5 * time.Second})
	c, err := s.Run(context.Background(), jobsFor("greylist", 1))
	if err != nil {
		t.Fatal(err)
	}
	r := mustGet(t, j, target)
	t.Logf("record %+v; counts %+v", r, c)
	if r.State == StateFailed && r.Attempts < 3 {
		t.Errorf("gave up with the journal counting %d attempts (MaxAttempts 3): %q", r.Attempts, r.Detail)
	}
	if r.State != StateSent || srv.countFor(target.Recipient) != 1 || c.Sent != 1 {
		t.Errorf("record %s, %d received, counts %+v; want sent once on the third counted attempt", r.State, srv.countFor(target.Recipient), c)
	}
}

// crossLapse is a MemJournal on which each of two Runs stalls for longer
// than a lease on its first "sending" move (think of one database
// failover, or one host suspended, that outlasts the Lease of every
// sender on it): its lease on that record runs out, its heartbeat is
// stalled too, and the move goes on only once the other Run has claimed
// the record.
type crossLapse struct {
	*hooked
	mu      sync.Mutex
	stalled map[string]bool // owners whose heartbeat is stalled
	done    map[string]bool // owners that have stalled once
}

func newCrossLapse() *crossLapse {
	l := &crossLapse{hooked: &hooked{MemJournal: &MemJournal{}}, stalled: map[string]bool{}, done: map[string]bool{}}
	l.before = l.stall
	return l
}

func (l *crossLapse) Renew(ctx context.Context, owner string, lease time.Duration, at time.Time) error {
	l.mu.Lock()
	stalled := l.stalled[owner]
	l.mu.Unlock()
	if stalled {
		return nil
	}
	return l.MemJournal.Renew(ctx, owner, lease, at)
}

func (l *crossLapse) stall(mv Move) {
	k, u := mv.Key, mv.Update
	if mv.From != StatePending || mv.To != StateSending || u.Owner == "" {
		return
	}
	l.mu.Lock()
	if l.done[u.Owner] {
		l.mu.Unlock()
		return
	}
	l.done[u.Owner], l.stalled[u.Owner] = true, true
	l.mu.Unlock()
	l.MemJournal.mu.Lock()
	if ls, ok := l.leases[k]; ok && ls.owner == u.Owner {
		ls.until = time.Now().Add(-time.Second)
		l.leases[k] = ls
	}
	l.MemJournal.mu.Unlock()
	// Stalled until another sender has claimed k.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		l.MemJournal.mu.Lock()
		ls := l.leases[k]
		l.MemJournal.mu.Unlock()
		if ls.owner != "" && ls.owner != u.Owner {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	l.mu.Lock()
	l.stalled[u.Owner] = false
	l.mu.Unlock()
}

// TestRegainNoCrossWait: two senders (one Worker each)
// share a Claimer journal and an edition of two recipients. A holds k1 and
// B holds k2; each has the other's key set aside in its producer's sweep.
// Both stall for longer than a Lease as they are about to record
// "sending" (one database pause outlasting the lease does this to every
// sender). Meanwhile each one's sweep claims the other's lapsed record and
// queues it for its own worker. When they resume, A's worker finds its
// move refused (lease lost, record pending) and regains k1 — which B holds,
// so it waits for B; B's worker does the same for k2, held by A. Each Run's
// only worker waits for a record sitting in the other Run's queue, and
// both heartbeats renew those leases forever: neither Run ever returns
// (before f6ab09e, the refused move was reported and the worker moved
// on, so the queued record was sent by the other Run).
//
// Expected: both Runs return nil within a few leases, each subscriber
// mailed once. (Here they are cut off by the test's deadline.)
func TestRegainNoCrossWait(t *testing.T) {
	const lease = 600 * time.Millisecond
	srv := startServer(t)
	j := newCrossLapse()
	k1, k2 := Key{"cross", rcptAddr(1)}, Key{"cross", rcptAddr(2)}
	job := func(k Key) Job {
		return Job{Key: k, Compose: func() (*gomail.Msg, error) { return testMsg(k.Edition, k.Recipient) }}
	}
	aHasK1, bHasK2 := make(chan struct{}), make(chan struct{})
	// A claims k1 first, then finds k2 held by B; B the other way round.
	srcA := iter.Seq2[Job, error](func(yield func(Job, error) bool) {
		if !yield(job(k1), nil) {
			return
		}
		close(aHasK1)
		<-bHasK2
		yield(job(k2), nil)
	})
	srcB := iter.Seq2[Job, error](func(yield func(Job, error) bool) {
		<-aHasK1
		if !yield(job(k2), nil) {
			return
		}
		close(bHasK2)
		yield(job(k1), nil)
	})
	cfg := func(owner string) Config {
		return Config{Client: srv.client(t), Journal: j, Workers: 1, Builders: 1, ClaimBatch: 1, Lease: lease, Owner: owner}
	}
	sA, sB := newSender(t, cfg("A")), newSender(t, cfg("B"))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	type out struct {
		c   Counts
		err error
	}
	outs := make(chan out, 2)
	for _, run := range []struct {
		s   *Sender
		src iter.Seq2[Job, error]
	}{{sA, srcA}, {sB, srcB}} {
		go func() {
			c, err := run.s.Run(ctx, run.src)
			outs <- out{c, err}
		}()
	}
	start := time.Now()
	for range 2 {
		o := <-outs
		t.Logf("Run returned after %v: %+v, %v", time.Since(start).Round(time.Millisecond), o.c, o.err)
		if o.err != nil {
			if strings.Contains(o.err.Error(), "deadline") {
				t.Errorf("Run did not finish within 15 s (25 leases): %v", o.err)
			} else {
				t.Errorf("Run: %v", o.err)
			}
		}
	}
	for _, k := range []Key{k1, k2} {
		if r := mustGet(t, j, k); r.State != StateSent || srv.countFor(k.Recipient) != 1 {
			t.Errorf("%s: record %s, %d received; want sent once", k.Recipient, r.State, srv.countFor(k.Recipient))
		}
	}
}

// TestRegainWaitCancelled: the lease runs out and another sender
// claims the record with a long lease (and never settles it). The Run's
// worker waits in regain; cancelling the Run ends the wait, the job is
// reported once, as pending, nothing is mailed to it, and the counts add
// up to the jobs read.
func TestRegainWaitCancelled(t *testing.T) {
	srv := startServer(t)
	target := Key{"cancel", rcptAddr(3)}
	j := newNthLapse(target, StateSending, 1)
	j2 := &stealing{nthLapse: j, other: "forever#1"}
	j.before = j2.steal
	s := newSender(t, Config{Client: srv.client(t), Journal: j2, Workers: 2, Lease: 2 * time.Second})
	var mu sync.Mutex
	reports := 0
	s.cfg.Progress = func(p Progress) {
		if p.Last.Key == target {
			mu.Lock()
			reports++
			mu.Unlock()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	c, err := s.Run(ctx, jobsFor("cancel", 6))
	if err == nil {
		t.Fatalf("Run returned nil while another sender held a job; counts %+v", c)
	}
	if sum := c.Sent + c.Failed + c.Unknown + c.Skipped + c.Done + c.Deferred; sum != c.Read || c.Deferred != 1 {
		t.Errorf("counts %+v do not add up to the %d read, or Deferred != 1", c, c.Read)
	}
	if reports != 1 || srv.countFor(target.Recipient) != 0 || mustGet(t, j, target).State != StatePending {
		t.Errorf("target reported %d times, received %d, record %s; want once, 0, pending", reports, srv.countFor(target.Recipient), mustGet(t, j, target).State)
	}
}

// stealing makes another owner claim the record, with an hour's lease,
// right after the lapse.
type stealing struct {
	*nthLapse
	other string
}

func (s *stealing) steal(mv Move) {
	if s.lapse(mv) {
		if _, err := s.MemJournal.Claim(context.Background(), s.other, []Key{mv.Key}, time.Hour, time.Now()); err != nil {
			panic(err)
		}
	}
}
