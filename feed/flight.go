package feed

import (
	"errors"
	"sync"
)

var errPanicked = errors.New("feed: render panicked")

// flight runs one function per key at a time and hands its result to every
// caller that asked meanwhile (a small singleflight).
type flight[K comparable, V any] struct {
	mu    sync.Mutex
	calls map[K]*call[V]
}

type call[V any] struct {
	done chan struct{}
	v    V
	err  error
}

// do calls fn unless a call for key is running, in which case it waits for
// that call and returns its result. shared reports the latter.
func (g *flight[K, V]) do(key K, fn func() (V, error)) (v V, err error, shared bool) {
	g.mu.Lock()
	if c, ok := g.calls[key]; ok {
		g.mu.Unlock()
		<-c.done
		return c.v, c.err, true
	}
	if g.calls == nil {
		g.calls = make(map[K]*call[V])
	}
	c := &call[V]{done: make(chan struct{})}
	g.calls[key] = c
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.calls, key)
		g.mu.Unlock()
		close(c.done)
	}()
	c.err = errPanicked // what waiters see if fn panics
	c.v, c.err = fn()
	return c.v, c.err, false
}
