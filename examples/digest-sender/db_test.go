package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar/internal/pgtest"
)

// TestSendThreeOnPostgres runs three senders on one PostgreSQL database
// (-db URL) at once, as three machines would: every subscriber gets one
// message, and the senders' counts add up to the edition.
func TestSendThreeOnPostgres(t *testing.T) {
	box, addr := startMailbox(t)
	ctx := context.Background()
	url := pgtest.URL(t)
	// The subscribers go in first, as an import job would put them.
	o := testOptions(t)
	o.db = url
	st, err := openState(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	var discard bytes.Buffer
	if err := importSubscribers(ctx, st.store, o.subscribers, false, &discard, &discard); err != nil {
		t.Fatal(err)
	}
	st.close()
	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, 3)
	for i := range outs {
		o := testOptions(t)
		o.db, o.subscribers = url, ""
		o.send = sendOptions{smtp: addr, workers: 2, dialTimeout: 5 * time.Second}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var stderr bytes.Buffer
			if err := run(ctx, o, &outs[i], &stderr); err != nil {
				t.Errorf("sender %d: %v\n%s", i, err, stderr.String())
			}
		}()
	}
	wg.Wait()
	box.mu.Lock()
	defer box.mu.Unlock()
	if len(box.msgs) != 29 {
		t.Errorf("mailbox has mail for %d recipients, want 29", len(box.msgs))
	}
	for rcpt, ms := range box.msgs {
		if len(ms) != 1 {
			t.Errorf("%s received %d messages", rcpt, len(ms))
		}
	}
	sent := 0
	for i := range outs {
		out := outs[i].String()
		var n int
		if j := strings.Index(out, " sent, 0 failed, 0 unknown"); j < 0 {
			t.Errorf("sender %d:\n%s", i, out)
		} else if _, err := fmt.Sscan(out[strings.LastIndexByte(out[:j], '\n')+1:j], &n); err == nil {
			sent += n
		}
	}
	if sent != 29 {
		t.Errorf("the senders sent %d together, want 29", sent)
	}
}

func TestDBFlag(t *testing.T) {
	for _, tc := range []struct {
		o    options
		want string
		err  bool
	}{
		{options{state: "khabar-state.db"}, "khabar-state.db", false},
		{options{state: "khabar-state.db", db: "postgres://h/k"}, "postgres://h/k", false},
		{options{state: "a.db", stateSet: true}, "a.db", false},
		{options{state: "a.db", stateSet: true, db: "b.db"}, "", true},
		{options{state: "a.db", stateSet: true, db: "a.db"}, "a.db", false},
	} {
		got, err := tc.o.dbFlag()
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("%+v: %q, %v; want %q (error %t)", tc.o, got, err, tc.want, tc.err)
		}
	}
}
