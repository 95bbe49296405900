package signup

import (
	"fmt"
	"testing"
	"time"
)

// TestLimiterFlood: a flood of fresh keys that fills the table does not
// lock out a newcomer, and a key that was over its limit stays over it.
func TestLimiterFlood(t *testing.T) {
	l := newLimiter(2, time.Hour, 100)
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for range 2 {
		if !l.allow("heavy", now) {
			t.Fatal("heavy refused within its limit")
		}
	}
	for i := range 500 {
		l.allow(fmt.Sprint("flood-", i), now)
	}
	if !l.allow("newcomer", now) {
		t.Error("a newcomer is refused after a flood of fresh keys")
	}
	if l.allow("heavy", now) {
		t.Error("the flood reset a key that was at its limit")
	}
	if len(l.counts) > 100 {
		t.Errorf("the table holds %d keys, more than its 100", len(l.counts))
	}
	if !l.allow("heavy", now.Add(time.Hour)) {
		t.Error("heavy is still refused in the next window")
	}
}
