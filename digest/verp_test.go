package digest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestReturnPath(t *testing.T) {
	tok := testTokens()
	long := strings.Repeat("x", 254-len("@example.com")) + "@example.com"
	cases := []struct {
		name, base, email string
		ed                Edition
		wantEdition       string
	}{
		{"default list", "bounces@khabar.example", "Asha@Example.com", Edition{Date: "2026-11-24"}, "daily-2026-11-24"},
		{"short list", "bounces@khabar.example", "asha@example.com", Edition{Date: "2026-11-24", List: "weekly"}, "weekly-2026-11-24"},
		{"254-octet address", "b@k.example", long, Edition{Date: "2026-11-24"}, "daily-2026-11-24"},
		{"list too long to fit", "bounces@khabar.example", "asha@example.com", Edition{Date: "2026-11-24", List: "the-very-long-list-name-x"}, ""},
		{"upper-case list", "bounces@khabar.example", "asha@example.com", Edition{Date: "2026-11-24", List: "Weekly"}, ""},
		{"longest prefix", strings.Repeat("p", MaxReturnPathPrefix) + "@khabar.example", "asha@example.com", Edition{Date: "2026-11-24"}, "daily-2026-11-24"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rp, err := tok.ReturnPath(c.base, c.email, c.ed)
			if err != nil {
				t.Fatal(err)
			}
			local := rp[:strings.LastIndexByte(rp, '@')]
			if len(local) > 64 || !strings.HasPrefix(rp, c.base[:strings.IndexByte(c.base, '@')]+"+") || !strings.HasSuffix(rp, c.base[strings.IndexByte(c.base, '@'):]) {
				t.Fatalf("ReturnPath = %q (local part %d octets)", rp, len(local))
			}
			if strings.ToLower(rp) != rp {
				t.Errorf("ReturnPath = %q has upper case", rp)
			}
			for _, addr := range []string{rp, strings.ToUpper(rp)} {
				got, err := tok.VerifyReturnPath(addr)
				if err != nil {
					t.Fatalf("VerifyReturnPath(%q): %v", addr, err)
				}
				if got.AddressHash != AddressHash(c.email) || got.Edition != c.wantEdition || got.KeyID != "k1" {
					t.Errorf("VerifyReturnPath(%q) = %+v; want hash %s, edition %q", addr, got, AddressHash(c.email), c.wantEdition)
				}
			}
		})
	}
}

func TestReturnPathRefused(t *testing.T) {
	tok := testTokens()
	rp, err := tok.ReturnPath("bounces@khabar.example", "asha@example.com", Edition{Date: "2026-11-24", List: "weekly"})
	if err != nil {
		t.Fatal(err)
	}
	at := strings.IndexByte(rp, '@')
	other := &Tokens{Keys: []TokenKey{{ID: "k9", Secret: bytes.Repeat([]byte{9}, 32)}}}
	flip := func(i int) string {
		b := []byte(rp)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	for name, addr := range map[string]string{
		"altered mac":     flip(len("bounces+")),
		"altered hash":    flip(len("bounces+") + 10),
		"altered list":    rp[:at-1] + "x" + rp[at:],
		"no code":         "bounces@khabar.example",
		"short code":      "bounces+abc@khabar.example",
		"not base32":      "bounces+" + strings.Repeat("1", 24) + "@khabar.example",
		"bad date":        rp[:len("bounces+")+24] + "20261399" + rp[len("bounces+")+32:],
		"empty":           "",
		"no at":           "bounces+x",
		"another keyring": "",
	} {
		ver := tok
		if name == "another keyring" {
			addr, ver = rp, other
		}
		if c, err := ver.VerifyReturnPath(addr); !errors.Is(err, ErrReturnPath) {
			t.Errorf("%s: VerifyReturnPath(%q) = %+v, %v; want ErrReturnPath", name, addr, c, err)
		}
	}
	// A retired key verifies until its grace ends.
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	rot := &Tokens{Keys: []TokenKey{{ID: "k2", Secret: bytes.Repeat([]byte{2}, 32)}, {ID: "k1", Secret: tok.Keys[0].Secret, Retired: now.Add(-24 * time.Hour)}},
		Now: func() time.Time { return now }}
	if c, err := rot.VerifyReturnPath(rp); err != nil || c.KeyID != "k1" {
		t.Errorf("retired key within grace: %+v, %v", c, err)
	}
	rot.Now = func() time.Time { return now.Add(31 * 24 * time.Hour) }
	if _, err := rot.VerifyReturnPath(rp); !errors.Is(err, ErrReturnPath) {
		t.Errorf("retired key past grace: %v; want ErrReturnPath", err)
	}
	for _, base := range []string{"Bounces@khabar.example", "b+x@khabar.example", "x", strings.Repeat("p", MaxReturnPathPrefix+1) + "@k.example", "b@ख़बर.example"} {
		if _, err := tok.ReturnPath(base, "asha@example.com", Edition{Date: "2026-11-24"}); err == nil {
			t.Errorf("ReturnPath with base %q: no error", base)
		}
		if _, err := NewBuilder(func() Config { c := testConfig(fixtureCatalog(t)); c.ReturnPath = base; return c }()); err == nil || !strings.Contains(err.Error(), "ReturnPath") {
			t.Errorf("NewBuilder with ReturnPath %q: %v; want an error naming ReturnPath", base, err)
		}
	}
}

// TestMessageReturnPath checks that a Builder with a ReturnPath gives
// each message a signed envelope sender that the go-mail message carries
// (digest/deliver sends MAIL FROM with GetSender) and that no header
// shows.
func TestMessageReturnPath(t *testing.T) {
	b := newTestBuilder(t, func(c *Config) { c.ReturnPath = "bounces@khabar.example" })
	sub := goldenSubscribers[1]
	m, err := b.Build(context.Background(), testEdition, sub)
	if err != nil {
		t.Fatal(err)
	}
	c, err := testTokens().VerifyReturnPath(m.ReturnPath)
	if err != nil || c.AddressHash != AddressHash(sub.Email) || c.Edition != testEdition.ID() {
		t.Fatalf("ReturnPath %q: %+v, %v", m.ReturnPath, c, err)
	}
	msg, err := m.Msg()
	if err != nil {
		t.Fatal(err)
	}
	// go-mail gives the sender in angle brackets, From's as well.
	if from, err := msg.GetSender(false); err != nil || from != "<"+m.ReturnPath+">" {
		t.Errorf("envelope sender = %q, %v; want %q", from, err, m.ReturnPath)
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte(m.ReturnPath)) {
		t.Errorf("the return path shows in the message:\n%s", buf.Bytes()[:400])
	}
	// Without ReturnPath the envelope sender is From, as before.
	m2, _ := newTestBuilder(t, nil).Build(context.Background(), testEdition, sub)
	msg2, _ := m2.Msg()
	if from, _ := msg2.GetSender(false); m2.ReturnPath != "" || from != "<digest@khabar.example>" {
		t.Errorf("without ReturnPath: %q, sender %q", m2.ReturnPath, from)
	}
}
