package khabar

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"short unchanged", "कानपुर", 10, "कानपुर"},
		{"exact length unchanged", "abcde", 5, "abcde"},
		{"zero", "abc", 0, ""},
		{"one gives ellipsis", "abcdef", 1, "…"},
		{"cuts inside a word when no space is near", "hello wonderful world", 14, "hello wonderf…"},
		{"cuts at a near space", "hello wonderful world", 18, "hello wonderful…"},
		{"keeps a word that ends at the cut", "नमस्ते, दुनिया के लोग", 9, "नमस्ते, दुनिया…"},
		{"no near space cuts inside", "abcdefghijklmnop", 6, "abcde…"},
		// "क्षत्रिय" is 3 clusters: क्ष, त्रि, य; a cut never leaves a half conjunct.
		{"devanagari conjuncts whole", "क्षत्रिय", 3, "क्षत्रिय"},
		{"devanagari conjunct cut", "क्षत्रिय वंश", 3, "क्षत्रि…"},
		{"vowel sign stays", "कि कि कि कि", 2, "कि…"},
		{"emoji zwj family whole", "👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧", 2, "👨‍👩‍👧…"},
		{"flag whole", "🇮🇳🇮🇳🇮🇳", 2, "🇮🇳…"},
		{"skin tone whole", "👍🏽👍🏽👍🏽", 2, "👍🏽…"},
		{"trailing punctuation dropped", "नमस्ते, दुनिया के लोग", 7, "नमस्ते…"},
		// The doc: "trailing spaces and punctuation before the ellipsis are
		// dropped", all of Unicode category P.
		{"danda dropped", "वह घर गया। फिर वह बाज़ार गया और लौटा", 10, "वह घर गया…"},
		{"full stop dropped", "Hello world. Again and again", 13, "Hello world…"},
		{"question and exclamation marks dropped", "क्या हुआ?! फिर वह बाज़ार गया", 9, "क्या हुआ…"},
		{"ellipsis not doubled", "Wait... then more and more", 9, "Wait…"},
		{"closing quote kept", "He said \"go\" (now) and left", 16, "He said \"go\"…"},
		{"opening bracket dropped", "The (UP) state is", 6, "The…"},
		{"double danda and bar dropped", "समाप्त॥ | अगला भाग", 9, "समाप्त…"},
		{"only punctuation kept", "!!!!!!!!", 4, "!!!…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Truncate(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if n := GraphemeCount(got); tt.max > 0 && n > tt.max {
				t.Errorf("Truncate(%q, %d) has %d clusters", tt.in, tt.max, n)
			}
		})
	}
}

// TestTruncateNeverSplitsClusters checks every cut of a long mixed text: the
// kept part must be a prefix made of whole clusters of the input.
func TestTruncateNeverSplitsClusters(t *testing.T) {
	in := "उत्तर प्रदेश के कानपुर में 👨‍👩‍👧 परिवार 🇮🇳 ने स्वतंत्रता दिवस मनाया; क्षत्रिय श्रृंखला ज्ञान"
	var bounds = map[int]bool{0: true}
	pos := 0
	for c := range Graphemes(in) {
		pos += len(c)
		bounds[pos] = true
	}
	for max := 1; max <= GraphemeCount(in)+1; max++ {
		got := Truncate(in, max)
		if !utf8.ValidString(got) {
			t.Fatalf("max %d: invalid UTF-8 %q", max, got)
		}
		kept := strings.TrimSuffix(got, Ellipsis)
		if !strings.HasPrefix(in, kept) || !bounds[len(kept)] {
			t.Errorf("max %d: %q is not a whole-cluster prefix", max, got)
		}
		if n := GraphemeCount(got); n > max {
			t.Errorf("max %d: %q has %d clusters", max, got, n)
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"paragraphs", "<p>पहला  अनुच्छेद</p><p>दूसरा</p>", "पहला अनुच्छेद\n\nदूसरा"},
		{"inline tags join", "<p>R<b>&amp;</b>D पर <i>5%</i> टैक्स</p>", "R&D पर 5% टैक्स"},
		{"entities", "&lt;टैक्स&gt; &quot;x&quot; &#x915;", `<टैक्स> "x" क`},
		{"script and style skipped", "<p>a</p><script>alert(1)</script><style>p{}</style><p>b</p>", "a\n\nb"},
		{"headings and br", "<h2>शीर्षक</h2>पंक्ति<br>दूसरी", "शीर्षक\n\nपंक्ति\n\nदूसरी"},
		{"control chars dropped", "a\x01b\x08c", "abc"},
		{"plain text passes", "no tags here", "no tags here"},
		{"figure caption", "<figure><img src=x alt=y><figcaption>चित्र</figcaption></figure>", "चित्र"},
		{"nbsp folds", "a&nbsp;&nbsp;b", "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ok देवनागरी\t\n", "ok देवनागरी\t\n"},
		{"a\x00b\x1fc\x0bd", "abcd"},
		{"x\uFFFEy\uFFFFz", "xyz"},
		{"bad\xffbyte", "bad\uFFFDbyte"},
		{"emoji 👨‍👩‍👧", "emoji 👨‍👩‍👧"},
	}
	for _, tt := range tests {
		if got := CleanText(tt.in); got != tt.want {
			t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	got := Excerpt("<p>उत्तर प्रदेश के कानपुर में</p><p>भारी बारिश</p>", 16)
	if want := "उत्तर प्रदेश के कानपुर…"; got != want {
		t.Errorf("Excerpt = %q, want %q", got, want)
	}
}

func FuzzTruncate(f *testing.F) {
	for _, s := range []string{"क्षत्रिय वंश", "👨‍👩‍👧 🇮🇳", "hello world", "\xff\xfe"} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max > 1000 || max < -5 {
			return
		}
		got := Truncate(s, max)
		if max < 1 {
			if got != "" {
				t.Fatalf("Truncate(%q, %d) = %q", s, max, got)
			}
			return
		}
		if n := GraphemeCount(got); n > max {
			t.Fatalf("Truncate(%q, %d) = %q has %d clusters", s, max, got, n)
		}
		if got != s && !strings.HasPrefix(s, strings.TrimSuffix(got, Ellipsis)) {
			t.Fatalf("Truncate(%q, %d) = %q is not a prefix", s, max, got)
		}
	})
}

