package signup

import (
	"bytes"
	"net/mail"
	"strings"
	"testing"

	"github.com/khabar/khabar/digest"
	"golang.org/x/net/idna"
)

// TestConfirmationIDNFrom: a site on an internationalized domain sends
// its confirmation with the domain in punycode in From and the
// Message-ID (RFC 5322 3.6.4 has no room for encoded-words in a
// msg-id), not as encoded-words or raw UTF-8.
func TestConfirmationIDNFrom(t *testing.T) {
	f := newFixture(t)
	f.s.From = "ख़बर <digest@ख़बर.भारत>"
	n, err := f.s.Confirmation("asha@example.com", "0123456789abcdef0123456789abcdef", digest.Choices{Language: "hi"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := n.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(&buf)
	if err != nil {
		t.Fatal(err)
	}
	puny, _ := idna.Lookup.ToASCII("ख़बर.भारत")
	if id := msg.Header.Get("Message-Id"); !strings.HasSuffix(id, "@"+puny+">") {
		t.Errorf("Message-ID %q, want the domain %s", id, puny)
	}
	if v := msg.Header.Get("From"); !strings.Contains(v, "<digest@"+puny+">") {
		t.Errorf("From %q, want digest@%s", v, puny)
	}
	f.s.From = "digest@ab-.भारत"
	if err := f.s.check(); err == nil {
		t.Error("check took a From whose domain IDNA refuses")
	}
}
