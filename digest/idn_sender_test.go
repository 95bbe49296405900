package digest

import (
	"bytes"
	"context"
	"net/mail"
	"strings"
	"testing"

	"golang.org/x/net/idna"
)

// TestIDNSenderDomain: a publisher on an internationalized domain
// (the .भारत TLD) passes NewBuilder, but the composed message carries
// RFC 2047 encoded-words in Message-ID, List-Id and List-Unsubscribe
// (RFC 2047 section 5: an encoded-word must not appear in a msg-id or
// inside angle-bracketed URIs; RFC 2369 List-Unsubscribe is a list of
// <URI>; RFC 8058 one-click needs it readable). The From field carries
// the raw UTF-8 domain even when the recipient is ASCII (the envelope is
// not SMTPUTF8, RFC 6532 section 3).
func TestIDNSenderDomain(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Config)
	}{
		{"From", func(c *Config) { c.From = "ख़बर <digest@ख़बर.भारत>" }},
		{"UnsubscribeMailto", func(c *Config) { c.UnsubscribeMailto = "unsubscribe@ख़बर.भारत" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := readBack(t, buildAsha(t, tc.mod))
			for _, h := range []string{"Message-Id", "List-Id", "List-Unsubscribe"} {
				v := msg.Header.Get(h)
				if strings.Contains(v, "=?") || !strings.HasPrefix(strings.TrimSpace(v), "<") {
					t.Errorf("%s: %q is not an angle-bracketed value (encoded-words are not allowed there)", h, v)
				}
			}
			puny, _ := idna.Lookup.ToASCII("ख़बर.भारत")
			if tc.name == "From" {
				if id := msg.Header.Get("Message-Id"); !strings.HasSuffix(id, "@"+puny+">") {
					t.Errorf("Message-ID %q, want the domain %s", id, puny)
				}
				if v := msg.Header.Get("From"); !strings.Contains(v, "<digest@"+puny+">") {
					t.Errorf("From %q, want the address digest@%s", v, puny)
				}
			} else if v := msg.Header.Get("List-Unsubscribe"); !strings.Contains(v, "<mailto:unsubscribe@"+puny+"?subject=unsubscribe%20") {
				t.Errorf("List-Unsubscribe %q, want the mailto: URI with the domain %s", v, puny)
			}
			for _, h := range []string{"From"} {
				v := msg.Header.Get(h)
				if !isASCII(v) {
					t.Errorf("%s: %q has raw UTF-8 in a message to an ASCII recipient (no SMTPUTF8)", h, v)
				}
			}
		})
	}
}

func TestMailtoURI(t *testing.T) {
	for in, want := range map[string]string{
		"unsubscribe@khabar.example":   "mailto:unsubscribe@khabar.example",
		"un+sub@khabar.example":        "mailto:un+sub@khabar.example",
		"a%b?c#d&e=f/g@khabar.example": "mailto:a%25b%3Fc%23d%26e%3Df%2Fg@khabar.example",
		"सदस्यता@khabar.example":       "mailto:%E0%A4%B8%E0%A4%A6%E0%A4%B8%E0%A5%8D%E0%A4%AF%E0%A4%A4%E0%A4%BE@khabar.example",
		"unsubscribe@ख़बर.भारत":        "mailto:unsubscribe@xn--",
	} {
		got, err := mailtoURI(in)
		if err != nil || !strings.HasPrefix(got, want) || (!strings.HasSuffix(want, "xn--") && got != want) {
			t.Errorf("mailtoURI(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := mailtoURI("a@ab-.भारत"); err == nil {
		t.Error("mailtoURI took a domain IDNA refuses")
	}
}

// TestHandMadeIDNFrom: a Message whose From was set by hand to an
// internationalized domain goes out with that domain in punycode too.
func TestHandMadeIDNFrom(t *testing.T) {
	m := buildAsha(t, nil)
	m.From = mail.Address{Name: "ख़बर", Address: "digest@ख़बर.भारत"}
	msg := readBack(t, m)
	puny, _ := idna.Lookup.ToASCII("ख़बर.भारत")
	if v := msg.Header.Get("From"); !strings.Contains(v, "<digest@"+puny+">") {
		t.Errorf("From %q, want digest@%s", v, puny)
	}
}

func TestEnvelopeIDNFrom(t *testing.T) {
	m := buildAsha(t, nil)
	m.From = mail.Address{Address: "digest@ख़बर.भारत"}
	m.ReturnPath = ""
	from, _, err := m.Envelope()
	if err != nil {
		t.Fatal(err)
	}
	msg, err := m.Msg()
	if err != nil {
		t.Fatal(err)
	}
	want, err := msg.GetSender(false)
	if err != nil || from != want || !isASCII(from) {
		t.Errorf("Envelope from %q, Msg's sender %q (%v): want the same, in ASCII", from, want, err)
	}
}

// buildAsha builds the test edition for an ASCII address with the test
// Builder, mod changing its Config.
func buildAsha(t *testing.T, mod func(*Config)) *Message {
	t.Helper()
	m, err := newTestBuilder(t, mod).Build(context.Background(), testEdition, &Subscriber{Email: "asha@example.com", Language: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// readBack writes m out and reads it with net/mail.
func readBack(t *testing.T, m *Message) *mail.Message {
	t.Helper()
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}
