package khabar

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// spaces is an io.Reader of n spaces, so that a line of MaxLineBytes need
// not be held in memory twice (once by the test, once by ReadJSONL).
type spaces int

func (s *spaces) Read(p []byte) (int, error) {
	if *s == 0 {
		return 0, io.EOF
	}
	n := min(len(p), int(*s))
	for i := range p[:n] {
		p[i] = ' '
	}
	*s -= spaces(n)
	return n, nil
}

// maxLine returns a reader of one JSON line of exactly size bytes, then
// end, then a second, short good line.
func maxLine(size int, end string) io.Reader {
	const head = `{"id":"big","title":"t","url":"https://a.example/","published":"2026-11-24T10:00:00+05:30"`
	pad := spaces(size - len(head) - 1)
	next := `{"id":"next","title":"t","url":"https://a.example/n","published":"2026-11-24T10:00:00+05:30"}`
	return io.MultiReader(strings.NewReader(head), &pad, strings.NewReader("}"+end+next+"\n"))
}

// MaxLineBytes "is the longest line ReadJSONL accepts, not counting the
// "\n" or "\r\n" that ends it": a line of exactly MaxLineBytes is accepted
// however it ends, one byte more is refused with a *LineError on its line,
// and in every case the next line is read.
func TestReadJSONLMaxLineBytesExcludesLineEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB lines")
	}
	if raceEnabled {
		t.Skip("64 MiB lines: too much memory and time under -race")
	}
	for _, end := range []string{"\n", "\r\n"} {
		as, err := ReadJSONL(maxLine(MaxLineBytes, end))
		if err != nil || len(as) != 2 || as[0].ID != "big" || as[1].ID != "next" {
			t.Errorf("line of MaxLineBytes ended by %q: %v, %v; want [big next], nil", end, ids(as), err)
		}
		as, err = ReadJSONL(maxLine(MaxLineBytes+1, end))
		var le *LineError
		if !errors.As(err, &le) || le.Line != 1 || !errors.Is(err, errLineTooLong) {
			t.Errorf("line of MaxLineBytes+1 ended by %q: err %v, want a *LineError on line 1 saying it is too long", end, err)
		}
		if len(as) != 1 || as[0].ID != "next" {
			t.Errorf("line of MaxLineBytes+1 ended by %q: %v, want [next]", end, ids(as))
		}
	}
	// At EOF, without an end.
	pad := spaces(MaxLineBytes - 2)
	as, err := ReadJSONL(io.MultiReader(strings.NewReader("["), &pad, strings.NewReader("]")))
	var le *LineError
	if len(as) != 0 || !errors.As(err, &le) || errors.Is(err, errLineTooLong) {
		t.Errorf("MaxLineBytes at EOF: %d articles, %v; want a JSON error, not too long", len(as), err)
	}
}
