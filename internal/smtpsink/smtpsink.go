// Package smtpsink is a loopback SMTP server for tests and benchmarks
// that deliver mail: it accepts every message, counts the messages each
// recipient received, and can delay its reply to the end of DATA (to act
// as a server with some latency) and call a hook before replying (to kill
// a sender at the worst moment). A sink told to Keep also keeps every
// message's envelope and bytes, for a benchmark to replay them.
//
// It speaks just enough SMTP for the senders of this module (EHLO, MAIL,
// RCPT, DATA, RSET, NOOP, QUIT; PIPELINING, which NoPipelining turns off)
// and reads DATA in bulk, a
// buffer of lines at a time, so that on a shared machine it costs the
// client it measures as little as it can.
package smtpsink

import (
	"net"
	"sync"
	"time"
)

// Sink is a running SMTP server on 127.0.0.1. It is safe for concurrent
// use.
type Sink struct {
	ln    net.Listener
	delay time.Duration

	mu        sync.Mutex
	count     map[string]int
	n         int
	noPipe    bool // PIPELINING is not offered
	pipelined int  // commands that came before the reply to the one before
	onData    func(n int)
	keep      bool
	kept      []Message
	conns     map[net.Conn]struct{}
	closed    bool
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

// NoPipelining makes the sink stop offering PIPELINING (RFC 2920) to the
// sessions that begin from now on. It still answers commands a client
// sends ahead, in order; Pipelined counts them.
func (s *Sink) NoPipelining() {
	s.mu.Lock()
	s.noPipe = true
	s.mu.Unlock()
}

// Pipelined returns how many commands arrived while the reply to the
// command before them was still unsent: commands a client sent without
// waiting for a reply, as PIPELINING allows.
func (s *Sink) Pipelined() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pipelined
}

// Start starts a sink whose reply to the end of DATA comes after delay.
func Start(delay time.Duration) (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Sink{ln: ln, delay: delay, count: map[string]int{}, conns: map[net.Conn]struct{}{}}
	go s.serve()
	return s, nil
}

// Addr is the sink's host:port.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// Close stops the sink: it stops listening and closes every connection.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	err := s.ln.Close()
	for c := range s.conns {
		_ = c.Close()
	}
	return err
}

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
