package groupcommit

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

type write struct {
	v, batch int
}

// TestDoCommitsEveryWriteOnce hammers one Group from goroutines: every
// write is committed exactly once, in its caller's order, before Do
// returns, and concurrent callers share commits.
func TestDoCommitsEveryWriteOnce(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]int{}
	commits := 0
	g := &Group[*write]{Commit: func(batch []*write) {
		mu.Lock()
		defer mu.Unlock()
		commits++
		for _, w := range batch {
			seen[w.v]++
			w.batch = commits
		}
	}}
	const callers, each = 8, 200
	var wg sync.WaitGroup
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				a, b := &write{v: 2 * (c*each + i)}, &write{v: 2*(c*each+i) + 1}
				g.Do(a, b)
				if a.batch == 0 || a.batch != b.batch {
					t.Errorf("Do returned before its writes were committed together: %+v %+v", a, b)
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != 2*callers*each {
		t.Fatalf("%d writes committed, want %d", len(seen), 2*callers*each)
	}
	for v, n := range seen {
		if n != 1 {
			t.Fatalf("write %d committed %d times", v, n)
		}
	}
	t.Logf("%d writes in %d commits", len(seen), commits)
	g.Do() // no writes: returns at once
}

// TestHoldWaitsForCallers runs callers that come back after a pause, as a
// pool of workers does: with Hold, a commit waits for the callers recent
// commits carried, so there are fewer commits, and each write is still
// committed exactly once before its Do returns.
func TestHoldWaitsForCallers(t *testing.T) {
	commits := func(hold time.Duration) int {
		var mu sync.Mutex
		n, seen := 0, map[int]bool{}
		g := &Group[*write]{Hold: hold, Commit: func(batch []*write) {
			mu.Lock()
			defer mu.Unlock()
			n++
			for _, w := range batch {
				if seen[w.v] {
					t.Errorf("write %d committed twice", w.v)
				}
				seen[w.v], w.batch = true, n
			}
		}}
		const callers, each = 4, 100
		var wg sync.WaitGroup
		for c := range callers {
			wg.Go(func() {
				for i := range each {
					w := &write{v: c*each + i}
					g.Do(w)
					if w.batch == 0 {
						t.Errorf("Do returned before its write was committed")
						return
					}
					time.Sleep(time.Duration(rand.N(1000)) * time.Microsecond)
				}
			})
		}
		wg.Wait()
		if len(seen) != callers*each {
			t.Fatalf("%d writes committed, want %d", len(seen), callers*each)
		}
		return n
	}
	without, with := commits(0), commits(50*time.Millisecond)
	t.Logf("400 writes of 4 callers: %d commits without Hold, %d with", without, with)
	if with > 400/2 {
		t.Errorf("%d commits with Hold for 400 writes of 4 callers; want at most 200", with)
	}
}

// TestHoldSingleCaller checks that a caller alone waits only for the
// first commit of each window, which counts the callers.
func TestHoldSingleCaller(t *testing.T) {
	const hold = 20 * time.Millisecond
	g := &Group[*write]{Hold: hold, Commit: func([]*write) {}}
	start := time.Now()
	for i := range 3 * holdWindow {
		g.Do(&write{v: i})
	}
	if d := time.Since(start); d > 3*holdWindow*hold/4 {
		t.Errorf("%d commits of one caller took %v; want about %v", 3*holdWindow, d, 3*hold)
	}
}
