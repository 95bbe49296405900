package migrate

import (
	"strings"
	"testing"
)

func TestPending(t *testing.T) {
	c := Component{Name: "x", Steps: []Step{{1, "a"}, {2, "b"}, {3, "c"}}}
	for _, tc := range []struct {
		current int
		want    string
		err     string
	}{
		{0, "abc", ""},
		{1, "bc", ""},
		{3, "", ""},
		{4, "", "upgrade the program"},
		{-1, "", "negative"},
	} {
		steps, err := c.Pending(tc.current)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Pending(%d): err %v, want %q", tc.current, err, tc.err)
			}
			continue
		}
		var got string
		for _, s := range steps {
			got += s.SQL
		}
		if err != nil || got != tc.want {
			t.Errorf("Pending(%d) = %q, %v; want %q", tc.current, got, err, tc.want)
		}
	}
	bad := Component{Name: "gap", Steps: []Step{{1, "a"}, {3, "c"}}}
	if _, err := bad.Pending(0); err == nil || !strings.Contains(err.Error(), "want 2") {
		t.Errorf("gap in versions: err %v", err)
	}
	if c.Latest() != 3 {
		t.Errorf("Latest = %d", c.Latest())
	}
}
