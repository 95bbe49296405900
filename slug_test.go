package khabar

import (
	"net/url"
	"testing"
)

func TestSlugify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"उत्तर प्रदेश", "उत्तर-प्रदेश"},
		{"  कानपुर  ", "कानपुर"},
		{"Ramesh Tiwari", "ramesh-tiwari"},
		{"BJP / भाजपा", "bjp-भाजपा"},
		{"R&D: 5% टैक्स!", "r-d-5-टैक्स"},
		{"Latest News", "latest-news"},
		{"इंडिया 2026", "इंडिया-2026"},
		{"क्\u200dष", "क्ष"}, // ZWJ dropped
		{"پاکستان کی خبریں", "پاکستان-کی-خبریں"},
		{"---", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Slugify(tt.in); got != tt.want {
			t.Errorf("Slugify(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscapeSlugRoundTrip(t *testing.T) {
	for _, slug := range []string{"उत्तर-प्रदेश", "latest-news", "پاکستان", "a b", "100%"} {
		esc := EscapeSlug(slug)
		for i := 0; i < len(esc); i++ {
			if esc[i] >= 0x80 {
				t.Fatalf("EscapeSlug(%q) = %q holds non-ASCII", slug, esc)
			}
		}
		back, err := UnescapeSlug(esc)
		if err != nil || back != slug {
			t.Errorf("UnescapeSlug(EscapeSlug(%q)) = %q, %v", slug, back, err)
		}
		raw, err := UnescapeSlug(slug)
		if slug != "100%" && (err != nil || raw != slug) {
			t.Errorf("UnescapeSlug(%q) raw = %q, %v", slug, raw, err)
		}
	}
	// WordPress writes lower-case hex.
	got, err := UnescapeSlug("%e0%a4%95%e0%a4%be%e0%a4%a8%e0%a4%aa%e0%a5%81%e0%a4%b0")
	if err != nil || got != "कानपुर" {
		t.Errorf("lower-case hex: got %q, %v", got, err)
	}
	if _, err := UnescapeSlug("%zz"); err == nil {
		t.Errorf("UnescapeSlug(%q) gave no error", "%zz")
	}
	if _, err := UnescapeSlug("%ff"); err == nil {
		t.Errorf("UnescapeSlug(%q) (invalid UTF-8) gave no error", "%ff")
	}
}

func TestEscapePath(t *testing.T) {
	got := EscapePath("उत्तर-प्रदेश/कानपुर")
	want := url.PathEscape("उत्तर-प्रदेश") + "/" + url.PathEscape("कानपुर")
	if got != want {
		t.Errorf("EscapePath = %q, want %q", got, want)
	}
}

func TestURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://khabar.example/2026/11/24/कानपुर/", "https://khabar.example/2026/11/24/%E0%A4%95%E0%A4%BE%E0%A4%A8%E0%A4%AA%E0%A5%81%E0%A4%B0/"},
		{"https://khabar.example/a b?q=x y#f", "https://khabar.example/a%20b?q=x%20y#f"},
		{"https://khabar.example/already%20escaped", "https://khabar.example/already%20escaped"},
		{"https://खबर.भारत/x", "https://xn--21b8bm.xn--h2brj9c/x"},
		{"https://user@khabar.example:8443/ü", "https://user@khabar.example:8443/%C3%BC"},
		{"/relative/पथ", "/relative/%E0%A4%AA%E0%A4%A5"},
	}
	for _, tt := range tests {
		got := URI(tt.in)
		if got != tt.want {
			t.Errorf("URI(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if _, err := url.Parse(got); err != nil {
			t.Errorf("URI(%q) = %q does not parse: %v", tt.in, got, err)
		}
	}
}
