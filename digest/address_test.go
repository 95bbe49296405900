package digest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"os/exec"
	"strings"
	"testing"
)

// TestInternationalAddresses: a domain in Unicode goes out in punycode, in
// the envelope and in a To field that Go's net/mail reads back; a local
// part in Unicode stays UTF-8 (RFC 6532) and is flagged NeedsSMTPUTF8.
// Before, user@bücher.example was written as one encoded word around the
// whole address, which no parser reads as an address.
func TestInternationalAddresses(t *testing.T) {
	b := newTestBuilder(t, nil)
	for _, tc := range []struct {
		email, name, envelope string
		utf8                  bool
	}{
		{"user@bücher.example", "", "user@xn--bcher-kva.example", false},
		{"user@bücher.example", "आशा वर्मा", "user@xn--bcher-kva.example", false},
		{"asha@उदाहरण.भारत", "Asha", "asha@xn--p1b6ci4b4b3a.xn--h2brj9c", false},
		{"राम@example.com", "राम", "राम@example.com", true},
		{"ascii@example.com", "Ravi", "ascii@example.com", false},
	} {
		t.Run(tc.email+"/"+tc.name, func(t *testing.T) {
			if got := NeedsSMTPUTF8(tc.email); got != tc.utf8 {
				t.Errorf("NeedsSMTPUTF8 = %v, want %v", got, tc.utf8)
			}
			sub := &Subscriber{Email: tc.email, Name: tc.name, Language: "hi"}
			if err := sub.Validate(); err != nil {
				t.Fatal(err)
			}
			m, err := b.Build(context.Background(), testEdition, sub)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := m.Msg()
			if err != nil {
				t.Fatal(err)
			}
			rcpts, err := msg.GetRecipients()
			if err != nil || len(rcpts) != 1 || strings.Trim(rcpts[0], "<>") != tc.envelope {
				t.Errorf("envelope recipients %q (%v), want %q", rcpts, err, tc.envelope)
			}
			var buf bytes.Buffer
			if _, err := msg.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			parsed, err := mail.ReadMessage(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			to, err := parsed.Header.AddressList("To")
			if err != nil || len(to) != 1 {
				t.Fatalf("To %q: net/mail reads %v, %v", parsed.Header.Get("To"), to, err)
			}
			if to[0].Address != tc.envelope || to[0].Name != tc.name {
				t.Errorf("To reads as %q <%s>, want %q <%s>", to[0].Name, to[0].Address, tc.name, tc.envelope)
			}
			pyName, pyAddr := pythonReadsTo(t, buf.Bytes())
			if pyAddr != tc.envelope || pyName != tc.name {
				t.Errorf("Python reads To as %q <%s>, want %q <%s>", pyName, pyAddr, tc.name, tc.envelope)
			}
		})
	}
	bad := &Subscriber{Email: "user@bü\u200dcher.example"} // a joiner where IDNA allows none
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "domain") {
		t.Errorf("an invalid internationalized domain: err %v", err)
	}
}

