package upstream

import (
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// Dates: every date of a feed is read here. gofeed's reading is kept
// only where this package's own (parseDate) finds nothing, and never when
// gofeed read "IST" as UTC.

// ist is India Standard Time. Feeds write it "IST"; Go's time.Parse (and
// so gofeed) gives an unknown abbreviation a zero offset, which puts every
// Indian article five and a half hours in the future.
var ist = time.FixedZone("IST", 5*3600+30*60)

// zonedLayouts are tried after "IST", "GMT", "UTC", "UT" and "Z" have been
// replaced with numeric offsets, commas dropped and "am"/"pm" upper-cased
// (see normalizeDate). Day-first numeric dates (02/01/2006) are the Indian
// order.
var zonedLayouts = []string{
	"Mon 2 Jan 2006 15:04:05 -0700",
	"Mon 2 Jan 2006 15:04 -0700",
	"Mon 2 Jan 2006 3:04:05 PM -0700",
	"Mon 2 Jan 2006 3:04 PM -0700",
	"Mon 2 January 2006 15:04:05 -0700",
	"Mon 2 January 2006 15:04 -0700",
	"Mon 2 January 2006 3:04:05 PM -0700",
	"Mon 2 January 2006 3:04 PM -0700",
	"Monday 2 January 2006 15:04:05 -0700",
	"Monday 2 January 2006 3:04 PM -0700",
	"Monday January 2 2006 3:04 PM -0700",
	"Monday January 2 2006 15:04 -0700",
	"Mon Jan 2 2006 15:04:05 -0700",
	"Mon Jan 2 2006 3:04 PM -0700",
	"Mon Jan 2 15:04:05 -0700 2006",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 2006 3:04:05 PM -0700",
	"2 Jan 2006 3:04 PM -0700",
	"2 January 2006 15:04:05 -0700",
	"2 January 2006 15:04 -0700",
	"2 January 2006 3:04 PM -0700",
	"January 2 2006 15:04:05 -0700",
	"January 2 2006 3:04:05 PM -0700",
	"January 2 2006 3:04 PM -0700",
	"January 2 2006 15:04 -0700",
	"Jan 2 2006 15:04:05 -0700",
	"Jan 2 2006 3:04:05 PM -0700",
	"Jan 2 2006 3:04 PM -0700",
	"Jan 2 2006 15:04 -0700",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04 -0700",
	"2006-01-02 3:04:05 PM -0700",
	"2006-01-02 3:04 PM -0700",
	"2006-01-02T15:04:05 -0700",
	"2006-01-02T15:04 -0700",
	"2006-01-02T15:04:05-0700",
	"02-01-2006 15:04:05 -0700",
	"02-01-2006 15:04 -0700",
	"02-01-2006 3:04 PM -0700",
	"02/01/2006 15:04:05 -0700",
	"02/01/2006 15:04 -0700",
	"02/01/2006 3:04 PM -0700",
	"02.01.2006 15:04 -0700",
	"Mon 2 Jan 2006 15:04:05 -07:00",
	"2006-01-02 15:04:05 -07:00",
	// RFC 822 allows two-digit years.
	"Mon 2 Jan 06 15:04:05 -0700",
	"Mon 2 Jan 06 15:04 -0700",
	"2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04 -0700",
}

// localLayouts carry no zone; they are read in the parser's Location.
var localLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02 3:04:05 PM",
	"2006-01-02 3:04 PM",
	"Mon 2 Jan 2006 15:04:05",
	"Mon 2 Jan 2006 3:04:05 PM",
	"Mon 2 Jan 2006 3:04 PM",
	"2 Jan 2006 15:04:05",
	"2 Jan 2006 3:04 PM",
	"2 January 2006 3:04 PM",
	"January 2 2006 3:04 PM",
	"January 2 2006 15:04",
	"Jan 2 2006 3:04 PM",
	"02/01/2006 15:04:05",
	"02/01/2006 15:04",
	"02/01/2006 3:04 PM",
	"02-01-2006 15:04",
	"2006-01-02",
}

// zoneWords maps zone names that gofeed gets wrong or that the layouts
// above spell numerically.
var zoneWords = map[string]string{
	"IST": "+0530",
	"GMT": "+0000",
	"UTC": "+0000",
	"UT":  "+0000",
	"Z":   "+0000",
}

// parseDate reads the date forms gofeed misses or misreads. ok is false
// when s is in none of them; the caller then falls back to gofeed's result.
func parseDate(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	norm := normalizeDate(s)
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, norm); err == nil {
			if name, off := t.Zone(); off == 5*3600+30*60 && name == "" {
				t = t.In(ist)
			}
			return t, true
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, norm, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// devanagariDigits turns ०–९ into 0–9.
var devanagariDigits = strings.NewReplacer("०", "0", "१", "1", "२", "2", "३", "3", "४", "4",
	"५", "5", "६", "6", "७", "7", "८", "8", "९", "9")

// hindiMonths maps Hindi month names, in their common spellings, to the
// English ones time.Parse knows.
var hindiMonths = map[string]string{
	"जनवरी": "January", "फरवरी": "February", "फ़रवरी": "February", "मार्च": "March",
	"अप्रैल": "April", "अप्रेल": "April", "मई": "May", "जून": "June", "जुलाई": "July",
	"अगस्त": "August", "सितंबर": "September", "सितम्बर": "September",
	"अक्टूबर": "October", "अक्तूबर": "October", "नवंबर": "November", "नवम्बर": "November",
	"दिसंबर": "December", "दिसम्बर": "December",
}

// mentionsIST reports whether s names India Standard Time.
func mentionsIST(s string) bool {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '(' || r == ')' }) {
		if f == "IST" {
			return true
		}
	}
	return false
}

