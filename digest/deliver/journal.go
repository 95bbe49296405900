package deliver

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/khabar/khabar/digest"
)

// State is where one (edition, recipient) delivery stands.
//
//	pending ──► sending ──► sent
//	   ▲  │        │  ├───► failed   (5xx, or 4xx until MaxAttempts is used up)
//	   │  │        │  └───► unknown  (no reply after the end of DATA; never resent)
//	   │  │        └──────► pending  (4xx, or connection lost before the end of DATA)
//	   │  └───────────────► failed   (5xx to MAIL/RCPT, or to a pipelined DATA;
//	   │  │                           message could not be built)
//	   │  └───────────────► skipped  (the scheduler found nothing new)
//	   └─ a record left in sending by a crash becomes unknown when the edition runs again.
type State string

// The states of a delivery record. Sent, Failed, Unknown and Skipped are
// terminal: a record in one of them is never sent again.
const (
	StatePending State = "pending"
	StateSending State = "sending"
	StateSent    State = "sent"
	StateFailed  State = "failed"
	StateUnknown State = "unknown"
	StateSkipped State = "skipped"
)

// Terminal reports whether s is final: the message was sent, failed for good,
// may have been sent (unknown), or was deliberately not sent (skipped).
func (s State) Terminal() bool {
	switch s {
	case StateSent, StateFailed, StateUnknown, StateSkipped:
		return true
	}
	return false
}

// Valid reports whether s is one of the defined states.
func (s State) Valid() bool {
	return s == StatePending || s == StateSending || s.Terminal()
}

// Key identifies one delivery: an edition (for the digest, the subscriber's
// local date, "2026-11-24") and a recipient (the subscriber's address as the
// subscriber store spells it).
type Key struct {
	Edition   string
	Recipient string
}

// String returns "edition/recipient".
func (k Key) String() string { return k.Edition + "/" + k.Recipient }

// Record is the journal's entry for one Key.
type Record struct {
	Key
	State State
	// Attempts counts SMTP transactions tried for this message (MAIL FROM
	// issued), across runs.
	Attempts int
	// MessageID is the Message-ID of the message last offered for this key.
	MessageID string
	// Detail is the last server reply or error, e.g. "451 4.7.1 try again later".
	Detail string
	// Updated is when the record last changed.
	Updated time.Time
}

// Update is what a transition records besides the new state.
type Update struct {
	// Detail replaces the record's detail.
	Detail string
	// MessageID, when not empty, replaces the record's Message-ID.
	MessageID string
	// Attempt adds one to the record's attempt count.
	Attempt bool
	// At is the time of the change.
	At time.Time
	// Sent, on a transition to StateSent, is an entry for the sent log a
	// SentJournal keeps, committed with the state change. Journals that
	// keep no sent log ignore it.
	Sent *digest.Sent
	// Owner, when not empty, makes a Claimer's transition also require
	// that the record is leased to Owner and the lease is running;
	// otherwise it returns a *ConflictError. Journals that are not
	// Claimers ignore it.
	Owner string
}

// Journal records each delivery's state durably. Every method returns only
// after the change is committed, so that a crash at any point leaves a state
// that says what may have happened. Implementations must be safe for
// concurrent use.
type Journal interface {
	// Open returns the record for k, creating it in StatePending if there is
	// none.
	Open(ctx context.Context, k Key, at time.Time) (Record, error)
	// Get returns the record for k; ok is false if there is none.
	Get(ctx context.Context, k Key) (r Record, ok bool, err error)
	// Transition moves k from state from to state to and applies u, but only
	// if k is currently in state from (compare and swap). Otherwise it
	// returns a *ConflictError, which matches ErrConflict. from may equal to,
	// to record an attempt without changing state.
	Transition(ctx context.Context, k Key, from, to State, u Update) error
	// Count returns the number of records of an edition in each state.
	Count(ctx context.Context, edition string) (map[State]int, error)
}

// SentJournal is a Journal that can also keep a sent log (the digest's
// record of what went to whom), so that a crash never leaves a send in one
// and not in the other. When KeepsLog(l) is true, a Transition to
// StateSent with Update.Sent set records the entry in l in the same
// commit; if that fails, nothing is committed and Transition returns a
// *LogError.
type SentJournal interface {
	Journal
	KeepsLog(l SentMarker) bool
}

// LogError is returned by a SentJournal's Transition when the sent log
// entry could not be recorded; nothing was committed.
type LogError struct {
	Key Key
	Err error
}

// Error describes the failure.
func (e *LogError) Error() string {
	return fmt.Sprintf("deliver: journal %s: sent log: %v", e.Key, e.Err)
}

// Unwrap returns the sent log's error.
func (e *LogError) Unwrap() error { return e.Err }

// ErrConflict matches a *ConflictError: a transition found the record in
// another state than expected, so another sender got there first.
var ErrConflict = errors.New("deliver: journal record changed concurrently")

// ErrNoRecord is returned by Transition for a key that was never opened.
var ErrNoRecord = errors.New("deliver: no journal record")

// ConflictError reports a failed compare-and-swap in Journal.Transition.
type ConflictError struct {
	Key    Key
	Want   State // the state the caller expected
	Got    State // the state the record is in
	Wanted State // the state the caller wanted to move to
}

// Error describes the conflict.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("deliver: journal %s: cannot move %s to %s, record is %s", e.Key, e.Want, e.Wanted, e.Got)
}

// Unwrap returns ErrConflict.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// MemJournal is a Journal kept in memory, for tests and for one-shot runs
// that need no resume. The zero value is ready to use; it is safe for
// concurrent use.
type MemJournal struct {
	mu     sync.Mutex
	m      map[Key]Record
	leases map[Key]memLease
}

var _ Journal = (*MemJournal)(nil)

// Open implements Journal.
func (j *MemJournal) Open(ctx context.Context, k Key, at time.Time) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if r, ok := j.m[k]; ok {
		return r, nil
	}
	if j.m == nil {
		j.m = make(map[Key]Record)
	}
	r := Record{Key: k, State: StatePending, Updated: at}
	j.m[k] = r
	return r, nil
}

// Get implements Journal.
func (j *MemJournal) Get(ctx context.Context, k Key) (Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, false, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	r, ok := j.m[k]
	return r, ok, nil
}

// Transition implements Journal.
func (j *MemJournal) Transition(ctx context.Context, k Key, from, to State, u Update) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !to.Valid() {
		return fmt.Errorf("deliver: journal %s: invalid state %q", k, to)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	r, ok := j.m[k]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoRecord, k)
	}
	if r.State != from || (u.Owner != "" && !j.leasedTo(k, u.Owner, u.At)) {
		return &ConflictError{Key: k, Want: from, Got: r.State, Wanted: to}
	}
	r.State = to
	r.Detail = u.Detail
	if u.MessageID != "" {
		r.MessageID = u.MessageID
	}
	if u.Attempt {
		r.Attempts++
	}
	r.Updated = u.At
	j.m[k] = r
	return nil
}

// Count implements Journal.
func (j *MemJournal) Count(ctx context.Context, edition string) (map[State]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	c := make(map[State]int)
	for k, r := range j.m {
		if k.Edition == edition {
			c[r.State]++
		}
	}
	return c, nil
}

// Records returns a copy of the records of an edition, sorted by recipient.
func (j *MemJournal) Records(edition string) []Record {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Record
	for k, r := range j.m {
		if k.Edition == edition {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Recipient < out[b].Recipient })
	return out
}
