package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDKIMIndependentVerifier sends the bundled edition signed with an
// Ed25519 and then an RSA-2048 key and verifies every message with dkimpy
// (Debian's python3-dkim), a DKIM implementation that shares no code with
// the signer or with go-msgauth, which the other tests verify with. It
// then checks what the over-signing is for: a second From or Subject
// added after signing, or a changed List-Id, breaks the signature. The
// test is skipped without python3-dkim, except under CI=true, where it
// fails (.ci/install.sh installs it).
func TestDKIMIndependentVerifier(t *testing.T) {
	py := dkimpy(t)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		key  crypto.Signer
		txt  string
	}{
		{"ed25519", edKey, "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(edKey.Public().(ed25519.PublicKey))},
		{"rsa", rsaKey, "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(must(x509.MarshalPKIXPublicKey(rsaKey.Public())))},
	} {
		t.Run(c.name, func(t *testing.T) {
			box, addr := startMailbox(t)
			o := testOptions(t)
			o.send = sendOptions{smtp: addr, dkimKey: keyFile(t, t.TempDir(), "dkim.pem", c.key), dkimSelector: "k2026", workers: 3, dialTimeout: 5 * time.Second}
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), o, &stdout, &stderr); err != nil {
				t.Fatalf("run: %v\n%s\n%s", err, stdout.String(), stderr.String())
			}
			sent, tampered := t.TempDir(), t.TempDir()
			n := 0
			box.mu.Lock()
			for _, ms := range box.msgs {
				for _, m := range ms {
					n++
					write(t, filepath.Join(sent, fmt.Sprintf("%03d.eml", n)), m)
				}
			}
			box.mu.Unlock()
			if n != 29 {
				t.Fatalf("the mailbox holds %d messages, want 29", n)
			}
			one := must(os.ReadFile(filepath.Join(sent, "001.eml")))
			for name, m := range map[string][]byte{
				"second-from":    append([]byte("From: Someone Else <ceo@khabar.example>\r\n"), one...),
				"second-subject": append([]byte("Subject: Urgent: confirm your password\r\n"), one...),
				"list-id":        bytes.Replace(one, []byte("List-Id: "), []byte("List-Id: X"), 1),
			} {
				if bytes.Equal(m, one) {
					t.Fatalf("%s: the message has no header to change", name)
				}
				write(t, filepath.Join(tampered, name+".eml"), m)
			}

			const record = "k2026._domainkey.khabar.example"
			out, err := exec.Command(py, "testdata/dkimverify.py", sent, record, c.txt).CombinedOutput()
			if err != nil || strings.Count(string(out), "ok ") != 29 {
				t.Errorf("dkimpy on the sent messages: %v\n%s", err, out)
			}
			out, err = exec.Command(py, "testdata/dkimverify.py", tampered, record, c.txt).CombinedOutput()
			if err == nil || strings.Count(string(out), "FAIL ") != 3 {
				t.Errorf("dkimpy accepted a message changed after signing: %v\n%s", err, out)
			}
		})
	}
}

// dkimpy returns the python3 that has dkimpy (import dkim).
func dkimpy(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import dkim").Run() == nil {
			return py
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("python3-dkim is required in CI (.ci/install.sh installs it)")
	}
	t.Skip("python3-dkim not installed")
	return ""
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