func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"<p>a</p>", "<script>x", "&amp;&", "<b>क</b>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := PlainText(s)
		if !utf8.ValidString(got) || CleanText(got) != got {
			t.Fatalf("PlainText(%q) = %q is not clean text", s, got)
		}
	})
}

func TestGraphemes(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"क्षत्रिय", []string{"क्ष", "त्रि", "य"}},
		{"स्त्री", []string{"स्त्री"}},
		{"उत्तर", []string{"उ", "त्त", "र"}},
		{"क्\u200dष", []string{"क्\u200dष"}}, // virama + ZWJ still joins
		{"क् ष", []string{"क्", " ", "ष"}},
		{"👨‍👩‍👧🇮🇳", []string{"👨‍👩‍👧", "🇮🇳"}},
		{"ab", []string{"a", "b"}},
		{"0्र", []string{"0्", "र"}}, // GB9c needs a consonant before the virama
		{"अ्क", []string{"अ्", "क"}}, // a vowel is not InCB=Consonant
		{"", nil},
	}
	for _, tt := range tests {
		var got []string
		for c := range Graphemes(tt.in) {
			got = append(got, c)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Graphemes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzCleanText compares CleanText with a rune-by-rune reference.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"ok", "a\x01b", "\uFFFD", "\xef\xbf\xbe", "\xef\xbf", "\xed\xa0\x80", "देवनागरी\uFFFF"} {
		f.Add(s)
	}
	// CleanText copies the clean prefix that the word loop finds, so the
	// cases that end it go in at every offset mod 8 too.
	prefixes, suffixes := cleanContexts()
	for _, tt := range cleanCases {
		for _, p := range prefixes {
			f.Add(p + tt.in + suffixes[2])
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b strings.Builder
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			i += n
			switch {
			case r == utf8.RuneError && n == 1:
				b.WriteRune(utf8.RuneError)
			case r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000:
				b.WriteRune(r)
			}
		}
		if got, want := CleanText(s), b.String(); got != want {
			t.Fatalf("CleanText(%q) = %q, want %q", s, got, want)
		}
	})
}

// cleanOKRuneLoop is the rune-loop cleanOK that the word-at-a-time one
// replaced; tests and benchmarks hold the new one against it.
func cleanOKRuneLoop(s string) bool {
	for i, r := range s {
		switch {
		case r < 0x20:
			if r != '\t' && r != '\n' && r != '\r' {
				return false
			}
		case r < 0xFFFD:
		case r == utf8.RuneError:
			if !strings.HasPrefix(s[i:], "\uFFFD") {
				return false // an invalid byte, not a real U+FFFD
			}
		case r == 0xFFFE || r == 0xFFFF:
			return false
		}
	}
	return true
}

// cleanPrefixRuneLoop is the obvious cleanPrefix: the start of the first
// rune that cleanOKRuneLoop rejects.
func cleanPrefixRuneLoop(s string) int {
	for i := 0; i < len(s); {
		_, n := utf8.DecodeRuneInString(s[i:])
		if !cleanOKRuneLoop(s[i : i+n]) {
			return i
		}
		i += n
	}
	return len(s)
}

