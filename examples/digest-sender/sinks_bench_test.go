package main

import (
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// externalSink is an SMTP server outside this program that BenchmarkPace
// also sends to and replays into, when it is installed, so that the
// share of the wire's pace the sender keeps is measured against servers
// whose cost per message differs from the Go sinks': the ratio depends
// on what the sink costs as much as on the sender.
type externalSink struct {
	name string
	// command returns the program and arguments that serve SMTP on
	// addr (host:port), or "" when it is not installed here.
	command func(addr string) (string, []string)
}

// externalSinks: Postfix's smtp-sink (C, one event-driven process,
// PIPELINING; Debian's postfix package) and aiosmtpd's Sink handler
// (Python asyncio, one process, no PIPELINING; Debian's
// python3-aiosmtpd). Install both with
// `apt-get install -y postfix python3-aiosmtpd`.
var externalSinks = []externalSink{
	{name: "postfix", command: func(addr string) (string, []string) {
		const prog = "/usr/sbin/smtp-sink"
		if _, err := os.Stat(prog); err != nil {
			return "", nil
		}
		args := []string{addr, "256"}
		if os.Geteuid() == 0 {
			args = append([]string{"-u", "nobody"}, args...) // it refuses to run as root
		}
		return prog, args
	}},
	{name: "aiosmtpd", command: func(addr string) (string, []string) {
		for _, py := range []string{"/usr/bin/python3", "python3"} {
			if exec.Command(py, "-c", "import aiosmtpd").Run() == nil {
				return py, []string{"-m", "aiosmtpd", "-n", "-l", addr, "-c", "aiosmtpd.handlers.Sink"}
			}
		}
		return "", nil
	}},
}

// installed returns the external sinks this machine has.
func installedSinks() []externalSink {
	var have []externalSink
	for _, s := range externalSinks {
		if prog, _ := s.command("127.0.0.1:0"); prog != "" {
			have = append(have, s)
		}
	}
	return have
}

// start runs the sink on a free loopback port until the benchmark ends
// and returns its address once it accepts connections.
func (s externalSink) start(b *testing.B) string {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // the sink binds it next; a race with another program is unlikely on loopback
	prog, args := s.command(addr)
	cmd := exec.Command(prog, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatalf("%s sink: %v", s.name, err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			_ = c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s sink on %s: %v", s.name, addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// replayStart returns a replay start function for a fresh instance of
// the sink. The sink keeps no count; every message's final 250 was read
// by the replay, so the count is n.
func (s externalSink) replayStart(n int) func(*testing.B) (string, func() int) {
	return func(b *testing.B) (string, func() int) {
		return s.start(b), func() int { return n }
	}
}
