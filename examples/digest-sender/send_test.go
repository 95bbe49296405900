package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-smtp"
)

// mailbox is an SMTP server on 127.0.0.1 that keeps every message.
type mailbox struct {
	mu   sync.Mutex
	msgs map[string][][]byte // by recipient
}

func (m *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mboxSession{m: m}, nil }

// count returns how many messages the mailbox holds.
func (m *mailbox) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, l := range m.msgs {
		n += len(l)
	}
	return n
}

type mboxSession struct {
	m  *mailbox
	to string
}

func (s *mboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mboxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = to
	return nil
}
func (s *mboxSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.mu.Lock()
	s.m.msgs[s.to] = append(s.m.msgs[s.to], b)
	s.m.mu.Unlock()
	return nil
}
func (s *mboxSession) Reset()        {}
func (s *mboxSession) Logout() error { return nil }

func startMailbox(t testing.TB) (*mailbox, string) {
	t.Helper()
	m := &mailbox{msgs: map[string][][]byte{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(m)
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return m, ln.Addr().String()
}

func TestSendMode(t *testing.T) {
	box, addr := startMailbox(t)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	o := testOptions(t)
	keyFile := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	o.send = sendOptions{smtp: addr, dkimKey: keyFile, dkimSelector: "k2026", workers: 3, dialTimeout: 5 * time.Second}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), o, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"SUBSCRIBER", "RESULT", "29 sent, 0 failed, 0 unknown", "skipped  unsubscribed", "skipped  bounced"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if entries, _ := os.ReadDir(o.out); len(entries) != 0 {
		t.Errorf("sending mode wrote %d files to %s", len(entries), o.out)
	}
	box.mu.Lock()
	got := len(box.msgs)
	var one []byte
	for rcpt, ms := range box.msgs {
		if len(ms) != 1 {
			t.Errorf("%s received %d messages", rcpt, len(ms))
		}
		one = ms[0]
	}
	box.mu.Unlock()
	if got != 29 {
		t.Fatalf("mailbox has mail for %d recipients, want 29", got)
	}
	txt := "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(one), &dkim.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
		if name != "k2026._domainkey.khabar.example" {
			t.Errorf("DKIM lookup of %s", name)
		}
		return []string{txt}, nil
	}})
	if err != nil || len(vs) != 1 || vs[0].Err != nil {
		t.Errorf("DKIM verification: %v, %+v", err, vs)
	}

	// The same edition again sends nothing: the journal in the state file
	// remembers.
	stdout.Reset()
	if err := run(context.Background(), o, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "0 sent, 0 failed, 0 unknown") {
		t.Errorf("second run:\n%s", stdout.String())
	}
	box.mu.Lock()
	for rcpt, ms := range box.msgs {
		if len(ms) != 1 {
			t.Errorf("after the second run %s has %d messages", rcpt, len(ms))
		}
	}
	box.mu.Unlock()
}

func TestSendModeFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    sendOptions
		want string
	}{
		{"daemon without smtp", sendOptions{daemon: true, workers: 1}, "-smtp"},
		{"key without selector", sendOptions{smtp: "127.0.0.1:25", dkimKey: "x.pem", workers: 1}, "go together"},
		{"missing key file", sendOptions{smtp: "127.0.0.1:25", dkimKey: "/nonexistent/x.pem", dkimSelector: "s", workers: 1}, "-dkim-key"},
		{"no workers", sendOptions{smtp: "127.0.0.1:25", workers: 0}, "-workers"},
		{"bad address", sendOptions{smtp: "no-port", workers: 1}, "-smtp"},
		{"bad at", sendOptions{smtp: "127.0.0.1:25", daemon: true, at: "7am", workers: 1}, "HH:MM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(t)
			o.send = tc.s
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), o, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// TestDaemonMode runs the schedule for a moment: it makes a pass, prints
// when the next send time is, and stops cleanly on cancellation.
func TestDaemonMode(t *testing.T) {
	_, addr := startMailbox(t)
	o := testOptions(t)
	o.send = sendOptions{smtp: addr, daemon: true, at: "07:00", workers: 2}
	ctx, cancel := context.WithCancel(context.Background()) // as Ctrl-C does
	defer cancel()
	time.AfterFunc(1500*time.Millisecond, cancel)
	var stdout, stderr bytes.Buffer
	if err := run(ctx, o, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"at 07:00 their time", "pass: ", "next "} {
		if !strings.Contains(out, want) {
			t.Errorf("daemon output lacks %q:\n%s", want, out)
		}
	}
	if o.send.cutoff() != 7*time.Hour {
		t.Errorf("cutoff = %v, want 7h so that an edition covers the 24 hours before it is sent", o.send.cutoff())
	}
}
