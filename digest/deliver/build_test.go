package deliver

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestSameArray checks the test prepareIn relies on to never hand a
// worker bytes of the builder's reused buffer.
func TestSameArray(t *testing.T) {
	buf := make([]byte, 10, 16)
	for _, c := range []struct {
		name string
		a, b []byte
		want bool
	}{
		{"itself", buf, buf, true},
		{"a prefix", buf[:3], buf, true},
		{"a suffix", buf[4:], buf, true},
		{"a copy", append([]byte(nil), buf...), buf, false},
		{"a new array", make([]byte, 10, 16), buf, false},
		{"empty", nil, buf, false},
	} {
		if got := sameArray(c.a, c.b); got != c.want {
			t.Errorf("%s: sameArray = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestWriteSigned checks that the build stage's fast path, which writes
// the DKIM-Signature field into room in front of the message, sends the
// bytes Sign returns: with Ed25519, RSA, a field longer than the room (a
// long header list) and without DKIM.
func TestWriteSigned(t *testing.T) {
	defer func(now func() time.Time) { dkimNow = now }(dkimNow)
	dkimNow = func() time.Time { return testDate }
	rk, ek := testKeys(t)
	msg := testMsgBytes(t, "e", rcptAddr(1))
	write := func(b []byte) ([]byte, error) { return append(b, msg...), nil }
	long := append([]string{"From"}, strings.Split(strings.Repeat("X-Long-Header-Name:", 60), ":")[:60]...)
	for name, dk := range map[string]*DKIM{
		"ed25519": {Domain: "khabar.example", Selector: "k", Key: ek},
		"rsa":     {Domain: "khabar.example", Selector: "k", Key: rk},
		"long":    {Domain: "khabar.example", Selector: "k", Key: ek, Headers: long},
		"none":    nil,
	} {
		t.Run(name, func(t *testing.T) {
			r := &run{s: &Sender{cfg: Config{DKIM: dk}}}
			got, buf, err := r.writeSigned(write)
			if err != nil {
				t.Fatal(err)
			}
			if (buf == nil) != (name == "long") {
				t.Errorf("pooled array %v, want one unless the field is longer than the room", buf != nil)
			}
			want := msg
			if dk != nil {
				if want, err = dk.Sign(msg); err != nil {
					t.Fatal(err)
				}
				if sig := len(want) - len(msg); (sig > dkimRoom) != (name == "long") {
					t.Errorf("signature field of %d bytes, room %d", sig, dkimRoom)
				}
			}
			if !bytes.Equal(got, want) {
				t.Errorf("writeSigned wrote\n%.300q\nwant\n%.300q", got, want)
			}
		})
	}
	r := &run{s: &Sender{cfg: Config{}}}
	if _, _, err := r.writeSigned(func(b []byte) ([]byte, error) { return b, errors.New("boom") }); err == nil || err.Error() != "write message: boom" {
		t.Errorf("error %v, want write message: boom", err)
	}
}
