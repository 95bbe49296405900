package digest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestEmailKeyIdempotent (found by an adversarial review of the rekey).
//
// Scenario: an address whose domain is ASCII but has a punycode label that
// IDNA refuses, e.g. "x@xn--bcher-2pa.example" (punycode of "bÜcher":
// the upper-case Ü is encoded in the label, so lower-casing the ASCII does
// not remove it). Mail to it goes to that ASCII host as it is (asciiDomain
// passes ASCII domains through), and Import/CheckAddress accept it. keyIDNA
// has ValidateLabels(false) and no check of decoded punycode, so EmailKey
// decodes the label to "bÜcher" and the key is "x@bÜcher.example"; but
// EmailKey of that key maps Ü to ü and gives "x@bücher.example" — the key of
// another domain (xn--bcher-kva). Before bad4e35 the key was the lower-cased
// address, idempotent.
//
// Consequence: the unsubscribe token carries EmailKey(email) (SignFor), the
// handler passes Claims.Email to the store, which keys it again: the link
// in x@xn--bcher-2pa.example's digest unsubscribes x@bücher.example (a
// different person) and leaves the recipient active, mailed again.
//
// Expected: EmailKey(EmailKey(x)) == EmailKey(x) for every x; the link
// unsubscribes the recipient and no one else.
//
// Fix: accept the IDNA reading only when it round-trips
// (keyIDNA.ToASCII(u) == a, or EmailKey(result) == result, or validate
// decoded punycode labels as idna.Lookup's fromPuny does) and otherwise fall
// back to lower-casing, as the doc comment promises for domains IDNA cannot
// read.
func TestEmailKeyIdempotent(t *testing.T) {
	for _, e := range []string{"x@xn--bcher-2pa.example", "X@XN--BCHER-2PA.example"} {
		k := EmailKey(e)
		if k2 := EmailKey(k); k2 != k {
			t.Errorf("EmailKey(%q) = %q, but EmailKey of that = %q", e, k, k2)
		}
	}

	ctx := context.Background()
	store := &MemStore{}
	if _, err := store.Import(ctx, []*Subscriber{{Email: "x@xn--bcher-2pa.example"}, {Email: "x@bücher.example"}}); err != nil {
		t.Fatal(err)
	}
	tk := testTokens()
	h := &UnsubscribeHandler{Tokens: tk, Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	srv := httptest.NewServer(h)
	defer srv.Close()
	tok, err := tk.Sign("x@xn--bcher-2pa.example", "daily")
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Client().Post(srv.URL+"/unsubscribe?t="+url.QueryEscape(tok), "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("unsubscribe: status %d", res.StatusCode)
	}
	if st, err := store.Status(ctx, "x@xn--bcher-2pa.example"); err != nil || st != StatusUnsubscribed {
		t.Errorf("the recipient whose link was used: %q, %v; want unsubscribed", st, err)
	}
	if st, err := store.Status(ctx, "x@bücher.example"); err != nil || st != StatusActive {
		t.Errorf("another mailbox (x@bücher.example): %q, %v; want active (not its link)", st, err)
	}
}

// TestEmailKeyAllocs (found by an adversarial review of the rekey).
//
// Scenario: EmailKey is called per subscriber per edition (Subscriber.Key,
// journal keys, sent log, RecipientKey). On an already lower-case ASCII
// address the old key (strings.ToLower of the trimmed address) returned
// the string itself: 0 allocations, ~25 ns. Now the address is split and
// concatenated again (local + "@" + domain): 1 allocation, ~105 ns (4x);
// on a mixed-case address 4 allocations and ~250 ns against 1 and ~100 ns.
//
// Expected: no allocation for an ASCII address without upper case or
// "xn--" (the key is the address).
//
// Fix: a fast path before splitting: when the trimmed address is ASCII
// and its domain has no "xn--" label (case-insensitively), return
// strings.ToLower(email) (lower-casing ASCII per part and whole is the same).
func TestEmailKeyAllocs(t *testing.T) {
	var sink string
	n := testing.AllocsPerRun(1000, func() { sink = EmailKey("reader.name@example.org") })
	if n != 0 {
		t.Errorf("EmailKey of a lower-case ASCII address: %v allocations, want 0 (strings.ToLower(strings.TrimSpace) made none)", n)
	}
	_ = sink
}

// TestEmailKeyCanonical (found by an adversarial review of the rekey): EmailKey agrees with
// CanonicalAddress (EmailKey(CanonicalAddress(x)) == EmailKey(x)) and is
// idempotent on the spellings a signup form accepts; old keys (the
// lower-cased punycode address a token issued before the upgrade carries)
// key to the new key, so old unsubscribe links still find the record; no
// panic on odd input.
func TestEmailKeyCanonical(t *testing.T) {
	for _, e := range []string{"Reader@XN--BCHER-KVA.example", "reader@bücher.example", "x@STRAẞE.de", "x@straße.de",
		"x@İ.example", "x@ı.example", "x@ａｂｃ.example", "x@bü\u200bcher.example", "x@xn--ls8h.la", "Ravi@Example.COM"} {
		c, err := CanonicalAddress(e)
		if err != nil {
			t.Fatalf("%q: %v", e, err)
		}
		if EmailKey(c) != EmailKey(e) || EmailKey(EmailKey(e)) != EmailKey(e) {
			t.Errorf("%q: key %q, canonical %q key %q", e, EmailKey(e), c, EmailKey(c))
		}
	}
	if EmailKey(strings.ToLower("Reader@XN--BCHER-KVA.example")) != EmailKey("reader@bücher.example") {
		t.Error("an old key does not key to the new one")
	}
	// ß and ss, dotless ı and i stay apart (nontransitional IDNA).
	if EmailKey("x@straße.de") == EmailKey("x@strasse.de") || EmailKey("x@ı.example") == EmailKey("x@i.example") {
		t.Error("distinct domains merged")
	}
	for _, e := range []string{"", "@", "a@", "@@", "\xff@\xfe", "a@" + strings.Repeat("ü", 300) + ".example", "a@" + strings.Repeat("a.", 200)} {
		_ = EmailKey(e)
	}
}
