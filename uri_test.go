package khabar

import (
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar/internal/xmltext"
)

// validURIRef reports where s breaks RFC 3986's grammar for an absolute
// URI's path, query and fragment (section 3.3-3.5): after the authority,
// only unreserved, sub-delims, ":", "@", "/", "?", one "#" and
// percent-encodings ("%" HEXDIG HEXDIG, section 2.1) may appear; "[" and
// "]" are gen-delims allowed only in an IP-literal host (section 3.2.2).
func validURIRef(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return "no scheme"
	}
	rest := s[i+3:]
	j := strings.IndexAny(rest, "/?#")
	if j < 0 {
		return ""
	}
	rest = rest[j:]
	hashes := 0
	for k := 0; k < len(rest); k++ {
		c := rest[k]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:@/?", c) >= 0:
		case c == '#':
			if hashes++; hashes > 1 {
				return "second '#' at " + rest[k:]
			}
		case c == '%':
			if k+2 >= len(rest) || !isHexDigit(rest[k+1]) || !isHexDigit(rest[k+2]) {
				return "'%' not followed by two hex digits at " + rest[k:]
			}
		default:
			return "character " + string(c) + " at " + rest[k:]
		}
	}
	return ""
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// TestURIEncodesWhatURLsForbid: URI promises that "every other non-ASCII
// byte, space or character URLs forbid is percent-encoded", and the feeds
// write article, image, author and source URLs through it (RSS link,
// Atom href, JSON url, sitemap loc). Each URL below passes
// Article.Validate (url.Parse accepts it) but holds characters RFC 3986
// forbids where they are: "[" and "]" outside an IP-literal host (3.2.2),
// a "%" that starts no escape (2.1), a second "#" (3.5). RFC 3987 has the
// same rule for them, so without encoding the feeds would carry links
// that are neither URIs nor IRIs.
func TestURIEncodesWhatURLsForbid(t *testing.T) {
	// The first ones pass Article.Validate (url.Parse accepts them): a
	// catalog holds such URLs. URI is also used on strings nothing
	// validated (body links, config fields), hence the others.
	const accepted = 6
	for i, tt := range []struct{ iri, want string }{
		{"https://news.example.in/search.php?tags[]=bjp&tags[]=up", "https://news.example.in/search.php?tags%5B%5D=bjp&tags%5B%5D=up"}, // PHP-style array query
		{"https://news.example.in/archive/[2026]/story", "https://news.example.in/archive/%5B2026%5D/story"},
		{"https://news.example.in/sale?discount=50%", "https://news.example.in/sale?discount=50%25"}, // a literal percent sign
		{"https://news.example.in/sale?d=50%&x=%4", "https://news.example.in/sale?d=50%25&x=%254"},
		{"https://news.example.in/story#section#2", "https://news.example.in/story#section%232"}, // "#" inside the fragment
		{"https://news.example.in/a?q=1#f#g#h", "https://news.example.in/a?q=1#f%23g%23h"},
		{"https://news.example.in/%zz/%e0%a4%95", "https://news.example.in/%25zz/%e0%a4%95"}, // escapes kept, as written
		{"https://news.example.in/a\x7fb", "https://news.example.in/a%7Fb"},
		{"https://news.example.in/कानपुर[1]", "https://news.example.in/%E0%A4%95%E0%A4%BE%E0%A4%A8%E0%A4%AA%E0%A5%81%E0%A4%B0%5B1%5D"},
		{"https://u[1]@news.example.in/", "https://u%5B1%5D@news.example.in/"},
		// An IP-literal host keeps its brackets.
		{"http://[::1]:8080/a[b]", "http://[::1]:8080/a%5Bb%5D"},
		{"http://[::1]/", "http://[::1]/"},
		{"http://[fe80::1%25en0]:80/x", "http://[fe80::1%25en0]:80/x"},
		{"/relative/[x]#a#b", "/relative/%5Bx%5D#a%23b"},
	} {
		a := &Article{ID: "x", Title: "t", URL: tt.iri, Published: time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC)}
		if err := a.Validate(); err != nil && i < accepted {
			t.Fatalf("%q: Validate: %v (the premise is that it is accepted)", tt.iri, err)
		}
		u := URI(tt.iri)
		if u != tt.want {
			t.Errorf("URI(%q) = %q, want %q", tt.iri, u, tt.want)
		}
		if why := validURIRef(u); why != "" && strings.Contains(tt.iri, "://") {
			t.Errorf("URI(%q) = %q is not an RFC 3986 URI: %s", tt.iri, u, why)
		}
		if again := URI(u); again != u {
			t.Errorf("URI(URI(%q)) = %q, want it unchanged: %q", tt.iri, again, u)
		}
		if got := string(xmltext.AppendURI(nil, tt.iri, "&")); got != u {
			t.Errorf("xmltext.AppendURI(%q) = %q, want URI's %q", tt.iri, got, u)
		}
	}
}

// BenchmarkURI measures URI and xmltext.AppendURI (the feeds' path) on
// the URLs feeds carry: plain ASCII ones, which need nothing (the fast
// path), an article URL with a Devanagari slug, and a query with "&".
//
//	go test -run '^$' -bench URI -count 6 .
func BenchmarkURI(b *testing.B) {
	for _, u := range []struct{ name, url string }{
		{"ascii", "https://news.example.in/2026/11/20/kanpur-voters-list-released/"},
		{"hindi", "https://news.example.in/2026/11/20/कानपुर-में-4-लाख-22-हजार-मतदाता/"},
		{"query", "https://img.khabar.example/photo.jpg?w=1200&h=675&fit=crop#main"},
	} {
		b.Run(u.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkURI = URI(u.url)
			}
		})
		b.Run(u.name+"/append", func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 1024)
			for b.Loop() {
				buf = xmltext.AppendURI(buf[:0], u.url, "&amp;")
			}
		})
	}
}

var sinkURI string
