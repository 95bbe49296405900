package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/internal/smtpsink"
)

// TestSMTPMailerSigns sends a notice the way the site sends confirmations
// with -smtp and -dkim-key, and finds the signature at the sink.
func TestSMTPMailerSigns(t *testing.T) {
	sink, err := smtpsink.Start(0)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	sink.Keep()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	o := options{smtp: sink.Addr(), from: "ख़बर <digest@khabar.example>", dkimKey: keyPath, dkimSelector: "s1"}
	m, err := newMailer(o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	n := &digest.Notice{
		From: mail.Address{Name: "ख़बर", Address: "digest@khabar.example"}, To: mail.Address{Address: "reader@example.com"},
		Subject: "पुष्टि करें", Text: []byte("पुष्टि करें\n"), HTML: []byte("<p>पुष्टि करें</p>"),
		MessageID: "t1.confirm@khabar.example", Date: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC), Language: "hi",
	}
	if err := m.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	msgs := sink.Messages()
	if len(msgs) != 1 {
		t.Fatalf("the sink got %d messages, want 1", len(msgs))
	}
	head, _, _ := strings.Cut(string(msgs[0].Data), "\r\n\r\n")
	if !strings.Contains(head, "DKIM-Signature:") || !strings.Contains(head, "d=khabar.example") || !strings.Contains(head, "s=s1") {
		t.Errorf("no DKIM signature for khabar.example/s1 in:\n%s", head)
	}
	o.dkimSelector = ""
	if _, err := newMailer(o, io.Discard); err == nil || !strings.Contains(err.Error(), "go together") {
		t.Errorf("-dkim-key without -dkim-selector: %v", err)
	}
}
