package main

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"net/mail"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/idna"
)

// TestIDNDKIMDomain (adversarial review of 244c5a8 and 63bd00f).
//
// With -from on an internationalized domain, 244c5a8 writes the From
// address (and the Message-ID) with the domain in punycode, but
// -dkim-key's signer takes its d= from deliver.DomainOf(-from), which
// gives the Unicode domain: the DKIM-Signature carries raw UTF-8 in d=
// (RFC 6376 3.5: "Internationalized domain names MUST be encoded as
// A-labels"), and a verifier (dkimpy) looks the key up under a name no
// one can publish and fails; the signature does not align with the
// From domain either (DMARC).
func TestIDNDKIMDomain(t *testing.T) {
	out := t.TempDir()
	keyPath := dkimKeyFile(t)
	o := options{out: out, from: "ख़बर <digest@ख़बर.भारत>", dkimKey: keyPath, dkimSelector: "s1"}
	m, err := newMailer(o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	n := testNotice()
	n.From = mail.Address{Name: "ख़बर", Address: "digest@ख़बर.भारत"}
	n.MessageID = "t1.confirm@xn--21b8bm0c.xn--h2brj9c" // as signup.Confirmation makes it
	if err := m.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	head := onlyEMLHeader(t, out)
	puny, _ := idna.Lookup.ToASCII("ख़बर.भारत")
	d := regexp.MustCompile(`[; \t]d=([^;]*);`).FindStringSubmatch(strings.ReplaceAll(head, "\r\n", ""))
	if d == nil || strings.TrimSpace(d[1]) != puny {
		got := "(none)"
		if d != nil {
			got = d[1]
		}
		t.Errorf("DKIM d=%s; want the A-label %s (the From field says digest@%s)", got, puny, puny)
	}

	// dkimpy, with the key published where DNS can hold it.
	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import dkim").Run() != nil {
		t.Skip("python3-dkim not installed")
	}
	pemBytes, _ := os.ReadFile(keyPath)
	blk, _ := pem.Decode(pemBytes)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	txt := "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k.(ed25519.PrivateKey).Public().(ed25519.PublicKey))
	res, err := exec.Command(py, "../digest-sender/testdata/dkimverify.py", out, "s1._domainkey."+puny, txt).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(res), "ok ") {
		t.Errorf("dkimpy: %v\n%s", err, res)
	}
}
