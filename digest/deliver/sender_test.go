package deliver

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"
)

func TestSendDeliversEachOnceOverPooledSessions(t *testing.T) {
	rk, ek := testKeys(t)
	for _, tc := range []struct {
		name string
		dk   *DKIM
	}{
		{name: "rsa-2048", dk: &DKIM{Domain: "khabar.example", Selector: "rsa2026", Key: rk}},
		{name: "ed25519", dk: &DKIM{Domain: "khabar.example", Selector: "ed2026", Key: ek}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t)
			const n = 40
			j := sqliteJournal(t, "")
			var mu sync.Mutex
			var last Progress
			calls := 0
			s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 3, DKIM: tc.dk, Progress: func(p Progress) {
				mu.Lock()
				defer mu.Unlock()
				if p.Sent < last.Sent {
					t.Errorf("progress went backwards: %d after %d", p.Sent, last.Sent)
				}
				last = p
				calls++
			}})
			counts, err := s.Run(context.Background(), jobsFor("2026-11-24", n))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			want := Counts{Read: n, Sent: n}
			if counts != want {
				t.Errorf("counts = %+v, want %+v", counts, want)
			}
			if calls != n || last.Counts != counts {
				t.Errorf("progress: %d calls, last %+v; want %d calls ending at %+v", calls, last.Counts, n, counts)
			}
			if got := srv.sessionCount(); got != 3 {
				t.Errorf("server saw %d sessions, want 3 (one per worker, reused)", got)
			}
			msgs := srv.received()
			if len(msgs) != n {
				t.Fatalf("server received %d messages, want %d", len(msgs), n)
			}
			seen := map[string]bool{}
			for _, m := range msgs {
				if seen[m.To] {
					t.Errorf("%s received twice", m.To)
				}
				seen[m.To] = true
				if m.From != "digest@khabar.example" {
					t.Errorf("envelope from = %q", m.From)
				}
				for _, v := range verifyDKIM(t, m.Data, tc.dk.Key, tc.dk.Domain, tc.dk.Selector) {
					if v.Err != nil {
						t.Errorf("%s: DKIM: %v", m.To, v.Err)
					}
					for _, h := range []string{"From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"} {
						if !containsFold(v.HeaderKeys, h) {
							t.Errorf("%s: signature does not cover %s (h=%v)", m.To, h, v.HeaderKeys)
						}
					}
				}
				// What arrived after the signature is what go-mail wrote:
				// nothing was re-encoded after signing. (go-mail writes
				// some header fields in map order, so compare the fields as
				// a set and the body byte for byte.)
				orig, err := testMsg("2026-11-24", m.To)
				if err != nil {
					t.Fatal(err)
				}
				var want bytes.Buffer
				if _, err := orig.WriteTo(&want); err != nil {
					t.Fatal(err)
				}
				sig := sigField(m.Data)
				if !bytes.HasPrefix(sig, []byte("DKIM-Signature: ")) {
					t.Fatalf("%s: message does not start with DKIM-Signature", m.To)
				}
				gotH, gotB := splitFields(m.Data[len(sig):])
				wantH, wantB := splitFields(want.Bytes())
				if !bytes.Equal(gotB, wantB) || !slices.Equal(gotH, wantH) {
					t.Errorf("%s: received message differs from what go-mail wrote\n got %q\nwant %q", m.To, gotH, wantH)
				}
			}
			recs := recordsByRecipient(t, j, "2026-11-24")
			for i := range n {
				r := recs[rcptAddr(i)]
				if r.State != StateSent || r.Attempts != 1 || r.MessageID == "" {
					t.Errorf("%s: record %+v, want sent after 1 attempt with a Message-ID", rcptAddr(i), r)
				}
			}
		})
	}
}

// sigField returns the DKIM-Signature field (with its folded lines and CRLF)
// at the start of raw.
func sigField(raw []byte) []byte {
	i := 0
	for {
		k := bytes.Index(raw[i:], []byte("\r\n"))
		if k < 0 {
			return raw
		}
		i += k + 2
		if i >= len(raw) || (raw[i] != ' ' && raw[i] != '\t') {
			return raw[:i]
		}
	}
}

