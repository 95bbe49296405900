package upstream

import (
	"testing"
)

func TestToUTF8(t *testing.T) {
	tests := []struct {
		name, ct string
		in       []byte
		want     string
		enc      string
	}{
		{"utf-8 bom", "", []byte("\xEF\xBB\xBF<a>é</a>"), "<a>é</a>", "utf-8"},
		{"utf-16be bom", "", []byte("\xFE\xFF\x00<\x00a\x00>\x00\xE9\x00<\x00/\x00a\x00>"), "<a>é</a>", "utf-16be"},
		{"undeclared 1252", "", []byte("<a>\x93q\x94 \x80</a>"), "<a>“q” €</a>", "windows-1252"},
		{"http charset wins", "application/rss+xml; charset=iso-8859-1", []byte(`<?xml version="1.0" encoding="utf-8"?><a>` + "\xe9</a>"), `<?xml version="1.0" encoding="utf-8"?><a>é</a>`, "windows-1252"},
		{"declaration rewritten", "", []byte(`<?xml version="1.0" encoding='koi8-r'?><a>` + "\xc1</a>"), `<?xml version="1.0" encoding='UTF-8'?><a>а</a>`, "koi8-r"},
		{"declared utf-8 with stray byte", "", []byte(`<?xml version="1.0" encoding="utf-8"?><a>` + "\xe9t\xe9 ठीक</a>"), `<?xml version="1.0" encoding="utf-8"?><a>été ठीक</a>`, "utf-8"},
		{"latin-1 label on utf-8 body", "text/xml; charset=ISO-8859-1", []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><a>समाचार</a>`), `<?xml version="1.0" encoding="UTF-8"?><a>समाचार</a>`, "utf-8"},
		{"utf-32le bom", "", u32le("\uFEFF<a>é</a>"), "<a>é</a>", "utf-32le"},
		{"utf-32be bom", "", u32be("\uFEFF<a>é</a>"), "<a>é</a>", "utf-32be"},
		{"utf-32le without bom", "", u32le("<a>ख</a>"), "<a>ख</a>", "utf-32le"},
		{"utf-32be without bom", "", u32be(`<?xml version="1.0" encoding="UTF-32"?><a>ख</a>`), `<?xml version="1.0" encoding="UTF-8"?><a>ख</a>`, "utf-32be"},
		{"bom wins over declaration", "", append([]byte("\xEF\xBB\xBF"), `<?xml version="1.0" encoding="windows-1252"?><a>é</a>`...), `<?xml version="1.0" encoding="UTF-8"?><a>é</a>`, "utf-8"},
		{"bom wins over http charset", "text/xml; charset=iso-8859-1", []byte("\xFF\xFE<\x00a\x00>\x00\xE9\x00"), "<a>é", "utf-16le"},
		{"utf-16 bytes declared utf-8", "text/xml; charset=utf-8", []byte("<\x00a\x00>\x00\xE9\x00"), "<a>é", "utf-16le"},
		{"utf-32 declared on ascii bytes", "", []byte(`<?xml version="1.0" encoding="utf-32"?><a>x</a>`), `<?xml version="1.0" encoding="UTF-8"?><a>x</a>`, "utf-8"},
		{"utf-16 declared on utf-8 bytes", "text/xml; charset=utf-16", []byte(`<a>समाचार</a>`), `<a>समाचार</a>`, "utf-8"},
		{"unknown label", "", []byte(`<?xml version="1.0" encoding="x-bogus"?><a/>`), `<?xml version="1.0" encoding="UTF-8"?><a/>`, "utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, enc := toUTF8(tt.in, tt.ct)
			if string(got) != tt.want || enc != tt.enc {
				t.Errorf("toUTF8 = %q, %q; want %q, %q", got, enc, tt.want, tt.enc)
			}
		})
	}
}

// u32le and u32be write s in UTF-32.
func u32le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
	}
	return b
}

func u32be(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>24), byte(r>>16), byte(r>>8), byte(r))
	}
	return b
}

func TestCharsetFixtures(t *testing.T) {
	tests := []struct{ name, title string }{
		{"windows-1252.xml", "Crème brûlée at £4 – “worth it”"},
		{"utf16le-bom.xml", "خبریں: لکھنؤ میں بارش"},
		{"latin1-declared.xml", "Señor Garçon"},
		{"utf32be-nobom.xml", "UTF-32: कानपुर\u00a0मेट्रो"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := mustParse(t, tt.name)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(f.Articles) != 1 || f.Articles[0].Title != tt.title {
				t.Fatalf("articles = %d, first title %q; want 1, %q", len(f.Articles), f.Articles[0].Title, tt.title)
			}
		})
	}
}
