package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
)

// Legacy writes into a store's database what a version of khabar whose
// digest.EmailKey only lower-cased addresses stored: a subscriber row
// under key, an event of its history and a sent log entry for edition;
// Mark marks the database for rekeying, as the migration step does; Reopen
// opens the store again (the rekeying runs on open).
// Journal, when set, returns the delivery journal in the same database:
// its records are keyed by EmailKey too.
type Legacy struct {
	Put     func(key, email string, st digest.Status, edition string)
	Mark    func()
	Reopen  func() LifecycleStore
	Journal func() deliver.Journal
}

// Rekeyed checks that a store opened on a database with records stored
// under keys EmailKey no longer gives moves them, histories and sent logs
// with them, and merges two records of one mailbox into one that keeps
// the stronger refusal; records whose key is unchanged are left as they
// are.
func Rekeyed(t *testing.T, l Legacy) {
	ctx := context.Background()
	// Imported with a punycode domain, never signed up again.
	l.Put("reader@xn--bcher-kva.example", "Reader@XN--BCHER-KVA.example", digest.StatusActive, "e1")
	// One mailbox twice: imported (punycode), unsubscribed; then signed
	// up through the form (Unicode), active.
	l.Put("asha@xn--bcher-kva.example", "asha@xn--bcher-kva.example", digest.StatusUnsubscribed, "e1")
	l.Put("asha@bücher.example", "asha@bücher.example", digest.StatusActive, "e2")
	// ASCII: as it was.
	l.Put("ravi@example.com", "Ravi@Example.COM", digest.StatusActive, "e1")
	if l.Journal != nil {
		// The edition e1 went to the punycode record.
		j, k, at := l.Journal(), deliver.Key{Edition: "e1", Recipient: "reader@xn--bcher-kva.example"}, time.Now()
		if _, err := j.Open(ctx, k, at); err != nil {
			t.Fatal(err)
		}
		for _, mv := range [][2]deliver.State{{deliver.StatePending, deliver.StateSending}, {deliver.StateSending, deliver.StateSent}} {
			if err := j.Transition(ctx, k, mv[0], mv[1], deliver.Update{At: at}); err != nil {
				t.Fatal(err)
			}
		}
	}
	l.Mark()
	s := l.Reopen()
	if l.Journal != nil {
		r, ok, err := l.Journal().Get(ctx, deliver.Key{Edition: "e1", Recipient: "reader@bücher.example"})
		if err != nil || !ok || r.State != deliver.StateSent {
			t.Errorf("the delivery record of e1 under the new key: %+v, %v, %v (a resumed edition would mail it again)", r, ok, err)
		}
	}

	sub, err := s.Subscriber(ctx, "reader@bücher.example")
	if err != nil || sub.Email != "Reader@XN--BCHER-KVA.example" || sub.Status != digest.StatusActive {
		t.Errorf("the punycode record under its new key: %+v, %v", sub, err)
	}
	if h := history(t, s, "READER@xn--BCHER-kva.example"); len(h) != 1 {
		t.Errorf("its history: %d events, want 1", len(h))
	}
	if until, ok, err := s.LastSent(ctx, "reader@bücher.example"); err != nil || !ok || until.IsZero() {
		t.Errorf("its sent log: %v, %v, %v", until, ok, err)
	}
	for _, spelling := range []string{"asha@bücher.example", "asha@xn--bcher-kva.example", "ASHA@BÜCHER.example"} {
		st, err := s.Status(ctx, spelling)
		if err != nil || st != digest.StatusUnsubscribed {
			t.Errorf("Status(%s) = %q, %v; want unsubscribed (the refusal stands after the merge)", spelling, st, err)
		}
	}
	if h := history(t, s, "asha@bücher.example"); len(h) != 2 {
		t.Errorf("the merged record's history: %d events, want both records' (2)", len(h))
	}
	if n, err := s.Count(ctx, ""); err != nil || n != 3 {
		t.Errorf("Count = %d, %v; want 3 subscribers (two records of one mailbox merged)", n, err)
	}
	if sub, err := s.Subscriber(ctx, "ravi@example.com"); err != nil || sub.Email != "Ravi@Example.COM" {
		t.Errorf("an ASCII record: %+v, %v", sub, err)
	}
	// Opening again changes nothing (the mark is gone).
	s = l.Reopen()
	if n, _ := s.Count(ctx, ""); n != 3 {
		t.Errorf("after a second open, %d subscribers", n)
	}
}
