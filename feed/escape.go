package feed

import (
	"strconv"
	"time"

	"github.com/khabar/khabar/internal/xmltext"
)

// The helpers below write with the xmltext escapers; their Mode says
// whether the text is checked (xmltext.Check: feed-level strings and
// anything else of unknown origin) or known clean (xmltext.Trusted: article
// fields, which a khabar.Catalog has already cleaned, or
// Renderer.cleanArticle for the articles of hand-built pages).

// appendElem appends <name>text</name> and a newline.
func appendElem(b []byte, name, text string, m xmltext.Mode) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = xmltext.AppendText(b, text, m)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, ">\n"...)
}

// appendAttrPair appends ` name="value"`.
func appendAttrPair(b []byte, name, value string, m xmltext.Mode) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, `="`...)
	b = xmltext.AppendAttr(b, value, m)
	return append(b, '"')
}

// appendJSONString appends s as a JSON string: cleaned like XML text (so
// all three formats carry the same characters), with ", \ and control
// characters escaped, and U+2028 and U+2029 escaped for JavaScript.
func appendJSONString(b []byte, s string, m xmltext.Mode) []byte {
	b = append(b, '"')
	b = xmltext.AppendJSON(b, s, m)
	return append(b, '"')
}

// appendJSONMember appends the separator and `<indent>"name": ` of an
// object member; first tracks whether a comma is needed.
func appendJSONMember(b []byte, indent, name string, first *bool) []byte {
	if !*first {
		b = append(b, ",\n"...)
	}
	*first = false
	b = append(b, indent...)
	b = append(b, '"')
	b = append(b, name...)
	return append(b, `": `...)
}

// rfc822 is RFC 822 as RSS readers and the W3C validator want it: four-
// digit year, numeric zone.
const rfc822 = "Mon, 02 Jan 2006 15:04:05 -0700"

// appendDate822 appends t in loc as t.In(loc).AppendFormat(b, rfc822)
// would, without interpreting the layout.
func appendDate822(b []byte, t time.Time, loc *time.Location) []byte {
	w, off := wallClock(t, loc)
	y, mo, d := w.Date()
	if y < 0 || y > 9999 {
		return t.In(loc).AppendFormat(b, rfc822)
	}
	const days = "SunMonTueWedThuFriSat"
	const months = "JanFebMarAprMayJunJulAugSepOctNovDec"
	wd := int(w.Weekday()) * 3
	b = append(b, days[wd:wd+3]...)
	b = append(b, ", "...)
	b = append2(b, d)
	b = append(b, ' ')
	b = append(b, months[(mo-1)*3:mo*3]...)
	b = append(b, ' ')
	b = append2(append2(b, y/100), y%100)
	b = append(b, ' ')
	b = appendClock(b, w)
	return appendZone(append(b, ' '), off, false)
}

// wallClock returns t's wall clock in loc as a UTC time, and loc's
// offset at t (seconds east of UTC): the zone is looked up once, where
// Date, Weekday, Clock and Zone on t.In(loc) would each look it up.
func wallClock(t time.Time, loc *time.Location) (time.Time, int) {
	_, off := t.In(loc).Zone()
	return t.UTC().Add(time.Duration(off) * time.Second), off
}

// appendDate3339 appends t in loc as t.In(loc).AppendFormat(b,
// time.RFC3339) would.
func appendDate3339(b []byte, t time.Time, loc *time.Location) []byte {
	w, off := wallClock(t, loc)
	y, mo, d := w.Date()
	if y < 0 || y > 9999 {
		return t.In(loc).AppendFormat(b, time.RFC3339)
	}
	b = append2(append2(b, y/100), y%100)
	b = append(b, '-')
	b = append2(b, int(mo))
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = appendClock(b, w)
	if off == 0 {
		return append(b, 'Z')
	}
	return appendZone(b, off, true)
}

// appendDay appends t's date in UTC as "2006-01-02".
func appendDay(b []byte, t time.Time) []byte {
	y, mo, d := t.UTC().Date()
	if y < 0 || y > 9999 {
		return t.UTC().AppendFormat(b, "2006-01-02")
	}
	b = append2(append2(b, y/100), y%100)
	b = append(b, '-')
	b = append2(b, int(mo))
	b = append(b, '-')
	return append2(b, d)
}

// appendClock appends "15:04:05".
func appendClock(b []byte, t time.Time) []byte {
	h, m, s := t.Clock()
	b = append2(b, h)
	b = append(b, ':')
	b = append2(b, m)
	b = append(b, ':')
	return append2(b, s)
}

// appendZone appends the UTC offset off (seconds) as "-0700", or as
// "-07:00" with colon, whole minutes as package time writes them.
func appendZone(b []byte, off int, colon bool) []byte {
	zone := off / 60
	if zone < 0 {
		b = append(b, '-')
		zone = -zone
	} else {
		b = append(b, '+')
	}
	b = append2(b, zone/60)
	if colon {
		b = append(b, ':')
	}
	return append2(b, zone%60)
}

// append2 appends 0 <= n < 100 as two digits.
func append2(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }
