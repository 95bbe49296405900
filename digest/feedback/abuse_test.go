package feedback

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
)

// Messages a stranger can send to the bounce address, found by an
// adversarial review: each compared its recipients or return paths with
// every other (a 1.6 MiB forged DSN took 5.5 s, a 10 MiB one minutes,
// holding up every message behind it) or kept a field struct per line of
// a status part (a 10 MiB one took 400 MiB). The report now keeps at most
// maxRecipients recipients, maxReturnPaths return paths and maxFields
// fields of a part, whatever the message's size.

// manyLines returns n lines made by line(i), joined by sep.
func manyLines(n int, sep string, line func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = line(i)
	}
	return strings.Join(parts, sep)
}

func TestReportBounds(t *testing.T) {
	p, _ := newTestProcessor(t)
	for _, c := range []struct {
		name string
		msg  string
	}{
		{"DSN with 40,000 recipients", "From: MAILER-DAEMON@evil.example\nTo: bounces@khabar.example\nSubject: x\n" +
			"Message-ID: <dos@evil.example>\nContent-Type: message/delivery-status\n\n" +
			manyLines(40000, "\n\n", func(i int) string { return fmt.Sprintf("Final-Recipient:r%d@e.xx\nStatus:5.1.1", i) })},
		{"ARF with 40,000 Original-Rcpt-To", "From: abuse@evil.example\nTo: bounces@khabar.example\nSubject: c\n" +
			"Message-ID: <arf@evil.example>\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n" +
			manyLines(40000, "\n", func(i int) string { return fmt.Sprintf("Original-Rcpt-To:r%d@e.xx", i) })},
		{"To with 40,000 return path candidates", "From: x@evil.example\nSubject: hello\nTo: " +
			manyLines(40000, ", ", func(i int) string { return fmt.Sprintf("a+%d@e.xx", i) }) + "\n\nhi\n"},
		{"prose bounce with 10,000 X-Failed-Recipients", "From: MAILER-DAEMON@evil.example\nSubject: Mail delivery failed\nX-Failed-Recipients: " +
			manyLines(10000, ",", func(i int) string { return fmt.Sprintf("r%d@e.xx", i) }) +
			"\n\nThis is a permanent error.\n" + strings.Repeat("x", 400<<10)},
	} {
		rep, err := Parse(strings.NewReader(c.msg))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(rep.Recipients) > maxRecipients || len(rep.ReturnPaths) > maxReturnPaths {
			t.Errorf("%s: %d recipients and %d return paths kept", c.name, len(rep.Recipients), len(rep.ReturnPaths))
		}
		res, err := p.Process(context.Background(), strings.NewReader(c.msg))
		if err != nil || len(res.Actions) > maxRecipients {
			t.Errorf("%s: %d actions, %v", c.name, len(res.Actions), err)
		}
	}
	// A status part of 10 MiB of one-letter fields keeps maxFields.
	n := 0
	for _, b := range fieldBlocks([]byte(strings.Repeat("a:\n", 10<<20/3))) {
		n += len(b)
	}
	if n > maxFields {
		t.Errorf("fieldBlocks kept %d fields", n)
	}
}

// TestReplayAfterConfirmation: a genuine bounce sent again under a new
// Message-ID after the address subscribed again (whoever holds one of its
// return paths can) changes nothing: the edition it names went out before
// the confirmation.
func TestReplayAfterConfirmation(t *testing.T) {
	ctx := context.Background()
	p, store := newTestProcessor(t)
	later := testNow.AddDate(2, 0, 0)
	p.Now = func() time.Time { return later }
	p.Tokens.Now = p.Now
	orig := readFixture(t, "verp-only")
	if _, err := p.Process(ctx, strings.NewReader(orig)); err != nil {
		t.Fatal(err)
	}
	if st := status(t, store, "ravi@example.net"); st != digest.StatusBounced {
		t.Fatalf("the genuine bounce left ravi %s", st)
	}
	// ravi signs up again and is active.
	store.Change(ctx, "ravi@example.net", digest.Event{Kind: digest.EventConfirmed, At: later, Source: "/subscribe"},
		func(cur *digest.Subscriber, _ []digest.Event) (*digest.Subscriber, error) {
			cur.Status = digest.StatusActive
			return cur, nil
		})
	replay := strings.Replace(orig, "verp-only-1@gw.example.net", "replayed-2@evil.example", 1)
	res, err := p.Process(ctx, strings.NewReader(replay))
	if err != nil {
		t.Fatal(err)
	}
	if st := status(t, store, "ravi@example.net"); st != digest.StatusActive || len(res.Actions) != 1 || res.Actions[0].Did != notAfterConfirmed {
		t.Errorf("replayed bounce: ravi %s, %+v", st, res.Actions)
	}
}
