package khabar

import (
	"strconv"
	"strings"
)

// FormatCount writes a counter (views, shares, comments) short, as readers
// of the language lang (a BCP 47 tag; only its first subtag counts) write
// it, in the Indian units: Hindi "1.4 हज़ार", "4.2 लाख", "3.1 करोड़";
// Urdu "۱٫۴ ہزار", "۴٫۲ لاکھ", "۳٫۱ کروڑ" in Urdu digits; English, and any
// other language, "1.4K", "4.2 lakh", "3.1 crore". It is CountFormat's
// zero value; see there for the rounding and the other forms.
func FormatCount(n int64, lang string) string { return CountFormat{}.Format(n, lang) }

// CountFormat says how Format writes a counter. The zero CountFormat
// writes the short Indian form, as FormatCount does.
type CountFormat struct {
	// International writes thousands, millions and billions ("420K",
	// "4.2M", "3.1B"; Hindi "4.2 मिलियन", "3.1 अरब"; Urdu "۴٫۲ ملین",
	// "۳٫۱ ارب") instead of thousands, lakhs and crores. Zero means the
	// Indian units.
	International bool
	// Full writes every digit, grouped: the Indian way ("4,22,087", Urdu
	// "۴٬۲۲٬۰۸۷") or, with International, in threes ("422,087"). Zero means
	// the short form.
	Full bool
}

// Format writes n in the language lang as f says. In the short form a
// count under 1,000 is written whole; a larger one in the largest unit it
// reaches, rounded half up to one decimal below 100 of that unit (a ".0"
// is dropped) and to a whole number from 100 on, grouped in the largest
// unit ("1,234 करोड़"). A count that rounds up to the next unit is written
// in it: 99,999 is "1 लाख", 9,99,999 "10 लाख", never "100 हज़ार" or
// "10.0 लाख". A negative count takes a minus sign.
func (f CountFormat) Format(n int64, lang string) string {
	s := scriptOf(lang)
	var b strings.Builder
	if n < 0 {
		b.WriteString(s.minus)
	}
	m := uint64(n)
	if n < 0 {
		m = -m // two's complement: also right for math.MinInt64
	}
	if f.Full || m < 1000 {
		s.group(&b, m, true, !f.International)
		return b.String()
	}
	units := s.indian
	if f.International {
		units = s.intl
	}
	i := len(units) - 1
	for units[i].size > m {
		i--
	}
	for ; ; i++ {
		u := units[i].size
		// tenths is m/u rounded half up to a tenth; whole to a unit.
		tenths := m/u*10 + (m%u*10+u/2)/u
		if tenths < 1000 {
			s.digits(&b, tenths/10)
			if d := tenths % 10; d != 0 {
				b.WriteString(s.point)
				s.digits(&b, d)
			}
			b.WriteString(units[i].word)
			return b.String()
		}
		whole := m / u
		if m%u >= u-m%u {
			whole++
		}
		if i+1 < len(units) && whole >= units[i+1].size/u {
			continue // rounds up to the next unit
		}
		s.group(&b, whole, true, !f.International)
		b.WriteString(units[i].word)
		return b.String()
	}
}

// countUnit is a unit of the short form: its size and its word, with the
// space before it if the language writes one.
type countUnit struct {
	size uint64
	word string
}

// countScript is how one language writes numbers: its digits, decimal
// point, group separator and minus sign, and its units.
type countScript struct {
	zero         rune // the digit zero; the others follow it
	point, comma string
	minus        string
	indian, intl []countUnit
}

var (
	latinCounts = &countScript{
		zero: '0', point: ".", comma: ",", minus: "-",
		indian: []countUnit{{1e3, "K"}, {1e5, " lakh"}, {1e7, " crore"}},
		intl:   []countUnit{{1e3, "K"}, {1e6, "M"}, {1e9, "B"}},
	}
	hindiCounts = &countScript{
		zero: '0', point: ".", comma: ",", minus: "-",
		indian: []countUnit{{1e3, " हज़ार"}, {1e5, " लाख"}, {1e7, " करोड़"}},
		intl:   []countUnit{{1e3, " हज़ार"}, {1e6, " मिलियन"}, {1e9, " अरब"}},
	}
	// Urdu writes Extended Arabic-Indic digits (U+06F0–U+06F9) with the
	// Arabic decimal and thousands separators (U+066B, U+066C), and its
	// minus sign between left-to-right marks, as CLDR's "arabext" number
	// system does, so that it stays on the left of the digits in
	// right-to-left text.
	urduCounts = &countScript{
		zero: '۰', point: "٫", comma: "٬", minus: "\u200e-\u200e",
		indian: []countUnit{{1e3, " ہزار"}, {1e5, " لاکھ"}, {1e7, " کروڑ"}},
		intl:   []countUnit{{1e3, " ہزار"}, {1e6, " ملین"}, {1e9, " ارب"}},
	}
)

// scriptOf returns how the language of the BCP 47 tag lang writes counts;
// English's way for a language without its own.
func scriptOf(lang string) *countScript {
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	switch strings.ToLower(lang) {
	case "hi":
		return hindiCounts
	case "ur":
		return urduCounts
	}
	return latinCounts
}

// digits writes m in s's digits.
func (s *countScript) digits(b *strings.Builder, m uint64) {
	s.group(b, m, false, false)
}

// group writes m in s's digits, with group separators when sep: after the
// last three digits, then every two when indian ("4,22,087"), every three
// otherwise ("422,087").
func (s *countScript) group(b *strings.Builder, m uint64, sep, indian bool) {
	var buf [20]byte
	d := strconv.AppendUint(buf[:0], m, 10)
	for i, c := range d {
		if s.zero == '0' {
			b.WriteByte(c)
		} else {
			b.WriteRune(s.zero + rune(c-'0'))
		}
		r := len(d) - 1 - i // digits still to write
		if sep && (r == 3 || r > 3 && (indian && (r-3)%2 == 0 || !indian && r%3 == 0)) {
			b.WriteString(s.comma)
		}
	}
}
