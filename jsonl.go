package khabar

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// LineError is a bad line of a JSON Lines input.
type LineError struct {
	// Line is the 1-based line number.
	Line int
	// ID is the article's id when the line parsed far enough to have one.
	ID string
	// Err is the reason: a JSON syntax or type error, or a *ValidationError.
	Err error
}

func (e *LineError) Error() string {
	if e.ID != "" {
		return fmt.Sprintf("line %d (id %q): %v", e.Line, e.ID, e.Err)
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// LoadError reports the bad lines of a JSON Lines input whose good lines
// were loaded anyway.
type LoadError struct {
	Lines []*LineError
}

func (e *LoadError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "khabar: %d bad line", len(e.Lines))
	if len(e.Lines) != 1 {
		b.WriteByte('s')
	}
	for i, l := range e.Lines {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(e.Lines)-i)
			break
		}
		b.WriteString("; ")
		b.WriteString(l.Error())
	}
	return b.String()
}

// Unwrap returns the line errors, for errors.Is and errors.As.
func (e *LoadError) Unwrap() []error {
	out := make([]error, len(e.Lines))
	for i, l := range e.Lines {
		out[i] = l
	}
	return out
}

// MaxLineBytes is the longest line ReadJSONL accepts, not counting the
// "\n" or "\r\n" that ends it.
const MaxLineBytes = 64 << 20

// ReadJSONL reads articles in JSON Lines form, one Article object a line
// (blank lines and a leading byte order mark are ignored). Lines that are
// not valid JSON, or whose article fails Validate, are skipped and reported
// together in a *LoadError; every good line is returned. A read error ends
// the input and is returned wrapped, after the articles read so far.
func ReadJSONL(r io.Reader) ([]*Article, error) {
	var out []*Article
	var bad []*LineError
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	for n := 1; ; n++ {
		var err error
		line, err = readLine(br, line[:0])
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
		}
		if len(bytes.TrimSpace(line)) > 0 {
			if a, lerr := parseLine(line, n); lerr != nil {
				bad = append(bad, lerr)
			} else {
				out = append(out, a)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			var le *LineError
			if errors.As(err, &le) {
				le.Line = n
				bad = append(bad, le)
				continue
			}
			return out, errors.Join(loadErr(bad), fmt.Errorf("khabar: reading line %d: %w", n, err))
		}
	}
	return out, loadErr(bad)
}

func loadErr(bad []*LineError) error {
	if len(bad) == 0 {
		return nil
	}
	return &LoadError{Lines: bad}
}

var errLineTooLong = fmt.Errorf("line longer than %d bytes", MaxLineBytes)

// readLine appends the next line (without its end) to buf. A line over
// MaxLineBytes, not counting its "\n" or "\r\n", is skipped and reported
// as a *LineError.
func readLine(br *bufio.Reader, buf []byte) ([]byte, error) {
	// Up to the line's end is kept, so that the limit applies to the line
	// without it.
	const maxWithEnd = MaxLineBytes + len("\r\n")
	tooLong := false
	for {
		frag, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(frag) > maxWithEnd {
				tooLong, buf = true, buf[:0]
			} else {
				buf = append(buf, frag...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		buf = bytes.TrimSuffix(bytes.TrimSuffix(buf, []byte("\n")), []byte("\r"))
		if len(buf) > MaxLineBytes {
			tooLong, buf = true, buf[:0]
		}
		if tooLong && (err == nil || err == io.EOF) {
			return buf, &LineError{Err: errLineTooLong}
		}
		return buf, err
	}
}

func parseLine(line []byte, n int) (*Article, *LineError) {
	a := new(Article)
	if err := json.Unmarshal(line, a); err != nil {
		var probe struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(line, &probe)
		return nil, &LineError{Line: n, ID: probe.ID, Err: nameTimeField(line, err)}
	}
	if err := a.Validate(); err != nil {
		return nil, &LineError{Line: n, ID: a.ID, Err: err}
	}
	return a, nil
}

// nameTimeField puts the name of the field in front of err when it is a
// date's error: encoding/json names the field of a type error, but
// returns what time.Time's UnmarshalJSON says (a *time.ParseError, or
// that the value is not a string) as it is, so a bad date would say what
// is wrong but not where. Only called for a bad line.
func nameTimeField(line []byte, err error) error {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	if errors.As(err, &se) || errors.As(err, &te) {
		return err
	}
	var probe struct {
		Published json.RawMessage `json:"published"`
		Updated   json.RawMessage `json:"updated"`
	}
	if json.Unmarshal(line, &probe) != nil {
		return err
	}
	// The field whose own error is err (encoding/json stops at the first
	// bad one in the line's order, whatever it is), else the first bad one.
	first := ""
	for _, f := range []struct {
		name string
		raw  json.RawMessage
	}{{"published", probe.Published}, {"updated", probe.Updated}} {
		var t time.Time
		if f.raw == nil {
			continue
		}
		if ferr := t.UnmarshalJSON(f.raw); ferr != nil {
			if ferr.Error() == err.Error() {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			if first == "" {
				first = f.name
			}
		}
	}
	if first != "" {
		return fmt.Errorf("%s: %w", first, err)
	}
	return err
}

// WriteJSONL writes the articles in JSON Lines form, one a line, in the
// order given. Times are written in RFC 3339 with their offset, except a
// time whose offset has seconds (local mean times before the zones were
// standardized: Asia/Kolkata in 1900 was +05:21:10), which RFC 3339
// cannot say: it is written in UTC, so that ReadJSONL reads the same
// instant back.
func WriteJSONL(w io.Writer, as []*Article) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, a := range as {
		if offsetSeconds(a.Published) || offsetSeconds(a.Updated) {
			b := *a
			b.Published, b.Updated = rfc3339Time(a.Published), rfc3339Time(a.Updated)
			a = &b
		}
		if err := enc.Encode(a); err != nil {
			return fmt.Errorf("khabar: writing article %q: %w", a.ID, err)
		}
	}
	return bw.Flush()
}

// ReadJSONL loads articles in JSON Lines form into the catalog (see the
// function ReadJSONL) in one change, and returns how many were stored.
// Bad lines are reported in a *LoadError; the good ones are stored anyway.
func (c *Catalog) ReadJSONL(r io.Reader) (int, error) {
	as, err := ReadJSONL(r)
	if uerr := c.UpsertAll(as); uerr != nil {
		err = errors.Join(err, uerr)
	}
	return len(as), err
}

// WriteJSONL writes every article, newest first, in JSON Lines form. The
// same catalog state always gives the same bytes.
func (c *Catalog) WriteJSONL(w io.Writer) error {
	as, _ := c.Newest(SiteKey(), 0, 0)
	return WriteJSONL(w, as)
}

// offsetSeconds reports whether t's zone offset is not a whole number of
// minutes, which RFC 3339 cannot write.
func offsetSeconds(t time.Time) bool {
	_, off := t.Zone()
	return off%60 != 0
}

// rfc3339Time returns t, or the same instant in UTC when its offset has
// seconds. A zero time stays zero.
func rfc3339Time(t time.Time) time.Time {
	if offsetSeconds(t) {
		return t.UTC()
	}
	return t
}
