package deliver

import (
	"context"
	"sync"
	"testing"
	"time"
)

// hooked is a MemJournal that calls before ahead of every move: where a
// test makes a Run stall, or its lease run out, as it meets the journal.
type hooked struct {
	*MemJournal
	before func(Move)
}

func (h *hooked) Transition(ctx context.Context, k Key, from, to State, u Update) error {
	h.before(Move{Key: k, From: from, To: to, Update: u})
	return h.MemJournal.Transition(ctx, k, from, to, u)
}

func (h *hooked) TransitionAll(ctx context.Context, moves []Move) []error {
	for _, mv := range moves {
		h.before(mv)
	}
	return h.MemJournal.TransitionAll(ctx, moves)
}

// expire makes the lease on k run out, as if its holder had stalled for
// longer than it.
func (h *hooked) expire(k Key) {
	h.MemJournal.mu.Lock()
	defer h.MemJournal.mu.Unlock()
	if ls, ok := h.leases[k]; ok {
		ls.until = time.Now().Add(-time.Second)
		h.leases[k] = ls
	}
}

// lapsing is a MemJournal on which a Run's lease runs out just before a
// chosen move from pending (the process stalled for longer than a Lease
// after claiming): times says how often, and other, when set, claims the
// record for another owner the moment the lease has run out.
type lapsing struct {
	*hooked
	mu     sync.Mutex
	target Key
	to     State // the move that finds the lease run out
	times  int
	other  string
}

func newLapsing(target Key, to State, times int, other string) *lapsing {
	l := &lapsing{hooked: &hooked{MemJournal: &MemJournal{}}, target: target, to: to, times: times, other: other}
	l.before = l.lapse
	return l
}

func (l *lapsing) lapse(mv Move) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if mv.Key != l.target || mv.From != StatePending || mv.To != l.to || mv.Update.Owner == "" || l.times == 0 {
		return
	}
	l.times--
	l.expire(mv.Key)
	if l.other != "" {
		if _, err := l.Claim(context.Background(), l.other, []Key{mv.Key}, 150*time.Millisecond, time.Now()); err != nil {
			panic(err)
		}
	}
}

// TestLostLeaseIsRegained: a lone sender's lease on a pending record runs
// out before it records "sending". The journal refuses the move; the Run
// used to report the job as another sender's (Done) and return nil with
// the record pending and the subscriber unmailed. It now claims the
// record again and sends it, once.
func TestLostLeaseIsRegained(t *testing.T) {
	for _, to := range []State{StateSending, StateFailed} {
		t.Run(string(to), func(t *testing.T) {
			const n = 10
			opts := []serverOption{}
			target := Key{"lapse", rcptAddr(4)}
			if to == StateFailed {
				// A 5xx to RCPT: the move that finds the lease gone is
				// pending → failed.
				opts = append(opts, withFaults(func(rcpt string, _ int) fault {
					if rcpt == target.Recipient {
						return faultRcpt550
					}
					return faultNone
				}))
			}
			srv := startServer(t, opts...)
			j := newLapsing(target, to, 2, "")
			s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 1, Builders: 1, Lease: 3 * time.Second})
			c, err := s.Run(context.Background(), jobsFor("lapse", n))
			if err != nil {
				t.Fatal(err)
			}
			r := mustGet(t, j, target)
			want, copies := StateSent, 1
			if to == StateFailed {
				want, copies = StateFailed, 0
			}
			if r.State != want || srv.countFor(target.Recipient) != copies || c.Done != 0 {
				t.Errorf("record %s, %d received, counts %+v; want %s, %d received, nothing done by another", r.State, srv.countFor(target.Recipient), c, want, copies)
			}
			if c.Sent+c.Failed != n {
				t.Errorf("counts %+v, want all %d sent or failed", c, n)
			}
		})
	}
}

