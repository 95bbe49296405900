package upstream

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// Dates: every date of a feed is read here. gofeed's reading is kept
// only where this package's own (parseDate) finds nothing, never when
// gofeed read "IST" as UTC, and never when the date names a time zone
// this package does not know (gofeed would read it as UTC): that is a
// *ZoneError on the item.

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
	"Mon Jan 2 15:04 -0700 2006",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04Z0700",
	"20060102T150405Z07:00",
	"20060102T150405Z0700",
	"20060102T1504Z07:00",
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
	"2006-01-02T15:04:05 -07:00",
	// ISO 8601 allows an offset of hours alone: "+05".
	"2006-01-02T15:04:05-07",
	"2006-01-02T15:04:05.999999999-07",
	"2006-01-02T15:04-07",
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
	"Mon 2 Jan 2006 15:04",
	"Mon 2 Jan 2006 3:04:05 PM",
	"Mon 2 Jan 2006 3:04 PM",
	"2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04",
	"2 Jan 2006 3:04 PM",
	"2 January 2006 3:04 PM",
	"January 2 2006 3:04 PM",
	"January 2 2006 15:04",
	"Jan 2 2006 3:04 PM",
	"02/01/2006 15:04:05",
	"02/01/2006 15:04",
	"02/01/2006 3:04 PM",
	"02-01-2006 15:04",
	"Mon Jan 2 15:04:05 2006", // asctime
	"Mon Jan 2 2006 15:04:05",
	"20060102T150405",
	"20060102T1504",
	// W3C-DTF allows a date alone, or a month, or a year.
	"2006-01-02",
	"20060102",
	"2006-01",
	"2006",
}

// zoneWords maps the zone names feeds write to their offsets: those RFC
// 822 and 2822 define (UT, GMT, the North American zones), the other
// North American ones, the European abbreviations in common use, and IST
// as India (feeds from Ireland and Israel write offsets). The military
// single letters are read at their real offsets (A is UTC+1, N UTC-1),
// which RFC 822 printed with the signs reversed.
var zoneWords = map[string]string{
	"UT": "+0000", "UTC": "+0000", "GMT": "+0000", "Z": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
	"AST": "-0400", "ADT": "-0300", "NST": "-0330", "NDT": "-0230",
	"AKST": "-0900", "AKDT": "-0800", "HST": "-1000",
	"WET": "+0000", "WEST": "+0100", "BST": "+0100",
	"CET": "+0100", "CEST": "+0200", "MET": "+0100", "MEST": "+0200",
	"EET": "+0200", "EEST": "+0300",
	"IST": "+0530",
}

// militaryZone returns the offset of a single-letter military zone as
// RFC 822 section 5.1 defines them and feed readers (feedparser among
// them) read them: A–I and K–M are UTC-1 to -12, N–Y UTC+1 to +12 (J is
// local time, not a zone). RFC 1123 notes that these signs are the
// reverse of military usage; a feed that writes one follows RFC 822, so
// its table is what the letter means here.
func militaryZone(up string) (string, bool) {
	if len(up) != 1 || up[0] < 'A' || up[0] > 'Y' || up[0] == 'J' {
		return "", false
	}
	c := int(up[0])
	var h int
	switch {
	case c < 'J':
		h = -(c - 'A' + 1)
	case c <= 'M':
		h = -(c - 'A')
	default:
		h = c - 'N' + 1
	}
	return fmt.Sprintf("%+03d00", h), true
}

// MaxDateBytes bounds a date, white space around it aside: a longer one
// is not read at all and is reported as a *DateError (its Len says why).
// Dates in the wild are under a hundred bytes, comments included; reading
// a longer one is only work for whoever wrote it.
const MaxDateBytes = 256

