// Package groupcommit commits the writes of concurrent callers together:
// a caller queues its writes; whoever is not waiting for a commit already
// takes the whole queue and commits it at once (one transaction, one
// fsync or one round trip), while the next callers queue behind it. Each
// caller returns once the commit that carried its writes is done.
package groupcommit

import "sync"

// Group batches the writes (values of T) of concurrent callers. Commit
// must be set before use; it is called with each batch, by one caller at
// a time, and must record each write's result in the write itself. A
// Group is safe for concurrent use.
type Group[T any] struct {
	// Commit commits a batch of writes, in queue order.
	Commit func(batch []T)

	wmu   sync.Mutex // held by the caller committing a batch
	qmu   sync.Mutex // guards queue
	queue []*call[T]
	batch []T // reused by the committing caller
}

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
	g.queue = append(g.queue, c)
	g.qmu.Unlock()

	g.wmu.Lock()
	defer g.wmu.Unlock()
	select {
	case <-c.done: // an earlier caller committed it
		return
	default:
	}
	g.qmu.Lock()
	calls := g.queue
	g.queue = nil
	g.qmu.Unlock()
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