// TestLostLeaseTakenByAnother: the lease runs out and another sender
// claims the record at once. The Run's next pass waits for that sender,
// as its producer waits for records others hold, and, when that sender is
// gone without sending (its lease runs out too), sends it itself.
func TestLostLeaseTakenByAnother(t *testing.T) {
	srv := startServer(t)
	target := Key{"taken", rcptAddr(2)}
	j := newLapsing(target, StateSending, 1, "dead-sender#1")
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 2, Lease: 2 * time.Second})
	start := time.Now()
	c, err := s.Run(context.Background(), jobsFor("taken", 6))
	if err != nil {
		t.Fatal(err)
	}
	if r := mustGet(t, j, target); r.State != StateSent || srv.countFor(target.Recipient) != 1 || c.Sent != 6 {
		t.Errorf("record %s, %d received, counts %+v; want sent once, all 6 sent by this Run", r.State, srv.countFor(target.Recipient), c)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("Run returned after %v, before the other sender's lease ran out", d)
	}
}

// TestLeaseLostTooOften: a lease that is lost every time (a Lease shorter
// than the journal's round trip) does not keep the Run going forever: the
// job is reported as left pending, the others are sent, and the Run
// returns an error naming the setting.
func TestLeaseLostTooOften(t *testing.T) {
	srv := startServer(t)
	target := Key{"short", rcptAddr(1)}
	j := newLapsing(target, StateSending, 1<<30, "")
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 1, Builders: 1, Lease: 3 * time.Second})
	var last Result
	s.cfg.Progress = func(p Progress) {
		if p.Last.Key == target {
			last = p.Last
		}
	}
	c, err := s.Run(context.Background(), jobsFor("short", 3))
	if err == nil {
		t.Fatalf("Run returned nil; counts %+v", c)
	}
	t.Logf("Run: %v; counts %+v", err, c)
	if last.State != StatePending || last.Already || srv.countFor(target.Recipient) != 0 {
		t.Errorf("last result %+v, %d received; want reported pending, not sent", last, srv.countFor(target.Recipient))
	}
	if r := mustGet(t, j, target); r.State != StatePending {
		t.Errorf("record %s, want pending", r.State)
	}
	if c.Sent != 2 || c.Deferred != 1 || c.Read != 3 {
		t.Errorf("counts %+v, want the 2 others sent, 1 deferred, 3 read", c)
	}
}

// TestLeaseLostBeforeGivingUp: the lease runs out during the backoff
// before the last attempt's "failed" is recorded. That move, like every
// move from pending, is made under the Run's lease: it is refused, the job
// is handed back, and the next pass records it failed once (it used to be
// recorded without the lease, and a refusal stopped the whole Run).
func TestLeaseLostBeforeGivingUp(t *testing.T) {
	target := Key{"giveup", rcptAddr(1)}
	srv := startServer(t, withFaults(func(rcpt string, _ int) fault {
		if rcpt == target.Recipient {
			return faultRcpt451
		}
		return faultNone
	}))
	j := newLapsing(target, StateFailed, 1, "")
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 1, Builders: 1, MaxAttempts: 2,
		Backoff: time.Millisecond, MaxBackoff: time.Millisecond, Lease: 3 * time.Second})
	reports := 0
	s.cfg.Progress = func(p Progress) {
		if p.Last.Key == target {
			reports++
		}
	}
	c, err := s.Run(context.Background(), jobsFor("giveup", 3))
	if err != nil {
		t.Fatal(err)
	}
	if r := mustGet(t, j, target); r.State != StateFailed || reports != 1 || srv.countFor(target.Recipient) != 0 {
		t.Errorf("record %s, reported %d times, %d received; counts %+v; want failed, reported once", r.State, reports, srv.countFor(target.Recipient), c)
	}
	if c.Sent != 2 || c.Failed != 1 || c.Read != 3 {
		t.Errorf("counts %+v, want 2 sent, 1 failed, 3 read", c)
	}
}
