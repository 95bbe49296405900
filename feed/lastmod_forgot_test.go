package feed

import (
	"net/http"
	"testing"
	"time"
)

// TestIMSForgotClockBack (found by an adversarial review).
//
// Scenario: page 1's bytes change without a newer date, so its
// Last-Modified becomes the render's time T, and T is what clients hold.
// The clock then steps back an hour (NTP correcting a fast clock, a VM
// restored: the case TestIMSClockBack fixed for remembered pages). Other
// pages are served until Handler.served is full and a half of it is
// forgotten, page 1 with it (its cached entry is gone too, as under memory
// pressure): remember sets forgot to the clock, T−1h. Page 1 then changes
// again, its newest date still where it was: lastModified, not knowing the
// page, gives max(content date, forgot+1s) = T−1h+1s, before T. A client
// revalidating with If-Modified-Since T gets 304 for a page it does not
// have (RFC 9110 13.1.3).
//
// Expected: 200 for If-Modified-Since T.
//
// Fix: forgot must not go back: in remember, set it to the latest of its
// old value, the clock, and the Last-Modified of every entry deleted
// (e.g. forgot = max(h.forgot, now, max over deleted as.modified)); then a
// forgotten page's date is past every date it was served with, whatever
// the clock says.
func TestIMSForgotClockBack(t *testing.T) {
	h, c, clock, path := forgetful(t)
	do(h, "GET", path(RSS, 1))
	olderArticle(t, c, "a-old-1")
	*clock = clock.Add(5 * time.Second)
	second := do(h, "GET", path(RSS, 1))
	lm := second.Header().Get("Last-Modified")
	if got, _ := http.ParseTime(lm); got.Before(clock.Add(-2 * time.Second)) {
		t.Fatalf("setup: Last-Modified %s is not the render's time %v", lm, clock)
	}
	*clock = clock.Add(-time.Hour) // the clock steps back
	for n := 2; n <= 15; n++ {
		for _, f := range []Format{RSS, Atom, JSON} {
			if w := do(h, "GET", path(f, n)); w.Code != 200 {
				t.Fatalf("%s: %d", path(f, n), w.Code)
			}
		}
	}
	olderArticle(t, c, "a-old-2")
	third := do(h, "GET", path(RSS, 1))
	if third.Header().Get("Etag") == second.Header().Get("Etag") {
		t.Fatal("setup: page 1 did not change")
	}
	if w := do(h, "GET", path(RSS, 1), "If-Modified-Since", lm); w.Code != http.StatusOK {
		t.Errorf("page 1, forgotten after the clock stepped back, changed: If-Modified-Since %s (what the client was sent) got %d, want 200; Last-Modified now %s",
			lm, w.Code, third.Header().Get("Last-Modified"))
	}
}
