package deliver

import (
	"context"
	"fmt"
	"time"
)

// Claimer is a Journal that senders in several processes, on several
// machines, can share to deliver one edition together. A sender claims
// its work in batches: each claim leases records to one owner (one Run)
// for a while, a heartbeat renews the lease, and a sender that dies loses
// its leases when they run out, so that others take its work over.
//
// A record in "sending" whose lease has run out was being sent by a
// process that died after starting DATA: Claim records it unknown (it may
// have been delivered) and never hands it out, the rule a single process
// applies to its own crash.
//
// Leases are measured on the journal's clock (a shared database's, for
// journals that span machines); at only stamps the records. Implementations
// must be safe for concurrent use, also from several processes.
type Claimer interface {
	Journal
	// Claim creates a pending record for each key that has none, then
	// leases to owner, until lease from now, each record among keys that is
	// pending and not leased to another owner whose lease is running, and
	// records unknown each one in sending whose lease has run out (or that
	// has none). It returns one Claimed per key, in the order of keys.
	Claim(ctx context.Context, owner string, keys []Key, lease time.Duration, at time.Time) ([]Claimed, error)
	// Renew extends to lease from now every lease owner holds on a record
	// that is not terminal.
	Renew(ctx context.Context, owner string, lease time.Duration, at time.Time) error
	// Release ends owner's leases on records that are not terminal, so
	// that others may claim them at once.
	Release(ctx context.Context, owner string) error
}

// Claimed is Claim's answer for one key: the record after the claim and
// who holds it.
type Claimed struct {
	Record
	// Held is true when the record is pending and leased to the claiming
	// owner: the caller may send it.
	Held bool
	// Interrupted is true when this claim found the record in sending with
	// its lease run out and recorded it unknown.
	Interrupted bool
	// Owner and Until are the lease on a record not held: another owner's,
	// or an empty Owner when there is none.
	Owner string
	Until time.Time
}

// Defaults for the claim settings of Config.
const (
	DefaultLease      = 30 * time.Second
	DefaultClaimBatch = 128
)

// InterruptedDetail is the detail recorded for a message that a crash
// left in sending, when it is recorded unknown.
const InterruptedDetail = "interrupted: the previous run stopped after starting DATA; outcome unknown, not resent"

// memLease is a MemJournal lease.
type memLease struct {
	owner string
	until time.Time
}

var _ Claimer = (*MemJournal)(nil)

// Claim implements Claimer. MemJournal measures leases with at.
func (j *MemJournal) Claim(ctx context.Context, owner string, keys []Key, lease time.Duration, at time.Time) ([]Claimed, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if owner == "" || lease <= 0 {
		return nil, fmt.Errorf("deliver: claim: want an owner and a positive lease, got %q and %v", owner, lease)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.m == nil {
		j.m = make(map[Key]Record)
	}
	if j.leases == nil {
		j.leases = make(map[Key]memLease)
	}
	out := make([]Claimed, len(keys))
	for i, k := range keys {
		r, ok := j.m[k]
		if !ok {
			r = Record{Key: k, State: StatePending, Updated: at}
			j.m[k] = r
		}
		l := j.leases[k]
		live := l.owner != "" && at.Before(l.until)
		c := Claimed{Record: r}
		switch {
		case r.State == StateSending && !live:
			r.State, r.Detail, r.Updated = StateUnknown, InterruptedDetail, at
			j.m[k] = r
			delete(j.leases, k)
			c.Record, c.Interrupted = r, true
		case r.State == StatePending && (!live || l.owner == owner):
			j.leases[k] = memLease{owner: owner, until: at.Add(lease)}
			c.Held = true
		case live:
			c.Owner, c.Until = l.owner, l.until
		}
		out[i] = c
	}
	return out, nil
}

// Renew implements Claimer.
func (j *MemJournal) Renew(ctx context.Context, owner string, lease time.Duration, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	until := at.Add(lease)
	for k, l := range j.leases {
		if l.owner == owner && !j.m[k].State.Terminal() {
			j.leases[k] = memLease{owner: owner, until: until}
		}
	}
	return nil
}

// Release implements Claimer.
func (j *MemJournal) Release(ctx context.Context, owner string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for k, l := range j.leases {
		if l.owner == owner {
			delete(j.leases, k)
		}
	}
	return nil
}

// leasedTo reports whether k is leased to owner with the lease running at
// at; j.mu must be held.
func (j *MemJournal) leasedTo(k Key, owner string, at time.Time) bool {
	l, ok := j.leases[k]
	return ok && l.owner == owner && at.Before(l.until)
}