// cleanCases are byte sequences that the word loop must treat exactly: the
// byte at offset bad (or -1) is where the first rejected rune starts.
var cleanCases = []struct {
	name string
	in   string
	bad  int
}{
	{"empty", "", -1},
	{"ascii", "abc", -1},
	{"tab newline return", "\t\n\r", -1},
	{"nul", "\x00", 0},
	{"unit separator", "\x1f", 0},
	{"vertical tab", "a\x0bb", 1},
	{"delete is fine", "\x7f", -1},
	{"C1 control is fine", "\u0085", -1},
	{"devanagari", "देवनागरी", -1},
	{"two-byte", "é ñ ß Ω я ع", -1},
	{"U+0800 smallest three-byte", "\xe0\xa0\x80", -1},
	{"E0 overlong", "\xe0\x80\x80", 0},
	{"E0 overlong high", "\xe0\x9f\xbf", 0},
	{"ED last before surrogates", "\xed\x9f\xbf", -1},
	{"ED surrogate low", "\xed\xa0\x80", 0},
	{"ED surrogate high", "\xed\xbf\xbf", 0},
	{"EE private use", "\xee\x80\x80", -1},
	{"EF BF BD real U+FFFD", "\xef\xbf\xbd", -1},
	{"EF BF BC", "\xef\xbf\xbc", -1},
	{"EF BF BE U+FFFE", "\xef\xbf\xbe", 0},
	{"EF BF BF U+FFFF", "\xef\xbf\xbf", 0},
	{"EF BB BF BOM", "\xef\xbb\xbf", -1},
	{"variation selector", "\u2764\ufe0f", -1},
	{"C0 AF overlong slash", "\xc0\xaf", 0},
	{"C1 BF overlong", "\xc1\xbf", 0},
	{"C2 80 smallest two-byte", "\xc2\x80", -1},
	{"F0 90 80 80 smallest four-byte", "\xf0\x90\x80\x80", -1},
	{"F0 8F BF BF overlong", "\xf0\x8f\xbf\xbf", 0},
	{"F4 8F BF BF largest", "\xf4\x8f\xbf\xbf", -1},
	{"F4 90 80 80 too big", "\xf4\x90\x80\x80", 0},
	{"F5 lead", "\xf5\x80\x80\x80", 0},
	{"FF byte", "\xff", 0},
	{"emoji zwj", "👨‍👩‍👧", -1},
	{"U+10FFFE is fine", "\U0010FFFE", -1},
	{"lone continuation", "a\x80b", 1},
	{"lead then ascii", "\xe0a", 0},
	{"lead then lead", "\xe0\xe0\xa4\x95", 0},
	{"truncated two-byte", "\xc3", 0},
	{"truncated three-byte", "\xe0\xa4", 0},
	{"truncated four-byte", "\xf0\x9f\x98", 0},
	{"too many continuations", "\xe0\xa4\x95\x95", 3},
	{"after devanagari", "क\x01", 3},
	{"ED 80 80 U+D000", "\xed\x80\x80", -1},
	{"F1 80 80 80", "\xf1\x80\x80\x80", -1},
	{"F3 BF BF BF", "\xf3\xbf\xbf\xbf", -1},
	{"three-byte, bad third", "\xe0\xa4\xc0", 0},
	{"four-byte, bad third", "\xf0\x9f\xc0\x80", 0},
	{"four-byte, bad fourth", "\xf0\x9f\x98\xc0", 0},
	{"EF BF then ASCII", "\xef\xbfa", 0},
	{"korean", "한국어 텍스트는 휴대폰", -1},
	{"chinese fullwidth comma", "中文，文本", -1},
}

// cleanContexts put each case at every offset mod 8, after ASCII and
// after Devanagari, so that a sequence straddles a word boundary and ends
// the string, and before more text so that the word loop sees it inside a
// word.
func cleanContexts() (prefixes, suffixes []string) {
	for k := 0; k < 8; k++ {
		prefixes = append(prefixes, strings.Repeat("a", k), strings.Repeat("a", k)+"क", "\n"+strings.Repeat("ख", k+2))
	}
	return prefixes, []string{"", "x", "देवनागरी लिपि में लिखा गया पाठ", " plain ASCII tail of some length\n"}
}

func TestCleanOK(t *testing.T) {
	prefixes, suffixes := cleanContexts()
	for _, tt := range cleanCases {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range prefixes {
				for _, q := range suffixes {
					s := p + tt.in + q
					want, wantOK := len(s), true
					if tt.bad >= 0 {
						want, wantOK = len(p)+tt.bad, false
					}
					if got := cleanOK(s); got != wantOK {
						t.Errorf("cleanOK(%q) = %v, want %v", s, got, wantOK)
					}
					if got := cleanPrefix(s); got != want {
						t.Errorf("cleanPrefix(%q) = %d, want %d", s, got, want)
					}
					if got, ref := cleanOK(s), cleanOKRuneLoop(s); got != ref {
						t.Errorf("cleanOK(%q) = %v, rune loop says %v", s, got, ref)
					}
				}
			}
		})
	}
}

