package khabar

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// FieldError is one problem with one field of an article.
type FieldError struct {
	// Field names the field the way its JSON form does, with indexes:
	// "title", "authors[1].name", "image.url".
	Field string
	// Problem says what is wrong, in lower case.
	Problem string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Problem }

// ValidationError lists every problem Validate found in one article. Reach
// it with errors.As.
type ValidationError struct {
	// ID is the article's ID (possibly empty).
	ID string
	// Problems holds one entry per problem, in field order.
	Problems []FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("khabar: invalid article")
	if e.ID != "" {
		fmt.Fprintf(&b, " %q", e.ID)
	}
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Validate reports every problem with a at once, as a *ValidationError; it
// returns nil when a is valid. An article needs an ID, a title, an absolute
// http(s) URL and a publish date; everything else is optional but, when
// present, must be well formed (named authors, categories and tags, absolute
// image and author URLs, every URL valid UTF-8 holding only characters XML
// allows, a BCP 47 language tag as golang.org/x/text/language reads one
// (which takes "_" for "-": "hi_IN" passes, as stored articles have it),
// no negative counters, an update no earlier than the publication).
//
// Validate does not allocate for a valid article (every Catalog.Upsert
// calls it), except once for each author, category or tag that has no
// slug and a name that fails the NFC quick check, such as one holding a
// decomposed nukta (क + U+093C). It reads a and does not change it, so it
// may run on one article from several goroutines at once.
func (a *Article) Validate() error {
	// p.v stays nil, and nothing is allocated, until the first problem.
	var p problems
	if blank(a.ID) {
		p.add(a, "id", "is empty")
	} else if !cleanOK(a.ID) {
		p.add(a, "id", "%q holds control or non-XML characters", a.ID)
	}
	if blank(a.Title) {
		p.add(a, "title", "is empty")
	} else if noText(a.Title) {
		p.add(a, "title", noTextProblem)
	}
	if a.URL == "" {
		p.add(a, "url", "is empty")
	} else if err := checkURL(a.URL); err != nil {
		p.add(a, "url", "%v", err)
	}
	p.checkTaxonomy(a)
	if a.Image != nil {
		p.checkImage(a)
	}
	p.checkDatesAndCounts(a)
	if s := a.Source; s != nil {
		if s.FeedURL == "" {
			p.add(a, "source.feed_url", "is empty")
		} else if err := checkURL(s.FeedURL); err != nil {
			p.add(a, "source.feed_url", "%v", err)
		}
		if s.OriginURL != "" && !cleanOK(s.OriginURL) {
			// Not checked for an absolute address: stored articles had
			// anything here.
			p.add(a, "source.origin_url", "%q holds invalid UTF-8 or characters XML does not allow", s.OriginURL)
		}
	}
	if p.v == nil {
		return nil
	}
	return p.v
}

// Limits on how many authors, categories and tags one article may have. A
// real article has a few of each, tens at the most; a document with
// thousands (an upstream item with 60,000 category elements) would make
// every feed and digest that shows it slow. Validate refuses more.
const (
	MaxAuthors    = 50
	MaxCategories = 50
	MaxTags       = 100
)

// checkTaxonomy checks a's authors, categories (up the tree) and tags: at
// most the Max of each, and only that many are looked at.
func (p *problems) checkTaxonomy(a *Article) {
	if n := len(a.Authors); n > MaxAuthors {
		p.add(a, "authors", "%d authors, more than MaxAuthors (%d)", n, MaxAuthors)
	}
	if n := len(a.Categories); n > MaxCategories {
		p.add(a, "categories", "%d categories, more than MaxCategories (%d)", n, MaxCategories)
	}
	if n := len(a.Tags); n > MaxTags {
		p.add(a, "tags", "%d tags, more than MaxTags (%d)", n, MaxTags)
	}
	for i := range a.Authors[:min(len(a.Authors), MaxAuthors)] {
		au := &a.Authors[i]
		p.checkNamed(a, "authors", i, au.Name, au.Slug)
		if au.URL != "" {
			if err := checkURL(au.URL); err != nil {
				p.add(a, indexed("authors", i, ".url"), "%v", err)
			}
		}
		if au.Email != "" && !hasByte(au.Email, '@') {
			p.add(a, indexed("authors", i, ".email"), "%q is not an email address", au.Email)
		}
	}
	for i := range a.Categories[:min(len(a.Categories), MaxCategories)] {
		depth := 0
		for c := &a.Categories[i]; c != nil; c = c.Parent {
			if depth++; depth > maxCategoryDepth {
				p.add(a, categoryField(i, depth, ""), "category tree deeper than %d levels", maxCategoryDepth)
				break
			}
			if blank(c.Name) {
				p.add(a, categoryField(i, depth, ".name"), "is empty")
			} else if noText(c.Name) {
				p.add(a, categoryField(i, depth, ".name"), noTextProblem)
			} else if c.Slug == "" && slugEmpty(c.Name) {
				p.add(a, categoryField(i, depth, ".slug"), "is empty and cannot be derived from the name")
			}
			if why := slugProblem(c.Slug); why != "" {
				p.add(a, categoryField(i, depth, ".slug"), "%q %s", c.Slug, why)
			}
		}
	}
	for i := range a.Tags[:min(len(a.Tags), MaxTags)] {
		t := &a.Tags[i]
		p.checkNamed(a, "tags", i, t.Name, t.Slug)
	}
}

// checkNamed checks the name and slug of the i-th author or tag (list
// names which): a name with text, and a slug given or derivable from it
// that can stand in a URL path.
func (p *problems) checkNamed(a *Article, list string, i int, name, slug string) {
	switch {
	case blank(name):
		p.add(a, indexed(list, i, ".name"), "is empty")
	case noText(name):
		p.add(a, indexed(list, i, ".name"), noTextProblem)
	case slug == "" && slugEmpty(name):
		p.add(a, indexed(list, i, ".slug"), "is empty and cannot be derived from the name")
	default:
		if why := slugProblem(slug); why != "" {
			p.add(a, indexed(list, i, ".slug"), "%q %s", slug, why)
		}
	}
}

// checkImage checks a.Image, which is not nil.
func (p *problems) checkImage(a *Article) {
	im := a.Image
	if im.URL == "" {
		p.add(a, "image.url", "is empty")
	} else if err := checkURL(im.URL); err != nil {
		p.add(a, "image.url", "%v", err)
	}
	if im.Width < 0 {
		p.add(a, "image.width", "is negative (%d)", im.Width)
	}
	if im.Height < 0 {
		p.add(a, "image.height", "is negative (%d)", im.Height)
	}
	if im.Length < 0 {
		p.add(a, "image.length", "is negative (%d)", im.Length)
	}
	if im.Type != "" && !hasByte(im.Type, '/') {
		p.add(a, "image.type", "%q is not a media type", im.Type)
	}
}

// checkDatesAndCounts checks the dates, the language and the counters.
func (p *problems) checkDatesAndCounts(a *Article) {
	if a.Published.IsZero() {
		p.add(a, "published", "is missing")
	} else if !yearInRange(a.Published) {
		// Outside the bounds, or so far outside that the sum wrapped:
		// Year decides, as it always did.
		if y := a.Published.Year(); y < 1900 || y > 2200 {
			p.add(a, "published", "year %d is out of range (1900–2200)", y)
		}
	}
	if !a.Updated.IsZero() && !a.Published.IsZero() && a.Updated.Before(a.Published) {
		p.add(a, "updated", "%s is before published %s", a.Updated.Format("2006-01-02T15:04:05Z07:00"), a.Published.Format("2006-01-02T15:04:05Z07:00"))
	}
	if a.Language != "" {
		if err := checkLanguage(a.Language); err != nil {
			p.add(a, "language", "%q is not a BCP 47 tag", a.Language)
		}
	}
	if a.Metrics.Views < 0 {
		p.add(a, "metrics.views", "is negative (%d)", a.Metrics.Views)
	}
	if a.Metrics.Shares < 0 {
		p.add(a, "metrics.shares", "is negative (%d)", a.Metrics.Shares)
	}
	if a.Metrics.Comments < 0 {
		p.add(a, "metrics.comments", "is negative (%d)", a.Metrics.Comments)
	}
}

// problems collects what Validate finds; the ValidationError is made on
// the first problem, so a valid article costs no allocation.
type problems struct {
	v *ValidationError
}

func (p *problems) add(a *Article, field, format string, args ...any) {
	if p.v == nil {
		p.v = &ValidationError{ID: a.ID}
	}
	p.v.Problems = append(p.v.Problems, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

// categoryField names a field of the category depth levels down the
// parent chain of categories[i]: depth 1 is the category itself.
func categoryField(i, depth int, sub string) string {
	return indexed("categories", i, strings.Repeat(".parent", depth-1)+sub)
}

// maxCategoryDepth bounds category chains so that a cyclic or absurd tree
// read from untrusted JSON cannot make the catalog loop.
const maxCategoryDepth = 16

// Bounds of the years Validate accepts, as Unix seconds of wall-clock time
// read as if it were UTC: [1900-01-01T00:00:00, 2201-01-01T00:00:00).
var (
	minPublished = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	endPublished = time.Date(2201, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
)

// yearInRange reports whether t.Year() is certainly in [1900, 2200]. Year
// is taken in t's own location, so the bounds are compared with t's wall
// clock: Unix seconds plus the zone offset in force at t, which is what
// Year computes the date from. It is cheaper than Year, which also splits
// the day count into a calendar date. False also covers times so far out
// (near the ends of int64 seconds) that the sum wraps; Validate asks Year
// then.
func yearInRange(t time.Time) bool {
	_, offset := t.Zone()
	wall := t.Unix() + int64(offset)
	return minPublished <= wall && wall < endPublished
}

// hasByte reports whether s holds c; for the short strings it sees (media
// types, email addresses) a plain loop beats strings.IndexByte's call.
func hasByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func indexed(name string, i int, sub string) string {
	return name + "[" + strconv.Itoa(i) + "]" + sub
}

// blank reports whether s is empty or only white space (isSpace).
// noText reports whether s, which is not blank, is blank once CleanText
// has removed its control and non-XML characters: the catalog stores the
// cleaned text, and a stored article must pass Validate. It allocates
// nothing: blank holds for a string when it holds for each of its runes,
// so the runes CleanText keeps are checked where they stand.
func noText(s string) bool {
	if cleanOK(s) {
		return false
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return false // CleanText writes U+FFFD, which is text
		}
		if xmlChar(r) && !blank(s[i:i+n]) {
			return false
		}
		i += n
	}
	return true
}

// noTextProblem is what Validate says of a required text with noText.
const noTextProblem = "has no text once control and non-XML characters are removed"

func blank(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiSpace[c] == 0 {
				return false
			}
			i++
			continue
		}
		// Every white space rune from U+0080 up is encoded with a lead
		// byte C2 (U+0085, U+00A0), E1 (U+1680), E2 (U+2000–U+205F) or E3
		// (U+3000); any other lead byte starts a rune that is not white
		// space or an invalid sequence (U+FFFD, not white space either).
		if c != 0xc2 && (c < 0xe1 || c > 0xe3) {
			return false
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isSpace(r) {
			return false
		}
		i += n
	}
	return true
}

// asciiSpace marks the ASCII characters unicode.IsSpace accepts.
var asciiSpace = [utf8.RuneSelf]uint8{'\t': 1, '\n': 1, '\v': 1, '\f': 1, '\r': 1, ' ': 1}

// slugEmpty reports whether Slugify(name) is empty, without building the
// slug: Slugify keeps every letter, digit and mark of the NFC form of
// name, so its result is empty exactly when there is none. A name the NFC
// quick check passes (ASCII, most Devanagari) is its own NFC form and is
// scanned as it is, with no allocation; any other (a decomposed nukta,
// "=\u0338" which composes to the symbol "≠") is normalized piece by piece
// with a norm.Iter, one allocation where Slugify makes several.
func slugEmpty(name string) bool {
	if norm.NFC.QuickSpanString(name) == len(name) {
		return !hasSlugRune(name)
	}
	var it norm.Iter
	it.InitString(norm.NFC, name)
	for !it.Done() {
		if hasSlugRune(it.Next()) {
			return false
		}
	}
	return true
}

// hasSlugRune reports whether s holds a rune Slugify keeps: a letter, a
// digit or a mark.
func hasSlugRune[S string | []byte](s S) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
			return true
		}
		i += n
	}
	return false
}

