package deliver

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/emersion/go-smtp"
	"github.com/khabar/khabar/internal/smtpsink"
	gomail "github.com/wneessen/go-mail"
)

// TestPipeliningSink sends to the sink with and without PIPELINING: the
// same records and results either way, and commands sent ahead only when
// the sink offers it (MAIL, RCPT and DATA in one write: two of them
// arrive before the reply to the one before).
func TestPipeliningSink(t *testing.T) {
	for _, pipe := range []bool{true, false} {
		sink, err := smtpsink.Start(0)
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		if !pipe {
			sink.NoPipelining()
		}
		j := &MemJournal{}
		s := newSender(t, Config{Client: sinkClient(t, sink), Journal: j, Workers: 2})
		const n = 20
		c, err := s.Run(context.Background(), jobsFor("e", n))
		if err != nil || c.Sent != n {
			t.Fatalf("pipelining %v: %+v, %v", pipe, c, err)
		}
		for _, r := range j.Records("e") {
			if r.State != StateSent || r.Attempts != 1 || !strings.HasPrefix(r.Detail, "250") || sink.Count(r.Recipient) != 1 {
				t.Errorf("pipelining %v: %+v, received %d", pipe, r, sink.Count(r.Recipient))
			}
		}
		if got := sink.Pipelined(); pipe && got != 2*n || !pipe && got != 0 {
			t.Errorf("pipelining %v: %d commands sent ahead", pipe, got)
		}
	}
}

func sinkClient(t *testing.T, sink *smtpsink.Sink) *gomail.Client {
	t.Helper()
	host, port, _ := net.SplitHostPort(sink.Addr())
	p, _ := strconv.Atoi(port)
	c, err := gomail.NewClient(host, gomail.WithPort(p), gomail.WithTLSPolicy(gomail.NoTLS))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPipeliningMailRefused checks that a refusal at MAIL FROM, which a
// pipelined transaction learns after its RCPT TO and DATA went out, is
// recorded as without PIPELINING: failed at once on a 5xx, retried on a
// 4xx, with the reply's codes, one attempt counted per transaction, and
// the record never "sending" (that comes only after DATA's 354).
func TestPipeliningMailRefused(t *testing.T) {
	for _, tc := range []struct {
		err      *smtp.SMTPError
		state    State
		attempts int
		failed   int // calls of the job's Failed hook
	}{
		{&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "sender refused"}, StateFailed, 1, 3},
		{&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "not now"}, StateFailed, 3, 0},
	} {
		srv := startServer(t, withMailRefusal(tc.err))
		j := &sendingCounter{MemJournal: &MemJournal{}}
		s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 2, MaxAttempts: 3, Backoff: 1, MaxBackoff: 1})
		var failed atomic.Int32
		var results []Result
		jobs := func(yield func(Job, error) bool) {
			for job := range jobsFor("e", 3) {
				job.Failed = func(context.Context, Result) error { failed.Add(1); return nil }
				if !yield(job, nil) {
					return
				}
			}
		}
		s.cfg.Progress = func(p Progress) { results = append(results, p.Last) }
		if _, err := s.Run(context.Background(), jobs); err != nil {
			t.Fatal(err)
		}
		for _, r := range j.Records("e") {
			if r.State != tc.state || r.Attempts != tc.attempts || !strings.Contains(r.Detail, tc.err.Message) {
				t.Errorf("%d: %+v", tc.err.Code, r)
			}
		}
		for _, r := range results {
			if r.State != tc.state || r.Code != tc.err.Code || r.Status == "" || r.Attempts != tc.attempts {
				t.Errorf("%d: result %+v", tc.err.Code, r)
			}
		}
		if len(results) != 3 || int(failed.Load()) != tc.failed || srv.total() != 0 {
			t.Errorf("%d: %d results, %d Failed calls, %d received", tc.err.Code, len(results), failed.Load(), srv.total())
		}
		if n := j.sending.Load(); n != 0 {
			t.Errorf("%d: %d moves to sending for envelopes the server refused", tc.err.Code, n)
		}
	}
}

// sendingCounter is a MemJournal that counts moves to StateSending.
type sendingCounter struct {
	*MemJournal
	sending atomic.Int32
}

func (j *sendingCounter) Transition(ctx context.Context, k Key, from, to State, u Update) error {
	if to == StateSending {
		j.sending.Add(1)
	}
	return j.MemJournal.Transition(ctx, k, from, to, u)
}

func (j *sendingCounter) TransitionAll(ctx context.Context, moves []Move) []error {
	for _, mv := range moves {
		if mv.To == StateSending {
			j.sending.Add(1)
		}
	}
	return j.MemJournal.TransitionAll(ctx, moves)
}

// TestPipeliningStaleSession checks that a pooled session that had gone
// away, which a pipelined transaction finds out only after its envelope
// and DATA went out, sends the message on a new session without counting
// an attempt, as without PIPELINING.
func TestPipeliningStaleSession(t *testing.T) {
	srv := startServer(t, withHangUp())
	j := &MemJournal{}
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 1, MaxAttempts: 2})
	c, err := s.Run(context.Background(), jobsFor("e", 4))
	if err != nil || c.Sent != 4 || c.Reconnects != 3 {
		t.Fatalf("Run = %+v, %v", c, err)
	}
	for _, r := range j.Records("e") {
		if r.State != StateSent || r.Attempts != 1 || srv.countFor(r.Recipient) != 1 {
			t.Errorf("%+v, received %d", r, srv.countFor(r.Recipient))
		}
	}
}

// TestIdle421 checks that a pooled session the server closes with a 421
// at the next MAIL FROM (an idle timeout) is taken as stale: the message
// goes out on a new session, its attempt not counted, and a 421 on a new
// session still counts (TestPipeliningMailRefused).
func TestIdle421(t *testing.T) {
	srv := startServer(t, withIdle421())
	j := &MemJournal{}
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 1, MaxAttempts: 2})
	c, err := s.Run(context.Background(), jobsFor("e", 4))
	if err != nil || c.Sent != 4 || c.Reconnects != 3 {
		t.Fatalf("Run = %+v, %v", c, err)
	}
	for _, r := range j.Records("e") {
		if r.State != StateSent || r.Attempts != 1 || srv.countFor(r.Recipient) != 1 {
			t.Errorf("%+v, received %d", r, srv.countFor(r.Recipient))
		}
	}
}
