// Package notify lets goroutines wait until a sequence number moves past
// the one they know: the change stores of packages sqlite, postgres and
// storetest use it to wake the Followers waiting on them.
package notify

import (
	"context"
	"sync"
	"time"
)

// Seq is the highest sequence number known to be committed. The zero
// value is ready to use; it is safe for concurrent use.
type Seq struct {
	mu   sync.Mutex
	last int64
	ch   chan struct{} // closed when last moves or Poke is called; nil when no one waits
}

// Advance records that changes up to n are committed and wakes the
// waiters, if n is higher than what was known.
func (s *Seq) Advance(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > s.last {
		s.last = n
		s.wake()
	}
}

// Poke wakes every waiter without moving the number: something may have
// been missed (a listener reconnected).
func (s *Seq) Poke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wake()
}

func (s *Seq) wake() {
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// Last returns the highest number recorded.
func (s *Seq) Last() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// Wait returns nil at once when a number after after is known, else when
// Advance or Poke is called, or when timeout has passed (timeout <= 0:
// no timeout); it returns ctx's error when ctx ends first.
func (s *Seq) Wait(ctx context.Context, after int64, timeout time.Duration) error {
	s.mu.Lock()
	if s.last > after {
		s.mu.Unlock()
		return nil
	}
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	ch := s.ch
	s.mu.Unlock()
	var tc <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		tc = t.C
	}
	select {
	case <-ch:
		return nil
	case <-tc:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
