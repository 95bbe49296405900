package digest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is required in CI (.ci/install.sh installs it)")
		}
		t.Skip("python3 not installed")
	}
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
