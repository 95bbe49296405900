package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
)

// Journal runs the delivery journal suite; open returns a new, empty
// journal for each subtest. When the journal is a deliver.Claimer or a
// deliver.Batcher, or has a Prune method (sqlite.Journal,
// postgres.Journal), those subtests run too.
func Journal(t *testing.T, open func(t *testing.T) deliver.Journal) {
	for _, tc := range []struct {
		name         string
		test         func(*testing.T, deliver.Journal)
		claim, batch bool
	}{
		{"Transitions", journalTransitions, false, false},
		{"CompareAndSwapUnderContention", compareAndSwap, false, false},
		{"ClaimLeases", claimLeases, true, false},
		{"ClaimLeaseRunsOut", claimLeaseRunsOut, true, false},
		{"TransitionAll", transitionAll, false, true},
		{"Prune", journalPrune, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := open(t)
			if _, ok := j.(deliver.Claimer); tc.claim && !ok {
				t.Skipf("%T is not a deliver.Claimer", j)
			}
			if _, ok := j.(deliver.Batcher); tc.batch && !ok {
				t.Skipf("%T is not a deliver.Batcher", j)
			}
			if _, ok := j.(pruner); tc.name == "Prune" && !ok {
				t.Skipf("%T has no Prune", j)
			}
			tc.test(t, j)
		})
	}
}

type key = deliver.Key

