package deliver

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestClaimSendersShare runs three Senders on one MemJournal at once, as
// three processes on one database would: every recipient gets exactly one
// message, and a second pass finds everything done. The lease is long: no
// sender dies here, and a loaded machine (the race detector, two cores)
// once held a heartbeat back past a one-second lease, so that a message in
// DATA was taken for a dead sender's and counted unknown.
func TestClaimSendersShare(t *testing.T) {
	const n = 300
	srv := startServer(t, withPerMsg(time.Millisecond))
	j := &MemJournal{}
	var wg sync.WaitGroup
	counts := make([]Counts, 3)
	for i := range counts {
		s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 3, ClaimBatch: 16, Lease: 10 * time.Second, Owner: fmt.Sprintf("p%d", i)})
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := s.Run(context.Background(), jobsFor("share", n))
			if err != nil {
				t.Error(err)
			}
			counts[i] = c
		}()
	}
	wg.Wait()
	sent := 0
	for i, c := range counts {
		t.Logf("sender %d: %+v", i, c)
		sent += c.Sent
		if c.Sent+c.Done != n {
			t.Errorf("sender %d: sent %d + done %d, want %d", i, c.Sent, c.Done, n)
		}
	}
	if sent != n {
		t.Errorf("%d sent in all, want %d", sent, n)
	}
	for i := range n {
		if got := srv.countFor(rcptAddr(i)); got != 1 {
			t.Errorf("%s received %d", rcptAddr(i), got)
		}
	}
}

// TestClaimTakesOverDeadSender leaves records leased to an owner that has
// died: some pending, one in sending. A Sender waits for the lease to run
// out, sends the pending ones and records the one in sending unknown.
func TestClaimTakesOverDeadSender(t *testing.T) {
	ctx := context.Background()
	const n, lease = 40, 300 * time.Millisecond
	srv := startServer(t)
	j := &MemJournal{}
	var keys []Key
	for i := range 10 {
		keys = append(keys, Key{"takeover", rcptAddr(i * 3)})
	}
	if _, err := j.Claim(ctx, "dead", keys, lease, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := j.Transition(ctx, keys[0], StatePending, StateSending, Update{At: time.Now(), Owner: "dead"}); err != nil {
		t.Fatal(err)
	}
	if err := j.Transition(ctx, keys[1], StatePending, StateSending, Update{At: time.Now(), Owner: "someone else"}); err == nil {
		t.Fatal("a transition with another owner than the lease's succeeded")
	}
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 2, ClaimBatch: 8, Lease: lease})
	start := time.Now()
	c, err := s.Run(ctx, jobsFor("takeover", n))
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < lease/2 {
		t.Errorf("finished in %v, before the dead sender's lease of %v ran out", time.Since(start), lease)
	}
	if c.Sent != n-1 || c.Unknown != 1 || c.Done != 0 {
		t.Errorf("counts %+v; want %d sent and the one in sending unknown", c, n-1)
	}
	if r, _, _ := j.Get(ctx, keys[0]); r.State != StateUnknown || srv.countFor(keys[0].Recipient) != 0 {
		t.Errorf("the dead sender's message in sending: %+v, received %d", r, srv.countFor(keys[0].Recipient))
	}
	again, err := s.Run(ctx, jobsFor("takeover", n))
	if err != nil || again.Done != n || again.Sent != 0 {
		t.Errorf("rerun: %+v, %v; want all done", again, err)
	}
}
