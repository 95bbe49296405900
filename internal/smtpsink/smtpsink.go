// Package smtpsink is a loopback SMTP server for tests and benchmarks
// that deliver mail: it accepts every message, counts the messages each
// recipient received, and can delay its reply to the end of DATA (to act
// as a server with some latency) and call a hook before replying (to kill
// a sender at the worst moment). A sink told to Keep also keeps every
// message's envelope and bytes, for a benchmark to replay them.
package smtpsink

import (
	"io"
	"log"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Sink is a running SMTP server on 127.0.0.1. It is safe for concurrent
// use.
type Sink struct {
	srv   *smtp.Server
	ln    net.Listener
	delay time.Duration

	mu     sync.Mutex
	count  map[string]int
	n      int
	onData func(n int)
	keep   bool
	kept   []Message
}

// Message is one message a keeping sink received: its envelope and its
// bytes as they came after DATA (dot-unstuffed, CRLF line endings).
type Message struct {
	From string
	To   []string
	Data []byte
}

// Keep makes the sink keep every message it receives from now on.
func (s *Sink) Keep() {
	s.mu.Lock()
	s.keep = true
	s.mu.Unlock()
}

// Messages returns the messages kept since Keep, in the order received.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.kept...)
}

// Start starts a sink whose reply to the end of DATA comes after delay.
func Start(delay time.Duration) (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Sink{ln: ln, delay: delay, count: map[string]int{}}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = log.New(io.Discard, "", 0) // killed senders drop connections on purpose
	s.srv = srv
	go func() { _ = srv.Serve(ln) }()
	return s, nil
}

// Addr is the sink's host:port.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// Close stops the sink.
func (s *Sink) Close() error { return s.srv.Close() }

// OnData sets a function called with the number of messages received so
// far, after each whole message and before the reply; nil removes it.
func (s *Sink) OnData(f func(n int)) {
	s.mu.Lock()
	s.onData = f
	s.mu.Unlock()
}

// Count returns how many messages rcpt received.
func (s *Sink) Count(rcpt string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count[rcpt]
}

// Total returns how many messages the sink received.
func (s *Sink) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// NewSession implements smtp.Backend.
func (s *Sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }

type session struct {
	s    *Sink
	from string
	to   []string
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	s := ss.s
	s.mu.Lock()
	keep := s.keep
	s.mu.Unlock()
	var data []byte
	var err error
	if keep {
		data, err = io.ReadAll(r)
	} else {
		_, err = io.Copy(io.Discard, r)
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	if keep {
		s.kept = append(s.kept, Message{From: ss.from, To: append([]string(nil), ss.to...), Data: data})
	}
	for _, to := range ss.to {
		s.count[to]++
	}
	s.n++
	n, f := s.n, s.onData
	s.mu.Unlock()
	if f != nil {
		f(n)
	}
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }
