package deliver

// From an adversarial review of the delivery promise ("no one mailed
// twice, no one silently skipped"): each of these failed before its fix.

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestClaimOwnerRestartDoesNotRenewDeadLease: a sender configured with a fixed
// Config.Owner (e.g. its host name) dies with one message in "sending".
// The restarted process gets the same run owner ("mail-1#1"), so its
// Claim does not see the dead run's lease as another's and its heartbeat
// keeps renewing the dead record's lease: the lease never runs out, the
// record is never recorded unknown and the Run waits for it forever. The
// godoc promises the restarted process "waits as long [one Lease] for its
// own".
func TestClaimOwnerRestartDoesNotRenewDeadLease(t *testing.T) {
	const n, lease = 5, 200 * time.Millisecond
	srv := startServer(t)
	j := &MemJournal{}
	keys := []Key{{"fixed", rcptAddr(0)}}
	// The dead process: first Run of Sender "mail-1", crashed in DATA.
	if _, err := j.Claim(context.Background(), "mail-1#1", keys, lease, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := j.Transition(context.Background(), keys[0], StatePending, StateSending, Update{At: time.Now(), Owner: "mail-1#1", Attempt: true}); err != nil {
		t.Fatal(err)
	}
	// The restarted process, same configuration.
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 2, Lease: lease, Owner: "mail-1"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*lease)
	defer cancel()
	start := time.Now()
	c, err := s.Run(ctx, jobsFor("fixed", n))
	t.Logf("restart: %+v, %v after %v", c, err, time.Since(start))
	if err != nil {
		t.Errorf("restarted Run did not finish within %v (20 leases): %v; the crashed message is still %v", 20*lease, err, mustGet(t, j, keys[0]).State)
	}
	if r := mustGet(t, j, keys[0]); r.State != StateUnknown {
		t.Errorf("crashed message in %s, want unknown", r.State)
	}
}

// TestClaimSameOwnerTwoSendersSkipNone: two processes configured with the
// same Config.Owner share one Claimer journal. Their first Runs both
// lease as "mail#1". When the faster one finishes, its Release drops
// every lease "mail#1" holds, including the batch the slower one has
// claimed and not yet sent; the slower one's "sending" CAS (which
// requires the lease) then fails for each, it reports them as done by
// someone else (Counts.Done), and they stay pending with no lease: the Run
// returns nil and those subscribers are not mailed.
func TestClaimSameOwnerTwoSendersSkipNone(t *testing.T) {
	const n = 40
	srv := startServer(t, withPerMsg(20*time.Millisecond))
	j := &MemJournal{}
	ctx := context.Background()
	// The slow process: claims a batch of 20, sends one at a time.
	slow := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 1, Builders: 1, ClaimBatch: 20, Lease: 5 * time.Second, Owner: "mail"})
	// The fast process: claims the rest; here it has nothing left to do
	// for most records and finishes quickly.
	fast := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 4, ClaimBatch: 20, Lease: 5 * time.Second, Owner: "mail"})
	done := make(chan Counts)
	go func() {
		c, err := slow.Run(ctx, jobsFor("same", 20)) // recipients 0..19
		if err != nil {
			t.Error(err)
		}
		done <- c
	}()
	time.Sleep(50 * time.Millisecond) // the slow one has claimed its 20
	cf, err := fast.Run(ctx, func(yield func(Job, error) bool) {
		for job := range jobsFor("same", n) {
			if job.Key.Recipient >= rcptAddr(20) && !yield(job, nil) {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	cs := <-done
	t.Logf("slow %+v; fast %+v", cs, cf)
	var pending []string
	for _, r := range j.Records("same") {
		if r.State == StatePending {
			pending = append(pending, r.Recipient)
		}
	}
	if len(pending) > 0 {
		t.Errorf("%d records left pending after both Runs returned nil (slow run Deferred=%d): %v", len(pending), cs.Deferred, pending)
	}
	for i := range n {
		if got := srv.countFor(rcptAddr(i)); got != 1 {
			t.Errorf("%s received %d", rcptAddr(i), got)
		}
	}
}

// TestClaimCancelAccountsForBatch: a Run on a Claimer is cancelled
// while the producer hands a claimed batch to the workers. The jobs of
// the batch after the one it was handing are neither sent nor reported:
// Counts.Read exceeds Sent+Failed+Unknown+Skipped+Done+Deferred, and no
// Progress says they were left pending. (produce, for other journals,
// reports them Deferred.)
func TestClaimCancelAccountsForBatch(t *testing.T) {
	const n = 64
	srv := startServer(t, withPerMsg(5*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	srv.setOnData(func(got int) {
		if got == 3 {
			cancel()
		}
	})
	s := newSender(t, Config{Client: srv.client(t), Journal: &MemJournal{}, Workers: 1, Builders: 1, ClaimBatch: 64})
	c, err := s.Run(ctx, jobsFor("cancel", n))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	acc := c.Sent + c.Failed + c.Unknown + c.Skipped + c.Done + c.Deferred
	t.Logf("%+v: %d of %d read accounted for", c, acc, c.Read)
	if acc != c.Read {
		t.Errorf("cancelled Run read %d jobs but accounts for %d (%+v): %d left pending unreported", c.Read, acc, c, c.Read-acc)
	}
}

func mustGet(t *testing.T, j Journal, k Key) Record {
	t.Helper()
	r, _, err := j.Get(context.Background(), k)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
