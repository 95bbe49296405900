package postgres

// From an adversarial review of the delivery promise on the PostgreSQL
// journal, with senders on separate pools (as separate machines).
// TestLeaseLostWhilePendingIsRegained and TestConflictReportsCommittedState
// failed before their fixes; the others held.

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/internal/pgtest"
	"github.com/khabar/khabar/internal/smtpsink"
)

func sinkClient(t testing.TB, s *smtpsink.Sink) *gomail.Client {
	t.Helper()
	c, err := gomail.NewClient("127.0.0.1", gomail.WithPort(portOf(t, s.Addr())), gomail.WithTLSPolicy(gomail.NoTLS))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sender(t testing.TB, cfg deliver.Config) *deliver.Sender {
	t.Helper()
	s, err := deliver.NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkOnce checks that no recipient of the edition got two messages,
// that nothing is left pending or sending, and that each record agrees
// with what the sinks received. It returns the journal's counts.
func checkOnce(t *testing.T, j *Journal, edition string, n int, sinks ...*smtpsink.Sink) map[deliver.State]int {
	return check(t, j, edition, n, false, sinks...)
}

// check is checkOnce that, with allowPending, accepts records left
// pending with nothing received.
func check(t *testing.T, j *Journal, edition string, n int, allowPending bool, sinks ...*smtpsink.Sink) map[deliver.State]int {
	t.Helper()
	counts := map[deliver.State]int{}
	seen := 0
	err := j.Records(context.Background(), edition, func(r deliver.Record) error {
		seen++
		counts[r.State]++
		got := 0
		for _, s := range sinks {
			got += s.Count(r.Recipient)
		}
		switch {
		case got > 1:
			t.Errorf("%s received %d copies (record %s)", r.Recipient, got, r.State)
		case r.State == deliver.StateSent && got == 1,
			r.State == deliver.StateUnknown && got <= 1,
			r.State == deliver.StateFailed && got == 0,
			allowPending && r.State == deliver.StatePending && got == 0:
		default:
			t.Errorf("%s: state %s with %d received (detail %q)", r.Recipient, r.State, got, r.Detail)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != n {
		t.Errorf("%d records, want %d", seen, n)
	}
	return counts
}

// lapser is a Claimer journal that, right after this sender records
// "sending" for a key, lets the lease run out (as if the process froze
// for longer than a lease: a stop-the-world pause, SIGSTOP, a VM
// migration) and lets another machine claim the key meanwhile.
type lapser struct {
	*Journal
	other   *Journal
	target  deliver.Key
	lapsed  atomic.Bool
	claimed []deliver.Claimed
	err     error
}

func (l *lapser) TransitionAll(ctx context.Context, moves []deliver.Move) []error {
	errs := l.Journal.TransitionAll(ctx, moves)
	for i, mv := range moves {
		if mv.Key == l.target && mv.To == deliver.StateSending && errs[i] == nil && l.lapsed.CompareAndSwap(false, true) {
			if _, err := l.db.pool.Exec(ctx, `UPDATE deliver_journal SET lease_until = now() - interval '1 second' WHERE edition = $1 AND recipient = $2`, mv.Key.Edition, mv.Key.Recipient); err != nil {
				l.err = err
			}
			l.claimed, l.err = l.other.Claim(ctx, "machine-b#1", []deliver.Key{mv.Key}, time.Minute, time.Now())
		}
	}
	return errs
}

func (l *lapser) Transition(ctx context.Context, k deliver.Key, from, to deliver.State, u deliver.Update) error {
	return l.TransitionAll(ctx, []deliver.Move{{Key: k, From: from, To: to, Update: u}})[0]
}

// TestLeaseLapseDuringData: machine A's lease on a message runs
// out after A recorded "sending" (A froze); machine B's claim records it
// unknown; A then gets 250 and records sent over the unknown. Nobody gets
// two copies and the record says sent.
func TestLeaseLapseDuringData(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	const n = 30
	jb := NewJournal(openDB(t, url))
	l := &lapser{Journal: NewJournal(openDB(t, url)), other: jb, target: deliver.Key{Edition: "lapse", Recipient: rcpt(7)}}
	sink := startSink(t, time.Millisecond)
	s := sender(t, deliver.Config{Client: sinkClient(t, sink), Journal: l, Workers: 2, Lease: 2 * time.Second})
	c, err := s.Run(ctx, jobs("lapse", n))
	if err != nil || l.err != nil {
		t.Fatal(err, l.err)
	}
	t.Logf("A: %+v; B's claim: %+v", c, l.claimed)
	if len(l.claimed) != 1 || !l.claimed[0].Interrupted {
		t.Fatalf("B's claim did not find the lapsed sending record: %+v", l.claimed)
	}
	got := checkOnce(t, jb, "lapse", n, sink)
	if got[deliver.StateSent] != n {
		t.Errorf("journal %v, want all %d sent (A knows the outcome)", got, n)
	}
}

// TestRacingMachinesExpiringLeases: three machines (three pools)
// send one edition together while every lease is expired every few
// milliseconds behind their backs (every sender looks dead to the others
// all the time) and each machine's clock is hours off. Nobody is mailed
// twice, and every record agrees with what was received. Records may be
// left pending only when a Run returned an error (a message whose lease
// is lost more than maxRegains times stops its Run): a Run that returns
// nil has seen every job settled.
func TestRacingMachinesExpiringLeases(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	const n, edition = 400, "race"
	var sinks []*smtpsink.Sink
	var senders []*deliver.Sender
	for i, skew := range []time.Duration{0, 3 * time.Hour, -5 * time.Hour} {
		sk := startSink(t, 2*time.Millisecond)
		sinks = append(sinks, sk)
		j := NewJournal(openDB(t, url))
		senders = append(senders, sender(t, deliver.Config{Client: sinkClient(t, sk), Journal: j, Workers: 3, ClaimBatch: 16,
			Lease: 200 * time.Millisecond, Owner: "m" + string(rune('a'+i)), Now: func() time.Time { return time.Now().Add(skew) }}))
	}
	admin := openDB(t, url)
	stop := make(chan struct{})
	var expirer sync.WaitGroup
	expirer.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(7 * time.Millisecond):
			}
			_, _ = admin.pool.Exec(ctx, `UPDATE deliver_journal SET lease_until = now() - interval '1 ms' WHERE owner <> ''`)
		}
	})
	var wg sync.WaitGroup
	var stopped atomic.Bool
	counts := make([]deliver.Counts, len(senders))
	for i, s := range senders {
		wg.Go(func() {
			c, err := s.Run(ctx, jobs(edition, n))
			if err != nil {
				t.Logf("sender %d returned %v", i, err)
				stopped.Store(true)
			}
			counts[i] = c
		})
	}
	wg.Wait()
	close(stop)
	expirer.Wait()
	t.Logf("counts %+v", counts)
	got := check(t, NewJournal(admin), edition, n, stopped.Load(), sinks...)
	t.Logf("journal %v", got)
}

// freezer is a Claimer journal whose owner's leases all run out once,
// just before its first "sending" move for target: the process froze
// for longer than a lease (stop-the-world pause, SIGSTOP, VM migration,
// suspended laptop) right after the envelope, and no other sender is
// running.
type freezer struct {
	*Journal
	target deliver.Key
	froze  atomic.Bool
	err    error
}

func (f *freezer) TransitionAll(ctx context.Context, moves []deliver.Move) []error {
	for _, mv := range moves {
		if mv.Key == f.target && mv.To == deliver.StateSending && f.froze.CompareAndSwap(false, true) {
			_, f.err = f.db.pool.Exec(ctx, `UPDATE deliver_journal SET lease_until = now() - interval '1 second' WHERE owner = $1`, mv.Update.Owner)
		}
	}
	return f.Journal.TransitionAll(ctx, moves)
}

func (f *freezer) Transition(ctx context.Context, k deliver.Key, from, to deliver.State, u deliver.Update) error {
	return f.TransitionAll(ctx, []deliver.Move{{Key: k, From: from, To: to, Update: u}})[0]
}

// TestLeaseLostWhilePendingIsRegained: a lone sender whose lease on a
// pending record ran out (nobody took it over) has its "sending" CAS
// refused; it reports the job as done by another (Counts.Done,
// Result{State: sending, Already: true}), never claims it again, and Run
// returns nil with the record pending and the subscriber unmailed.
func TestLeaseLostWhilePendingIsRegained(t *testing.T) {
	ctx := context.Background()
	const n, edition = 10, "frozen"
	f := &freezer{Journal: NewJournal(openDB(t, "")), target: deliver.Key{Edition: edition, Recipient: rcpt(4)}}
	sink := startSink(t, 0)
	var results []deliver.Result
	s := sender(t, deliver.Config{Client: sinkClient(t, sink), Journal: f, Workers: 1, Builders: 1, Lease: 3 * time.Second,
		Progress: func(p deliver.Progress) { results = append(results, p.Last) }})
	c, err := s.Run(ctx, jobs(edition, n))
	if err != nil || f.err != nil {
		t.Fatal(err, f.err)
	}
	t.Logf("counts %+v", c)
	for _, r := range results {
		if r.Key == f.target {
			t.Logf("result for %s: %+v", r.Key, r)
		}
	}
	r, _, _ := f.Get(ctx, f.target)
	if r.State != deliver.StateSent || sink.Count(f.target.Recipient) != 1 {
		t.Errorf("Run returned nil with %s in %s, received %d; counts %+v (Deferred %d)", f.target.Recipient, r.State, sink.Count(f.target.Recipient), c, c.Deferred)
	}
}

// TestConflictReportsCommittedState: a transition that waits on a row
// another machine's claim is turning from sending into unknown reports
// the conflict with Got = sending (the state in its statement's snapshot,
// not the record's state). Worker.settleDone only records the known
// outcome over an unknown when Got is unknown, so under this race a
// message the server accepted stays "unknown" and the sender's Run stops
// with "cannot move sending to sent, record is sending" (seen in
// TestRacingMachinesExpiringLeases, about one run in four).
func TestConflictReportsCommittedState(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, "")
	j := NewJournal(db)
	k := deliver.Key{Edition: "stale", Recipient: rcpt(1)}
	if _, err := j.Open(ctx, k, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := j.Transition(ctx, k, deliver.StatePending, deliver.StateSending, deliver.Update{At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// The other machine's claim, mid-transaction: the row is locked and
	// being turned unknown.
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE deliver_journal SET state = 'unknown' WHERE edition = $1 AND recipient = $2`, k.Edition, k.Recipient); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		done <- j.Transition(ctx, k, deliver.StateSending, deliver.StateSent, deliver.Update{At: time.Now(), Detail: "250 ok"})
	}()
	time.Sleep(200 * time.Millisecond) // the transition waits on the row lock
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	err = <-done
	var ce *deliver.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("transition: %v, want a conflict", err)
	}
	r, _, _ := j.Get(ctx, k)
	if ce.Got != r.State {
		t.Errorf("ConflictError.Got = %s, but the record is %s: %v", ce.Got, r.State, err)
	}
}
