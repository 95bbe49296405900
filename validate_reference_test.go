package khabar

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// The plain, allocation-happy Validate that the fast one must agree with,
// message for message, and the tests that hold them to it.

// validateReference is Validate written plainly, without its fast paths
// (closure, fmt.Sprintf, url.Parse, Year, range loops): the reference
// Validate must match problem for problem and byte for byte. It is
// exported to the external benchmarks as ValidateReference.
func validateReference(a *Article) error {
	v := &ValidationError{ID: a.ID}
	add := func(field, format string, args ...any) {
		v.Problems = append(v.Problems, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if blankReference(a.ID) {
		add("id", "is empty")
	} else if !cleanOK(a.ID) {
		add("id", "%q holds control or non-XML characters", a.ID)
	}
	if blankReference(a.Title) {
		add("title", "is empty")
	} else if blankReference(CleanText(a.Title)) {
		add("title", "has no text once control and non-XML characters are removed")
	}
	if a.URL == "" {
		add("url", "is empty")
	} else if err := checkAbsURLReference(a.URL); err != nil {
		add("url", "%v", err)
	}
	if len(a.Authors) > MaxAuthors {
		add("authors", "%d authors, more than MaxAuthors (%d)", len(a.Authors), MaxAuthors)
	}
	if len(a.Categories) > MaxCategories {
		add("categories", "%d categories, more than MaxCategories (%d)", len(a.Categories), MaxCategories)
	}
	if len(a.Tags) > MaxTags {
		add("tags", "%d tags, more than MaxTags (%d)", len(a.Tags), MaxTags)
	}
	for i, au := range a.Authors[:min(len(a.Authors), MaxAuthors)] {
		if blankReference(au.Name) {
			add(indexed("authors", i, ".name"), "is empty")
		} else if blankReference(CleanText(au.Name)) {
			add(indexed("authors", i, ".name"), "has no text once control and non-XML characters are removed")
		} else if au.EffectiveSlug() == "" {
			add(indexed("authors", i, ".slug"), "is empty and cannot be derived from the name")
		} else if why := slugProblemReference(au.Slug); why != "" {
			add(indexed("authors", i, ".slug"), "%q %s", au.Slug, why)
		}
		if au.URL != "" {
			if err := checkAbsURLReference(au.URL); err != nil {
				add(indexed("authors", i, ".url"), "%v", err)
			}
		}
		if au.Email != "" && !strings.Contains(au.Email, "@") {
			add(indexed("authors", i, ".email"), "%q is not an email address", au.Email)
		}
	}
	for i := range a.Categories[:min(len(a.Categories), MaxCategories)] {
		depth := 0
		for c := &a.Categories[i]; c != nil; c = c.Parent {
			field := func(sub string) string {
				return indexed("categories", i, strings.Repeat(".parent", depth-1)+sub)
			}
			if depth++; depth > maxCategoryDepth {
				add(field(""), "category tree deeper than %d levels", maxCategoryDepth)
				break
			}
			if blankReference(c.Name) {
				add(field(".name"), "is empty")
			} else if blankReference(CleanText(c.Name)) {
				add(field(".name"), "has no text once control and non-XML characters are removed")
			} else if c.slug() == "" {
				add(field(".slug"), "is empty and cannot be derived from the name")
			}
			if why := slugProblemReference(c.Slug); why != "" {
				add(field(".slug"), "%q %s", c.Slug, why)
			}
		}
	}
	for i, t := range a.Tags[:min(len(a.Tags), MaxTags)] {
		if blankReference(t.Name) {
			add(indexed("tags", i, ".name"), "is empty")
		} else if blankReference(CleanText(t.Name)) {
			add(indexed("tags", i, ".name"), "has no text once control and non-XML characters are removed")
		} else if t.EffectiveSlug() == "" {
			add(indexed("tags", i, ".slug"), "is empty and cannot be derived from the name")
		} else if why := slugProblemReference(t.Slug); why != "" {
			add(indexed("tags", i, ".slug"), "%q %s", t.Slug, why)
		}
	}
	if im := a.Image; im != nil {
		if im.URL == "" {
			add("image.url", "is empty")
		} else if err := checkAbsURLReference(im.URL); err != nil {
			add("image.url", "%v", err)
		}
		if im.Width < 0 {
			add("image.width", "is negative (%d)", im.Width)
		}
		if im.Height < 0 {
			add("image.height", "is negative (%d)", im.Height)
		}
		if im.Length < 0 {
			add("image.length", "is negative (%d)", im.Length)
		}
		if im.Type != "" && !strings.Contains(im.Type, "/") {
			add("image.type", "%q is not a media type", im.Type)
		}
	}
	if a.Published.IsZero() {
		add("published", "is missing")
	} else if y := a.Published.Year(); y < 1900 || y > 2200 {
		add("published", "year %d is out of range (1900–2200)", y)
	}
	if !a.Updated.IsZero() && !a.Published.IsZero() && a.Updated.Before(a.Published) {
		add("updated", "%s is before published %s", a.Updated.Format("2006-01-02T15:04:05Z07:00"), a.Published.Format("2006-01-02T15:04:05Z07:00"))
	}
	if a.Language != "" {
		if err := checkLanguageReference(a.Language); err != nil {
			add("language", "%q is not a BCP 47 tag", a.Language)
		}
	}
	if a.Metrics.Views < 0 {
		add("metrics.views", "is negative (%d)", a.Metrics.Views)
	}
	if a.Metrics.Shares < 0 {
		add("metrics.shares", "is negative (%d)", a.Metrics.Shares)
	}
	if a.Metrics.Comments < 0 {
		add("metrics.comments", "is negative (%d)", a.Metrics.Comments)
	}
	if s := a.Source; s != nil {
		if s.FeedURL == "" {
			add("source.feed_url", "is empty")
		} else if err := checkAbsURLReference(s.FeedURL); err != nil {
			add("source.feed_url", "%v", err)
		}
		if s.OriginURL != "" && !cleanOK(s.OriginURL) {
			add("source.origin_url", "not clean")
		}
	}
	if len(v.Problems) == 0 {
		return nil
	}
	return v
}

var (
	goodLanguagesReference     sync.Map
	goodLanguageCountReference atomic.Int32
)

func checkLanguageReference(tag string) error {
	if _, ok := goodLanguagesReference.Load(tag); ok {
		return nil
	}
	if _, err := language.Parse(tag); err != nil {
		return err
	}
	if goodLanguageCountReference.Add(1) <= 1000 {
		goodLanguagesReference.Store(tag, struct{}{})
	}
	return nil
}

func checkAbsURLReference(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", s, err.(*url.Error).Err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", s)
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return !xmlChar(r) }) {
		return fmt.Errorf("%q holds invalid UTF-8 or characters XML does not allow", s)
	}
	return nil
}

