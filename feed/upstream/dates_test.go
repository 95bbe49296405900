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
		{"Tue, 24 Nov 2026 08:00:00 EST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
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

// TestDateZones reads one instant, 24 Nov 2026 13:00 UTC, written in every
// zone form feeds use; each must land at its real offset.
func TestDateZones(t *testing.T) {
	want := time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC)
	tests := []struct{ local, zone string }{
		{"13:00", "UT"}, {"13:00", "GMT"}, {"13:00", "UTC"}, {"13:00", "Z"},
		{"08:00", "EST"}, {"09:00", "EDT"}, {"07:00", "CST"}, {"08:00", "CDT"},
		{"06:00", "MST"}, {"07:00", "MDT"}, {"05:00", "PST"}, {"06:00", "PDT"},
		{"09:00", "AST"}, {"10:00", "ADT"}, {"04:00", "AKST"}, {"03:00", "HST"},
		{"09:30", "NST"},
		{"14:00", "CET"}, {"15:00", "CEST"}, {"14:00", "MET"}, {"15:00", "MEST"},
		{"14:00", "BST"}, {"13:00", "WET"}, {"14:00", "WEST"}, {"15:00", "EET"}, {"16:00", "EEST"},
		{"18:30", "IST"},
		// Military letters with RFC 822's signs, as feed readers read
		// them: A is UTC-1, M UTC-12, N UTC+1, Y UTC+12, Z UTC.
		{"12:00", "A"}, {"04:00", "I"}, {"03:00", "K"}, {"01:00", "M"},
		{"14:00", "N"}, {"01:00", "Y"},
		// Etc/GMT±N has POSIX signs: Etc/GMT-5 is five hours east.
		{"18:00", "Etc/GMT-5"}, {"08:00", "Etc/GMT+5"}, {"13:00", "Etc/GMT"}, {"01:00", "Etc/GMT-12"},
		{"18:00", "GMT+5"}, {"18:30", "UTC+05:30"},
	}
	p := &Parser{}
	for _, tt := range tests {
		day := "24"
		if tt.zone == "Y" || tt.zone == "Etc/GMT-12" {
			day = "25"
		}
		raw := "Tue, " + day + " Nov 2026 " + tt.local + ":00 " + tt.zone
		if day == "25" {
			raw = "Wed" + raw[3:]
		}
		t.Run(raw, func(t *testing.T) {
			got, err := p.date(raw, nil)
			if err != nil || !got.Equal(want) {
				t.Errorf("date(%q) = %v, %v; want %v", raw, got, err, want)
			}
		})
	}
}

func TestDateForms(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min, s int) time.Time {
		return time.Date(y, m, d, h, min, s, 0, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		// W3C-DTF: a year, a month, a day, minutes without seconds.
		{"2003", utc(2003, 1, 1, 0, 0, 0)},
		{"2003-12", utc(2003, 12, 1, 0, 0, 0)},
		{"2003-12-31", utc(2003, 12, 31, 0, 0, 0)},
		{"2003-12-31T10:14Z", utc(2003, 12, 31, 10, 14, 0)},
		{"2003-12-31T15:44+05:30", utc(2003, 12, 31, 10, 14, 0)},
		{"2003-12-31T10:14:55.25-08:00", time.Date(2003, 12, 31, 18, 14, 55, 250e6, time.UTC)},
		// ISO 8601 basic, week and ordinal forms.
		{"20031231T101455Z", utc(2003, 12, 31, 10, 14, 55)},
		{"20031231", utc(2003, 12, 31, 0, 0, 0)},
		{"2026-W48-2", utc(2026, 11, 24, 0, 0, 0)},
		{"2026W482", utc(2026, 11, 24, 0, 0, 0)},
		{"2026-W48", utc(2026, 11, 23, 0, 0, 0)},
		{"2026-W01-1", utc(2025, 12, 29, 0, 0, 0)},
		{"2026-W48-2T13:00:00Z", utc(2026, 11, 24, 13, 0, 0)},
		{"2026-328", utc(2026, 11, 24, 0, 0, 0)},
		{"2026328", utc(2026, 11, 24, 0, 0, 0)},
		{"2024-366", utc(2024, 12, 31, 0, 0, 0)},
		// asctime, and Unix date with its zone before the year.
		{"Tue Nov 24 13:00:00 2026", utc(2026, 11, 24, 13, 0, 0)},
		{"Tue Nov  3 13:00:00 2026", utc(2026, 11, 3, 13, 0, 0)},
		{"Tue Nov 24 08:00:00 EST 2026", utc(2026, 11, 24, 13, 0, 0)},
		// A tz database name.
		{"2026-11-24 18:30:00 Asia/Kolkata", utc(2026, 11, 24, 13, 0, 0)},
	}
	p := &Parser{}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := p.date(tt.in, nil)
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("date(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"2026-W54-1", "2025-W53-1", "2026-W48-8", "2026-367", "2026-000"} {
		if got, err := p.date(bad, nil); err == nil {
			t.Errorf("date(%q) = %v, want an error", bad, got)
		}
	}
}

func TestUnknownZoneIsAnError(t *testing.T) {
	p := &Parser{}
	for raw, zone := range map[string]string{
		"Tue, 24 Nov 2026 13:00:00 XYZ":    "XYZ",
		"Tue, 24 Nov 2026 13:00 QQT":       "QQT",
		"2026-11-24 13:00:00 Mars/Olympus": "Mars/Olympus",
	} {
		t.Run(raw, func(t *testing.T) {
			got, err := p.date(raw, nil)
			var ze *ZoneError
			if !errors.As(err, &ze) || ze.Zone != zone || ze.Raw != raw || !errors.Is(err, ErrUnknownZone) || !errors.Is(err, ErrBadDate) {
				t.Fatalf("date(%q) = %v, %v; want a *ZoneError naming %q", raw, got, err, zone)
			}
			if !got.IsZero() {
				t.Errorf("date(%q) = %v, want no guess", raw, got)
			}
		})
	}
}

func TestDctermsAndAtom03Created(t *testing.T) {
	doc := []byte(`<rss version="2.0" xmlns:dcterms="http://purl.org/dc/terms/"><channel><title>t</title>
<item><title>a</title><link>https://d.example/a</link><dcterms:issued>2026-11-24T13:00:00Z</dcterms:issued><dcterms:modified>2026-11-25T13:00:00Z</dcterms:modified></item>
<item><title>b</title><link>https://d.example/b</link><dcterms:created>2026-11-24T13:00:00Z</dcterms:created></item>
</channel></rss>`)
	f, err := (&Parser{}).Parse(doc, "https://d.example/feed", "")
	if err != nil {
		t.Fatal(err)
	}
	pub, upd := time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	if a := f.Articles[0]; !a.Published.Equal(pub) || !a.Updated.Equal(upd) {
		t.Errorf("dcterms:issued/modified = %v, %v; want %v, %v", a.Published, a.Updated, pub, upd)
	}
	if a := f.Articles[1]; !a.Published.Equal(pub) {
		t.Errorf("dcterms:created = %v, want %v", a.Published, pub)
	}
	atom03 := []byte(`<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>t</title>
<entry><title>c</title><link rel="alternate" href="https://d.example/c"/><id>c</id><created>2026-11-24T18:30:00+05:30</created></entry></feed>`)
	f, err = (&Parser{}).Parse(atom03, "https://d.example/feed", "")
	if err != nil {
		t.Fatal(err)
	}
	if a := f.Articles[0]; !a.Published.Equal(pub) {
		t.Errorf("Atom 0.3 created = %v, want %v", a.Published, pub)
	}
}
