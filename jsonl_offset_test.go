package khabar

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// RFC 3339 cannot write an offset with seconds (Asia/Kolkata in 1900 was
// +05:21:10): WriteJSONL writes such a time in UTC, so that ReadJSONL
// reads back the same instant; a time with a whole-minute offset keeps it
// as written, and the caller's article is not changed.
func TestJSONLRoundTripKeepsInstantOfSecondsOffset(t *testing.T) {
	kol, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Skip(err)
	}
	lmt := time.FixedZone("LMT", 5*3600+21*60+10)
	for _, c := range []struct {
		name                   string
		published, updated     time.Time
		wantPublished, wantUpd string
	}{
		{"Asia/Kolkata 1900", time.Date(1900, 6, 1, 12, 0, 0, 0, kol), time.Date(1900, 6, 2, 12, 0, 0, 5, kol),
			`"published":"1900-06-01T06:38:50Z"`, `"updated":"1900-06-02T06:38:50.000000005Z"`},
		{"fixed zone, published only", time.Date(1950, 1, 1, 0, 0, 0, 0, lmt), time.Time{},
			`"published":"1949-12-31T18:38:50Z"`, ""},
		{"IST updated, seconds published", time.Date(1900, 6, 1, 12, 0, 0, 0, lmt), time.Date(2026, 11, 24, 10, 0, 0, 0, ist),
			`"published":"1900-06-01T06:38:50Z"`, `"updated":"2026-11-24T10:00:00+05:30"`},
		{"IST", time.Date(2026, 11, 24, 10, 0, 0, 0, ist), time.Time{},
			`"published":"2026-11-24T10:00:00+05:30"`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := art("old", 0)
			a.Published, a.Updated = c.published, c.updated
			if err := a.Validate(); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := WriteJSONL(&buf, []*Article{a}); err != nil {
				t.Fatal(err)
			}
			line := buf.String()
			for _, want := range []string{c.wantPublished, c.wantUpd} {
				if !strings.Contains(line, want) {
					t.Errorf("written %s, want %s in it", line, want)
				}
			}
			if !a.Published.Equal(c.published) || a.Published.Location() != c.published.Location() {
				t.Errorf("WriteJSONL changed the article's Published to %v", a.Published)
			}
			back, err := ReadJSONL(&buf)
			if err != nil || len(back) != 1 {
				t.Fatal(len(back), err)
			}
			if !back[0].Published.Equal(a.Published) || !back[0].Updated.Equal(a.Updated) {
				t.Errorf("after round trip published %v, updated %v; want %v, %v",
					back[0].Published.UTC(), back[0].Updated.UTC(), a.Published.UTC(), a.Updated.UTC())
			}
		})
	}
}