func blankReference(s string) bool {
	for _, r := range s {
		if !isSpace(r) {
			return false
		}
	}
	return true
}

func slugProblemReference(slug string) string {
	switch {
	case !slugOKReference(slug):
		return "holds a slash, a control character or white space"
	case slug == "." || slug == "..":
		return "is a dot segment, which URL resolution removes"
	}
	return ""
}

func slugOKReference(slug string) bool {
	for _, r := range slug {
		if r == '/' || unicode.IsControl(r) || isSpace(r) || !xmlChar(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// ValidateReference is validateReference for the external benchmarks.
var ValidateReference = validateReference

// sameAsReference fails t unless Validate and validateReference agree on a:
// both nil, or the same *ValidationError field for field.
func sameAsReference(t *testing.T, a *Article) {
	t.Helper()
	got, want := a.Validate(), validateReference(a)
	if (got == nil) != (want == nil) {
		t.Fatalf("Validate() = %v, reference: %v", got, want)
	}
	if got == nil {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Validate()\n got %#v\nwant %#v", got, want)
	}
	if got.Error() != want.Error() {
		t.Fatalf("Validate()\n got %q\nwant %q", got.Error(), want.Error())
	}
}

// validCorpus reads testdata/articles.jsonl.
func validCorpus(t testing.TB) []*Article {
	t.Helper()
	f, err := os.Open("testdata/articles.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	as, err := ReadJSONL(f)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// hostileStrings are strings that exercise every branch of the fast paths:
// white space of every kind, control and non-XML characters, invalid
// UTF-8, non-NFC names, names with nothing to slug, URLs of every shape.
var hostileStrings = []string{
	"", " ", "\t\n", "\u00a0", "\u0085", "\u1680", "\u2003", "\u3000", "\u200b", "\u202f x",
	"x", "ख़बर", "क\u093c", "\u0958", "e\u0301", "\u00e9", "\u212b", "\u2126", "…", "—", "!!!", "\u200d",
	"\u0301", "٣", "ﬁ", "a/b", "a b", "a\x01", "\x7f", "a\u0090", "\u009f", "a\tb", "\xff", "\xe0\xa4", "\xe0\x80\x80", "\xed\xa0\x80",
	"\ufffd", "\ufffe", "\uffff", "x\uffff", "🙂", "\U0010ffff", "\xf4\x90\x80\x80", "قلم", "日本", "한국",
	"\ue000", "\u0800", "\u0fff", "\u1000", "\u4e00", "=\u0338", "\u00a8\u0301", "\u1fee", "ख\u093cबर",
	"!" + strings.Repeat("\u0301", 40), "<" + strings.Repeat("\u0338\u0301", 20), "\u1100\u1161", "\u0f73",
	"https://khabar.example/a/", "https://उदाहरण.भारत/समाचार/", "HTTP://X", "http:/x", "//x", "https://",
	"https://:80", "https://x:80/a?b#c", "https://u:p@x/", "https://[::1]:8080/", "https://x/%zz",
	"https://x/%E0%A4%95", "https://x/a b", "https://x/#a#b", "ftp://x/", "/relative", "https://x:y/",
	"https://a:1:2/", "mailto:a@b", "https://x/\x00", "https://x/?q=%",
}

// TestValidateSameAsReference mutates corpus and synthetic articles at
// random (fixed seed) with hostile values and checks that Validate reports
// exactly what validateReference reports.
func TestValidateSameAsReference(t *testing.T) {
	base := validCorpus(t)
	base = append(base, art("a1", 0, catKanpur, catLatest), &Article{})
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string { return hostileStrings[rng.IntN(len(hostileStrings))] }
	zones := []*time.Location{time.UTC, ist, time.FixedZone("UTC+14", 14*3600), time.FixedZone("UTC-12", -12*3600),
		time.FixedZone("absurd", -500*24*3600)}
	mutations := []func(a *Article){
		func(a *Article) { a.ID = str() },
		func(a *Article) { a.Title = str() },
		func(a *Article) { a.URL = str() },
		func(a *Article) {
			a.Authors = append(a.Authors, Author{Name: str(), Slug: str(), URL: str(), Email: str()})
		},
		func(a *Article) {
			a.Categories = append(a.Categories, Category{Name: str(), Slug: str(), Parent: &Category{Name: str(), Slug: str()}})
		},
		func(a *Article) { a.Tags = append(a.Tags, Tag{Name: str(), Slug: str()}) },
		func(a *Article) { a.Tags = append(a.Tags, Tag{Name: str()}) },
		func(a *Article) {
			a.Image = &Image{URL: str(), Type: str(), Width: rng.IntN(3) - 1, Height: rng.IntN(3) - 1, Length: rng.Int64N(3) - 1}
		},
		func(a *Article) {
			// Around the year bounds, in zones that move the local year.
			edge := []int64{-2208988800, 7289654400}[rng.IntN(2)]
			a.Published = time.Unix(edge+rng.Int64N(4*86400)-2*86400, 0).In(zones[rng.IntN(len(zones))])
		},
		func(a *Article) { a.Published = time.Time{} },
		func(a *Article) { a.Updated = a.Published.Add(time.Duration(rng.IntN(3)-1) * time.Second) },
		func(a *Article) {
			a.Language = []string{"hi", "en-IN", "ur", "x!", "", "zz-ZZ-abc", "hi_IN", "en-in"}[rng.IntN(8)]
		},
		func(a *Article) {
			a.Metrics = Metrics{Views: rng.Int64N(3) - 1, Shares: rng.Int64N(3) - 1, Comments: rng.Int64N(3) - 1}
		},
		func(a *Article) { a.Source = &Source{FeedURL: str()} },
	}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for i := 0; i < n; i++ {
		a := base[rng.IntN(len(base))].Clone()
		for k := rng.IntN(4); k >= 0; k-- {
			mutations[rng.IntN(len(mutations))](a)
		}
		sameAsReference(t, a)
	}
}

// TestBlankSameAsReference compares blank with the plain rune loop on every
// rune and on sequences of broken UTF-8.
func TestBlankSameAsReference(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune+1; r++ {
		for _, s := range []string{string(r), " " + string(r), string(r) + "x", "\u3000" + string(r) + " "} {
			if got, want := blank(s), blankReference(s); got != want {
				t.Fatalf("blank(%q) = %v, want %v", s, got, want)
			}
		}
	}
	for _, s := range brokenSequences() {
		if got, want := blank(s), blankReference(s); got != want {
			t.Fatalf("blank(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestSlugOKSameAsReference compares slugOK with the plain rune loop on every
// rune and on sequences of broken UTF-8.
func TestSlugOKSameAsReference(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune+1; r++ {
		for _, s := range []string{string(r), "a" + string(r), string(r) + "-१", "क" + string(r) + "क"} {
			if got, want := slugOK(s), slugOKReference(s); got != want {
				t.Fatalf("slugOK(%q) = %v, want %v", s, got, want)
			}
		}
	}
	for _, s := range brokenSequences() {
		if got, want := slugOK(s), slugOKReference(s); got != want {
			t.Fatalf("slugOK(%q) = %v, want %v", s, got, want)
		}
	}
}

// brokenSequences returns every lead byte from 0x80 up followed by up to
// three bytes from the edges of the UTF-8 ranges, alone and followed by
// text: truncated, overlong, surrogate and out-of-range sequences.
func brokenSequences() []string {
	edges := []byte{0x00, 0x20, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xa4, 0xbf, 0xc0, 0xe0, 0xff}
	var out []string
	for lead := 0x80; lead <= 0xff; lead++ {
		out = append(out, string([]byte{byte(lead)}))
		for _, b1 := range edges {
			out = append(out, string([]byte{byte(lead), b1}))
			for _, b2 := range edges {
				out = append(out, string([]byte{byte(lead), b1, b2}), string([]byte{byte(lead), b1, b2, 'x'}))
				for _, b3 := range edges[3:7] {
					out = append(out, string([]byte{byte(lead), b1, b2, b3}))
				}
			}
		}
	}
	return out
}

// TestSlugEmpty checks slugEmpty against building the slug, on every rune
// alone and after a combining mark, and on names that are not in NFC.
func TestSlugEmpty(t *testing.T) {
	check := func(name string) {
		t.Helper()
		if got, want := slugEmpty(name), Slugify(name) == ""; got != want {
			t.Fatalf("slugEmpty(%q) = %v, want %v (Slugify gives %q)", name, got, want, Slugify(name))
		}
	}
	for r := rune(0); r <= utf8.MaxRune+1; r++ {
		check(string(r))
		if r%7 == 0 {
			check("!" + string(r) + "\u0301")
			check("\u0301" + string(r))
		}
	}
	for _, s := range hostileStrings {
		check(s)
		check(s + "\u0301")
		check(norm.NFD.String(s))
	}
	for _, s := range brokenSequences() {
		check(s)
	}
}

// TestYearInRange compares yearInRange, and Validate, with Year on both
// sides of each bound, in zones that put the local date on the other side
// of it, and at the ends of the int64 seconds where sums wrap.
func TestYearInRange(t *testing.T) {
	zones := []*time.Location{time.UTC, ist, time.FixedZone("UTC+14", 14*3600), time.FixedZone("UTC-12", -12*3600),
		time.FixedZone("x", 1), time.FixedZone("x", -1), time.FixedZone("far", 400*86400), time.FixedZone("far", -400*86400)}
	if kolkata, err := time.LoadLocation("Asia/Kolkata"); err == nil {
		zones = append(zones, kolkata) // LMT before 1941: an odd offset
	}
	var bounds []time.Time
	for _, z := range zones {
		bounds = append(bounds, time.Date(1900, 1, 1, 0, 0, 0, 0, z), time.Date(2201, 1, 1, 0, 0, 0, 0, z))
	}
	bounds = append(bounds, time.Date(2026, 11, 20, 6, 0, 0, 0, ist), time.Unix(0, 0), time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(math.MaxInt64-1e6, 0), time.Unix(math.MinInt64+1e6, 0), time.Unix(math.MaxInt64/2, 0), time.Unix(math.MinInt64/2, 0))
	for _, b := range bounds {
		for _, d := range []time.Duration{-25 * time.Hour, -time.Second, -time.Nanosecond, 0, time.Nanosecond, time.Second, 25 * time.Hour} {
			for _, z := range zones {
				tm := b.Add(d).In(z)
				y := tm.Year()
				inRange := y >= 1900 && y <= 2200
				if got := yearInRange(tm); got && !inRange {
					t.Errorf("yearInRange(%v) = true, but the year is %d", tm, y)
				} else if !got && inRange && tm.Unix() > -1e15 && tm.Unix() < 1e15 {
					// Away from the wrapping ends it must be exact, or
					// Validate would call Year for ordinary dates.
					t.Errorf("yearInRange(%v) = false, but the year is %d", tm, y)
				}
				a := art("y", 0)
				a.Published = tm
				sameAsReference(t, a)
			}
		}
	}
}