// splitFields returns the header fields of raw (folded lines kept), sorted,
// and the body.
func splitFields(raw []byte) ([]string, []byte) {
	h, body, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	var fields []string
	for _, l := range strings.Split(string(h), "\r\n") {
		if len(fields) > 0 && (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) {
			fields[len(fields)-1] += "\r\n" + l
			continue
		}
		fields = append(fields, l)
	}
	slices.Sort(fields)
	return fields, body
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if bytes.EqualFold([]byte(x), []byte(s)) {
			return true
		}
	}
	return false
}

func TestSendFaults(t *testing.T) {
	type plan struct {
		name  string
		fault func(attempt int) fault
		// what may end up true for this recipient
		states   []State
		received []int // allowed counts at the server, index-matched with states
		attempts int   // transactions the server saw reach RCPT (0: do not check)
	}
	always := func(f fault) func(int) fault { return func(int) fault { return f } }
	first := func(f fault, n int) func(int) fault {
		return func(a int) fault {
			if a <= n {
				return f
			}
			return faultNone
		}
	}
	plans := []plan{
		{name: "ok", fault: always(faultNone), states: []State{StateSent}, received: []int{1}, attempts: 1},
		{name: "greylisted twice", fault: first(faultRcpt451, 2), states: []State{StateSent}, received: []int{1}, attempts: 3},
		{name: "451 forever", fault: always(faultRcpt451), states: []State{StateFailed}, received: []int{0}, attempts: 3},
		{name: "550 no such user", fault: always(faultRcpt550), states: []State{StateFailed}, received: []int{0}, attempts: 1},
		{name: "451 after data once", fault: first(faultData451, 1), states: []State{StateSent}, received: []int{1}, attempts: 2},
		{name: "554 after data", fault: always(faultData550), states: []State{StateFailed}, received: []int{0}, attempts: 1},
		// The client cannot always tell a drop during DATA from one after
		// it: either it notices the write failing and retries (sent), or it
		// does not and records unknown. Never twice.
		{name: "dropped mid-DATA", fault: first(faultDropMidData, 1), states: []State{StateSent, StateUnknown}, received: []int{1, 0}},
		{name: "dropped after DATA", fault: first(faultDropAfterData, 1), states: []State{StateUnknown}, received: []int{1}, attempts: 1},
		{name: "reply too slow", fault: first(faultSlowReply, 1), states: []State{StateUnknown}, received: []int{1}, attempts: 1},
		{name: "slow reply in time", fault: always(faultSlowOK), states: []State{StateSent}, received: []int{1}, attempts: 1},
	}
	byRcpt := map[string]plan{}
	var jobs []Job
	for i, p := range plans {
		for k := range 3 {
			to := rcptAddr(i*10 + k)
			byRcpt[to] = p
			jobs = append(jobs, Job{Key: Key{"e1", to}, Compose: func() (*gomail.Msg, error) { return testMsg("e1", to) }})
		}
	}
	srv := startServer(t, withSlow(2500*time.Millisecond), withFaults(func(rcpt string, attempt int) fault { return byRcpt[rcpt].fault(attempt) }))
	j := &MemJournal{}
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 4, MaxAttempts: 3,
		Backoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Timeout: 1200 * time.Millisecond})
	counts, err := s.Run(context.Background(), func(yield func(Job, error) bool) {
		for _, j := range jobs {
			if !yield(j, nil) {
				return
			}
		}
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	recs := j.Records("e1")
	for _, r := range recs {
		p := byRcpt[r.Recipient]
		got := srv.countFor(r.Recipient)
		ok := false
		for i, st := range p.states {
			if r.State == st && got == p.received[i] {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s (%s): state %s with %d received; want one of %v with %v (detail %q)", p.name, r.Recipient, r.State, got, p.states, p.received, r.Detail)
		}
		if p.attempts > 0 {
			srv.mu.Lock()
			a := srv.attempts[r.Recipient]
			srv.mu.Unlock()
			if a != p.attempts {
				t.Errorf("%s (%s): server saw %d attempts, want %d", p.name, r.Recipient, a, p.attempts)
			}
		}
		if got > 1 {
			t.Errorf("%s (%s): received %d times", p.name, r.Recipient, got)
		}
	}
	if len(recs) != len(jobs) {
		t.Errorf("%d records, want %d", len(recs), len(jobs))
	}
	if counts.Read != len(jobs) || counts.Sent+counts.Failed+counts.Unknown != len(jobs) {
		t.Errorf("counts %+v do not add up to %d jobs", counts, len(jobs))
	}
	if counts.Reconnects == 0 {
		t.Errorf("counts %+v: dropped connections should have caused reconnects", counts)
	}
	if counts.Retries == 0 {
		t.Errorf("counts %+v: greylisting should have caused retries", counts)
	}

	// A second run sends nothing and changes nothing.
	before := srv.total()
	again, err := s.Run(context.Background(), func(yield func(Job, error) bool) {
		for _, j := range jobs {
			if !yield(j, nil) {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if again.Done != len(jobs) || again.Sent+again.Failed+again.Unknown != 0 || srv.total() != before {
		t.Errorf("second run: %+v, server total %d→%d; want everything done, nothing sent", again, before, srv.total())
	}
}

func TestRunCancelThenResume(t *testing.T) {
	srv := startServer(t, withPerMsg(3*time.Millisecond))
	const n = 120
	j := sqliteJournal(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	srv.setOnData(func(got int) {
		if got == 25 {
			cancel()
		}
	})
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 4})
	first, err := s.Run(ctx, jobsFor("e", n))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("first run error = %v, want context.Canceled", err)
	}
	if first.Sent == 0 || first.Sent >= n || first.Unknown != 0 || first.Failed != 0 {
		t.Errorf("first run %+v: want some sent, none failed or unknown", first)
	}
	if got := srv.total(); got != first.Sent {
		t.Errorf("server has %d messages, first run reported %d sent", got, first.Sent)
	}
	srv.setOnData(nil)
	second, err := s.Run(context.Background(), jobsFor("e", n))
	if err != nil {
		t.Fatal(err)
	}
	if second.Done != first.Sent || second.Sent != n-first.Sent {
		t.Errorf("second run %+v after first %+v: want the rest sent", second, first)
	}
	for i := range n {
		if c := srv.countFor(rcptAddr(i)); c != 1 {
			t.Errorf("%s received %d messages, want 1", rcptAddr(i), c)
		}
	}
	c, err := j.Count(context.Background(), "e")
	if err != nil {
		t.Fatal(err)
	}
	if c[StateSent] != n || len(c) != 1 {
		t.Errorf("journal counts %v, want %d sent", c, n)
	}
}

func TestRunUnreachableLeavesPending(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close() // nothing listens there now
	c, err := gomail.NewClient("127.0.0.1", gomail.WithPort(port), gomail.WithTLSPolicy(gomail.NoTLS), gomail.WithTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	j := &MemJournal{}
	s := newSender(t, Config{Client: c, Journal: j, Workers: 2, MaxAttempts: 2, Backoff: time.Millisecond})
	counts, err := s.Run(context.Background(), jobsFor("e", 10))
	var de *DialError
	if !errors.Is(err, ErrUnreachable) || !errors.As(err, &de) || de.Attempts != 2 {
		t.Fatalf("err = %v, want a *DialError after 2 attempts", err)
	}
	if counts.Sent+counts.Failed+counts.Unknown != 0 {
		t.Errorf("counts %+v: nothing should be sent or failed", counts)
	}
	for _, r := range j.Records("e") {
		if r.State != StatePending || r.Attempts != 0 {
			t.Errorf("%s: %+v, want pending with no attempts", r.Recipient, r)
		}
	}
}

func TestSendTLSAuth(t *testing.T) {
	srv := startServer(t, withTLSAuth("khabar", "s3cret"))
	j := &MemJournal{}
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 2})
	counts, err := s.Run(context.Background(), jobsFor("e", 6))
	if err != nil || counts.Sent != 6 {
		t.Fatalf("Run = %+v, %v; want 6 sent", counts, err)
	}

	// A certificate the client does not trust: no retries either.
	untrusted, err := gomail.NewClient("127.0.0.1", gomail.WithPort(srv.port), gomail.WithTLSPolicy(gomail.TLSMandatory),
		gomail.WithTLSConfig(&tls.Config{ServerName: "localhost", MinVersion: tls.VersionTLS12}))
	if err != nil {
		t.Fatal(err)
	}
	s = newSender(t, Config{Client: untrusted, Journal: &MemJournal{}, Workers: 1, Backoff: time.Millisecond})
	_, err = s.Run(context.Background(), jobsFor("e", 2))
	var de0 *DialError
	if !errors.As(err, &de0) || de0.Attempts != 1 {
		t.Fatalf("untrusted certificate: err = %v, want a *DialError after 1 attempt", err)
	}

	bad := startServer(t, withTLSAuth("khabar", "other"))
	cl := bad.client(t)
	cl.SetPassword("wrong")
	s = newSender(t, Config{Client: cl, Journal: &MemJournal{}, Workers: 2, Backoff: time.Millisecond})
	_, err = s.Run(context.Background(), jobsFor("e", 3))
	var de *DialError
	if !errors.As(err, &de) || de.Attempts != 1 {
		t.Fatalf("wrong password: err = %v, want a *DialError after 1 attempt (535 is permanent)", err)
	}
}

func TestSendBadJobs(t *testing.T) {
	srv := startServer(t)
	j := &MemJournal{}
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 1})
	jobs := []Job{
		{Key: Key{"e", "a@example.org"}, Compose: func() (*gomail.Msg, error) { return nil, errors.New("template: no stories") }},
		{Key: Key{"e", "b@example.org"}, Compose: func() (*gomail.Msg, error) {
			m := gomail.NewMsg()
			_ = m.From("x@khabar.example")
			_ = m.To("b@example.org", "c@example.org")
			m.SetBodyString(gomail.TypeTextPlain, "x")
			return m, nil
		}},
		{Key: Key{"e", "d@example.org"}, Compose: func() (*gomail.Msg, error) { return testMsg("e", "d@example.org") }},
	}
	counts, err := s.Run(context.Background(), func(yield func(Job, error) bool) {
		for _, j := range jobs {
			if !yield(j, nil) {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if counts.Failed != 2 || counts.Sent != 1 {
		t.Errorf("counts %+v, want 2 failed 1 sent", counts)
	}
	recs := j.Records("e")
	for _, r := range recs[:2] {
		if r.State != StateFailed || r.Detail == "" {
			t.Errorf("%s: %+v, want failed with a reason", r.Recipient, r)
		}
	}

	// A source error stops the run and is returned.
	boom := errors.New("subscriber store: disk I/O error")
	_, err = s.Run(context.Background(), func(yield func(Job, error) bool) { yield(Job{}, boom) })
	if !errors.Is(err, boom) {
		t.Errorf("source error: got %v, want it wrapped", err)
	}
	// A job without a key is refused.
	_, err = s.Run(context.Background(), func(yield func(Job, error) bool) { yield(Job{Compose: jobs[2].Compose}, nil) })
	if err == nil {
		t.Errorf("job without key: want an error")
	}
}

func TestRateLimit(t *testing.T) {
	srv := startServer(t)
	s := newSender(t, Config{Client: srv.client(t), Journal: &MemJournal{}, Workers: 4, Rate: 100})
	start := time.Now()
	counts, err := s.Run(context.Background(), jobsFor("e", 21))
	if err != nil || counts.Sent != 21 {
		t.Fatal(counts, err)
	}
	// 21 messages at 100/s with a burst of 1 cannot take less than 200 ms.
	if el := time.Since(start); el < 190*time.Millisecond {
		t.Errorf("21 messages at 100/s took %v, want at least 200ms", el)
	}
}

func TestNewSenderConfig(t *testing.T) {
	srv := startServer(t)
	cl := srv.client(t)
	for _, tc := range []struct {
		name string
		cfg  Config
		want error
	}{
		{"no client", Config{Journal: &MemJournal{}}, ErrNoClient},
		{"no journal", Config{Client: cl}, ErrNoJournal},
		{"bad dkim", Config{Client: cl, Journal: &MemJournal{}, DKIM: &DKIM{Domain: "x"}}, ErrDKIMConfig},
		{"negative", Config{Client: cl, Journal: &MemJournal{}, Workers: -1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSender(tc.cfg)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("NewSender error = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestMessagesPerSession(t *testing.T) {
	srv := startServer(t)
	s := newSender(t, Config{Client: srv.client(t), Journal: &MemJournal{}, Workers: 1, MessagesPerSession: 3})
	c, err := s.Run(context.Background(), jobsFor("e", 10))
	if err != nil || c.Sent != 10 {
		t.Fatalf("Run = %+v, %v", c, err)
	}
	if got := srv.sessionCount(); got != 4 {
		t.Errorf("10 messages at 3 per session used %d sessions, want 4", got)
	}
	if c.Reconnects != 3 {
		t.Errorf("reconnects = %d, want 3", c.Reconnects)
	}
}

func TestReplyStatus(t *testing.T) {
	for _, tc := range []struct {
		code         int
		text         string
		smtp         int
		status, line string
	}{
		{550, "5.1.1 no such user", 550, "5.1.1", "550 5.1.1 no such user"},
		{451, "4.7.1 greylisted,\ntry again later", 451, "4.7.1", "451 4.7.1 greylisted, try again later"},
		{554, "rejected", 554, "", "554 rejected"},
		{550, "5.1.10 null MX", 550, "5.1.10", "550 5.1.10 null MX"},
		{550, "4.1.1 class does not match", 550, "", "550 4.1.1 class does not match"},
		{250, "2.0.0 OK: queued", 250, "2.0.0", "250 2.0.0 OK: queued"},
		{250, "", 250, "", "250 "},
		{999, "9.1.1 no such class", 0, "", "999 9.1.1 no such class"},
	} {
		r, ok := replyOf(&textproto.Error{Code: tc.code, Msg: tc.text})
		if !ok || r.smtpCode() != tc.smtp || r.Status != tc.status || r.Line != tc.line {
			t.Errorf("reply %d %q = %+v (code %d), %t; want %d, %q, %q", tc.code, tc.text, r, r.smtpCode(), ok, tc.smtp, tc.status, tc.line)
		}
	}
	for _, err := range []error{errors.New("no reply after the end of DATA: EOF"), errors.New("550 5.1.1 looks like a reply")} {
		if r, ok := replyOf(err); ok || r.Code != 0 {
			t.Errorf("replyOf(%v) = %+v, %t; want no reply", err, r, ok)
		}
	}
}

// TestConcurrentRunsSendOnce hammers one Sender and one journal with three
// runs of the same edition at once (as two schedulers started by mistake
// would): the journal's compare-and-swap lets exactly one send each
// message.
func TestConcurrentRunsSendOnce(t *testing.T) {
	for name, j := range journals(t) {
		t.Run(name, func(t *testing.T) {
			srv := startServer(t)
			s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 3})
			const n = 60
			var wg sync.WaitGroup
			counts := make([]Counts, 3)
			for i := range counts {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, err := s.Run(context.Background(), jobsFor("e", n))
					if err != nil {
						t.Error(err)
					}
					counts[i] = c
				}()
			}
			wg.Wait()
			sent := 0
			for _, c := range counts {
				sent += c.Sent
			}
			if sent != n {
				t.Errorf("runs sent %d in all (%+v), want %d", sent, counts, n)
			}
			for i := range n {
				if got := srv.countFor(rcptAddr(i)); got != 1 {
					t.Errorf("%s received %d", rcptAddr(i), got)
				}
			}
		})
	}
}