// TestCleanOKCorpus holds cleanOK against the rune loop on every text field
// of the corpus, hostile items included, and on every cut of each.
func TestCleanOKCorpus(t *testing.T) {
	for _, s := range corpusTexts(t) {
		for i := 0; i < len(s); i += 1 + i/64 {
			for _, c := range []string{s[i:], s[:i]} {
				if got, want := cleanOK(c), cleanOKRuneLoop(c); got != want {
					t.Fatalf("cleanOK(%q) = %v, rune loop says %v", c, got, want)
				}
				if got, want := cleanPrefix(c), cleanPrefixRuneLoop(c); got != want {
					t.Fatalf("cleanPrefix(%q) = %d, want %d", c, got, want)
				}
			}
		}
	}
}

// TestCleanOKLongRuns puts a bad byte at many places in long texts in
// which most words are not plain, where the rune loop takes over for ever
// longer stretches, and in texts that mix plain and other words.
func TestCleanOKLongRuns(t *testing.T) {
	texts := map[string]string{
		"emoji":       strings.Repeat("😀🙏🔥👍🏽", 60),
		"korean":      strings.Repeat("한국어 텍스트는 많은 음절을 포함합니다. 휴대폰 ", 12),
		"chinese":     strings.Repeat("中文文本，包含许多字符。", 20),
		"replacement": strings.Repeat("a\uFFFDb", 100),
		"hindi emoji": strings.Repeat("उत्तर प्रदेश के कानपुर में 👨‍👩‍👧 परिवार ने\n", 8),
	}
	for name, text := range texts {
		t.Run(name, func(t *testing.T) {
			for _, bad := range []string{"\x01", "\xff", "\xef\xbf\xbf", "\xed\xa0\x80", "\xe0\x80\x80", "\xf0\x9f\x98"} {
				for i := 0; i <= len(text); i++ {
					if i < len(text) && !utf8.RuneStart(text[i]) {
						continue
					}
					s := text[:i] + bad + text[i:]
					if got := cleanPrefix(s); got != i {
						t.Fatalf("cleanPrefix(%q) = %d, want %d", s, got, i)
					}
				}
			}
			if !cleanOK(text) {
				t.Errorf("cleanOK(%q) = false, want true", text)
			}
		})
	}
}

// TestCleanTextConcurrent runs CleanText on the corpus from several
// goroutines at once (run it with -race): it shares only read-only tables.
func TestCleanTextConcurrent(t *testing.T) {
	texts := corpusTexts(t)
	want := make([]string, len(texts))
	for i, s := range texts {
		want[i] = CleanText(s)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, s := range texts {
				if got := CleanText(s); got != want[i] {
					t.Errorf("CleanText(%q) = %q in a goroutine, %q alone", s, got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func ExampleCleanText() {
	// Tab and newline stay; other control characters, U+FFFF and unpaired
	// surrogates go; an invalid byte becomes U+FFFD.
	fmt.Printf("%q\n", CleanText("ख़बर\t\x01ok\uFFFF\n\xffend"))
	// Clean text comes back as it is, without a copy.
	fmt.Println(CleanText("उत्तर प्रदेश › कानपुर"))
	// Output:
	// "ख़बर\tok\n�end"
	// उत्तर प्रदेश › कानपुर
}

// corpusTexts returns the title, summary and content of every corpus
// article.
func corpusTexts(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, a := range validCorpus(t) {
		out = append(out, a.Title, a.Summary, a.ContentHTML)
	}
	return out
}

// FuzzCleanOK compares cleanOK and cleanPrefix with the rune loop on
// arbitrary bytes, at every offset mod 8.
func FuzzCleanOK(f *testing.F) {
	prefixes, suffixes := cleanContexts()
	for _, tt := range cleanCases {
		for _, p := range prefixes {
			f.Add(p + tt.in + suffixes[2])
			if tt.in != "" {
				f.Add(p + tt.in[:len(tt.in)-1])
			}
		}
	}
	for _, s := range corpusTexts(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for k := 0; k < 8; k++ {
			c := strings.Repeat(" ", k) + s
			if got, want := cleanOK(c), cleanOKRuneLoop(c); got != want {
				t.Fatalf("cleanOK(%q) = %v, rune loop says %v", c, got, want)
			}
			if got, want := cleanPrefix(c), cleanPrefixRuneLoop(c); got != want {
				t.Fatalf("cleanPrefix(%q) = %d, want %d", c, got, want)
			}
		}
	})
}
