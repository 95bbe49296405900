package upstream

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"time"
)

// Leaser is a Store that several Pollers share, in one process or on many
// machines: it hands each due feed to one of them at a time, for a lease,
// so that every feed is polled by one Poller at a time, on schedule, with
// one conditional-GET state and one backoff. A Poller whose Store is a
// Leaser claims feeds before polling them and finishes each claim with the
// state the poll left.
//
// MemoryStore is a Leaser for Pollers in one process; packages sqlite and
// postgres keep the state in a database (PostgreSQL: FOR UPDATE SKIP
// LOCKED). Package storetest checks implementations.
type Leaser interface {
	Store
	// Claim leases to r.Owner, until r.Until, those of r.URLs that are
	// due at r.Now (never polled, or NextPoll not after r.Now; with r.All,
	// every one) and not leased to anyone until after r.Now, at most
	// r.Limit of them (<= 0: no limit), the longest due first. It returns
	// their states; a feed never saved has State{URL: url}.
	Claim(ctx context.Context, r ClaimRequest) ([]State, error)
	// Finish saves st, as Save does, and ends owner's lease on st.URL.
	Finish(ctx context.Context, owner string, st State) error
}

// ClaimRequest says what Leaser.Claim should lease.
type ClaimRequest struct {
	// Owner names the claimant: the Poller's Owner.
	Owner string
	// URLs are the feeds to consider.
	URLs []string
	// Now is the time that decides what is due and which leases ended;
	// Until is when the new leases end.
	Now, Until time.Time
	// All claims feeds that are not due yet as well (PollAll).
	All bool
	// Limit bounds the number of feeds claimed; <= 0 means no bound.
	Limit int
}

// DefaultLease is how long a Poller keeps a claimed feed when
// Poller.Lease is zero: longer than a fetch may take (Fetcher.Timeout,
// 30 s by default) with room for queueing behind the Poller's limits.
const DefaultLease = 5 * time.Minute

var _ Leaser = (*MemoryStore)(nil)

type memLease struct {
	owner string
	until time.Time
}

// Claim implements Leaser.
func (m *MemoryStore) Claim(_ context.Context, r ClaimRequest) ([]State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.leases == nil {
		m.leases = make(map[string]memLease)
	}
	var out []State
	for _, u := range slices.Compact(slices.Sorted(slices.Values(r.URLs))) {
		st, known := m.states[u]
		if !known {
			st = State{URL: u}
		}
		if l, ok := m.leases[u]; ok && l.until.After(r.Now) {
			continue
		}
		if r.All || !st.NextPoll.After(r.Now) {
			out = append(out, st)
		}
	}
	slices.SortStableFunc(out, func(a, b State) int { return a.NextPoll.Compare(b.NextPoll) })
	if r.Limit > 0 && len(out) > r.Limit {
		out = out[:r.Limit]
	}
	for _, st := range out {
		m.leases[st.URL] = memLease{owner: r.Owner, until: r.Until}
	}
	return out, nil
}

// Finish implements Leaser.
func (m *MemoryStore) Finish(ctx context.Context, owner string, st State) error {
	m.Save(ctx, st)
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.leases[st.URL]; ok && l.owner == owner {
		delete(m.leases, st.URL)
	}
	return nil
}

// newOwner returns a name for a Poller's leases: host, process and a
// random part, so that two Pollers never share one.
func newOwner() string {
	host, _ := os.Hostname()
	var b [6]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
