package feedback

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khabar/khabar/internal/golden"
)

// parseCases are the fixtures with what matters of their reports; the
// whole report is compared with testdata/golden/NAME.json (-update
// rewrites them).
var parseCases = []struct {
	file   string
	kind   Kind
	format string
	emails string // the recipients' addresses, comma-separated
	status string // the first recipient's status
}{
	{"postfix-dsn", HardBounce, "dsn", "kabir@example.org", "5.1.1"},
	{"dsn-multi", HardBounce, "dsn", "dev@example.net,neha@example.com", "5.1.1"},
	{"exim", HardBounce, "exim", "fatima@example.co.in", "5.2.1"},
	{"sendmail", HardBounce, "sendmail", "rohan@example.edu", "5.1.1"},
	{"qmail", HardBounce, "qmail", "neha@example.com", "5.1.1"},
	{"outlook-ndr", HardBounce, "dsn", "dev@example.net", "5.1.10"},
	{"exchange-text", HardBounce, "exchange", "sunil.verma@corp.example.com", "5.1.1"},
	{"gmail-hard", HardBounce, "dsn", "ravi@example.net", "5.1.1"},
	{"gmail-delay", SoftBounce, "dsn", "ravi@example.net", "4.4.1"},
	{"yahoo-hard", HardBounce, "yahoo", "kabir.k@yahoo.example", "5.0.0"},
	{"yahoo-arf", Complaint, "arf", "redacted@yahoo.example", ""},
	{"ses-bounce", SoftBounce, "dsn", "anil@example.net", "5.2.2"},
	{"ses-complaint", Complaint, "arf", "Priya@Example.com", ""},
	{"ooo-autosubmitted", Unknown, "auto-reply", "", ""},
	{"outlook-autoreply", Unknown, "auto-reply", "", ""},
	{"mailto-unsub", Unsubscribe, "mailto", "", ""},
	{"mailto-expired", Unsubscribe, "mailto", "", ""},
	{"mailto-notoken", Unknown, "mailto", "", ""},
	{"verp-only", HardBounce, "text", "", ""},
	{"dsn-delivered", Unknown, "dsn", "", ""},
	{"stray", Unknown, "", "", ""},
	{"arf-not-spam", Unknown, "arf", "", ""},
}

func TestParseFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "messages", "*.eml"))
	if len(files) != len(parseCases) {
		t.Errorf("%d fixtures, %d cases: every fixture needs a case", len(files), len(parseCases))
	}
	for _, c := range parseCases {
		t.Run(c.file, func(t *testing.T) {
			rep := parseFile(t, filepath.Join("testdata", "messages", c.file+".eml"))
			var emails []string
			for _, r := range rep.Recipients {
				emails = append(emails, r.Email)
			}
			if rep.Kind != c.kind || rep.Format != c.format || strings.Join(emails, ",") != c.emails {
				t.Errorf("kind %q, format %q, recipients %q (%s); want %q, %q, %q", rep.Kind, rep.Format, emails, rep.Reason, c.kind, c.format, c.emails)
			}
			if len(rep.Recipients) > 0 && rep.Recipients[0].Status != c.status {
				t.Errorf("status %q; want %q", rep.Recipients[0].Status, c.status)
			}
			if rep.Reason == "" {
				t.Error("no reason")
			}
			if rep.Kind == Unsubscribe && rep.Token == "" {
				t.Error("unsubscribe without a token")
			}
			var got bytes.Buffer
			enc := json.NewEncoder(&got)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "\t")
			if err := enc.Encode(rep); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "golden", c.file+".json"), got.Bytes())
		})
	}
}

func parseFile(t testing.TB, path string) *Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestParseLimits checks that oversize, too deeply nested and header-less
// input gives the error that names the problem.
func TestParseLimits(t *testing.T) {
	nested := "Content-Type: multipart/mixed; boundary=b0\n\n"
	for i := range 12 {
		nested += "--b" + string(rune('0'+i%10)) + "\nContent-Type: multipart/mixed; boundary=b" + string(rune('0'+(i+1)%10)) + "\n\n"
	}
	many := "Content-Type: multipart/mixed; boundary=b\n\n" + strings.Repeat("--b\nContent-Type: text/plain\n\nx\n", 300) + "--b--\n"
	cases := []struct {
		name string
		p    Parser
		in   string
		want error
		text string
	}{
		{"too large", Parser{MaxSize: 100}, "Subject: x\n\n" + strings.Repeat("x", 200), ErrTooLarge, "over 100 bytes"},
		{"too deep", Parser{}, nested, ErrTooDeep, "over 8 levels"},
		{"too many parts", Parser{}, many, ErrTooLarge, "over 200 MIME parts"},
		{"no header", Parser{}, "", ErrMalformed, "header"},
	}
	for _, c := range cases {
		_, err := c.p.Parse(strings.NewReader(c.in))
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: %v; want %v naming %q", c.name, err, c.want, c.text)
		}
	}
	// Within the limits, the same input parses.
	if _, err := (&Parser{MaxDepth: 20}).Parse(strings.NewReader(nested)); err != nil {
		t.Errorf("nested within MaxDepth 20: %v", err)
	}
}

// TestRefWithoutMessageID checks that a message without a Message-ID is
// known by its hash, and two different ones by different hashes.
func TestRefWithoutMessageID(t *testing.T) {
	a, _ := Parse(strings.NewReader("Subject: unsubscribe\n\na"))
	b, _ := Parse(strings.NewReader("Subject: unsubscribe\n\nb"))
	if !strings.HasPrefix(a.Ref(), "sha256:") || a.Ref() == b.Ref() {
		t.Errorf("refs %q, %q", a.Ref(), b.Ref())
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "messages", "*.eml"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p := &Parser{MaxSize: 1 << 16}
		rep, err := p.Parse(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrTooDeep) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		switch rep.Kind {
		case HardBounce, SoftBounce, Complaint, Unsubscribe, Unknown:
		default:
			t.Fatalf("kind %q", rep.Kind)
		}
		if rep.Reason == "" {
			t.Fatal("no reason")
		}
		if rep.Kind == Unsubscribe && rep.Token == "" {
			t.Fatal("unsubscribe without a token")
		}
		for _, r := range rep.Recipients {
			if r.Email == "" || (r.Kind != HardBounce && r.Kind != SoftBounce && r.Kind != Complaint) || len(r.Diagnostic) > 310 {
				t.Fatalf("recipient %+v", r)
			}
		}
		if _, err := json.Marshal(rep); err != nil {
			t.Fatal(err)
		}
	})
}
