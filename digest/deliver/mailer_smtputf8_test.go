package deliver

import (
	"bufio"
	"context"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"

	gomail "github.com/wneessen/go-mail"
)

// plainSMTP is a loopback SMTP server that does not offer SMTPUTF8
// (RFC 6531) and records the commands it receives.
func plainSMTP(t *testing.T) (addr string, cmds func() []string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	var got []string
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				r := bufio.NewReader(c)
				say := func(s string) { c.Write([]byte(s + "\r\n")) }
				say("220 plain ESMTP")
				inData := false
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					line = strings.TrimRight(line, "\r\n")
					if inData {
						if line == "." {
							inData = false
							say("250 2.0.0 queued")
						}
						continue
					}
					mu.Lock()
					got = append(got, line)
					mu.Unlock()
					switch v := strings.ToUpper(strings.SplitN(line, " ", 2)[0]); v {
					case "EHLO":
						say("250-plain")
						say("250-8BITMIME")
						say("250 SIZE 10485760")
					case "DATA":
						inData = true
						say("354 go on")
					case "QUIT":
						say("221 bye")
						return
					default:
						say("250 2.0.0 OK")
					}
				}
			}(c)
		}
	}()
	return ln.Addr().String(), func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), got...) }
}

// TestMailerRefusesUTF8WithoutSMTPUTF8: the signup form accepts an address with a
// non-ASCII local part (digest.CanonicalAddress keeps it), and the
// digest Sender refuses to hand such an address to a server that does
// not offer SMTPUTF8 (package doc). SMTPMailer, which mails the signup
// confirmation, sends it anyway: "RCPT TO:<राम@...>" in raw UTF-8 to a
// server that did not announce SMTPUTF8, which RFC 6531 section 3.2
// forbids (and the server may mangle or misroute it). It should fail
// without sending, as the Sender does.
func TestMailerRefusesUTF8WithoutSMTPUTF8(t *testing.T) {
	addr, cmds := plainSMTP(t)
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	c, err := gomail.NewClient(host, gomail.WithPort(p), gomail.WithTLSPolicy(gomail.NoTLS))
	if err != nil {
		t.Fatal(err)
	}
	n := testNotice()
	n.To = mail.Address{Address: "राम@example.com"}
	m := &SMTPMailer{Client: c}
	err = m.Send(context.Background(), n)
	for _, l := range cmds() {
		if strings.HasPrefix(strings.ToUpper(l), "RCPT") && !isASCIIString(l) {
			t.Errorf("sent %q to a server without SMTPUTF8 (Send returned %v)", l, err)
		}
	}
	if err == nil {
		t.Error("Send reported success for a UTF-8 address on a server without SMTPUTF8")
	}
}

func isASCIIString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
