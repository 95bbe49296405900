package digest

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/khabar/khabar"
	"github.com/rivo/uniseg"
)

func TestWrap(t *testing.T) {
	tests := []struct {
		name  string
		width int
		in    string
		want  string
	}{
		{"short line unchanged", 20, "hello world", "hello world"},
		{"break at spaces", 11, "hello big wide world", "hello big\nwide world"},
		{"spaces folded", 40, "a   b \t c", "a b c"},
		{"line breaks kept", 40, "one\ntwo", "one\ntwo"},
		{"devanagari by display width, not bytes", 12, "कानपुर मेट्रो का दूसरा चरण", "कानपुर मेट्रो\nका दूसरा चरण"},
		{"wide characters count two", 6, "日本語 日本", "日本語\n日本"},
		{"wide word cut", 5, "日本語", "日本\n語"},
		{"long word cut between clusters, conjuncts whole", 4, "स्त्रीक्षत्रिय", "स्त्री\nक्ष\nत्रिय"},
		{"emoji sequence kept whole", 3, "👩‍👩‍👧‍👦👩‍👩‍👧‍👦", "👩‍👩‍👧‍👦\n👩‍👩‍👧‍👦"},
		{"URL never cut", 10, "see https://khabar.example/a/very/long/path now", "see\nhttps://khabar.example/a/very/long/path\nnow"},
		{"zero width: no wrapping", 0, "a b c", "a b c"},
		{"empty", 10, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Wrap(tt.width, tt.in); got != tt.want {
				t.Errorf("Wrap(%d, %q) = %q, want %q", tt.width, tt.in, got, tt.want)
			}
		})
	}
}

func TestIndent(t *testing.T) {
	if got, want := Indent("  ", "a\n\nb"), "  a\n\n  b"; got != want {
		t.Errorf("Indent = %q, want %q", got, want)
	}
}

func FuzzWrap(f *testing.F) {
	for _, a := range fixture() {
		f.Add(a.Title, 20)
		f.Add(a.Summary, 9)
	}
	if b, err := os.ReadFile("../testdata/articles.jsonl"); err == nil {
		for _, line := range strings.SplitN(string(b), "\n", 40) {
			f.Add(line, 72)
		}
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		width = width%200 + 1
		if width < 1 {
			width = -width + 1
		}
		s = khabar.CleanText(s)
		if fitsOneLine(width, s) {
			if w := uniseg.StringWidth(strings.Join(strings.Fields(s), " ")); w > width {
				t.Fatalf("fitsOneLine(%d, %q) but it is %d columns wide", width, s, w)
			}
		}
		got := Wrap(width, s)
		// Nothing is lost or split: the clusters of the words are those of
		// the input's words.
		if a, b := clusters(strings.Fields(s)), clusters(strings.Fields(got)); !slices.Equal(a, b) {
			t.Fatalf("Wrap(%d, %q) = %q changes the text", width, s, got)
		}
		for _, line := range strings.Split(got, "\n") {
			if uniseg.StringWidth(line) <= width || strings.Contains(line, "://") || visibleClusters(line) <= 1 {
				continue
			}
			// A line may only be too wide when it holds one word that is a
			// URL, or one visible cluster (with zero-width ones, such as a
			// stray vowel sign, that cannot start a line of their own).
			t.Fatalf("Wrap(%d, %q): line %q is %d columns", width, s, line, uniseg.StringWidth(line))
		}
	})
}

func clusters(words []string) []string {
	var out []string
	for c := range khabar.Graphemes(strings.Join(words, "")) {
		out = append(out, c)
	}
	return out
}

func TestOneLine(t *testing.T) {
	tests := map[string]string{
		"":               "",
		"a b":            "a b",
		" a  b ":         "a b",
		"a\nb\tc\u00a0d": "a b c d",
		"x\x01y\uFFFF":   "xy",
		"कानपुर   मेट्रो": "कानपुर मेट्रो",
		"trailing ":               "trailing",
		"\u3000ideographic\u3000": "ideographic",
	}
	for in, want := range tests {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

// visibleClusters counts the clusters of s that take at least one column.
func visibleClusters(s string) int {
	n := 0
	for c := range khabar.Graphemes(s) {
		if uniseg.StringWidth(c) > 0 {
			n++
		}
	}
	return n
}
