package deliver

import "testing"

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
