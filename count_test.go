package khabar_test

import (
	"math"
	"testing"

	"github.com/khabar/khabar"
)

func TestFormatCount(t *testing.T) {
	tests := []struct {
		n    int64
		lang string
		want string
	}{
		{0, "hi", "0"},
		{7, "hi", "7"},
		{999, "hi", "999"},
		{1_000, "hi", "1 हज़ार"},
		{1_049, "hi", "1 हज़ार"},
		{1_050, "hi", "1.1 हज़ार"},
		{1_400, "hi", "1.4 हज़ार"},
		{9_999, "hi", "10 हज़ार"},
		{42_000, "hi", "42 हज़ार"},
		{99_949, "hi", "99.9 हज़ार"},
		{99_950, "hi", "1 लाख"},
		{99_999, "hi", "1 लाख"},
		{1_00_000, "hi", "1 लाख"},
		{4_22_087, "hi", "4.2 लाख"},
		{9_99_999, "hi", "10 लाख"},
		{99_99_999, "hi", "1 करोड़"},
		{3_10_00_000, "hi", "3.1 करोड़"},
		{99_94_99_999, "hi", "99.9 करोड़"},
		{99_95_00_000, "hi", "100 करोड़"},
		{12_34_56_00_00_000, "hi", "1,23,456 करोड़"},
		{-1_400, "hi", "-1.4 हज़ार"},
		{-999, "hi", "-999"},
		{1_400, "hi-IN", "1.4 हज़ार"},

		{0, "en", "0"},
		{999, "en", "999"},
		{1_000, "en", "1K"},
		{1_400, "en", "1.4K"},
		{99_999, "en", "1 lakh"},
		{4_22_087, "en-IN", "4.2 lakh"},
		{9_99_999, "en", "10 lakh"},
		{3_10_00_000, "en", "3.1 crore"},
		{-4_22_087, "en", "-4.2 lakh"},
		{1_400, "", "1.4K"},
		{1_400, "fr", "1.4K"},

		{0, "ur", "۰"},
		{999, "ur", "۹۹۹"},
		{1_400, "ur", "۱٫۴ ہزار"},
		{4_22_087, "ur", "۴٫۲ لاکھ"},
		{3_10_00_000, "ur", "۳٫۱ کروڑ"},
		{9_99_999, "ur-PK", "۱۰ لاکھ"},
		{-1_400, "ur", "\u200e-\u200e۱٫۴ ہزار"},

		{math.MaxInt64, "en", "9,22,33,72,03,685 crore"},
		{math.MinInt64, "en", "-9,22,33,72,03,685 crore"},
	}
	for _, tt := range tests {
		if got := khabar.FormatCount(tt.n, tt.lang); got != tt.want {
			t.Errorf("FormatCount(%d, %q) = %q, want %q", tt.n, tt.lang, got, tt.want)
		}
	}
}

func TestCountFormat(t *testing.T) {
	intl := khabar.CountFormat{International: true}
	full := khabar.CountFormat{Full: true}
	fullIntl := khabar.CountFormat{Full: true, International: true}
	tests := []struct {
		f    khabar.CountFormat
		n    int64
		lang string
		want string
	}{
		{intl, 999, "en", "999"},
		{intl, 1_000, "en", "1K"},
		{intl, 99_999, "en", "100K"},
		{intl, 420_000, "en", "420K"},
		{intl, 420_500, "en", "421K"},
		{intl, 999_499, "en", "999K"},
		{intl, 999_500, "en", "1M"},
		{intl, 999_999, "en", "1M"},
		{intl, 4_200_000, "en", "4.2M"},
		{intl, 3_100_000_000, "en", "3.1B"},
		{intl, 1_234_000_000_000, "en", "1,234B"},
		{intl, -420_000, "en", "-420K"},
		{intl, 4_200_000, "hi", "4.2 मिलियन"},
		{intl, 3_100_000_000, "hi", "3.1 अरब"},
		{intl, 4_200_000, "ur", "۴٫۲ ملین"},

		{full, 0, "hi", "0"},
		{full, 999, "hi", "999"},
		{full, 1_000, "hi", "1,000"},
		{full, 99_999, "hi", "99,999"},
		{full, 1_00_000, "hi", "1,00,000"},
		{full, 4_22_087, "hi", "4,22,087"},
		{full, 9_99_999, "en", "9,99,999"},
		{full, 12_34_56_789, "en", "12,34,56,789"},
		{full, -4_22_087, "en", "-4,22,087"},
		{full, 4_22_087, "ur", "۴٬۲۲٬۰۸۷"},
		{fullIntl, 422_087, "en", "422,087"},
		{fullIntl, 1_234_567, "en", "1,234,567"},
		{fullIntl, 100, "en", "100"},
	}
	for _, tt := range tests {
		if got := tt.f.Format(tt.n, tt.lang); got != tt.want {
			t.Errorf("%+v.Format(%d, %q) = %q, want %q", tt.f, tt.n, tt.lang, got, tt.want)
		}
	}
}

// TestFormatCountUrduDigits checks the code points the Urdu form uses:
// Extended Arabic-Indic digits and the Arabic decimal and thousands
// separators, not the Arabic-Indic digits (U+0660–U+0669) Arabic uses.
func TestFormatCountUrduDigits(t *testing.T) {
	full := khabar.CountFormat{Full: true}
	for _, r := range khabar.FormatCount(1_234_567_890, "ur") + full.Format(1_234_567_890, "ur") {
		switch {
		case r >= '\u06f0' && r <= '\u06f9', r == '\u066b', r == '\u066c', r == ' ':
		case r >= '\u0600' && r <= '\u06ff' && !(r >= '\u0660' && r <= '\u0669'): // the unit's letters
		default:
			t.Errorf("unexpected %U in the Urdu form", r)
		}
	}
}
