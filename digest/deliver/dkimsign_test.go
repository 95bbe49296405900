package deliver

import (
	"bytes"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

// TestDKIMFastSignatureMatchesGoMsgauth signs messages with the one-pass
// signer and with go-msgauth's, in the same second: the fields are the
// same bytes (Ed25519 signatures are deterministic).
func TestDKIMFastSignatureMatchesGoMsgauth(t *testing.T) {
	_, ek := testKeys(t)
	d := &DKIM{Domain: "khabar.example", Selector: "k", Key: ek, Expiry: time.Hour, Now: func() time.Time { return testDate }}
	body := "  leading space\r\nword \t  word\t\r\n\r\n.\r\n \r\n\r\n\r\n"
	for _, msg := range [][]byte{testMsgBytes(t, "e", rcptAddr(1)), []byte("From: a@khabar.example\r\nSubject:  x\r\n\ty\r\nSubject: z\r\n\r\n" + body), []byte("From: a@khabar.example\r\n\r\n")} {
		headers := d.signedHeaders(msg)
		exp := d.Now().Add(d.Expiry)
		for {
			before := time.Now().Unix()
			fast, ok, err := d.fastSignature(msg, d.Domain, headers, exp)
			if err != nil || !ok {
				t.Fatalf("fast signature: ok %t, %v", ok, err)
			}
			slow, err := d.slowSignature(msg, &dkim.SignOptions{Domain: d.Domain, Selector: d.Selector, Signer: d.Key,
				HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
				HeaderKeys: headers, Expiration: exp})
			if err != nil {
				t.Fatal(err)
			}
			if time.Now().Unix() != before {
				continue // t= may differ: again
			}
			if fast != slow {
				t.Errorf("fast signature\n%q\nwant\n%q", fast, slow)
			}
			break
		}
	}
	if _, ok, _ := d.fastSignature([]byte("From: a@khabar.example\n\nbare LF\n"), d.Domain, []string{"From"}, time.Time{}); ok {
		t.Error("the fast signer took a message with bare LFs")
	}
}

// FuzzDKIMFastSignature compares the one-pass signer with go-msgauth's on
// any message with a header block, its line breaks made CRLF.
func FuzzDKIMFastSignature(f *testing.F) {
	f.Add([]byte("From: a@khabar.example\nSubject:  x\n\ty\nSubject: z\n\n  leading space\nword \t  word\t\n\n.\n \n\n\n"))
	f.Add([]byte(" odd first line\nFROM : a@khabar.example\nTo:\n b@example.org\n\nbody"))
	f.Add([]byte("From: a@khabar.example\n\n"))
	_, ek := testKeys(f)
	d := &DKIM{Domain: "khabar.example", Selector: "k", Key: ek}
	headers := []string{"From", "To", "Subject", "From", "Subject"}
	f.Fuzz(func(t *testing.T, msg []byte) {
		msg = crlfOnly(msg)
		if !bytes.Contains(msg, []byte("\r\n\r\n")) {
			return
		}
		for {
			before := time.Now().Unix()
			fast, ok, err := d.fastSignature(msg, d.Domain, headers, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				return // Sign leaves it to go-msgauth
			}
			slow, err := d.slowSignature(msg, &dkim.SignOptions{Domain: d.Domain, Selector: d.Selector, Signer: d.Key,
				HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
				HeaderKeys: headers})
			if err != nil {
				return // go-msgauth refuses it
			}
			if time.Now().Unix() != before {
				continue
			}
			if fast != slow {
				t.Fatalf("%q: fast signature\n%q\nwant\n%q", msg, fast, slow)
			}
			return
		}
	})
}
