package deliver

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

// relaxedBodyByteLoop is the byte-at-a-time relaxed body canonicalizer
// relaxedBody replaced, kept as the reference it is checked against.
func relaxedBodyByteLoop(h hash.Hash, body []byte) {
	pending := 0 // CRLFs held back
	wsp, written := false, false
	sp := []byte(" ")
	for i := 0; i < len(body); {
		j := i
		for j < len(body) && body[j] != ' ' && body[j] != '\t' && body[j] != '\r' {
			j++
		}
		if j > i {
			for ; pending > 0; pending-- {
				h.Write([]byte("\r\n"))
			}
			if wsp {
				h.Write(sp)
				wsp = false
			}
			h.Write(body[i:j])
			written = true
		}
		if j == len(body) {
			break
		}
		if body[j] == '\r' {
			wsp = false
			pending++
			i = j + 2
			continue
		}
		wsp = true
		i = j + 1
	}
	if written {
		h.Write([]byte("\r\n"))
	}
}

// relaxedHeaderJoin is the header canonicalizer appendRelaxedHeader
// replaced, kept as the reference it is checked against.
func relaxedHeaderJoin(kv string) string {
	k, v, ok := strings.Cut(kv, ":")
	if !ok {
		return strings.TrimSpace(strings.ToLower(kv)) + ":\r\n"
	}
	v = strings.Join(strings.FieldsFunc(v, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}), " ")
	return strings.TrimSpace(strings.ToLower(k)) + ":" + v + "\r\n"
}

// FuzzRelaxedHeader checks appendRelaxedHeader against the canonicalizer
// it replaced.
func FuzzRelaxedHeader(f *testing.F) {
	for _, s := range []string{"Subject:   many \t spaces  \r\n", "To: b@example.org,\r\n\tc@example.org\r\n",
		"X-Empty:\r\n", "no colon \r\n", " Odd Name \t: v\xff \x0b x\r\n", "DKIM-Signature: a=1;\r\n b=\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, kv string) {
		if got, want := string(appendRelaxedHeader([]byte("prefix"), kv)), "prefix"+relaxedHeaderJoin(kv); got != want {
			t.Fatalf("appendRelaxedHeader(%q) = %q, want %q", kv, got, want)
		}
	})
}

// crlfOnly returns b with every line break made CRLF, the only input
// relaxedBody takes.
func crlfOnly(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r"), nil)
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

// checkRelaxedBody compares relaxedBody's output for body with the byte
// loop's and, through the bh= tag, with go-msgauth's canonicalizer.
func checkRelaxedBody(t *testing.T, d *DKIM, body []byte) {
	t.Helper()
	var got, want bytes.Buffer
	if !relaxedBody(&got, body) {
		t.Fatalf("relaxedBody(%q) refused a body with CRLF line endings", body)
	}
	relaxedBodyByteLoop(&bufHash{&want}, body)
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("relaxedBody(%q)\n = %q\nwant %q (byte loop)", body, got.Bytes(), want.Bytes())
	}
	sum := sha256.Sum256(got.Bytes())
	sig, err := d.slowSignature(append([]byte("From: a@khabar.example\r\n\r\n"), body...), &dkim.SignOptions{
		Domain: d.Domain, Selector: d.Selector, Signer: d.Key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
		HeaderKeys: []string{"From"}})
	if err != nil {
		t.Fatal(err)
	}
	if bh := sigTags(t, []byte(sig))["bh"]; bh != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("relaxedBody(%q) = %q: its hash is not go-msgauth's bh=%s", body, got.Bytes(), bh)
	}
}

// bufHash is a hash.Hash that only records what is written to it.
type bufHash struct{ *bytes.Buffer }

func (bufHash) Sum([]byte) []byte { return nil }
func (bufHash) Size() int         { return 0 }
func (bufHash) BlockSize() int    { return 1 }

func TestRelaxedBody(t *testing.T) {
	_, ek := testKeys(t)
	d := &DKIM{Domain: "khabar.example", Selector: "k", Key: ek}
	bodies := []string{
		"", "\r\n", "\r\n\r\n", " ", " \r\n", "\t\r\n \r\n", "a", "a\r\n", "a\r\n\r\n\r\n",
		" a", "  a", "\ta", " \ta \t", "a b", "a  b", "a\tb", "a \tb", "a b ", "a b  \r\n",
		"a\r\n \r\nb", "a\r\n\r\n b\r\n", "a\r\n  \r\n\r\nb\r\n", "a\r\n \r\n \r\n",
		"line one\r\nline two  has  runs\t\tof\twsp \r\n\r\n.\r\n \r\n\r\n\r\n",
		"QUJD\r\nREVG\r\n\r\nR0hJ", "  leading space\r\nword \t  word\t\r\n\r\n.\r\n \r\n\r\n\r\n",
	}
	for _, b := range bodies {
		checkRelaxedBody(t, d, []byte(b))
	}
	for _, name := range []string{"digest-en.eml", "digest-hi.eml", "digest-ur.eml"} {
		checkRelaxedBody(t, d, goldenBody(t, name))
	}
	for _, b := range []string{"a\rb\r\n\n", "a\r\nb\r", "\r \n"} {
		if relaxedBody(&bytes.Buffer{}, []byte(b)) {
			t.Errorf("relaxedBody(%q) took a bare CR", b)
		}
		msg := []byte("From: a@khabar.example\r\n\r\n" + b)
		if _, ok, _ := d.fastSignature(msg, d.Domain, []string{"From"}, time.Time{}); ok {
			t.Errorf("the fast signer took %q, which has a bare CR", msg)
		}
	}
}

// FuzzRelaxedBody checks relaxedBody against the byte loop and go-msgauth
// on any body, its line breaks made CRLF.
func FuzzRelaxedBody(f *testing.F) {
	f.Add([]byte("a  b\t\r\n \r\nc \r\n\r\n"))
	f.Add([]byte("QUJD\nREVG\n\n  \n"))
	f.Add(goldenBody(f, "digest-hi.eml")[:1200]) // whole, it makes minimizing slow
	_, ek := testKeys(f)
	d := &DKIM{Domain: "khabar.example", Selector: "k", Key: ek}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkRelaxedBody(t, d, crlfOnly(body))
	})
}

// goldenBody returns the body of a digest message in digest's golden
// files.
func goldenBody(tb testing.TB, name string) []byte {
	tb.Helper()
	msg, err := os.ReadFile(filepath.Join("..", "testdata", "golden", name))
	if err != nil {
		tb.Fatal(err)
	}
	_, body, ok := bytes.Cut(crlfOnly(msg), []byte("\r\n\r\n"))
	if !ok {
		tb.Fatalf("%s has no body", name)
	}
	return body
}

// BenchmarkRelaxedBody hashes the relaxed form of a real digest's body
// (mostly base64 lines), with relaxedBody and with the byte loop it
// replaced.
func BenchmarkRelaxedBody(b *testing.B) {
	body := goldenBody(b, "digest-hi.eml")
	for _, tc := range []struct {
		name string
		fn   func(hash.Hash, []byte)
	}{
		{"runs", func(h hash.Hash, body []byte) { _ = relaxedBody(h, body) }},
		{"byte-loop", relaxedBodyByteLoop},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			h := sha256.New()
			for b.Loop() {
				h.Reset()
				tc.fn(h, body)
				h.Sum(nil)
			}
		})
	}
}