// pythonReadsTo parses eml with Python's email package (policy SMTPUTF8,
// which reads RFC 6532 headers) and returns the To field's one name and
// address; it skips without python3, except under CI=true.
func pythonReadsTo(t *testing.T, eml []byte) (name, addr string) {
	t.Helper()
	py := python3(t)
	const readTo = `
import email, email.policy, json, sys
msg = email.message_from_string(sys.stdin.buffer.read().decode('utf-8'), policy=email.policy.SMTPUTF8)
a = msg['To'].addresses
# A UTF-8 local part is flagged as a defect of RFC 5322 even under the
# SMTPUTF8 policy, which is what allows it; that one is expected.
defects = [repr(d) for d in msg['To'].defects if type(d).__name__ != 'NonASCIILocalPartDefect']
print(json.dumps({'name': a[0].display_name, 'addr': a[0].addr_spec, 'n': len(a), 'defects': defects}))
`
	cmd := exec.Command(py, "-c", readTo)
	cmd.Stdin = bytes.NewReader(eml)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var got struct {
		Name, Addr string
		N          int
		Defects    []string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.N != 1 || len(got.Defects) > 0 {
		t.Errorf("Python reads %d addresses, defects %v", got.N, got.Defects)
	}
	return got.Name, got.Addr
}

// TestCanonicalAddress: spellings the mail system delivers to one mailbox
// come out as one address, whose EmailKey names the mailbox its mail
// reaches; address literals and local parts that Unicode lower-casing
// changes are refused.
func TestCanonicalAddress(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Kate@Example.COM", "Kate@example.com"},
		{"victim@e\u00adxample.com", "victim@example.com"},        // soft hyphen: deleted by IDNA
		{"victim@ex\u200bample.com", "victim@example.com"},        // zero-width space
		{"victim@\uff45xample.com", "victim@example.com"},         // full-width e
		{"kate@stra\u1e9ee.de", "kate@strasse.de"},                // ẞ is mapped to "ss"
		{"kate@straße.de", "kate@straße.de"},                      // ß is a letter of its own
		{"kate@gma\u0130l.com", "kate@gmai\u0307l.com"},           // İ is i + dot, not gmail.com
		{"user@xn--p1b6ci4b4b3a.xn--h2brj9c", "user@उदाहरण.भारत"}, // punycode decoded
		{"user@उदाहरण.भारत", "user@उदाहरण.भारत"},
		{"петя@почта.рф", "петя@почта.рф"},
		{"a@localhost", "a@localhost"},
		{"postmaster@[10.0.0.5]", ""},
		{"Петя@почта.рф", ""},
		{"not an address", ""},
	} {
		got, err := CanonicalAddress(tc.in)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("CanonicalAddress(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if err != nil && !errors.Is(err, ErrInvalidSubscriber) {
			t.Errorf("CanonicalAddress(%q): error %v does not wrap ErrInvalidSubscriber", tc.in, err)
		}
		if got == "" {
			continue
		}
		if again, _ := CanonicalAddress(got); again != got {
			t.Errorf("CanonicalAddress(%q) = %q, not stable (%q)", got, again, got)
		}
		// The address mail to it is delivered to is the same address.
		if mailed, err := asciiDomain(got); err != nil {
			t.Errorf("CanonicalAddress(%q) = %q, which cannot be mailed: %v", tc.in, got, err)
		} else if back, _ := CanonicalAddress(mailed); back != got {
			t.Errorf("CanonicalAddress(%q) = %q, mailed to %q, which is %q", tc.in, got, mailed, back)
		}
	}
}

// TestEmailKeyOneMailbox: every spelling of a domain mail is delivered to
// gives one key (punycode, Unicode, upper case, full-width), so that an
// address imported with a punycode domain and the same mailbox signing up
// through the form are one subscriber; ASCII host names IDNA refuses
// (an underscore, "--" in third place) are only lower-cased.
func TestEmailKeyOneMailbox(t *testing.T) {
	for want, spellings := range map[string][]string{
		"reader@bücher.example":      {"Reader@XN--BCHER-KVA.example", "reader@bücher.example", " READER@BÜCHER.example ", "reader@ｂücher.example"},
		"ops@mail_relay.example.com": {"OPS@Mail_Relay.example.com"},
		"x@ab--cd.example":           {"x@AB--cd.example"},
		"ravi@example.com":           {"Ravi@Example.COM"},
	} {
		for _, s := range spellings {
			if got := EmailKey(s); got != want {
				t.Errorf("EmailKey(%q) = %q, want %q", s, got, want)
			}
		}
	}
	ctx := context.Background()
	m := &MemStore{}
	if _, err := m.Import(ctx, []*Subscriber{{Email: "Reader@XN--BCHER-KVA.example"}}); err != nil {
		t.Fatal(err)
	}
	c, err := CanonicalAddress("reader@bücher.example")
	if err != nil {
		t.Fatal(err)
	}
	if sub, err := m.Subscriber(ctx, c); err != nil || sub.Email != "Reader@XN--BCHER-KVA.example" {
		t.Errorf("the signup's spelling does not find the imported record: %+v, %v", sub, err)
	}
}
