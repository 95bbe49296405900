package smtpdata

import (
	"bufio"
	"errors"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

// script is a server's side of one pipelined transaction: the replies to
// MAIL, RCPT and DATA, sent only once all three commands are in (so a
// client that waits for a reply between them hangs), and, when DATA is
// accepted, the reply after the data.
type script struct {
	mail, rcpt, data, end string
	hangUp                bool // close the connection instead of replying
	cut                   bool // close the connection after the reply to MAIL
	cut2                  bool // the client is to close the connection after the replies
}

// serve runs one session of sc on a loopback listener and sends the
// lines it read, from MAIL on, when the client quits or hangs up.
func serve(t *testing.T, sc script) (addr string, lines <-chan []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	out := make(chan []string, 1)
	go func() {
		var got []string
		defer func() { out <- got }()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		r := bufio.NewReader(c)
		say := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
		read := func() string {
			l, _ := r.ReadString('\n')
			return strings.TrimRight(l, "\r\n")
		}
		say("220 test")
		read() // EHLO
		say("250-test\r\n250-PIPELINING\r\n250 8BITMIME")
		for range 3 {
			got = append(got, read())
		}
		if sc.hangUp {
			return
		}
		if sc.cut {
			say(sc.mail)
			return
		}
		say(sc.mail + "\r\n" + sc.rcpt + "\r\n" + sc.data)
		if strings.HasPrefix(sc.data, "354") {
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				got = append(got, strings.TrimRight(l, "\r\n"))
				if l == ".\r\n" {
					break
				}
			}
			say(sc.end)
		}
		for {
			l := read()
			if l == "" {
				return
			}
			got = append(got, l)
			if l == "QUIT" {
				say("221 bye")
				return
			}
			say("250 ok")
		}
	}()
	return ln.Addr().String(), out
}

func TestBegin(t *testing.T) {
	cmds := []string{"MAIL FROM:<a@example.com> BODY=8BITMIME", "RCPT TO:<b@example.com>", "DATA"}
	cases := []struct {
		name     string
		sc       script
		code     int  // the refusal's code; 0: sent
		answered bool // when refused
		after    []string
	}{
		{"sent", script{mail: "250 ok", rcpt: "250 ok", data: "354 go", end: "250 2.0.0 queued as X"}, 0, true, []string{"Subject: x", "", "..dot", "."}},
		{"MAIL refused", script{mail: "550 5.7.1 no", rcpt: "503 5.5.1 MAIL first", data: "503 5.5.1 RCPT first"}, 550, true, nil},
		{"RCPT refused", script{mail: "250 ok", rcpt: "550 5.1.1 no such user", data: "554 5.5.1 no valid recipients"}, 550, true, nil},
		// RFC 2920 3.1: DATA accepted though every RCPT was refused.
		{"RCPT refused, DATA accepted", script{mail: "250 ok", rcpt: "451 4.7.1 later", data: "354 go", end: "554 no recipients"}, 451, true, []string{"."}},
		{"DATA refused", script{mail: "250 ok", rcpt: "250 ok", data: "452 4.3.1 full"}, 452, true, nil},
		{"hung up", script{hangUp: true}, 0, false, nil},
		// A server shutting down answers 421 and closes (RFC 5321 3.8):
		// the reply, not the lost connection, is the refusal.
		{"MAIL 421, hung up", script{mail: "421 4.3.2 shutting down", cut: true}, 421, true, nil},
		// A MAIL answered with a success other than 250 does not say the
		// transaction failed: a lone dot could deliver an empty message,
		// so Begin closes the session instead.
		{"MAIL 251, DATA accepted", script{mail: "251 ok", rcpt: "250 ok", data: "354 go", cut2: true}, 251, true, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr, lines := serve(t, tc.sc)
			c, err := smtp.Dial(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Hello("localhost"); err != nil {
				t.Fatal(err)
			}
			if !Pipelining(c) {
				t.Fatal("PIPELINING not seen")
			}
			var p Pipeline
			wc, answered, err := p.Begin(c, "<a@example.com>", "<b@example.com>")
			var te *textproto.Error
			switch {
			case tc.sc.hangUp:
				if err == nil || errors.As(err, &te) || answered {
					t.Fatalf("hung up: answered %v, err %v; want a network error and no answer", answered, err)
				}
			case tc.code == 0:
				if err != nil {
					t.Fatal(err)
				}
				if err := Write(c, wc, []byte("Subject: x\r\n\r\n.dot\r\n")); err != nil {
					t.Fatal(err)
				}
				if err := wc.Close(); err != nil || wc.ServerResponse() != "2.0.0 queued as X" {
					t.Fatalf("Close: %v, %q", err, wc.ServerResponse())
				}
			default:
				if !errors.As(err, &te) || te.Code != tc.code || wc != nil || answered != tc.answered {
					t.Fatalf("got %v, %v, answered %v; want a %d refusal", wc, err, answered, tc.code)
				}
				if (tc.sc.cut || tc.sc.cut2) && c.Reset() == nil {
					t.Fatal("RSET on the cut session succeeded")
				}
			}
			quits := !tc.sc.hangUp && !tc.sc.cut && !tc.sc.cut2
			if quits {
				_ = c.Quit()
			}
			got := <-lines
			want := append(append([]string{}, cmds...), tc.after...)
			if quits {
				want = append(want, "QUIT")
			}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("server read\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// TestBeginNotSent checks that an address go-mail refuses to write sends
// nothing and leaves the session usable.
func TestBeginNotSent(t *testing.T) {
	addr, lines := serve(t, script{mail: "250 ok", rcpt: "250 ok", data: "354 go", end: "250 ok"})
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var p Pipeline
	if _, answered, err := p.Begin(c, "<a@example.com>", "<b@example.com>\r\nRSET"); !errors.Is(err, ErrNotSent) || answered {
		t.Fatalf("got %v, answered %v; want ErrNotSent", err, answered)
	}
	wc, _, err := p.Begin(c, "<a@example.com>", "<b@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(c, wc, []byte("a\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := wc.Close(); err != nil {
		t.Fatal(err)
	}
	_ = c.Quit()
	if got := <-lines; len(got) != 6 || got[0] != "MAIL FROM:<a@example.com> BODY=8BITMIME" {
		t.Errorf("server read %q", got)
	}
}