func journalTransitions(t *testing.T, j deliver.Journal) {
	ctx := context.Background()
	at := time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC)
	k := key{Edition: "2026-11-24", Recipient: "a@example.org"}
	if _, ok, err := j.Get(ctx, k); ok || err != nil {
		t.Fatalf("Get before Open = %v, %v; want absent", ok, err)
	}
	if err := j.Transition(ctx, k, deliver.StatePending, deliver.StateSending, deliver.Update{At: at}); !errors.Is(err, deliver.ErrNoRecord) {
		t.Errorf("Transition of an unknown key = %v, want ErrNoRecord", err)
	}
	r, err := j.Open(ctx, k, at)
	if err != nil || r.State != deliver.StatePending || r.Attempts != 0 || !r.Updated.Equal(at) {
		t.Fatalf("Open = %+v, %v; want a fresh pending record", r, err)
	}
	steps := []struct {
		from, to deliver.State
		u        deliver.Update
		conflict bool
	}{
		{deliver.StatePending, deliver.StatePending, deliver.Update{Detail: "451 4.7.1 greylisted", Attempt: true, At: at.Add(time.Second)}, false},
		{deliver.StatePending, deliver.StateSending, deliver.Update{Detail: "DATA started", Attempt: true, MessageID: "<m1@khabar.example>", At: at.Add(2 * time.Second)}, false},
		{deliver.StatePending, deliver.StateSending, deliver.Update{At: at}, true}, // someone else already moved it
		{deliver.StateSending, deliver.StateSent, deliver.Update{Detail: "250 ok", At: at.Add(3 * time.Second)}, false},
		{deliver.StateSending, deliver.StateUnknown, deliver.Update{At: at}, true},
	}
	for i, s := range steps {
		err := j.Transition(ctx, k, s.from, s.to, s.u)
		if s.conflict {
			var ce *deliver.ConflictError
			if !errors.As(err, &ce) || !errors.Is(err, deliver.ErrConflict) || ce.Got == s.from {
				t.Errorf("step %d %s→%s: err = %v, want a *ConflictError", i, s.from, s.to, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d %s→%s: %v", i, s.from, s.to, err)
		}
	}
	r, ok, err := j.Get(ctx, k)
	want := deliver.Record{Key: k, State: deliver.StateSent, Attempts: 2, MessageID: "<m1@khabar.example>", Detail: "250 ok", Updated: at.Add(3 * time.Second)}
	if !ok || err != nil || r.Key != want.Key || r.State != want.State || r.Attempts != want.Attempts ||
		r.MessageID != want.MessageID || r.Detail != want.Detail || !r.Updated.Equal(want.Updated) {
		t.Errorf("final record = %+v (%v, %v)\nwant %+v", r, ok, err, want)
	}
	// Open again returns the existing record unchanged.
	if r2, err := j.Open(ctx, k, at.Add(time.Hour)); err != nil || r2.State != deliver.StateSent || !r2.Updated.Equal(r.Updated) {
		t.Errorf("re-Open = %+v, %v; want the sent record untouched", r2, err)
	}
	if err := j.Transition(ctx, k, deliver.StateSent, deliver.State("bogus"), deliver.Update{}); err == nil {
		t.Errorf("Transition to an invalid state succeeded")
	}
	for i := range 3 {
		if _, err := j.Open(ctx, key{Edition: "2026-11-24", Recipient: fmt.Sprintf("p%d@example.org", i)}, at); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := j.Open(ctx, key{Edition: "2026-11-25", Recipient: "a@example.org"}, at); err != nil {
		t.Fatal(err)
	}
	c, err := j.Count(ctx, "2026-11-24")
	if err != nil || c[deliver.StateSent] != 1 || c[deliver.StatePending] != 3 || len(c) != 2 {
		t.Errorf("Count = %v, %v; want 1 sent, 3 pending", c, err)
	}
}

// compareAndSwap hammers one journal from many goroutines: for every key
// exactly one goroutine may win pending→sending.
func compareAndSwap(t *testing.T, j deliver.Journal) {
	ctx := context.Background()
	const keys, racers = 25, 8
	var wins [keys]atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, keys*racers)
	for g := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range keys {
				k := key{Edition: "e", Recipient: fmt.Sprintf("r%02d@example.org", (i+g)%keys)}
				if _, err := j.Open(ctx, k, time.Now()); err != nil {
					errs <- err
					return
				}
				err := j.Transition(ctx, k, deliver.StatePending, deliver.StateSending, deliver.Update{Attempt: true, At: time.Now()})
				switch {
				case err == nil:
					wins[(i+g)%keys].Add(1)
				case !errors.Is(err, deliver.ErrConflict):
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range wins {
		if n := wins[i].Load(); n != 1 {
			t.Errorf("key %d: %d winners, want exactly 1", i, n)
		}
	}
	c, err := j.Count(ctx, "e")
	if err != nil || c[deliver.StateSending] != keys {
		t.Errorf("Count = %v, %v; want %d sending", c, err, keys)
	}
}

func keysOf(edition string, n int) []key {
	out := make([]key, n)
	for i := range out {
		out[i] = key{Edition: edition, Recipient: fmt.Sprintf("r%03d@example.org", i)}
	}
	return out
}

// claimLeases walks the claim rules with leases that do not run out:
// one owner holds what it claimed; only the holder may start sending;
// released records go to the next claimer, and one a dead sender left in
// sending becomes unknown.
func claimLeases(t *testing.T, j deliver.Journal) {
	ctx := context.Background()
	c := j.(deliver.Claimer)
	now := time.Now()
	keys := keysOf("claims", 5)
	got, err := c.Claim(ctx, "A", keys, time.Minute, now)
	if err != nil || len(got) != len(keys) {
		t.Fatalf("Claim = %d records, %v", len(got), err)
	}
	for i, cl := range got {
		if !cl.Held || cl.State != deliver.StatePending || cl.Key != keys[i] {
			t.Errorf("A's claim of %s: %+v; want held and pending, in the order asked", keys[i], cl)
		}
	}
	got, err = c.Claim(ctx, "B", keys[:2], time.Minute, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range got {
		if cl.Held || cl.Owner != "A" || cl.Until.Before(now) {
			t.Errorf("B's claim of %s that A holds: %+v; want not held, owner A until later", cl.Key, cl)
		}
	}
	if err := j.Transition(ctx, keys[0], deliver.StatePending, deliver.StateSending, deliver.Update{At: now, Owner: "B"}); !errors.Is(err, deliver.ErrConflict) {
		t.Errorf("B starts sending what A holds: %v, want a conflict", err)
	}
	if err := j.Transition(ctx, keys[0], deliver.StatePending, deliver.StateSending, deliver.Update{At: now, Owner: "A"}); err != nil {
		t.Fatalf("A starts sending what it holds: %v", err)
	}
	if err := j.Transition(ctx, keys[1], deliver.StatePending, deliver.StateSending, deliver.Update{At: now, Owner: "A"}); err != nil {
		t.Fatal(err)
	}
	if err := j.Transition(ctx, keys[1], deliver.StateSending, deliver.StateSent, deliver.Update{At: now, Detail: "250 ok"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Renew(ctx, "A", time.Minute, now); err != nil {
		t.Fatal(err)
	}
	// A dies with keys[0] in sending; its leases end (Release stands in
	// for their running out).
	if err := c.Release(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	got, err = c.Claim(ctx, "B", keys, time.Minute, now)
	if err != nil {
		t.Fatal(err)
	}
	if cl := got[0]; !cl.Interrupted || cl.Held || cl.State != deliver.StateUnknown {
		t.Errorf("the record A left in sending: %+v; want it recorded unknown, not held", cl)
	}
	if cl := got[1]; cl.Held || cl.State != deliver.StateSent {
		t.Errorf("the record A sent: %+v; want sent, not held", cl)
	}
	for _, cl := range got[2:] {
		if !cl.Held || cl.State != deliver.StatePending {
			t.Errorf("A's released %s: %+v; want B to hold it", cl.Key, cl)
		}
	}
	if r, _, _ := j.Get(ctx, keys[0]); r.State != deliver.StateUnknown || r.Detail == "" {
		t.Errorf("record left in sending is %+v; want unknown with a detail", r)
	}
	if got, err := c.Claim(ctx, "B", keys[2:3], time.Minute, now); err != nil || !got[0].Held {
		t.Errorf("B claims again what it holds: %+v, %v; want held", got, err)
	}
}

// claimLeaseRunsOut lets a lease run out: another owner takes the record
// over, and the first may no longer start sending it. A renewed lease
// does not run out.
func claimLeaseRunsOut(t *testing.T, j deliver.Journal) {
	ctx := context.Background()
	c := j.(deliver.Claimer)
	const lease = 300 * time.Millisecond
	keys := keysOf("lapse", 2)
	if _, err := c.Claim(ctx, "A", keys[:1], lease, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Claim(ctx, "R", keys[1:], lease, time.Now()); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		time.Sleep(lease / 3)
		if err := c.Renew(ctx, "R", lease, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.Claim(ctx, "B", keys, lease, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !got[0].Held {
		t.Errorf("A's lapsed lease: %+v; want B to hold it", got[0])
	}
	if got[1].Held || got[1].Owner != "R" {
		t.Errorf("R's renewed lease: %+v; want R still to hold it", got[1])
	}
	if err := j.Transition(ctx, keys[0], deliver.StatePending, deliver.StateSending, deliver.Update{At: time.Now(), Owner: "A"}); !errors.Is(err, deliver.ErrConflict) {
		t.Errorf("A starts sending after its lease ran out: %v, want a conflict", err)
	}
}

// Claimers races goroutines, each with its own owner, claiming
// overlapping batches of one edition through the handles open returns,
// all on one shared journal (several connection pools on one database,
// say), then starting to send what they hold: every record is started
// exactly once, and never by a goroutine that does not hold it.
func Claimers(t *testing.T, open func(t *testing.T) []deliver.Claimer) {
	ctx := context.Background()
	js := open(t)
	const n, racers, batch = 400, 12, 32
	keys := keysOf("race", n)
	var wins [n]atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, racers)
	for g := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := js[g%len(js)]
			owner := fmt.Sprintf("owner-%d", g)
			for off := (g * 37) % n; off < n+(g*37)%n; off += batch {
				var ks []key
				var idx []int
				for i := off; i < min(off+batch, n+(g*37)%n); i++ {
					ks, idx = append(ks, keys[i%n]), append(idx, i%n)
				}
				got, err := j.Claim(ctx, owner, ks, time.Minute, time.Now())
				if err != nil {
					errs <- err
					return
				}
				for i, cl := range got {
					if !cl.Held {
						continue
					}
					err := j.Transition(ctx, cl.Key, deliver.StatePending, deliver.StateSending, deliver.Update{At: time.Now(), Owner: owner})
					if err != nil {
						errs <- fmt.Errorf("%s holds %s but cannot start it: %w", owner, cl.Key, err)
						return
					}
					wins[idx[i]].Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range wins {
		if w := wins[i].Load(); w != 1 {
			t.Errorf("%s started %d times, want once", keys[i], w)
		}
	}
}

// SentJournal runs the suite of a journal that keeps a store's sent log:
// the entry is committed with the journal's "sent", or neither is. open
// returns the journal and the store whose log it keeps.
func SentJournal(t *testing.T, open func(t *testing.T) (deliver.SentJournal, Store)) {
	ctx := context.Background()
	j, store := open(t)
	if !j.KeepsLog(store) {
		t.Fatal("the journal does not keep the store's sent log")
	}
	at := time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)
	k := key{Edition: "daily-2026-11-25", Recipient: "a@example.com"}
	if _, err := j.Open(ctx, k, at); err != nil {
		t.Fatal(err)
	}
	if err := j.Transition(ctx, k, deliver.StatePending, deliver.StateSending, deliver.Update{At: at}); err != nil {
		t.Fatal(err)
	}
	bad := digest.Sent{Edition: k.Edition, Email: k.Recipient, At: at} // no Until
	var le *deliver.LogError
	if err := j.Transition(ctx, k, deliver.StateSending, deliver.StateSent, deliver.Update{At: at, Sent: &bad}); !errors.As(err, &le) {
		t.Fatalf("Transition with a bad entry = %v, want a *LogError", err)
	}
	if r, _, _ := j.Get(ctx, k); r.State != deliver.StateSending {
		t.Errorf("after a failed entry the record is %s, want sending: nothing committed", r.State)
	}
	if _, sent, _ := store.LastSent(ctx, k.Recipient); sent {
		t.Error("a failed entry is in the sent log")
	}
	good := digest.Sent{Edition: k.Edition, Email: k.Recipient, Until: at.Add(-time.Hour), At: at}
	if err := j.Transition(ctx, k, deliver.StateSending, deliver.StateSent, deliver.Update{At: at, Sent: &good}); err != nil {
		t.Fatal(err)
	}
	if r, _, _ := j.Get(ctx, k); r.State != deliver.StateSent {
		t.Errorf("record %s, want sent", r.State)
	}
	if until, ok, err := store.LastSent(ctx, k.Recipient); err != nil || !ok || !until.Equal(good.Until) {
		t.Errorf("LastSent = %v, %v, %v; want %v", until, ok, err, good.Until)
	}
	// A transition that loses its compare-and-swap writes no entry.
	k2 := key{Edition: k.Edition, Recipient: "b@example.com"}
	if _, err := j.Open(ctx, k2, at); err != nil {
		t.Fatal(err)
	}
	lost := digest.Sent{Edition: k2.Edition, Email: k2.Recipient, Until: at, At: at}
	if err := j.Transition(ctx, k2, deliver.StateSending, deliver.StateSent, deliver.Update{At: at, Sent: &lost}); !errors.Is(err, deliver.ErrConflict) {
		t.Errorf("Transition from the wrong state = %v, want a conflict", err)
	}
	if _, sent, _ := store.LastSent(ctx, k2.Recipient); sent {
		t.Error("a transition that lost its compare-and-swap wrote the sent log")
	}
}

// transitionAll applies moves together: in order (two moves of one key
// in one call), each with its own answer.
func transitionAll(t *testing.T, j deliver.Journal) {
	ctx := context.Background()
	b := j.(deliver.Batcher)
	at := time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC)
	keys := keysOf("all", 3)
	for _, k := range keys[:2] {
		if _, err := j.Open(ctx, k, at); err != nil {
			t.Fatal(err)
		}
	}
	u := deliver.Update{At: at, Detail: "250 ok"}
	errs := b.TransitionAll(ctx, []deliver.Move{
		{Key: keys[0], From: deliver.StatePending, To: deliver.StateSending, Update: u},
		{Key: keys[0], From: deliver.StateSending, To: deliver.StateSent, Update: u},
		{Key: keys[1], From: deliver.StateSending, To: deliver.StateSent, Update: u},
		{Key: keys[2], From: deliver.StatePending, To: deliver.StateSending, Update: u},
		{Key: keys[1], From: deliver.StatePending, To: "bogus", Update: u},
	})
	if len(errs) != 5 || errs[0] != nil || errs[1] != nil || !errors.Is(errs[2], deliver.ErrConflict) ||
		!errors.Is(errs[3], deliver.ErrNoRecord) || errs[4] == nil {
		t.Fatalf("TransitionAll = %v; want ok, ok, conflict, no record, invalid state", errs)
	}
	if r, _, _ := j.Get(ctx, keys[0]); r.State != deliver.StateSent {
		t.Errorf("after two moves in one call: %+v, want sent", r)
	}
	if r, _, _ := j.Get(ctx, keys[1]); r.State != deliver.StatePending {
		t.Errorf("after failed moves: %+v, want pending", r)
	}
}

// pruner is a journal that deletes old terminal records.
type pruner interface {
	Prune(ctx context.Context, before time.Time) (int64, error)
}

// journalPrune deletes old terminal records and keeps the rest.
func journalPrune(t *testing.T, j deliver.Journal) {
	ctx := context.Background()
	p := j.(pruner)
	old := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	recent := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	for i, tc := range []struct {
		at    time.Time
		state deliver.State
	}{{old, deliver.StateSent}, {old, deliver.StateFailed}, {old, deliver.StatePending}, {old, deliver.StateSending}, {recent, deliver.StateSent}, {old, deliver.StateSkipped}} {
		k := key{Edition: "e", Recipient: fmt.Sprintf("r%d@example.org", i)}
		if _, err := j.Open(ctx, k, tc.at); err != nil {
			t.Fatal(err)
		}
		if tc.state != deliver.StatePending {
			from := deliver.StatePending
			if tc.state != deliver.StateSending && tc.state != deliver.StateSkipped && tc.state != deliver.StateFailed {
				if err := j.Transition(ctx, k, deliver.StatePending, deliver.StateSending, deliver.Update{At: tc.at}); err != nil {
					t.Fatal(err)
				}
				from = deliver.StateSending
			}
			if err := j.Transition(ctx, k, from, tc.state, deliver.Update{At: tc.at}); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, err := p.Prune(ctx, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || n != 3 {
		t.Fatalf("Prune = %d, %v; want the 3 old terminal records", n, err)
	}
	c, err := j.Count(ctx, "e")
	if err != nil || c[deliver.StatePending] != 1 || c[deliver.StateSending] != 1 || c[deliver.StateSent] != 1 || len(c) != 3 {
		t.Errorf("after prune: %v, %v; want pending, sending and the recent sent kept", c, err)
	}
}
