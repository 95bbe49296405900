package digest

import (
	"bytes"
	"context"
	"errors"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// goMailBytes returns what go-mail writes for m's Msg; it fails the test
// unless go-mail's count is the number of bytes it wrote.
func goMailBytes(t testing.TB, m *Message) ([]byte, error) {
	msg, err := m.Msg()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	n, err := msg.WriteTo(&buf)
	if n != int64(buf.Len()) {
		t.Fatalf("go-mail counted %d bytes, wrote %d", n, buf.Len())
	}
	return buf.Bytes(), err
}

// onlyWriter hides a *bytes.Buffer's type from WriteTo.
type onlyWriter struct{ b *bytes.Buffer }

func (w onlyWriter) Write(p []byte) (int, error) { return w.b.Write(p) }

// checkSameBytes fails unless AppendTo and WriteTo (to a bytes.Buffer and
// to another writer) write what go-mail writes for m, or fail as Msg
// does, and Envelope gives its envelope; it reports whether the fast path
// wrote them.
func checkSameBytes(t testing.TB, m *Message) (fast bool) {
	t.Helper()
	checkEnvelope(t, m)
	want, wantErr := goMailBytes(t, m)
	prefix := []byte("prefix")
	got, err := m.AppendTo(bytes.Clone(prefix))
	if wantErr != nil || err != nil {
		if wantErr == nil || err == nil || err.Error() != wantErr.Error() {
			t.Fatalf("AppendTo error %v, go-mail's %v", err, wantErr)
		}
		return false
	}
	if !bytes.HasPrefix(got, prefix) || !bytes.Equal(got[len(prefix):], want) {
		t.Fatalf("AppendTo differs from go-mail:\n%s", firstDiff(got[len(prefix):], want))
	}
	var buf bytes.Buffer
	buf.WriteString("x")
	if n, err := m.WriteTo(&buf); err != nil || n != int64(len(want)) || !bytes.Equal(buf.Bytes()[1:], want) {
		t.Fatalf("WriteTo to a bytes.Buffer differs from go-mail (%v):\n%s", err, firstDiff(buf.Bytes()[1:], want))
	}
	buf.Reset()
	if n, err := m.WriteTo(onlyWriter{&buf}); err != nil || n != int64(len(want)) || !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("WriteTo to a writer differs from go-mail (%v)", err)
	}
	_, fast = m.appendFast(nil)
	return fast
}

// firstDiff shows where a and b part.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-200)
	return "got:  " + strings.ReplaceAll(string(a[from:min(len(a), i+100)]), "\r\n", "⏎\n") +
		"\nwant: " + strings.ReplaceAll(string(b[from:min(len(b), i+100)]), "\r\n", "⏎\n")
}

