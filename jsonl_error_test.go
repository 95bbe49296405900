package khabar

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A bad line's error says which field is wrong: encoding/json names the
// field of a type error, and ReadJSONL names the date field whose value
// time.Time refuses (a date without "T" and zone, common in Indian feeds,
// or a value that is not a string), keeping the date's own error in the
// chain.
func TestReadJSONLErrorNamesDateField(t *testing.T) {
	const good = `"published":"2026-11-24T10:00:00+05:30"`
	for _, c := range []struct {
		fields, want string
		parseErr     bool
	}{
		{`"published":"2026-11-24 10:00:00"`, "published: ", true},
		{`"published":"2026-13-24T10:00:00+05:30"`, "published: ", true},
		{`"published":5`, "published: ", false},
		{good + `,"updated":"24 Nov 2026 10:00 IST"`, "updated: ", true},
		{good + `,"updated":true`, "updated: ", false},
		{good + `,"metrics":{"views":"x"}`, "metrics.views", false},
	} {
		_, err := ReadJSONL(strings.NewReader(`{"id":"x","title":"t","url":"https://a.example/",` + c.fields + "}\n"))
		var le *LineError
		if !errors.As(err, &le) || le.Line != 1 || le.ID != "x" {
			t.Errorf("%s: err %v, want a *LineError on line 1 of id x", c.fields, err)
			continue
		}
		if !strings.Contains(le.Err.Error(), c.want) {
			t.Errorf("%s: error %q does not name the field (%q)", c.fields, le.Err, c.want)
		}
		var pe *time.ParseError
		if c.parseErr && !errors.As(err, &pe) {
			t.Errorf("%s: error %q does not wrap the *time.ParseError", c.fields, err)
		}
	}
}
