package upstream

import (
	"errors"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	kolkata := time.FixedZone("IST", 5*3600+30*60)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"Tue, 24 Nov 2026 18:30:00 IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 10:15 AM IST", time.Date(2026, 11, 24, 4, 45, 0, 0, time.UTC), true},
		{"24 Nov 2026 07:05 pm IST", time.Date(2026, 11, 24, 13, 35, 0, 0, time.UTC), true},
		{"November 24, 2026 7:05PM IST", time.Date(2026, 11, 24, 13, 35, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 18:30:00 +0530", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 13:00:00 GMT", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"2026-11-24T18:30:00+05:30", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"2026-11-24 18:30:00", time.Date(2026, 11, 24, 18, 30, 0, 0, kolkata), true},
		{"Tue, 24 Nov 2026 18:30:00 +0530 (IST)", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 18:30:00 +0530 IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 13:00:00 +0000 GMT", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Nov 24, 2026, 6:30 PM IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"24/11/2026 18:30 IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tuesday, November 24, 2026 6:30 PM IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"2026-11-24T18:30 IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 08:00:00 EST", time.Time{}, false}, // left to gofeed's zone table
		{"November 24, 2026 | 06:30 PM IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"24 Nov 2026 at 18:30 IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"२४ नवंबर २०२६ 06:30 PM IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"24 नवम्बर 2026 18:30:00 +0530", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 18:30:00 GMT+5:30", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 18:30:00 GMT+05:30", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"24 Nov 2026 6:30 PM UTC+0530", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 08:00:00 GMT-5", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 08:00:00 GMT+25:00", time.Time{}, false},
		{"Tue, 24 Nov 26 18:30:00 IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true}, // RFC 822 two-digit year
		{"24 Nov 26 18:30 +0530", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"24/11/2026 18:30", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true}, // day first, in Location
		{"24-11-2026 18:30", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"24/11/2026 6:30 PM", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"कल शाम", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseDate(tt.in, kolkata)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("parseDate(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestISTAndItemErrors(t *testing.T) {
	f, err := mustParse(t, "hindi-ist.xml")
	a := byURL(f, "https://samachar.example.in/2026/11/24/kanpur-metro-phase-2/?ref=home")
	if a == nil {
		t.Fatalf("no article with the stripped, resolved link; got %d articles", len(f.Articles))
	}
	if want := time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC); !a.Published.Equal(want) {
		t.Errorf("published = %v, want %v (IST is +05:30)", a.Published, want)
	}
	var ies []*ItemError
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *ParseError", err)
	}
	ies = pe.Items
	if len(ies) != 2 {
		t.Fatalf("got %d item errors (%v), want 2", len(ies), err)
	}
	if ies[0].Index != 2 || ies[0].Field != "published" || !errors.Is(ies[0], ErrMissingDate) || ies[0].GUID != "samachar-undated-1" {
		t.Errorf("first item error = %+v, want index 2, published, ErrMissingDate", ies[0])
	}
	var de *DateError
	if !errors.As(ies[1], &de) || de.Raw != "कल शाम" || !errors.Is(ies[1], ErrBadDate) {
		t.Errorf("second item error = %v, want a *DateError for %q", ies[1], "कल शाम")
	}
	undated := byURL(f, "https://samachar.example.in/2026/11/undated/")
	if undated == nil || !undated.Published.IsZero() {
		t.Errorf("undated article = %+v, want present with a zero date (never now)", undated)
	}
	if f.TTL != 15*time.Minute || f.UpdatePeriod != 30*time.Minute {
		t.Errorf("TTL, UpdatePeriod = %v, %v; want 15m, 30m", f.TTL, f.UpdatePeriod)
	}
}

func TestDateFallsBackToGofeed(t *testing.T) {
	doc := []byte(`<rss version="2.0"><channel><title>t</title><item><title>x</title><link>https://d.example/1</link>
<pubDate>Tue, 24 Nov 2026 08:00:00 EST</pubDate></item></channel></rss>`)
	f, err := (&Parser{}).Parse(doc, "https://d.example/feed", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC); !f.Articles[0].Published.Equal(want) {
		t.Errorf("published = %v, want %v (EST is -05:00)", f.Articles[0].Published, want)
	}
}
