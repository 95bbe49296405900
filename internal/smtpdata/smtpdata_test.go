package smtpdata

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"net/textproto"
	"testing"

	"github.com/wneessen/go-mail/smtp"
)

// wire returns what a session sends for msg: through Write when bulk is
// set, else through textproto's DotWriter alone, and the closing dot.
func wire(t *testing.T, msg []byte, bulk bool) []byte {
	t.Helper()
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	c := &smtp.Client{Text: textproto.NewConn(struct {
		*bytes.Reader
		*bufio.Writer
		nopCloser
	}{bytes.NewReader(nil), bw, nopCloser{}})}
	wc := c.Text.DotWriter()
	var err error
	if bulk {
		err = Write(c, wc, msg)
	} else {
		_, err = wc.Write(msg)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := wc.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

func TestWriteAsDotWriter(t *testing.T) {
	cases := []string{
		"", "\r\n", ".\r\n", "..\r\n", "a\r\n", "a\r\n.\r\n", "a\r\n.b\r\n..c\r\n",
		".a\r\n\r\n.\r\n", "a\nb\r\n", "a\r\rb\r\n", "a\r\n.b", "no end", "\n.\n", "x\r\n.",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab.\r\n")
	for range 2000 {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		cases = append(cases, string(b), string(b)+"\r\n")
		var lines bytes.Buffer // canonical: the bulk path
		for range rng.IntN(12) {
			lines.WriteString([]string{"a", ".", "..", "\r\n", "\r\n."}[rng.IntN(5)])
		}
		lines.WriteString("\r\n")
		cases = append(cases, lines.String())
	}
	for _, c := range cases {
		want, got := wire(t, []byte(c), false), wire(t, []byte(c), true)
		if !bytes.Equal(got, want) {
			t.Fatalf("%q: Write sent %q, the DotWriter %q", c, got, want)
		}
	}
}