// parseDate reads the date forms gofeed misses or misreads. ok is false
// when s is in none of them, or longer than MaxDateBytes; the caller then
// falls back to gofeed's result.
func parseDate(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > MaxDateBytes {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	// RFC 3339 (section 5.6) allows the "T" and "Z" in lower case.
	if len(s) > 10 && s[10] == 't' || strings.HasSuffix(s, "z") {
		if t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s)); err == nil {
			return t, true
		}
	}
	if iso, ok := isoCalendar(s); ok {
		s = iso
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
// digits, Hindi month names and the abbreviations "Sept" and "Nov.",
// upper-cases am/pm, turns known zone words into numeric offsets,
// separates "10:30PM" into "10:30 PM", drops trailing comments
// (trimComments) and folds runs of spaces.
func normalizeDate(s string) string {
	fields := strings.Fields(devanagariDigits.Replace(strings.ReplaceAll(trimComments(s), ",", " ")))
	out := make([]string, 0, len(fields)+1)
	for i, f := range fields {
		up := strings.ToUpper(f)
		if up == "|" || up == "-" || up == "–" || up == "AT" || up == "@" {
			continue // "Nov 24, 2026 | 6:30 PM", "24 Nov 2026 at 18:30"
		}
		if m, ok := hindiMonths[f]; ok {
			out = append(out, m)
			continue
		}
		if m, ok := monthAbbrev(up); ok {
			out = append(out, m) // "Sept", "Nov."
			continue
		}
		if off, ok := zoneWithOffset(up); ok && i > 0 {
			out = append(out, off) // "GMT+5:30", "UTC+05:30"
			continue
		}
		off, ok := zoneWords[up]
		if !ok && len(out) > 0 && strings.Contains(out[len(out)-1], ":") {
			off, ok = militaryZone(up) // only right after the time
		}
		if ok && i > 0 {
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

// trimComments removes the comments that end a date, and the white
// space around them: RFC 5322 section 3.3 allows CFWS after the zone, and
// mailers and JavaScript's Date.prototype.toString write the zone's name
// there ("+0530 (IST)", "GMT+0530 (India Standard Time)"). A comment is
// read as section 3.2.2 defines it: in parentheses, nested ones
// included, with a backslash quoting the next character (see
// trimBalancedComments). Then a last field that opens a comment it does
// not close ("+0530 (IST", a comment cut short; "(", "(IST))") or that is
// only stray ")" is dropped too, with any comments before it, as a last
// field starting with "(" was before comments were read, and as
// feedparser reads all of these. A date that is all comment, or whose
// unbalanced parentheses are not in its last field ("+0530 (India
// Standard Time"), is returned as it is.
func trimComments(s string) string {
	s = trimBalancedComments(s)
	i := strings.LastIndexAny(s, " \t\r\n")
	if i < 0 || strings.TrimSpace(s[:i]) == "" {
		return s
	}
	if last := s[i+1:]; last[0] == '(' || strings.Trim(last, ")") == "" {
		return trimBalancedComments(s[:i])
	}
	return s
}

// trimBalancedComments removes the balanced comments that end s, and the
// white space around them; it stops at the first unbalanced one, and
// before a comment that starts s. It reads s once, from its end
// backwards, so that its cost is linear in the length of s whatever it
// holds.
func trimBalancedComments(s string) string {
	end := len(strings.TrimRight(s, " \t\r\n"))
	for end > 0 && s[end-1] == ')' && !quotedAt(s, end-1) {
		// Find the "(" that opens the comment ending at end.
		i, depth := end-1, 0
		for ; i >= 0; i-- {
			c := s[i]
			if c != '(' && c != ')' || quotedAt(s, i) {
				continue
			}
			if c == ')' {
				depth++
			} else if depth--; depth == 0 {
				break
			}
		}
		if i <= 0 {
			break // unbalanced, or all comment
		}
		end = len(strings.TrimRight(s[:i], " \t\r\n"))
	}
	return s[:end]
}

// quotedAt reports whether the byte at i is quoted: preceded by an odd
// number of backslashes (an RFC 5322 quoted-pair). Each run of
// backslashes precedes one byte, so calls for different bytes read
// different runs.
func quotedAt(s string, i int) bool {
	n := 0
	for i > 0 && s[i-1] == '\\' {
		n++
		i--
	}
	return n%2 == 1
}

// monthAbbrev reads the month abbreviations time.Parse does not know
// (up is upper case): "SEPT", and an abbreviation with a full stop
// ("NOV.", "SEPT."). It returns the three-letter form.
func monthAbbrev(up string) (string, bool) {
	w := strings.TrimSuffix(up, ".")
	if w == "SEPT" {
		return "Sep", true
	}
	if w != up && len(w) == 3 {
		if _, err := time.Parse("Jan", w); err == nil {
			return w, true
		}
	}
	return "", false
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
// the tz database's "Etc/GMT-5" (POSIX signs: that is UTC+5) and returns
// the offset as "+0530".
func zoneWithOffset(up string) (string, bool) {
	var rest string
	switch {
	case strings.HasPrefix(up, "ETC/"):
		if up == "ETC/GMT" || up == "ETC/UTC" || up == "ETC/UCT" || up == "ETC/GMT0" {
			return "+0000", true
		}
		rest, ok := strings.CutPrefix(up, "ETC/GMT")
		if !ok || len(rest) < 2 || len(rest) > 3 {
			return "", false
		}
		switch rest[0] {
		case '+':
			return zoneWithOffset("GMT-" + rest[1:])
		case '-':
			return zoneWithOffset("GMT+" + rest[1:])
		}
		return "", false
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
	if gf.UpdatedParsed != nil && len(strings.TrimSpace(gf.Updated)) <= MaxDateBytes {
		t = *gf.UpdatedParsed // gofeed's reading, but not of a date too long to read
	}
	if u, ok := parseDate(gf.Updated, p.loc()); ok {
		t = u
	}
	return t
}

// fillDates gives an item without a publication or update date the one
// it writes where gofeed does not look: dcterms:issued or dcterms:created
// (else Atom 0.3 created) for publication, dcterms:modified for update.
func fillDates(it *gofeed.Item, ds *docScan, index int) {
	dcterms := it.Extensions["dcterms"]
	if strings.TrimSpace(it.Published) == "" && it.PublishedParsed == nil {
		it.Published = extValue(dcterms["issued"])
		if it.Published == "" {
			it.Published = extValue(dcterms["created"])
		}
		if r, ok := ds.text(index, fieldCreated); ok && it.Published == "" {
			it.Published = charData(ds.data[r.start:r.end])
		}
	}
	if strings.TrimSpace(it.Updated) == "" && it.UpdatedParsed == nil {
		it.Updated = extValue(dcterms["modified"])
	}
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
// (IST, AM/PM, zone-less in Location) over gofeed's. A date longer than
// MaxDateBytes is refused, whatever gofeed made of it.
func (p *Parser) date(raw string, parsed *time.Time) (time.Time, error) {
	trimmed := strings.TrimSpace(raw)
	if trimmed == "" {
		if parsed != nil {
			return *parsed, nil
		}
		return time.Time{}, nil
	}
	if len(trimmed) > MaxDateBytes {
		return time.Time{}, &DateError{Raw: cutUTF8(trimmed, MaxDateBytes), Len: len(trimmed)}
	}
	if t, ok := parseDate(raw, p.loc()); ok {
		return t, nil
	}
	if t, zone, ok := namedZone(raw); ok {
		return t, nil
	} else if zone != "" {
		return time.Time{}, &ZoneError{Raw: raw, Zone: zone}
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

// isoCalendar rewrites an ISO 8601 week date (2026-W48-2, 2026W482,
// 2026-W48 for its Monday) or ordinal date (2026-328, 2026328) at the
// start of s as a calendar date (2026-11-24), keeping what follows it (a
// "T" and a time). ok is false when s starts with neither.
func isoCalendar(s string) (string, bool) {
	date, rest, _ := strings.Cut(s, "T")
	if rest != "" {
		rest = "T" + rest
	}
	compact := strings.ReplaceAll(date, "-", "")
	if len(compact) < 7 || !allDigits(compact[:4]) {
		return "", false
	}
	year, _ := strconv.Atoi(compact[:4])
	var d time.Time
	switch body := compact[4:]; {
	case body[0] == 'W' && (len(body) == 3 || len(body) == 4) && allDigits(body[1:]):
		week, _ := strconv.Atoi(body[1:3])
		day := 1
		if len(body) == 4 {
			day = int(body[3] - '0')
		}
		if week < 1 || week > 53 || day < 1 || day > 7 {
			return "", false
		}
		// Week 1 is the week with the year's first Thursday; 4 January
		// is always in it.
		jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, time.UTC)
		monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
		d = monday.AddDate(0, 0, (week-1)*7+day-1)
		if _, w := d.ISOWeek(); w != week {
			return "", false
		}
	case len(body) == 3 && allDigits(body) && (len(date) == 8 && date[4] == '-' || len(date) == 7 && !strings.Contains(date, "-")):
		n, _ := strconv.Atoi(body)
		d = time.Date(year, 1, n, 0, 0, 0, 0, time.UTC)
		if n < 1 || d.Year() != year {
			return "", false
		}
	default:
		return "", false
	}
	return d.Format("2006-01-02") + rest, true
}

// namedZone reads a date whose last word names a time zone of the tz
// database ("Asia/Kolkata"). When the date is otherwise readable but its
// zone is unknown (an abbreviation not in zoneWords, a name the tz
// database lacks), ok is false and zone names it.
func namedZone(raw string) (t time.Time, zone string, ok bool) {
	norm := normalizeDate(strings.TrimSpace(raw))
	i := strings.LastIndexByte(norm, ' ')
	if i < 0 {
		return time.Time{}, "", false
	}
	rest, word := norm[:i], norm[i+1:]
	if !zoneLike(word) {
		return time.Time{}, "", false
	}
	for _, l := range localLayouts {
		if _, err := time.Parse(l, rest); err != nil {
			continue
		}
		if strings.Contains(word, "/") {
			if loc, err := time.LoadLocation(word); err == nil {
				t, _ := time.ParseInLocation(l, rest, loc)
				return t, "", true
			}
		}
		return time.Time{}, word, false
	}
	return time.Time{}, "", false
}

// zoneLike reports whether a word of a date reads as a time zone: two to
// five letters (not AM or PM), or an Area/Location name.
func zoneLike(w string) bool {
	if strings.Contains(w, "/") {
		return strings.IndexFunc(w, func(r rune) bool {
			return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '/' || r == '_' || r == '-' || r == '+' || r >= '0' && r <= '9')
		}) < 0
	}
	if len(w) < 2 || len(w) > 5 || w == "AM" || w == "PM" {
		return false
	}
	for _, r := range w {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
