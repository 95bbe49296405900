package deliver

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
	gomail "github.com/wneessen/go-mail"
)

// fakeSMTP is a loopback SMTP server offering the extensions exts,
// recording each session's commands apart; RCPT to an address starting
// "refuse" gets 550, "temp" 451, "hang" hangs up.
func fakeSMTP(t *testing.T, exts ...string) (addr string, sessions func() [][]string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	var all [][]string
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			idx := len(all)
			all = append(all, nil)
			mu.Unlock()
			go func(c net.Conn) {
				defer c.Close()
				r := bufio.NewReader(c)
				w := bufio.NewWriter(c)
				say := func(s string) { w.WriteString(s + "\r\n"); w.Flush() }
				say("220 fake ESMTP")
				inData, bad := false, false
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					line = strings.TrimRight(line, "\r\n")
					if inData {
						if line == "." {
							inData = false
							if bad {
								say("554 no valid recipients")
							} else {
								say("250 2.0.0 queued")
							}
							bad = false
						}
						continue
					}
					mu.Lock()
					all[idx] = append(all[idx], line)
					mu.Unlock()
					u := strings.ToUpper(line)
					switch v := strings.SplitN(u, " ", 2)[0]; v {
					case "EHLO":
						lines := append([]string{"fake"}, exts...)
						for i, l := range lines {
							if i == len(lines)-1 {
								say("250 " + l)
							} else {
								say("250-" + l)
							}
						}
					case "DATA":
						inData = true
						say("354 go on")
					case "QUIT":
						say("221 bye")
						return
					case "RSET":
						bad = false
						say("250 2.0.0 OK")
					case "RCPT":
						switch {
						case strings.Contains(u, ":<REFUSE"):
							bad = true
							say("550 5.1.1 no such user")
						case strings.Contains(u, ":<TEMP"):
							bad = true
							say("451 4.3.0 later")
						case strings.Contains(u, ":<HANG"):
							return
						default:
							say("250 2.0.0 OK")
						}
					default:
						say("250 2.0.0 OK")
					}
				}
			}(c)
		}
	}()
	return ln.Addr().String(), func() [][]string {
		mu.Lock()
		defer mu.Unlock()
		out := make([][]string, len(all))
		for i := range all {
			out[i] = append([]string(nil), all[i]...)
		}
		return out
	}
}

// checkUTF8Envelopes: in every session, each MAIL FROM says SMTPUTF8 iff
// the RCPT TO after it is a UTF-8 address (the Client is WithoutSMTPUTF8).
func checkUTF8Envelopes(t *testing.T, sessions [][]string) (n int) {
	t.Helper()
	for si, s := range sessions {
		for i, l := range s {
			if !strings.HasPrefix(strings.ToUpper(l), "MAIL FROM") {
				continue
			}
			if i+1 >= len(s) || !strings.HasPrefix(strings.ToUpper(s[i+1]), "RCPT TO") {
				continue
			}
			n++
			to := strings.TrimSuffix(strings.TrimPrefix(s[i+1][len("RCPT TO:"):], "<"), ">")
			want := digest.NeedsSMTPUTF8(to)
			if got := strings.Contains(l, "SMTPUTF8"); got != want {
				t.Errorf("session %d: %q then %q: SMTPUTF8 %v, want %v", si, l, s[i+1], got, want)
			}
		}
	}
	return n
}

func TestUTF8Mix(t *testing.T) {
	for _, pipe := range []bool{false, true} {
		for _, mps := range []int{0, 2, 3} {
			t.Run(fmt.Sprintf("pipe=%v,mps=%d", pipe, mps), func(t *testing.T) {
				exts := []string{"8BITMIME", "SMTPUTF8"}
				if pipe {
					exts = []string{"8BITMIME", "PIPELINING", "SMTPUTF8"}
				}
				addr, sessions := fakeSMTP(t, exts...)
				var rcpts []string
				for i := range 40 {
					switch i % 7 {
					case 0, 3:
						rcpts = append(rcpts, fmt.Sprintf("राम%d@example.org", i))
					case 1:
						rcpts = append(rcpts, fmt.Sprintf("refuseराम%d@example.org", i))
					case 6:
						rcpts = append(rcpts, fmt.Sprintf("hangराम%d@example.org", i))
					case 5:
						rcpts = append(rcpts, fmt.Sprintf("tempसीता%d@example.org", i))
					default:
						rcpts = append(rcpts, fmt.Sprintf("ascii%d@example.org", i))
					}
				}
				s := newSender(t, Config{Client: plainClient(t, addr, gomail.WithoutSMTPUTF8()), Journal: &MemJournal{}, Workers: 3, Builders: 2,
					MessagesPerSession: mps, MaxAttempts: 2, Backoff: time.Millisecond, MaxBackoff: time.Millisecond})
				_, err := s.Run(context.Background(), review3Jobs("daily-2026-11-24", rcpts))
				if err != nil {
					t.Fatal(err)
				}
				if n := checkUTF8Envelopes(t, sessions()); n < 40 {
					t.Errorf("checked %d envelopes", n)
				}
			})
		}
	}
}
