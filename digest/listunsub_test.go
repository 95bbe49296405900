package digest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// listUnsubCase is one List-Unsubscribe value to write: the https URL and
// the optional mailto: URI.
type listUnsubCase struct{ url, mailto string }

func (c listUnsubCase) want() string {
	if c.mailto == "" {
		return "<" + c.url + ">"
	}
	return "<" + c.url + ">, <" + c.mailto + ">"
}

// listUnsubCases are URLs of every length from one that fits beside the
// field name to one far longer than a line, with and without a mailto:
// short, near the line length, or itself too long.
func listUnsubCases() []listUnsubCase {
	var cs []listUnsubCase
	for _, mailto := range []string{"", "mailto:unsubscribe@khabar.example?subject=unsubscribe", "mailto:u@k.example",
		"mailto:unsubscribe+" + strings.Repeat("z", 60) + "@khabar.example?subject=unsubscribe"} {
		for n := 0; n <= 160; n += 3 {
			cs = append(cs, listUnsubCase{"https://khabar.example/digest/unsubscribe?t=" + strings.Repeat("k", n), mailto})
		}
	}
	return cs
}

// writeListUnsub writes m with the case's List-Unsubscribe value.
func writeListUnsub(t *testing.T, m *Message, c listUnsubCase) []byte {
	t.Helper()
	mc := *m
	mc.UnsubscribeURL, mc.UnsubscribeMailto = c.url, c.mailto
	var buf bytes.Buffer
	if _, err := mc.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawField returns the lines of the first header field named name in eml,
// folded as written.
func rawField(eml []byte, name string) []string {
	hdr, _, _ := bytes.Cut(eml, []byte("\r\n\r\n"))
	var lines []string
	for l := range strings.SplitSeq(string(hdr), "\r\n") {
		switch {
		case len(lines) > 0 && (l[0] == ' ' || l[0] == '\t'):
			lines = append(lines, l)
		case len(lines) > 0:
			return lines
		case strings.HasPrefix(strings.ToLower(l), strings.ToLower(name)+":"):
			lines = append(lines, l)
		}
	}
	return lines
}

// TestListUnsubscribeFolding checks that the List-Unsubscribe field is
// folded at 78 columns wherever a fold is possible: a line longer than 78
// characters holds a single item after the folding white space (a URL,
// which cannot be folded inside), and no line exceeds RFC 5322's 998.
// Unfolded, net/mail reads the value written.
func TestListUnsubscribeFolding(t *testing.T) {
	m, _ := buildGolden(t, goldenSubscribers[0])
	for _, c := range listUnsubCases() {
		eml := writeListUnsub(t, m, c)
		lines := rawField(eml, "List-Unsubscribe")
		if len(lines) == 0 {
			t.Fatalf("no List-Unsubscribe field for %q", c.want())
		}
		for _, l := range lines {
			if len(l) > 998 {
				t.Errorf("%q: line of %d characters", c.want(), len(l))
			}
			if len(l) > 78 && (l[0] != ' ' || strings.ContainsAny(strings.TrimSpace(l), " \t")) {
				t.Errorf("%q: line of %d characters could be folded:\n%s", c.want(), len(l), strings.Join(lines, "\n"))
			}
		}
		msg, err := mail.ReadMessage(bytes.NewReader(eml))
		if err != nil {
			t.Fatal(err)
		}
		if got := msg.Header.Get("List-Unsubscribe"); got != c.want() {
			t.Errorf("net/mail reads List-Unsubscribe %q, want %q", got, c.want())
		}
	}
}

// TestListUnsubscribeWithPython reads the folded List-Unsubscribe fields
// back with Python's email package (policy.default).
func TestListUnsubscribeWithPython(t *testing.T) {
	py := python3(t)
	const readAll = `
import email, email.policy, json, sys
out = []
for path in sys.argv[1:]:
    msg = email.message_from_binary_file(open(path, 'rb'), policy=email.policy.default)
    out.append({'value': str(msg['List-Unsubscribe']), 'defects': [repr(d) for d in msg.defects]})
print(json.dumps(out))
`
	m, _ := buildGolden(t, goldenSubscribers[1])
	dir := t.TempDir()
	cases := listUnsubCases()
	args := []string{"-c", readAll}
	for i, c := range cases {
		path := filepath.Join(dir, fmt.Sprintf("%03d.eml", i))
		if err := os.WriteFile(path, writeListUnsub(t, m, c), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, path)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(py, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	var got []struct {
		Value   string
		Defects []string
	}
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(cases) {
		t.Fatalf("python output (%v): %s", err, out)
	}
	for i, c := range cases {
		// A fold right after the colon leaves a leading space, which is
		// folding white space, insignificant before the first <.
		if v := strings.TrimSpace(got[i].Value); v != c.want() {
			t.Errorf("python reads List-Unsubscribe %q, want %q", v, c.want())
		}
		if len(got[i].Defects) > 0 {
			t.Errorf("%q: python found defects %v", c.want(), got[i].Defects)
		}
	}
}
