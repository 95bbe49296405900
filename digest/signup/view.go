package signup

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/khabar/khabar/digest"
)

// View is the Data of the signup pages' and message's digest.PageView.
// The forms' field names are stable: email, name, language, tz, follow
// (values "c:" category path, "t:" tag slug, "a:" author slug), pause,
// action ("save" or "unsubscribe"), t (the signed token) and the
// honeypot, HoneypotField; each input's id is its name.
type View struct {
	// Action is the form's action; Token its hidden field "t".
	Action, Token string
	// Email, Name, Language and TimeZone are the form's values.
	Email, Name, Language, TimeZone string
	// Languages and TimeZones are the selects' options.
	Languages, TimeZones []Option
	// Pauses are the pause lengths offered, in days (besides none).
	Pauses []int
	// Follows are the sections offered, by kind.
	Follows []FollowGroup
	// Field names the field in error, if any (the page's Message says
	// what is wrong).
	Field string
	// Honeypot is the name of the field people leave empty.
	Honeypot string
	// Active is false on the preferences page of an address that gets no
	// digest; Saved is true after a change; PausedUntil is the end of a
	// pause, as a date.
	Active, Saved bool
	PausedUntil   string
	// SubscribeURL is the form's address (error pages: ask again);
	// PreferencesURL the preferences page's, with its token.
	SubscribeURL, PreferencesURL string
	// ConfirmURL and Expires are the message's link and its expiry.
	ConfirmURL, Expires string
}

// Option is one choice of a select or a checkbox list.
type Option struct {
	Value, Label string
	Selected     bool
	// Depth is a category's depth below the top level.
	Depth int
}

// FollowGroup is one kind of section offered: Kind is "c", "t" or "a";
// Legend the locale's key of its title.
type FollowGroup struct {
	Kind, Legend string
	Options      []Option
}

// HoneypotField is the name of the field hidden from people: a form that
// fills it in is answered as usual and ignored.
const HoneypotField = "website"

// Limits of the form's fields.
const (
	maxBody    = 32 << 10
	maxEmail   = 254
	maxName    = 100
	maxFollows = 200
	maxFollow  = 200
)

// FieldError is a form field that is missing, too long or malformed.
type FieldError struct {
	Field string // the field's name
	Err   error  // what is wrong
}

// Error names the field.
func (e *FieldError) Error() string { return fmt.Sprintf("signup: field %s: %v", e.Field, e.Err) }

// Unwrap returns the cause.
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}

// readChoices reads and checks name, language, tz and follow: a follow
// value must be one the catalog offers (none when Catalog is nil), and
// one given twice counts once.
func (s *Signup) readChoices(f url.Values, t *digest.Templates) (digest.Choices, error) {
	var c digest.Choices
	c.Name = strings.TrimSpace(f.Get("name"))
	if utf8.RuneCountInString(c.Name) > maxName || !printable(c.Name) {
		return c, fieldErr("name", "over %d characters or not printable", maxName)
	}
	c.Language = f.Get("language")
	if c.Language != "" && !t.HasLanguage(c.Language) {
		return c, fieldErr("language", "%q is not offered", clip(c.Language))
	}
	c.TimeZone = f.Get("tz")
	if c.TimeZone != "" && !slices.Contains(s.zones(), c.TimeZone) {
		return c, fieldErr("tz", "%q is not offered", clip(c.TimeZone))
	}
	follows := f["follow"]
	if len(follows) > maxFollows {
		return c, fieldErr("follow", "more than %d", maxFollows)
	}
	var offered map[string]bool
	if len(follows) > 0 {
		offered = s.offered()
	}
	seen := make(map[string]bool, len(follows))
	for _, v := range follows {
		kind, key, ok := strings.Cut(v, ":")
		if !ok || key == "" || len(v) > maxFollow || !printable(key) {
			return c, fieldErr("follow", "%q is malformed", clip(v))
		}
		if !offered[v] {
			return c, fieldErr("follow", "%q is not offered", clip(v))
		}
		if seen[v] {
			continue
		}
		seen[v] = true
		switch kind {
		case "c":
			c.Follows.Categories = append(c.Follows.Categories, key)
		case "t":
			c.Follows.Tags = append(c.Follows.Tags, key)
		case "a":
			c.Follows.Authors = append(c.Follows.Authors, key)
		default:
			return c, fieldErr("follow", "%q is malformed", clip(v))
		}
	}
	return c, nil
}

// offered returns the follow values the catalog offers ("c:" category
// path, "t:" tag slug, "a:" author slug), as fill shows them.
func (s *Signup) offered() map[string]bool {
	m := map[string]bool{}
	if s.Catalog == nil {
		return m
	}
	for _, cc := range s.Catalog.Categories() {
		m["c:"+cc.Category.SlugPath()] = true
	}
	for _, tc := range s.Catalog.Tags() {
		m["t:"+tc.Tag.EffectiveSlug()] = true
	}
	for _, ac := range s.Catalog.Authors() {
		m["a:"+ac.Author.EffectiveSlug()] = true
	}
	return m
}

func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) })
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// fill sets v's options from the catalog and the templates, selecting c.
func (s *Signup) fill(v *View, c digest.Choices, t *digest.Templates) {
	v.Name, v.Language, v.TimeZone = c.Name, c.Language, c.TimeZone
	for _, l := range t.Languages() {
		v.Languages = append(v.Languages, Option{Value: l, Label: languageName(l), Selected: l == c.Language})
	}
	zones := s.zones()
	if v.TimeZone == "" {
		v.TimeZone = zones[0]
	}
	for _, z := range zones {
		v.TimeZones = append(v.TimeZones, Option{Value: z, Label: strings.ReplaceAll(z, "_", " "), Selected: z == v.TimeZone})
	}
	if s.Catalog == nil {
		return
	}
	var cats, tags, authors []Option
	for _, cc := range s.Catalog.Categories() {
		p := cc.Category.SlugPath()
		cats = append(cats, Option{Value: "c:" + p, Label: cc.Category.Name, Selected: slices.Contains(c.Follows.Categories, p), Depth: len(cc.Category.Path()) - 1})
	}
	for _, tc := range s.Catalog.Tags() {
		sl := tc.Tag.EffectiveSlug()
		tags = append(tags, Option{Value: "t:" + sl, Label: tc.Tag.Name, Selected: slices.Contains(c.Follows.Tags, sl)})
	}
	for _, ac := range s.Catalog.Authors() {
		sl := ac.Author.EffectiveSlug()
		authors = append(authors, Option{Value: "a:" + sl, Label: ac.Author.Name, Selected: slices.Contains(c.Follows.Authors, sl)})
	}
	for _, g := range []FollowGroup{{"c", "follows_categories", cats}, {"t", "follows_tags", tags}, {"a", "follows_authors", authors}} {
		if len(g.Options) > 0 {
			v.Follows = append(v.Follows, g)
		}
	}
}

// pauses returns the pause lengths offered: 1, 3, 7, 14, 30, 60 and 90
// days, up to max.
func pauses(max int) []int {
	var out []int
	for _, d := range []int{1, 3, 7, 14, 30, 60, 90} {
		if d <= max {
			out = append(out, d)
		}
	}
	return out
}

// languageName is a language's name written in itself.
func languageName(l string) string {
	switch l {
	case "hi":
		return "हिन्दी"
	case "en":
		return "English"
	case "ur":
		return "اردو"
	}
	return l
}
