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
	o := options{smtp: sink.Addr(), from: "ख़बर <digest@khabar.example>", dkimKey: dkimKeyFile(t), dkimSelector: "s1"}
	m, err := newMailer(o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), testNotice()); err != nil {
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

// TestFileMailerSigns: without -smtp, -dkim-key signs the .eml files the
// site writes (it used to be ignored, a missing key file included).
func TestFileMailerSigns(t *testing.T) {
	out := t.TempDir()
	o := options{out: out, from: "ख़बर <digest@khabar.example>", dkimKey: dkimKeyFile(t), dkimSelector: "s1"}
	m, err := newMailer(o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), testNotice()); err != nil {
		t.Fatal(err)
	}
	if head := onlyEMLHeader(t, out); !strings.Contains(head, "DKIM-Signature:") || !strings.Contains(head, "s=s1") {
		t.Errorf("no DKIM signature in the .eml file:\n%s", head)
	}
	o.dkimKey = filepath.Join(out, "missing.pem")
	if _, err := newMailer(o, io.Discard); err == nil {
		t.Error("-dkim-key naming a missing file, without -smtp: accepted")
	}
}

// dkimKeyFile writes a new Ed25519 key as PEM and returns its path.
func dkimKeyFile(t *testing.T) string {
	t.Helper()
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
	return keyPath
}

// testNotice is a confirmation-like notice from khabar.example.
func testNotice() *digest.Notice {
	return &digest.Notice{
		From: mail.Address{Name: "ख़बर", Address: "digest@khabar.example"}, To: mail.Address{Address: "reader@example.com"},
		Subject: "पुष्टि करें", Text: []byte("पुष्टि करें\n"), HTML: []byte("<p>पुष्टि करें</p>"),
		MessageID: "t1.confirm@khabar.example", Date: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC), Language: "hi",
	}
}

// onlyEMLHeader returns the header of the one .eml file in dir.
func onlyEMLHeader(t *testing.T, dir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d .eml files, want 1", len(files))
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(string(b), "\r\n\r\n")
	return head
}