// normalizeDate drops commas and separators ("|", "at"), reads Devanagari
// digits and Hindi month names, upper-cases am/pm, turns known zone words
// into numeric offsets, separates "10:30PM" into "10:30 PM", drops a trailing
// parenthesised zone comment and folds runs of spaces.
func normalizeDate(s string) string {
	fields := strings.Fields(devanagariDigits.Replace(strings.ReplaceAll(s, ",", " ")))
	out := make([]string, 0, len(fields)+1)
	for i, f := range fields {
		if strings.HasPrefix(f, "(") && i == len(fields)-1 && i > 0 {
			continue // "+0530 (IST)"
		}
		up := strings.ToUpper(f)
		if up == "|" || up == "-" || up == "–" || up == "AT" || up == "@" {
			continue // "Nov 24, 2026 | 6:30 PM", "24 Nov 2026 at 18:30"
		}
		if m, ok := hindiMonths[f]; ok {
			out = append(out, m)
			continue
		}
		if off, ok := zoneWithOffset(up); ok && i > 0 {
			out = append(out, off) // "GMT+5:30", "UTC+05:30"
			continue
		}
		if off, ok := zoneWords[up]; ok && i > 0 {
			if len(out) > 0 && isOffset(out[len(out)-1]) {
				continue // "+0530 IST": the offset says it already
			}
			out = append(out, off)
			continue
		}
		if up == "AM" || up == "PM" || up == "A.M." || up == "P.M." {
			out = append(out, up[:1]+"M")
			continue
		}
		if len(f) > 2 && strings.Contains(f, ":") {
			if suf := up[len(up)-2:]; suf == "AM" || suf == "PM" {
				out = append(out, f[:len(f)-2], suf)
				continue
			}
		}
		out = append(out, f)
	}
	return strings.Join(out, " ")
}

// isOffset reports whether f is a numeric zone offset: +0530, -07:00.
func isOffset(f string) bool {
	if len(f) != 5 && len(f) != 6 || (f[0] != '+' && f[0] != '-') {
		return false
	}
	digits := 0
	for _, c := range f[1:] {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c != ':':
			return false
		}
	}
	return digits == 4
}

// zoneWithOffset reads "GMT+5:30", "GMT+05:30", "UTC+0530", "GMT-3" and
// returns the offset as "+0530".
func zoneWithOffset(up string) (string, bool) {
	var rest string
	switch {
	case strings.HasPrefix(up, "GMT"), strings.HasPrefix(up, "UTC"):
		rest = up[3:]
	default:
		return "", false
	}
	if len(rest) < 2 || (rest[0] != '+' && rest[0] != '-') {
		return "", false
	}
	sign, rest := rest[:1], rest[1:]
	h, m := rest, "00"
	if i := strings.IndexAny(rest, ":."); i >= 0 {
		h, m = rest[:i], rest[i+1:]
	} else if len(rest) == 4 {
		h, m = rest[:2], rest[2:]
	}
	if len(h) == 0 || len(h) > 2 || len(m) != 2 || !allDigits(h) || !allDigits(m) {
		return "", false
	}
	if len(h) == 1 {
		h = "0" + h
	}
	if h > "14" || m > "59" {
		return "", false
	}
	return sign + h + m, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// feedUpdated returns when the feed says it last changed, or zero.
func (p *Parser) feedUpdated(gf *gofeed.Feed) time.Time {
	var t time.Time
	if gf.UpdatedParsed != nil {
		t = *gf.UpdatedParsed
	}
	if u, ok := parseDate(gf.Updated, p.loc()); ok {
		t = u
	}
	return t
}

// itemDates returns an item's publication and update times, reporting
// unreadable dates and a missing one. An item with only an update time
// is published then; an update time not after publication is dropped.
func (p *Parser) itemDates(it *gofeed.Item, report func(field string, err error)) (pub, upd time.Time) {
	pub, pubErr := p.date(it.Published, it.PublishedParsed)
	upd, updErr := p.date(it.Updated, it.UpdatedParsed)
	if pubErr != nil {
		report("published", pubErr)
	}
	if updErr != nil {
		report("updated", updErr)
	}
	if pub.IsZero() {
		pub = upd
		if pub.IsZero() && pubErr == nil && updErr == nil {
			report("published", ErrMissingDate)
		}
	}
	if !upd.After(pub) {
		upd = time.Time{}
	}
	return pub, upd
}

// date returns the date raw names, preferring this package's reading
// (IST, AM/PM, zone-less in Location) over gofeed's.
func (p *Parser) date(raw string, parsed *time.Time) (time.Time, error) {
	if strings.TrimSpace(raw) == "" {
		if parsed != nil {
			return *parsed, nil
		}
		return time.Time{}, nil
	}
	if t, ok := parseDate(raw, p.loc()); ok {
		return t, nil
	}
	if parsed != nil {
		if _, off := parsed.Zone(); !mentionsIST(raw) || off == 5*3600+30*60 {
			return *parsed, nil
		}
	}
	return time.Time{}, &DateError{Raw: raw}
}

// loc is the time zone of dates written without one.
func (p *Parser) loc() *time.Location {
	if p.Location != nil {
		return p.Location
	}
	return time.UTC
}
