package deliver

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"iter"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/khabar/khabar/digest"
	gomail "github.com/wneessen/go-mail"
)

const testFrom = "ख़बर डाइजेस्ट <digest@khabar.example>"

var testDate = time.Date(2026, 11, 24, 7, 0, 0, 0, time.FixedZone("IST", 5*3600+1800))

func rcptAddr(i int) string { return fmt.Sprintf("reader%05d@example.org", i) }

// testMsg builds a digest-like message: Devanagari subject and body, HTML and
// plain text, one-click unsubscribe headers, a fixed Date, Message-ID and
// boundary, so that building it twice gives the same bytes.
func testMsg(edition, to string) (*gomail.Msg, error) {
	m := gomail.NewMsg(gomail.WithEncoding(gomail.EncodingB64), gomail.WithCharset(gomail.CharsetUTF8))
	if err := m.From(testFrom); err != nil {
		return nil, err
	}
	if err := m.To(to); err != nil {
		return nil, err
	}
	m.Subject("आज की ख़बरें: कानपुर में बारिश से जनजीवन प्रभावित, " + edition)
	m.SetDateWithValue(testDate)
	m.SetMessageIDWithValue(edition + "." + strings.ReplaceAll(to, "@", "=") + "@khabar.example")
	if err := m.SetListUnsubscribeOneClick("https://khabar.example/unsubscribe?t=" + strings.Repeat("x", 60)); err != nil {
		return nil, err
	}
	m.SetBoundary("khabar-" + edition)
	m.SetBodyString(gomail.TypeTextPlain, "नमस्ते,\r\n\r\nआज की प्रमुख ख़बरें:\r\n1. उत्तर प्रदेश › कानपुर: बारिश\r\n")
	m.AddAlternativeString(gomail.TypeTextHTML, `<!doctype html><html lang="hi" dir="ltr"><body><p>नमस्ते</p><p>.leading dot line</p></body></html>`)
	return m, nil
}

// testMsgBytes is testMsg written out: the bytes a deliverer signs.
func testMsgBytes(tb testing.TB, edition, to string) []byte {
	tb.Helper()
	m, err := testMsg(edition, to)
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// jobsFor yields n jobs for recipients 0..n-1 of an edition.
func jobsFor(edition string, n int) iter.Seq2[Job, error] {
	return func(yield func(Job, error) bool) {
		for i := range n {
			to := rcptAddr(i)
			job := Job{Key: Key{Edition: edition, Recipient: to}, Compose: func() (*gomail.Msg, error) { return testMsg(edition, to) }}
			if !yield(job, nil) {
				return
			}
		}
	}
}

// The tests of this package cannot import package sqlite (it imports this
// one); sqlite_test.go, in package deliver_test, which can, gives them its
// journal and store through SetSQLite.
var sqliteOpen struct {
	journal func(tb testing.TB, path string) Journal
	store   func(tb testing.TB) (TestStore, Journal)
}

// TestStore is what the tests need of a digest store.
type TestStore interface {
	DigestStore
	digest.SentLog
	Import(ctx context.Context, subs []*digest.Subscriber) (digest.ImportResult, error)
}

// SetSQLite sets the functions that open a SQLite journal in a file (closed
// at the end of the test) and a SQLite store with a journal in its database.
func SetSQLite(journal func(tb testing.TB, path string) Journal, store func(tb testing.TB) (TestStore, Journal)) {
	sqliteOpen.journal, sqliteOpen.store = journal, store
}

// sqliteJournal opens a SQLite journal in the file at path, or in a new
// file when path is empty.
func sqliteJournal(t testing.TB, path string) Journal {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "journal.db")
	}
	return sqliteOpen.journal(t, path)
}

// sqliteStore opens a SQLite digest store in a new file, and a journal in
// the same database.
func sqliteStore(t testing.TB) (TestStore, Journal) {
	t.Helper()
	return sqliteOpen.store(t)
}

var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	edKey    ed25519.PrivateKey
)

func testKeys(t testing.TB) (*rsa.PrivateKey, ed25519.PrivateKey) {
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
		if _, edKey, err = ed25519.GenerateKey(rand.Reader); err != nil {
			t.Fatal(err)
		}
	})
	return rsaKey, edKey
}

// verifyDKIM checks every DKIM signature on raw against the public key of
// key, as a receiving server would, and returns the verifications.
func verifyDKIM(t testing.TB, raw []byte, key crypto.Signer, domain, selector string) []*dkim.Verification {
	t.Helper()
	rec, err := publicKeyRecord(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	want := selector + "._domainkey." + domain
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) {
			if name != want {
				return nil, fmt.Errorf("no TXT record for %s", name)
			}
			return []string{rec}, nil
		},
	})
	if err != nil {
		t.Fatalf("dkim.Verify: %v", err)
	}
	if len(vs) == 0 {
		t.Fatalf("no DKIM signature in message:\n%s", raw[:min(len(raw), 600)])
	}
	return vs
}

// recordsByRecipient reads all records of an edition from a journal.
func recordsByRecipient(t testing.TB, j Journal, edition string) map[string]Record {
	t.Helper()
	out := map[string]Record{}
	switch jj := j.(type) {
	case *MemJournal:
		for _, r := range jj.Records(edition) {
			out[r.Recipient] = r
		}
	case interface {
		Records(context.Context, string, func(Record) error) error
	}:
		if err := jj.Records(context.Background(), edition, func(r Record) error { out[r.Recipient] = r; return nil }); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("unknown journal %T", j)
	}
	return out
}

func newSender(t testing.TB, cfg Config) *Sender {
	t.Helper()
	s, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
