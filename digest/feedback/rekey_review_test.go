package feedback

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
)

// TestReturnPathFromBeforeRekey (found by an adversarial review of the rekey).
//
// Scenario: a subscriber imported as "Reader@XN--BCHER-KVA.example" got
// editions before the upgrade to bad4e35. Their envelope sender carried
// digest.AddressHash of the key of that time, the lower-cased address
// "reader@xn--bcher-kva.example". After the upgrade (and the rekey) the
// edition of the day before bounces for good. The Processor maps a return
// path by hashing each stored address with AddressHash, which now hashes
// the new key "reader@bücher.example": the old hash maps to no one, the
// report falls back to its recipients, which are not trusted, and the
// bounce changes nothing — the dead address keeps being mailed (and bounces
// arriving days late are normal). The same holds for every IDN or punycode
// address whose key moved. Return paths (like tokens, 90 days) outlive the
// upgrade.
//
// Expected: a genuine return path signed before the upgrade still maps to
// the subscriber; the hard bounce marks it bounced.
//
// Fix: in Processor.lookup index each stored address under the legacy hash
// too (SHA-256 over strings.ToLower(strings.TrimSpace(email))) when it
// differs (only addresses whose key moved), or keep AddressHash over the
// legacy lower-cased form.
func TestReturnPathFromBeforeRekey(t *testing.T) {
	ctx := context.Background()
	store := &digest.MemStore{}
	if err := store.Put(ctx, &digest.Subscriber{Email: "Reader@XN--BCHER-KVA.example", Status: digest.StatusActive}); err != nil {
		t.Fatal(err)
	}
	p := &Processor{Store: store, Tokens: testTokens(), Now: func() time.Time { return testNow }}
	rp := legacyReturnPath("bounces@khabar.example", "Reader@XN--BCHER-KVA.example", "20261124", []byte("feedback-test-secret-0123456789ab"))
	if c, err := testTokens().VerifyReturnPath(rp); err != nil || c.Edition != "daily-2026-11-24" {
		t.Fatalf("the legacy return path %s does not verify: %+v, %v", rp, c, err)
	}
	msg := `From: MAILER-DAEMON@mx.example
To: ` + rp + `
Subject: Undelivered Mail Returned to Sender
Message-ID: <old-rp-1@mx.example>
Date: Wed, 25 Nov 2026 10:00:00 +0000
Content-Type: multipart/report; report-type=delivery-status; boundary=b

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example

Final-Recipient: rfc822; reader.forward@elsewhere.example
Action: failed
Status: 5.1.1
--b--
`
	res, err := p.Process(ctx, strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := store.Status(ctx, "reader@bücher.example"); err != nil || st != digest.StatusBounced {
		t.Errorf("status %q, %v; want bounced (actions %+v)", st, err, res.Actions)
	}
}

// legacyReturnPath is the return path digest.Tokens.ReturnPath made
// before bad4e35 for email and an edition of the default list: the
// address hash over the lower-cased address (the key of that time), the
// date, the MAC as verp.go defines it (the wire format of mail already
// sent).
func legacyReturnPath(base, email, date string, secret []byte) string {
	b32 := base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)
	sum := sha256.Sum256([]byte("khabar-address\x00" + strings.ToLower(strings.TrimSpace(email))))
	payload := b32.EncodeToString(sum[:10]) + date
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("khabar-return-path-v1\x00"))
	m.Write([]byte(payload))
	at := strings.LastIndexByte(base, '@')
	return base[:at] + "+" + b32.EncodeToString(m.Sum(nil)[:5]) + payload + base[at:]
}
