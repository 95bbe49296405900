package groupcommit

import (
	"sync"
	"testing"
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
