package deliver

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
)

// TestDigestSkipsPaused: a subscriber paused past the send time gets no
// message and is reported to OnSkip as paused; one whose pause has ended
// gets the edition; the Scheduler's Job says why it skips.
func TestDigestSkipsPaused(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 7, 0, 0, 0, ist)
	kol := mustZone(t, "Asia/Kolkata")
	subs := append(testSubscribers(t),
		&digest.Subscriber{Email: "away@example.org", Name: "Away", Language: "hi", TimeZone: kol, PausedUntil: now.Add(48 * time.Hour)},
		&digest.Subscriber{Email: "back@example.org", Name: "Back", Language: "hi", TimeZone: kol, PausedUntil: now.Add(-time.Hour)})
	store, j, b := digestSetup(t, subs, 400, now)
	srv := startServer(t)
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 2})
	var mu sync.Mutex
	skipped := map[string]digest.SkipReason{}
	d := &Digest{Builder: b, Store: store, OnSkip: func(who string, err error) {
		var se *digest.SkipError
		if errors.As(err, &se) {
			mu.Lock()
			skipped[digest.EmailKey(who)] = se.Reason
			mu.Unlock()
		}
	}}
	if _, err := s.Run(ctx, d.Jobs(ctx, digest.Edition{Date: "2026-11-25"})); err != nil {
		t.Fatal(err)
	}
	if r := skipped["away@example.org"]; r != digest.SkipPaused || srv.countFor("away@example.org") != 0 {
		t.Errorf("paused subscriber: skipped as %v, received %d; want skipped as paused, nothing received", r, srv.countFor("away@example.org"))
	}
	if _, ok := skipped["back@example.org"]; ok || srv.countFor("back@example.org") != 1 {
		t.Errorf("subscriber whose pause ended: skipped %v, received %d; want the edition", skipped["back@example.org"], srv.countFor("back@example.org"))
	}
	if _, err := d.Job(ctx, Recipient{Key: "away@example.org", Location: kol}, "2026-11-26"); !errors.Is(err, ErrSkip) {
		t.Errorf("Job for a paused subscriber = %v, want ErrSkip", err)
	}
}
