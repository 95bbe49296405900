package digest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pyReadEML parses a message with Python's email package (policy.default,
// RFC 5322/6532 aware), an implementation independent of Go's and
// go-mail's, and reports what a mail client would see.
const pyReadEML = `
import email, email.policy, hashlib, json, sys
msg = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
out = {h: str(msg[h]) for h in ['Subject', 'From', 'To', 'Message-ID', 'List-Unsubscribe', 'List-Unsubscribe-Post', 'List-Id', 'Date']}
out['defects'] = [repr(d) for p in msg.walk() for d in p.defects]
out['type'] = msg.get_content_type()
parts = []
for p in msg.iter_parts():
    body = p.get_content().encode('utf-8')
    parts.append({'type': p.get_content_type(), 'cte': p['Content-Transfer-Encoding'], 'sha256': hashlib.sha256(body).hexdigest()})
out['parts'] = parts
print(json.dumps(out))
`

func TestEMLWithPython(t *testing.T) {
	py := python3(t)
	dir := t.TempDir()
	for _, sub := range goldenSubscribers {
		t.Run(sub.Language, func(t *testing.T) {
			m, eml := buildGolden(t, sub)
			path := filepath.Join(dir, sub.Language+".eml")
			if err := os.WriteFile(path, eml, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(py, "-c", pyReadEML, path)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			outb, err := cmd.Output()
			if err != nil {
				t.Fatalf("python: %v\n%s", err, stderr.String())
			}
			var got struct {
				Subject, From, To, MessageID, ListUnsubscribe, ListUnsubscribePost, ListID string
				Defects                                                                    []string
				Type                                                                       string
				Parts                                                                      []struct{ Type, CTE, SHA256 string }
			}
			var raw map[string]json.RawMessage
			if err := json.Unmarshal(outb, &raw); err != nil {
				t.Fatalf("%v: %s", err, outb)
			}
			str := func(k string) string {
				var s string
				json.Unmarshal(raw[k], &s)
				return s
			}
			got.Subject, got.From, got.To = str("Subject"), str("From"), str("To")
			got.MessageID, got.ListUnsubscribe, got.ListUnsubscribePost, got.ListID = str("Message-ID"), str("List-Unsubscribe"), str("List-Unsubscribe-Post"), str("List-Id")
			got.Type = str("type")
			json.Unmarshal(raw["defects"], &got.Defects)
			json.Unmarshal(raw["parts"], &got.Parts)

			if len(got.Defects) > 0 {
				t.Errorf("python found defects: %v", got.Defects)
			}
			if got.Subject != m.Subject {
				t.Errorf("Subject = %q, want %q", got.Subject, m.Subject)
			}
			// go-mail folds these right after the colon; the leading
			// space is CFWS, insignificant in structured fields.
			got.MessageID, got.ListUnsubscribe = strings.TrimSpace(got.MessageID), strings.TrimSpace(got.ListUnsubscribe)
			if got.MessageID != "<"+m.MessageID+">" {
				t.Errorf("Message-ID = %q", got.MessageID)
			}
			if got.ListUnsubscribePost != "List-Unsubscribe=One-Click" || got.ListID != "<daily.khabar.example>" {
				t.Errorf("List-Unsubscribe-Post %q, List-Id %q", got.ListUnsubscribePost, got.ListID)
			}
			if want := "<" + m.UnsubscribeURL + ">, <" + m.UnsubscribeMailto + ">"; got.ListUnsubscribe != want {
				t.Errorf("List-Unsubscribe = %q, want %q", got.ListUnsubscribe, want)
			}
			if want := (&mail.Address{Name: m.Subscriber.Name, Address: m.Subscriber.Email}).String(); got.To != want && got.To != m.Subscriber.Name+" <"+m.Subscriber.Email+">" {
				t.Errorf("To = %q, want %q", got.To, want)
			}
			if got.From != "ख़बर <digest@khabar.example>" {
				t.Errorf("From = %q", got.From)
			}
			if got.Type != "multipart/alternative" || len(got.Parts) != 2 {
				t.Fatalf("type %s with %d parts", got.Type, len(got.Parts))
			}
			for i, want := range []struct {
				typ  string
				body []byte
			}{{"text/plain", m.Text}, {"text/html", m.HTML}} {
				sum := sha256.Sum256(want.body)
				p := got.Parts[i]
				if p.Type != want.typ || p.CTE != "base64" || p.SHA256 != hex.EncodeToString(sum[:]) {
					t.Errorf("part %d: %s %s, body matches %v", i, p.Type, p.CTE, p.SHA256 == hex.EncodeToString(sum[:]))
				}
			}
		})
	}
}

// TestDisplayNamesWithPython reads the To field of messages to long and
// awkward names with Python's email package. Python keeps the white space
// between two encoded-words of a display name (RFC 2047 says to drop it),
// so the encoder breaks long names after a space, never inside a letter:
// Python may then show two spaces where the name has one, which is all
// this test forgives.
func TestDisplayNamesWithPython(t *testing.T) {
	py := python3(t)
	const readTo = `
import email, email.policy, json, sys
out = []
for path in sys.argv[1:]:
    msg = email.message_from_binary_file(open(path, 'rb'), policy=email.policy.default)
    a = msg['To'].addresses
    out.append({'name': a[0].display_name, 'addr': a[0].addr_spec, 'n': len(a), 'defects': [repr(d) for d in msg['To'].defects]})
print(json.dumps(out))
`
	b := newTestBuilder(t, nil)
	dir := t.TempDir()
	var paths []string
	for i, name := range displayNames {
		sub := &Subscriber{Email: fmt.Sprintf("reader%d@example.com", i), Name: name, Language: "hi"}
		m, err := b.Build(context.Background(), testEdition, sub)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprintf("%d.eml", i))
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	cmd := exec.Command(py, append([]string{"-c", readTo}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	var got []struct {
		Name, Addr string
		N          int
		Defects    []string
	}
	if err := json.Unmarshal(outb, &got); err != nil {
		t.Fatalf("%v: %s", err, outb)
	}
	for i, name := range displayNames {
		if !strings.Contains(name, " ") && len(name) > 45 {
			continue // more than one word without a space: Python shows spaces inside, as it does in any such header
		}
		g := got[i]
		if squeezed := strings.Join(strings.Fields(g.Name), " "); squeezed != name || g.N != 1 || g.Addr != fmt.Sprintf("reader%d@example.com", i) || len(g.Defects) > 0 {
			t.Errorf("To of %q: python reads %d address(es), name %q <%s>, defects %v", name, g.N, g.Name, g.Addr, g.Defects)
		}
	}
}
