package smtpsink

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"time"
)

const (
	readTimeout = 30 * time.Second
	maxMessage  = 10 << 20 // bytes of DATA, as SIZE says
	bufSize     = 64 << 10
)

// serve accepts connections until the listener closes.
func (s *Sink) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		go s.session(c)
	}
}

// session is one SMTP session. Replies wait in the writer while the
// client has more commands buffered (PIPELINING), and are flushed when
// it has none.
func (s *Sink) session(c net.Conn) {
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		_ = c.Close()
	}()
	r := bufio.NewReaderSize(c, bufSize)
	w := bufio.NewWriter(c)
	ehlo := []string{"250-localhost", "250-PIPELINING", "250-8BITMIME", "250-ENHANCEDSTATUSCODES", "250-SMTPUTF8", "250 SIZE 10485760"}
	s.mu.Lock()
	if s.noPipe {
		ehlo = append(ehlo[:1], ehlo[2:]...)
	}
	s.mu.Unlock()
	reply := func(lines ...string) bool {
		for _, l := range lines {
			w.WriteString(l)
			w.WriteString("\r\n")
		}
		if r.Buffered() > 0 {
			return true
		}
		return w.Flush() == nil
	}
	var from string
	var to []string
	mail := false   // in a transaction: MAIL was accepted
	var data []byte // the last message's, reused when not kept
	if !reply("220 localhost ESMTP smtpsink") {
		return
	}
	for {
		_ = c.SetReadDeadline(time.Now().Add(readTimeout))
		line, err := r.ReadSlice('\n')
		if err != nil {
			return // EOF, a timeout, or a line longer than the buffer
		}
		verb, arg := command(line)
		if w.Buffered() > 0 { // the client did not wait for the last reply
			s.mu.Lock()
			s.pipelined++
			s.mu.Unlock()
		}
		ok := true
		switch verb {
		case "EHLO":
			from, to, mail = "", nil, false
			ok = reply(ehlo...)
		case "HELO":
			from, to, mail = "", nil, false
			ok = reply("250 localhost")
		case "MAIL":
			a, good := path(arg, "FROM:")
			if !good {
				ok = reply("501 5.5.4 Syntax: MAIL FROM:<address>")
				break
			}
			from, to, mail = a, nil, true
			ok = reply("250 2.0.0 OK")
		case "RCPT":
			a, good := path(arg, "TO:")
			switch {
			case !good:
				ok = reply("501 5.5.4 Syntax: RCPT TO:<address>")
			case !mail:
				ok = reply("503 5.5.1 MAIL first")
			default:
				to = append(to, a)
				ok = reply("250 2.0.0 OK")
			}
		case "DATA":
			if len(to) == 0 {
				ok = reply("503 5.5.1 RCPT first")
				break
			}
			if !reply("354 End data with <CR><LF>.<CR><LF>") {
				return
			}
			s.mu.Lock()
			keep := s.keep
			s.mu.Unlock()
			if keep {
				data = make([]byte, 0, cap(data)) // the last one is kept
			}
			data, err = readData(c, r, data[:0], keep)
			if errors.Is(err, errTooBig) {
				ok = reply("552 5.3.4 Message too big")
				from, to, mail = "", nil, false
				break
			}
			if err != nil {
				return
			}
			s.received(from, to, data, keep)
			from, to, mail = "", nil, false
			ok = reply("250 2.0.0 OK: queued")
		case "RSET":
			from, to, mail = "", nil, false
			ok = reply("250 2.0.0 OK")
		case "NOOP":
			ok = reply("250 2.0.0 OK")
		case "QUIT":
			reply("221 2.0.0 Bye")
			return
		default:
			ok = reply("500 5.5.2 Command not recognized")
		}
		if !ok {
			return
		}
	}
}

// received records a whole message (keeping data when keep), calls the
// OnData hook and waits the sink's delay, all before the reply.
func (s *Sink) received(from string, to []string, data []byte, keep bool) {
	s.mu.Lock()
	if keep {
		s.kept = append(s.kept, Message{From: from, To: append([]string(nil), to...), Data: data})
	}
	for _, t := range to {
		s.count[t]++
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
}

// command splits a command line into its verb, upper-cased, and the rest.
func command(line []byte) (verb, arg string) {
	l := strings.TrimRight(string(line), "\r\n")
	verb, arg, _ = strings.Cut(l, " ")
	return strings.ToUpper(verb), strings.TrimSpace(arg)
}

// path returns the address of "FROM:<a> params" (or "TO:"; the angle
// brackets may be missing, as go-mail's smtp.Client leaves them to its
// caller), and whether arg has that form.
func path(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	a := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(a, "<") {
		a, _, _ = strings.Cut(a, " ")
		return a, a != ""
	}
	end := strings.IndexByte(a, '>')
	if end < 0 {
		return "", false
	}
	return a[1:end], true
}

var errTooBig = errors.New("smtpsink: message too big")

// readData reads DATA up to its terminating line (".\r\n"), appending the
// lines to dst without their dot-stuffing when keep. It works on the
// reader's buffer a run of whole lines at a time: the only places that
// need a look are the line starts with a dot, which bytes.Index finds
// ("\n."), so the bytes between are copied or skipped in bulk.
func readData(c net.Conn, r *bufio.Reader, dst []byte, keep bool) ([]byte, error) {
	bol := true // at the start of a line
	total := 0
	for {
		_ = c.SetReadDeadline(time.Now().Add(readTimeout))
		if _, err := r.Peek(1); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return dst, err
		}
		chunk, _ := r.Peek(r.Buffered())
		end := bytes.LastIndexByte(chunk, '\n') + 1
		if end == 0 { // no whole line buffered
			if len(chunk) < r.Size() {
				if _, err := r.Peek(len(chunk) + 1); err != nil && !errors.Is(err, bufio.ErrBufferFull) {
					return dst, err
				}
				continue
			}
			end = len(chunk) // a line longer than the buffer: its middle
		}
		p := chunk[:end]
		done := false
		for len(p) > 0 {
			if bol && p[0] == '.' {
				if bytes.HasPrefix(p, []byte(".\r\n")) {
					p, done = p[3:], true
					break
				}
				if p = p[1:]; len(p) == 0 { // a stuffed dot
					break
				}
			}
			i := bytes.Index(p, []byte("\n."))
			n := i + 1
			if i < 0 {
				n = len(p)
			}
			total += n
			if keep && total <= maxMessage {
				dst = append(dst, p[:n]...)
			}
			p, bol = p[n:], p[n-1] == '\n'
		}
		if _, err := r.Discard(end - len(p)); err != nil {
			return dst, err
		}
		if done {
			if total > maxMessage {
				return dst, errTooBig
			}
			return dst, nil
		}
	}
}
