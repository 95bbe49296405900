// Package groupcommit commits the writes of concurrent callers together:
// a caller queues its writes; whoever is not waiting for a commit already
// takes the whole queue and commits it at once (one transaction, one
// fsync or one round trip), while the next callers queue behind it. Each
// caller returns once the commit that carried its writes is done.
//
// With Hold set, the caller about to commit first waits, briefly, for as
// many callers as recent commits carried, so that a commit whose own cost
// is high (an fsync) is shared by more writes.
package groupcommit

import (
	"sync"
	"time"
)

// Group batches the writes (values of T) of concurrent callers. Commit
// must be set before use; it is called with each batch, by one caller at
// a time, and must record each write's result in the write itself. A
// Group is safe for concurrent use.
type Group[T any] struct {
	// Commit commits a batch of writes, in queue order.
	Commit func(batch []T)

	// Hold is the longest the caller about to commit waits for other
	// callers to queue while fewer are queued than the most a commit
	// carried in the last 32 commits (the callers that keep coming back,
	// such as a pool of workers). The first commit of each 32 waits the
	// whole Hold to count them, so a caller alone waits once every 32
	// commits. Zero commits at once.
	Hold time.Duration

	qmu   sync.Mutex // guards queue, want and turn's creation
	queue []*call[T]
	want  int           // callers the holder waits for; 0 when none waits
	turn  chan struct{} // holds a value while a caller commits a batch

	// Held by the caller whose turn it is: the batch it reuses, how many
	// callers to wait for, the most callers a commit carried in this
	// window and the commits in it, and the hold's signal and timer.
	batch                 []T
	expect, peak, commits int
	full                  chan struct{} // signalled when want callers are queued
	timer                 *time.Timer
}

// holdWindow is how many commits the number of callers to wait for is
// measured over (and how soon it adapts when callers stop coming).
const holdWindow = 32

// call is one caller's writes and the signal that they are committed.
type call[T any] struct {
	writes []T
	done   chan struct{}
}

// Do queues writes, in order, and returns once a Commit that carried them
// has returned. A queued write is not interrupted by its caller's
// context.
func (g *Group[T]) Do(writes ...T) {
	if len(writes) == 0 {
		return
	}
	c := &call[T]{writes: writes, done: make(chan struct{})}
	g.qmu.Lock()
	if g.turn == nil {
		g.turn = make(chan struct{}, 1)
	}
	g.queue = append(g.queue, c)
	if g.want > 0 && len(g.queue) >= g.want {
		g.want = 0
		g.full <- struct{}{} // buffered; only the holder receives
	}
	g.qmu.Unlock()

	// A caller whose writes another commits returns as soon as that
	// commit is done, without waiting for a turn (which the next caller
	// may hold while it waits for others).
	select {
	case <-c.done:
		return
	case g.turn <- struct{}{}:
	}
	defer func() { <-g.turn }()
	select {
	case <-c.done: // an earlier caller committed it
		return
	default:
	}
	if g.Hold > 0 {
		g.hold()
	}
	g.qmu.Lock()
	calls := g.queue
	g.queue = nil
	g.qmu.Unlock()
	g.count(len(calls))
	batch := g.batch[:0]
	for _, c := range calls {
		batch = append(batch, c.writes...)
	}
	g.Commit(batch)
	clear(batch)
	g.batch = batch[:0]
	for _, c := range calls {
		close(c.done)
	}
}

// hold waits, for at most g.Hold, until g.expect callers are queued; the
// first commit of each window waits the whole Hold, so that the window
// learns how many callers come within it. Called by the caller whose
// turn it is.
func (g *Group[T]) hold() {
	probe := g.commits == 0
	g.qmu.Lock()
	if !probe && len(g.queue) >= g.expect {
		g.qmu.Unlock()
		return
	}
	if g.full == nil {
		g.full = make(chan struct{}, 1)
		g.timer = time.NewTimer(g.Hold)
	} else {
		g.timer.Reset(g.Hold)
	}
	if !probe {
		g.want = g.expect
	}
	g.qmu.Unlock()
	select {
	case <-g.full:
	case <-g.timer.C:
	}
	g.timer.Stop()
	g.qmu.Lock()
	g.want = 0
	select {
	case <-g.full: // signalled as the timer fired
	default:
	}
	g.qmu.Unlock()
}

// count records that a commit carried n callers. Called by the caller
// whose turn it is.
func (g *Group[T]) count(n int) {
	g.peak = max(g.peak, n)
	if g.commits++; g.commits == holdWindow {
		g.expect, g.peak, g.commits = g.peak, 0, 0
	}
}
