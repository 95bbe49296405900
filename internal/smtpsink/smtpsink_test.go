package smtpsink

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/wneessen/go-mail/smtp"
)

// stuff returns msg as DATA sends it: dot-stuffed, with the final line.
func stuff(msg string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(msg, "\n") {
		if strings.HasPrefix(l, ".") {
			b.WriteByte('.')
		}
		b.WriteString(l)
	}
	return b.String() + ".\r\n"
}

// TestReadData checks readData on messages with dots at line starts,
// lines longer than the buffer and the end line at every place in it,
// and that it leaves the bytes after the end line unread.
func TestReadData(t *testing.T) {
	long := strings.Repeat("x", 100)
	msgs := []string{
		"",
		"a\r\n",
		".\r\n",
		"..\r\n.a\r\nb.\r\n.\r\n",
		"Subject: hi\r\n\r\n." + long + "\r\n" + long + "\r\n.\r\nend\r\n",
		". \r\n.\r\r\n.\n\r\n",
	}
	for _, size := range []int{16, 17, 31, 64, 4096} {
		for _, keep := range []bool{true, false} {
			for _, msg := range msgs {
				wire := stuff(msg) + "QUIT\r\n"
				a, b := net.Pipe()
				go func() { _, _ = a.Write([]byte(wire)); a.Close() }()
				r := bufio.NewReaderSize(b, size)
				got, err := readData(b, r, nil, keep)
				if err != nil {
					t.Fatalf("size %d, %q: %v", size, msg, err)
				}
				if want := msg; keep && string(got) != want {
					t.Errorf("size %d: got %q, want %q", size, got, want)
				}
				if rest, _ := r.ReadString('\n'); rest != "QUIT\r\n" {
					t.Errorf("size %d, %q: %q left, want QUIT", size, msg, rest)
				}
				b.Close()
			}
		}
	}
}

// TestSession sends messages over one session, as the benchmark's replay
// does, and checks what the sink counted and kept.
func TestSession(t *testing.T) {
	s, err := Start(0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Keep()
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Hello("localhost"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("SMTPUTF8"); !ok {
		t.Error("no SMTPUTF8")
	}
	var want [][]byte
	for i := range 3 {
		body := fmt.Sprintf("Subject: %d\r\n\r\n.dot\r\nलाइन %d\r\n", i, i)
		want = append(want, []byte(body))
		if err := c.Mail("from@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt(fmt.Sprintf("to%d@example.com", i%2)); err != nil {
			t.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	if s.Total() != 3 || s.Count("to0@example.com") != 2 || s.Count("to1@example.com") != 1 {
		t.Errorf("Total %d, counts %d and %d", s.Total(), s.Count("to0@example.com"), s.Count("to1@example.com"))
	}
	got := s.Messages()
	for i := range want {
		if i >= len(got) || !bytes.Equal(got[i].Data, want[i]) || got[i].From != "from@example.com" {
			t.Errorf("message %d: %+v, want data %q", i, got, want[i])
		}
	}
}

// TestPipelining sends a pipelined transaction, then checks that a sink
// told NoPipelining does not offer PIPELINING.
func TestPipelining(t *testing.T) {
	s, err := Start(0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("PIPELINING"); !ok {
		t.Fatal("no PIPELINING")
	}
	// MAIL, RCPT and DATA in one write; the replies in order.
	if _, err := c.Text.W.WriteString("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<bad\r\nDATA\r\n"); err != nil {
		t.Fatal(err)
	}
	if err := c.Text.W.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{250, 250, 501, 354} {
		if code, msg, err := c.Text.ReadResponse(0); err != nil || code != want {
			t.Fatalf("got %d %q, %v; want %d", code, msg, err, want)
		}
	}
	if _, err := c.Text.W.WriteString("x\r\n.\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = c.Text.W.Flush()
	if code, _, err := c.Text.ReadResponse(250); err != nil || code != 250 || s.Count("b@example.com") != 1 {
		t.Fatalf("end of DATA: %d, %v; count %d", code, err, s.Count("b@example.com"))
	}
	if n := s.Pipelined(); n != 3 {
		t.Errorf("Pipelined %d, want 3", n)
	}

	s.NoPipelining()
	c2, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := c2.Hello("localhost"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c2.Extension("PIPELINING"); ok {
		t.Error("PIPELINING offered after NoPipelining")
	}
	if ok, _ := c2.Extension("SMTPUTF8"); !ok {
		t.Error("no SMTPUTF8")
	}
}