// goodLanguages caches tags language.Parse accepted, up to
// maxGoodLanguages of them: a catalog sees the same few tags millions of
// times. The map is never changed once published: a new tag is added to a
// copy, under goodLanguagesMu, so readers take no lock.
var (
	goodLanguages   atomic.Pointer[map[string]struct{}]
	goodLanguagesMu sync.Mutex
)

const maxGoodLanguages = 1000

func checkLanguage(tag string) error {
	if m := goodLanguages.Load(); m != nil {
		if _, ok := (*m)[tag]; ok {
			return nil
		}
	}
	if _, err := language.Parse(tag); err != nil {
		return err
	}
	goodLanguagesMu.Lock()
	defer goodLanguagesMu.Unlock()
	var old map[string]struct{}
	if m := goodLanguages.Load(); m != nil {
		old = *m
	}
	if _, ok := old[tag]; !ok && len(old) < maxGoodLanguages {
		m := make(map[string]struct{}, len(old)+1)
		for k := range old {
			m[k] = struct{}{}
		}
		m[strings.Clone(tag)] = struct{}{} // do not pin the article's buffer
		goodLanguages.Store(&m)
	}
	return nil
}

// slugOK reports whether an explicit slug can be one URL path segment:
// no slash, white space or control characters, C1 included (it may be empty: then it
// is derived from the name). Invalid UTF-8, U+FFFD, U+FFFE and U+FFFF are
// refused too.
// slugProblem says what keeps a given slug from standing as the path
// segment of its feed's address, one that routes back to the feed, or "":
// a slash, a control character or white space; "." or "..", which URL
// resolution removes (RFC 3986 5.2.4: /tag/../feed/ is the site feed).
func slugProblem(slug string) string {
	switch {
	case !slugOK(slug):
		return "holds a slash, a control character or white space"
	case slug == "." || slug == "..":
		return "is a dot segment, which URL resolution removes"
	}
	return ""
}

