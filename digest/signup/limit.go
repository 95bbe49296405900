package signup

import (
	"maps"
	"net/netip"
	"sync"
	"time"
)

// ipKey is the per-IP limit's key for a client address: an IPv6 address
// counts by its /64, the least a host or a home network is given, so that
// one client cannot take a fresh address for each request; an IPv4
// address counts alone.
func ipKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Unmap().Is4() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// limiter counts events per key in fixed windows. Its memory is bounded:
// it holds at most max keys, and when a window ends it forgets them all.
// When a new key finds the table full, the keys seen only once in the
// window are forgotten (a flood of fresh keys is made of those), so the
// flood can neither grow the table nor lock everyone else out, while the
// keys that come back keep their counts; only a table full of repeat
// keys refuses a new one.
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	max    int
	start  time.Time
	counts map[string]int
}

func newLimiter(n int, window time.Duration, max int) *limiter {
	return &limiter{n: n, window: window, max: max, counts: map[string]int{}}
}

// allow counts one event for key at now and reports whether it is within
// the limit.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= l.window || now.Before(l.start) {
		clear(l.counts)
		l.start = now
	}
	c, ok := l.counts[key]
	if !ok && len(l.counts) >= l.max {
		maps.DeleteFunc(l.counts, func(_ string, n int) bool { return n <= 1 })
		if len(l.counts) >= l.max {
			return false
		}
	}
	if c >= l.n {
		return false
	}
	l.counts[key] = c + 1
	return true
}
