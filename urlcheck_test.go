package khabar

import (
	"testing"
)

// TestCheckAbsURL lists which shapes the fast path decides and what
// checkAbsURL answers; the answers are parseAbsURL's (url.Parse's).
func TestCheckAbsURL(t *testing.T) {
	tests := []struct {
		in   string
		fast bool   // decided by fastAbsURL
		want string // error text; "" means accepted
	}{
		{"https://khabar.example/2026/11/24/syn-0000001/", true, ""},
		{"https://img.khabar.example/syn-0000001.jpg", true, ""},
		{"http://khabar.example", true, ""},
		{"HTTPS://KHABAR.EXAMPLE/A", true, ""},
		{"HtTp://x", true, ""},
		{"https://उदाहरण.भारत/समाचार/", true, ""},
		{"https://khabar.example/2026/11/24/कानपुर-में-बारिश/", true, ""},
		{"https://khabar.example:8443/a", true, ""},
		{"https://khabar.example:/a", true, ""},
		{"https://khabar.example?x=1", true, ""},
		{"https://khabar.example#top", true, ""},
		{"https://khabar.example/a?x=1&y=a,b;c=d+e#frag/x?y", true, ""},
		{"https://khabar.example/%E0%A4%95%e0%a4%be/", true, ""},
		{"https://khabar.example/!$&'()*+,;=:@-._~/", true, ""},
		{"https://a_b~c.example/", true, ""},
		{"https://x/\xff\xfe", true, ""}, // url.Parse lets any non-ASCII byte through
		// Accepted, but by url.Parse: shapes the fast path leaves alone.
		{"https://user:pass@khabar.example/", false, ""},
		{"https://[::1]:8080/", false, ""},
		{"https://[fe80::1%25en0]/", false, ""},
		{"https://:80", false, ""}, // url.Parse takes ":80" as the host
		{"https://x/a b", false, ""},
		{"https://x/a\"b<c>{d}|e^`\\", false, ""},
		{"https://x/#a#b", false, ""},
		{"https://x/?q=%zz", false, ""}, // the query is not unescaped
		{"https://x/#\x01", false, ""},  // nor checked for control characters
		{"https://x!$&'()*+,;=.example/", false, ""},
		{"https://x%C3%A9.example/", false, ""},
		// Refused.
		{"", false, `"" is not an absolute http(s) URL`},
		{"https://", false, `"https://" has no host`},
		{"https:///a", false, `"https:///a" has no host`},
		{"http:/x", false, `"http:/x" has no host`},
		{"http:x", false, `"http:x" has no host`},
		{"//x", false, `"//x" is not an absolute http(s) URL`},
		{"ftp://x/", false, `"ftp://x/" is not an absolute http(s) URL`},
		{"httpx://x/", false, `"httpx://x/" is not an absolute http(s) URL`},
		{"mailto:a@b", false, `"mailto:a@b" is not an absolute http(s) URL`},
		{":x", false, `":x" is not a URL: missing protocol scheme`},
		{"https://x/%zz", false, `"https://x/%zz" is not a URL: invalid URL escape "%zz"`},
		{"https://x/%4", false, `"https://x/%4" is not a URL: invalid URL escape "%4"`},
		{"https://x/#%", false, `"https://x/#%" is not a URL: invalid URL escape "%"`},
		{"https://x/a\tb", false, `"https://x/a\tb" is not a URL: net/url: invalid control character in URL`},
		{"https://x/\x7f", false, `"https://x/\x7f" is not a URL: net/url: invalid control character in URL`},
		{"https://x:8o/", false, `"https://x:8o/" is not a URL: invalid port ":8o" after host`},
		{"https://x:1:2/", false, `"https://x:1:2/" is not a URL: invalid port ":1:2" after host`},
		{"https://[::1/", false, `"https://[::1/" is not a URL: missing ']' in host`},
		{"https://x[::1]/", false, `"https://x[::1]/" is not a URL: invalid IP-literal`},
		{"https://x y/", false, `"https://x y/" is not a URL: invalid character " " in host name`},
		{"https://%41/", false, `"https://%41/" is not a URL: invalid URL escape "%41"`},
		{"https://a b@x/", false, `"https://a b@x/" is not a URL: net/url: invalid userinfo`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := fastAbsURL(tt.in); got != tt.fast {
				t.Errorf("fastAbsURL(%q) = %v, want %v", tt.in, got, tt.fast)
			}
			got := ""
			if err := checkAbsURL(tt.in); err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("checkAbsURL(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestFastAbsURLNoAllocs checks that the fast path allocates nothing.
func TestFastAbsURLNoAllocs(t *testing.T) {
	s := "https://khabar.example/2026/11/24/कानपुर-में-बारिश/?utm=x#top"
	if n := testing.AllocsPerRun(100, func() { _ = checkAbsURL(s) }); n != 0 {
		t.Errorf("checkAbsURL makes %v allocations, want 0", n)
	}
}

// FuzzCheckAbsURL proves that the fast path only ever accepts what
// url.Parse accepts: checkAbsURL and parseAbsURL (the url.Parse-based
// reference) must give the same verdict and the same message on every
// input. Seeds: the URLs of the corpus and the shapes in TestCheckAbsURL.
func FuzzCheckAbsURL(f *testing.F) {
	for _, a := range validCorpus(f) {
		f.Add(a.URL)
		for _, au := range a.Authors {
			f.Add(au.URL)
		}
		if a.Image != nil {
			f.Add(a.Image.URL)
		}
		if a.Source != nil {
			f.Add(a.Source.FeedURL)
		}
	}
	for _, s := range []string{
		"https://उदाहरण.भारत/समाचार/", "https://khabar.example:8080/a?b=c#d", "http://x:/", "https://u:p@x/",
		"https://u@x:1/", "https://[::1]/", "https://[fe80::1%25en0]:80/", "https://x/%E0%A4%95", "https://x/%e0%a4",
		"https://x/%zz", "https://x/%", "https://x/%4", "https://x/a b", "https://x/\x00", "https://x/\x7f",
		"https://x/#frag", "https://x/#a#b", "https://x/#%zz", "http:/x", "HTTP://X", "//x", "https://",
		"https://:80", "https://x:80:90/", "https://x?", "https://x?a?b", "https://x#", "https://x/?#",
		"hTtPs://X.Y/Z", "https://\xff/", "https://x\xe0\xa4/", "httpss://x", "http://x@y@z/", "https://x;y/",
		"https://x\\y/", "https://x/\\", "https://x:0123456789/", "https://-/", "https://x/~user/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := parseAbsURL(s)
		if fastAbsURL(s) && want != nil {
			t.Fatalf("fastAbsURL(%q) accepts what url.Parse refuses: %v", s, want)
		}
		got := checkAbsURL(s)
		if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
			t.Fatalf("checkAbsURL(%q) = %v, want %v", s, got, want)
		}
	})
}

// BenchmarkCheckAbsURL compares checkAbsURL with the url.Parse-based
// check it replaces on a typical article URL; ratio is fast/url.Parse.
//
//	go test -run '^$' -bench CheckAbsURL -benchtime 1s -count 3 .
func BenchmarkCheckAbsURL(b *testing.B) {
	const s = "https://khabar.example/2026/11/24/कानपुर-में-बारिश/"
	var parse float64
	b.Run("url.Parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if parseAbsURL(s) != nil {
				b.Fatal("refused")
			}
		}
		parse = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if checkAbsURL(s) != nil {
				b.Fatal("refused")
			}
		}
		if parse > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/parse, "ratio-to-url.Parse")
		}
	})
}