// TestAppendToMatchesGoMail builds the bundled corpus's last three days
// for every bundled subscriber, and more (Devanagari and Urdu names,
// SMTPUTF8 and IDN addresses), with and without a return path and a
// mailto unsubscribe, and checks the fast path writes go-mail's bytes.
func TestAppendToMatchesGoMail(t *testing.T) {
	ctx := context.Background()
	subs := readSubscribersFile(t)
	subs = append(subs, goldenSubscribers...)
	subs = append(subs,
		&Subscriber{Email: "राम@example.com", Name: "राम प्रसाद बिस्मिल", Language: "hi"},
		&Subscriber{Email: "user@bücher.example", Name: "आशा वर्मा श्रीवास्तव चतुर्वेदी त्रिपाठी", Language: "hi"},
		&Subscriber{Email: "asha@उदाहरण.भारत", Name: "Asha", Language: "en"},
		&Subscriber{Email: "نور@example.pk", Name: "محمد علی جناح عبداللہ خان صاحب", Language: "ur"},
		&Subscriber{Email: "long.name@example.com", Name: strings.Repeat("Firstname Lastname ", 6), Language: "en"},
		&Subscriber{Email: "q@example.com", Name: `O'Brien, "Pat" (news)`, Language: "en"},
	)
	cat := corpusCatalog(t)
	configs := map[string]func(*Config){
		"default":     func(*Config) {},
		"return-path": func(c *Config) { c.ReturnPath = "bounces@khabar.example" },
		"no-mailto":   func(c *Config) { c.UnsubscribeMailto = "" },
	}
	newest, _ := cat.Newest(khabar.SiteKey(), 0, 1)
	built, fast := 0, 0
	for name, mod := range configs {
		cfg := testConfig(cat)
		mod(&cfg)
		b, err := NewBuilder(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for day := range 3 {
			ed := EditionOf(newest[0].Published.AddDate(0, 0, -day), b.Location())
			for _, sub := range subs {
				if !sub.Active() {
					continue
				}
				m, err := b.Build(ctx, ed, sub)
				if errors.Is(err, ErrSkipped) {
					continue
				}
				if err != nil {
					t.Fatalf("%s %s %s: %v", name, ed.Date, sub.Email, err)
				}
				built++
				if checkSameBytes(t, m) {
					fast++
				}
				// A long subject, folded between encoded words.
				long := *m
				long.Subject = strings.Repeat(m.Subject+" · ", 4)
				checkSameBytes(t, &long)
			}
		}
	}
	if built < 100 || fast != built {
		t.Errorf("%d messages built, %d by the fast path; want over 100, all by it", built, fast)
	}
}

// TestAppendToEdges covers bodies of every length around a base64 line,
// empty ones, missing optional fields and values the fast path leaves to
// go-mail.
func TestAppendToEdges(t *testing.T) {
	base, _ := buildGolden(t, goldenSubscribers[0])
	for n := range 60*3 + 2 {
		m := *base
		m.Text, m.HTML = bytes.Repeat([]byte("क"), n)[:n], bytes.Repeat([]byte{'<'}, n)
		checkSameBytes(t, &m)
	}
	for name, mod := range map[string]func(*Message){
		"no-language":     func(m *Message) { m.Language = "" },
		"no-list-id":      func(m *Message) { m.ListID = "" },
		"empty-bodies":    func(m *Message) { m.Text, m.HTML = nil, nil },
		"utf8-language":   func(m *Message) { m.Language = "हिं" },
		"tab-language":    func(m *Message) { m.Language = "hi\tIN" },
		"control-list-id": func(m *Message) { m.ListID = "a\x01b" },
		"spaces-list-id":  func(m *Message) { m.ListID = "a  b   " + strings.Repeat("c", 80) + "  d" },
		"bad-return-path": func(m *Message) { m.ReturnPath = "not an address" },
		"return-path":     func(m *Message) { m.ReturnPath = "Bounces <\"b x\"+k1@khabar.example>" },
		"quoted-local":    func(m *Message) { m.Subscriber = &Subscriber{Email: `"a b"@example.com`} },
		"bad-unsubscribe": func(m *Message) { m.UnsubscribeURL = "ftp://x" },
		"crlf-from":       func(m *Message) { m.From = mail.Address{Name: "a\r\nb", Address: "a@b.example"} },
		"no-from":         func(m *Message) { m.From = mail.Address{} },
		"ascii-subject":   func(m *Message) { m.Subject = strings.Repeat("word ", 40) },
		"long-word":       func(m *Message) { m.Subject = strings.Repeat("x", 200) + " y" },
		"year-10000":      func(m *Message) { m.Date = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"bad-domain":      func(m *Message) { m.Subscriber = &Subscriber{Email: "a@-.example"} },
	} {
		t.Run(name, func(t *testing.T) {
			m := *base
			mod(&m)
			checkSameBytes(t, &m)
		})
	}
}

// FuzzAppendTo compares the fast path with go-mail for random names,
// addresses, subjects, bodies and optional fields, and random senders,
// Message-IDs, unsubscribe URLs, dates and zones (offsets with seconds,
// years outside 0-9999).
func FuzzAppendTo(f *testing.F) {
	const (
		fromName = "ख़बर"
		fromAddr = "digest@khabar.example"
		id       = "daily-2026-11-24.0123@khabar.example"
		unsub    = "https://khabar.example/digest/unsubscribe?t=k1.abc"
		unix     = 1795586400 // 2026-11-25 07:00 IST
		offset   = 19800
	)
	for _, s := range goldenSubscribers {
		f.Add(s.Name, s.Email, "आज की बड़ी ख़बर: भारत ने ऑस्ट्रेलिया को हराया", "text", "<p>html</p>", "", "daily.khabar.example", s.Language, "unsubscribe@khabar.example",
			fromName, fromAddr, id, unsub, int64(unix), offset)
	}
	f.Add("राम", "राम@example.com", strings.Repeat("long subject ", 10), "", "", "bounces+x@khabar.example", "", "", "",
		fromName, fromAddr, id, unsub, int64(unix), offset)
	f.Add("a\r\nBcc: x@y.example", "a@b.example", "s\r\nBcc: x@y.example", "\r\n.\r\n\x00\xff", "", "", "", "", "",
		"Long Sender Name With Many Words In It To Fold", "\"quoted local\"@khabar.example", strings.Repeat("id", 40)+"@x", unsub+"&"+strings.Repeat("a", 100), int64(-62167219200), -(5*3600 + 53*60 + 28))
	f.Fuzz(func(t *testing.T, name, email, subject, text, html, returnPath, listID, lang, mailto, fromName, fromAddr, id, unsub string, unix int64, offset int) {
		m := Message{
			Edition:        Edition{Date: "2026-11-24", List: "daily"},
			From:           mail.Address{Name: fromName, Address: fromAddr},
			MessageID:      id,
			Date:           time.Unix(unix, 0).In(time.FixedZone("Z", offset%(48*3600))),
			UnsubscribeURL: unsub,
		}
		m.Subscriber = &Subscriber{Email: email, Name: name}
		m.Subject, m.Text, m.HTML = subject, []byte(text), []byte(html)
		m.ReturnPath, m.ListID, m.Language = returnPath, listID, lang
		if mailto != "" {
			m.UnsubscribeMailto = "mailto:" + mailto
		}
		checkSameBytes(t, &m)
	})
}

// checkEnvelope fails unless Envelope gives go-mail's envelope for m's
// Msg, or Msg's error.
func checkEnvelope(t testing.TB, m *Message) {
	t.Helper()
	from, to, err := m.Envelope()
	msg, wantErr := m.Msg()
	if wantErr != nil || err != nil {
		if wantErr == nil || err == nil || err.Error() != wantErr.Error() {
			t.Fatalf("Envelope error %v, Msg's %v", err, wantErr)
		}
		return
	}
	wantFrom, err := msg.GetSender(false)
	if err != nil {
		t.Fatal(err)
	}
	wantTo, err := msg.GetRecipients()
	if err != nil || len(wantTo) != 1 {
		t.Fatalf("go-mail's recipients %q, %v", wantTo, err)
	}
	if from != wantFrom || to != wantTo[0] {
		t.Fatalf("Envelope %q -> %q, go-mail's %q -> %q", from, to, wantFrom, wantTo[0])
	}
}

// A Message made by hand whose address holds a line break is refused by
// Msg, AppendTo and Envelope alike: the To field of an SMTPUTF8 address
// is written as it is, so the break would start a header of its own.
func TestRecipientControlCharacters(t *testing.T) {
	base, _ := buildGolden(t, goldenSubscribers[0])
	for _, addr := range []string{"पूजा@example.com\r\nBcc: x@evil.example", "a@example.com\nX: y", "a\x00b@example.com", "a\x7f@example.com"} {
		m := *base
		m.Subscriber = &Subscriber{Email: addr}
		if _, err := m.Msg(); err == nil {
			t.Errorf("Msg(%q): no error", addr)
		}
		if b, err := m.AppendTo(nil); err == nil {
			t.Errorf("AppendTo(%q): no error; wrote\n%s", addr, b)
		}
		if _, _, err := m.Envelope(); err == nil {
			t.Errorf("Envelope(%q): no error", addr)
		}
	}
}