func slugOK(slug string) bool {
	for i := 0; i < len(slug); {
		c := slug[i]
		if c < utf8.RuneSelf {
			if slugASCIIBad[c] {
				return false
			}
			i++
			continue
		}
		// U+0800–U+0FFF (Devanagari and the other Indic scripts) inline.
		if c == 0xe0 && i+2 < len(slug) && slug[i+1]-0xa0 < 0x20 && slug[i+2]&0xc0 == 0x80 {
			i += 3
			continue
		}
		if n := plainRune(slug[i:]); n > 0 {
			i += n
			continue
		}
		r, n := utf8.DecodeRuneInString(slug[i:])
		if r == utf8.RuneError || isSpace(r) || !xmlChar(r) || unicode.IsControl(r) {
			return false
		}
		i += n
	}
	return true
}

// slugASCIIBad marks the ASCII bytes a slug may not hold: "/", space and
// the control characters.
var slugASCIIBad = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c < 0x20 || c == 0x7f || c == '/' || c == ' '
	}
	return t
}()

// plainRune returns the length of the UTF-8 sequence s starts with when
// it is valid and encodes a rune that is neither white space nor U+FFFD
// and is allowed in XML, and 0 when it cannot tell quickly: it knows the
// two-byte runes from U+00C0 and the three-byte ones in U+0800–U+0FFF,
// U+4000–U+CFFF and U+E000–U+EFFF (Devanagari and the other Indic
// scripts, Arabic, Cyrillic, Greek, CJK, Hangul). s must not be empty and
// must start with a byte from 0x80 up.
func plainRune(s string) int {
	c := s[0]
	switch {
	case 0xc3 <= c && c <= 0xdf: // U+00C0–U+07FF
		if len(s) >= 2 && s[1]&0xc0 == 0x80 {
			return 2
		}
	case c == 0xe0: // U+0800–U+0FFF: the second byte is A0–BF
		if len(s) >= 3 && 0xa0 <= s[1] && s[1] <= 0xbf && s[2]&0xc0 == 0x80 {
			return 3
		}
	case 0xe4 <= c && c <= 0xec, c == 0xee: // U+4000–U+CFFF, U+E000–U+EFFF
		if len(s) >= 3 && s[1]&0xc0 == 0x80 && s[2]&0xc0 == 0x80 {
			return 3
		}
	}
	return 0
}
