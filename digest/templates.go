package digest

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
)

//go:embed templates
var embedded embed.FS

// The template files. An fs.FS given to ParseTemplates may hold any of
// them; the embedded ones fill in the rest.
const (
	// TemplateHTML is the HTML body, an html/template executed with a
	// *View. It must define "story", executed with a *StoryView once per
	// story and displayed time; the result is StoryView.HTML.
	TemplateHTML = "email.html.tmpl"
	// TemplateText is the plain-text body, a text/template executed with
	// a *View. It must define "story" as TemplateHTML does; the result is
	// StoryView.Text.
	TemplateText = "email.txt.tmpl"
	// TemplateSubject is the subject line, a text/template executed with
	// a *View; line breaks in its output become spaces.
	TemplateSubject = "subject.txt.tmpl"
	// TemplatePages holds the unsubscribe handler's pages: the
	// html/template definitions "confirm", "done" and "error", executed
	// with a *PageView.
	TemplatePages = "pages.html.tmpl"
	// TemplateSignupPages holds the pages of package digest/signup
	// (subscribe, confirm, preferences), html/template definitions
	// executed with a *PageView whose Data is the signup package's view.
	// They are parsed into the same set as TemplatePages, so they share
	// its "head" and "foot".
	TemplateSignupPages = "signup.html.tmpl"
	// TemplateSignupMailHTML and TemplateSignupMailText are the signup
	// confirmation message's bodies, executed with a *PageView.
	TemplateSignupMailHTML = "signup-mail.html.tmpl"
	// TemplateSignupMailText is the plain-text body of the confirmation.
	TemplateSignupMailText = "signup-mail.txt.tmpl"
	// LocaleDir holds one JSON file per language ("hi.json") mapping
	// {"dir": "ltr"|"rtl", "months": [12 names], "strings": {...}}.
	LocaleDir = "locales"
)

// Locale is the strings of one language.
type Locale struct {
	// Dir is "ltr" or "rtl".
	Dir string `json:"dir"`
	// Months are the names of the months, January first.
	Months []string `json:"months"`
	// Strings are the texts the templates use by key ({{.T.top}}).
	Strings map[string]string `json:"strings"`
}

// Templates are the parsed templates and locales. A *Templates is
// read-only once parsed and safe for concurrent use.
type Templates struct {
	html    *htmltemplate.Template
	text    *texttemplate.Template
	subject *texttemplate.Template
	pages   *htmltemplate.Template
	mail    *htmltemplate.Template
	mailTxt *texttemplate.Template
	locales map[string]*Locale
	// htmlFrame, textFrame and subjectFrame are html, text and subject
	// split at their personal points (nil when a template is one personal
	// part).
	htmlFrame, textFrame, subjectFrame *frame
}

var (
	defaultOnce sync.Once
	defaultTmpl *Templates
	defaultErr  error
)

// DefaultTemplates returns the embedded templates and the hi, en and ur
// locales, parsed once.
func DefaultTemplates() (*Templates, error) {
	defaultOnce.Do(func() { defaultTmpl, defaultErr = ParseTemplates(nil) })
	return defaultTmpl, defaultErr
}

// ParseTemplates parses the templates, taking each file from fsys when it
// has it and from the embedded set otherwise; a locale in fsys
// (locales/xx.json) adds a language or replaces the strings it names in an
// embedded one. fsys may be nil.
func ParseTemplates(fsys fs.FS) (*Templates, error) {
	base, _ := fs.Sub(embedded, "templates")
	src := templateFiles{own: fsys, base: base}
	t := &Templates{locales: map[string]*Locale{}}
	var err error
	if t.html, err = parseHTML(src, TemplateHTML, "story"); err != nil {
		return nil, err
	}
	if t.text, err = parseText(src, TemplateText, "story"); err != nil {
		return nil, err
	}
	if t.htmlFrame, err = htmlFrame(t.html); err != nil {
		return nil, fmt.Errorf("digest: split %s: %w", TemplateHTML, err)
	}
	if t.textFrame, err = textFrame(t.text); err != nil {
		return nil, fmt.Errorf("digest: split %s: %w", TemplateText, err)
	}
	if t.subject, err = parseText(src, TemplateSubject); err != nil {
		return nil, err
	}
	if t.subjectFrame, err = textFrame(t.subject); err != nil {
		return nil, fmt.Errorf("digest: split %s: %w", TemplateSubject, err)
	}
	if t.pages, err = parseHTML(src, TemplatePages, "confirm", "done", "error"); err != nil {
		return nil, err
	}
	if err := addHTML(src, t.pages, TemplateSignupPages); err != nil {
		return nil, err
	}
	if t.mail, err = parseHTML(src, TemplateSignupMailHTML); err != nil {
		return nil, err
	}
	if t.mailTxt, err = parseText(src, TemplateSignupMailText); err != nil {
		return nil, err
	}
	if err := t.loadLocales(base, fsys); err != nil {
		return nil, err
	}
	return t, nil
}

// templateFiles reads a template file from the caller's fs.FS when it has
// it, and from the embedded set otherwise.
type templateFiles struct{ own, base fs.FS }

// read returns the file's text and where it came from, for errors.
func (tf templateFiles) read(name string) (text, where string, err error) {
	if tf.own != nil {
		b, err := fs.ReadFile(tf.own, name)
		if err == nil {
			return string(b), name, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", "", fmt.Errorf("digest: template %s: %w", name, err)
		}
	}
	b, err := fs.ReadFile(tf.base, name)
	if err != nil {
		return "", "", fmt.Errorf("digest: embedded template %s: %w", name, err)
	}
	return string(b), "embedded " + name, nil
}

// parseHTML parses the html/template name, which must define each of need.
func parseHTML(tf templateFiles, name string, need ...string) (*htmltemplate.Template, error) {
	src, where, err := tf.read(name)
	if err != nil {
		return nil, err
	}
	t, err := htmltemplate.New(name).Funcs(htmlFuncs).Parse(src)
	if err != nil {
		return nil, fmt.Errorf("digest: parse %s: %w", where, err)
	}
	return t, defines(where, need, func(n string) bool { return t.Lookup(n) != nil })
}

// addHTML parses the html/template file name into set, whose definitions
// it may use.
func addHTML(tf templateFiles, set *htmltemplate.Template, name string) error {
	src, where, err := tf.read(name)
	if err != nil {
		return err
	}
	if _, err := set.New(name).Parse(src); err != nil {
		return fmt.Errorf("digest: parse %s: %w", where, err)
	}
	return nil
}

// parseText parses the text/template name, which must define each of need.
func parseText(tf templateFiles, name string, need ...string) (*texttemplate.Template, error) {
	src, where, err := tf.read(name)
	if err != nil {
		return nil, err
	}
	t, err := texttemplate.New(name).Funcs(textFuncs).Parse(src)
	if err != nil {
		return nil, fmt.Errorf("digest: parse %s: %w", where, err)
	}
	return t, defines(where, need, func(n string) bool { return t.Lookup(n) != nil })
}

// defines reports the first of need that has is false for.
func defines(where string, need []string, has func(string) bool) error {
	for _, n := range need {
		if !has(n) {
			return fmt.Errorf("digest: %s defines no %q template", where, n)
		}
	}
	return nil
}

// loadLocales reads locales/*.json from the embedded set, then from fsys
// (which overrides it string by string). A locale that lacks strings (a
// new language with a few of them translated) borrows the rest from
// English, so no template fails.
func (t *Templates) loadLocales(base, fsys fs.FS) error {
	for _, fsx := range []fs.FS{base, fsys} {
		if fsx == nil {
			continue
		}
		files, err := fs.Glob(fsx, LocaleDir+"/*.json")
		if err != nil {
			return fmt.Errorf("digest: locales: %w", err)
		}
		for _, f := range files {
			if err := t.addLocale(fsx, f); err != nil {
				return err
			}
		}
	}
	if len(t.locales) == 0 {
		return errors.New("digest: no locales")
	}
	if en := t.locales["en"]; en != nil {
		for _, l := range t.locales {
			for k, v := range en.Strings {
				if _, ok := l.Strings[k]; !ok {
					l.Strings[k] = v
				}
			}
			if len(l.Months) != 12 {
				l.Months = en.Months
			}
		}
	}
	return nil
}

func (t *Templates) addLocale(fsys fs.FS, name string) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("digest: locale %s: %w", name, err)
	}
	var l Locale
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("digest: locale %s: %w", name, err)
	}
	lang := baseLanguage(strings.TrimSuffix(path.Base(name), ".json"))
	old := t.locales[lang]
	if old == nil {
		old = &Locale{Dir: "ltr", Strings: map[string]string{}}
	}
	merged := &Locale{Dir: old.Dir, Months: old.Months, Strings: map[string]string{}}
	for k, v := range old.Strings {
		merged.Strings[k] = v
	}
	if l.Dir != "" {
		if l.Dir != "ltr" && l.Dir != "rtl" {
			return fmt.Errorf("digest: locale %s: dir %q (want ltr or rtl)", name, l.Dir)
		}
		merged.Dir = l.Dir
	}
	if l.Months != nil {
		if len(l.Months) != 12 {
			return fmt.Errorf("digest: locale %s: %d months, want 12", name, len(l.Months))
		}
		merged.Months = l.Months
	}
	for k, v := range l.Strings {
		merged.Strings[k] = v
	}
	t.locales[lang] = merged
	return nil
}

// executeHTML writes TemplateHTML executed with v to w, its shared parts
// from c.
func (t *Templates) executeHTML(w *bytes.Buffer, v *View, c *frameCache) error {
	if t.htmlFrame != nil {
		return t.htmlFrame.execute(w, v, c)
	}
	return t.html.Execute(w, v)
}

// executeText is executeHTML for TemplateText.
func (t *Templates) executeText(w *bytes.Buffer, v *View, c *frameCache) error {
	if t.textFrame != nil {
		return t.textFrame.execute(w, v, c)
	}
	return t.text.Execute(w, v)
}

// executeSubject is executeHTML for TemplateSubject.
func (t *Templates) executeSubject(w *bytes.Buffer, v *View, c *frameCache) error {
	if t.subjectFrame != nil {
		return t.subjectFrame.execute(w, v, c)
	}
	return t.subject.Execute(w, v)
}

// Languages returns the languages that have a locale, sorted.
func (t *Templates) Languages() []string {
	out := make([]string, 0, len(t.locales))
	for l := range t.locales {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// locale returns the strings of lang, or of fallback, or English.
func (t *Templates) locale(lang, fallback string) (string, *Locale) {
	for _, l := range []string{lang, fallback, "en"} {
		if loc := t.locales[l]; loc != nil {
			return l, loc
		}
	}
	if langs := t.Languages(); len(langs) > 0 {
		return langs[0], t.locales[langs[0]]
	}
	return "", &Locale{}
}

// Localize sets pv's Lang, Dir and T to the locale of lang (a language
// tag; else fallback's, else English), and its Publisher and
// AddressLines to the publisher as written in that language
// (Publisher.InLanguage).
func (t *Templates) Localize(pv *PageView, lang, fallback string) {
	l, loc := t.locale(baseLanguage(lang), baseLanguage(fallback))
	pv.Lang, pv.Dir, pv.T = l, loc.Dir, loc.Strings
	if pv.Dir == "" {
		pv.Dir = "ltr"
	}
	pv.Publisher = pv.Publisher.in(l)
	pv.AddressLines = splitLines(pv.Publisher.Address)
}

// HasLanguage reports whether lang (a base language) has a locale.
func (t *Templates) HasLanguage(lang string) bool { return t.locales[lang] != nil }

// Page executes the page definition name of TemplatePages or
// TemplateSignupPages with pv (localized by Localize) into w.
func (t *Templates) Page(w io.Writer, name string, pv *PageView) error {
	if err := t.pages.ExecuteTemplate(w, name, pv); err != nil {
		return fmt.Errorf("digest: page %s: %w", name, err)
	}
	return nil
}

// SignupMail renders the signup confirmation message's bodies with pv
// (localized by Localize): TemplateSignupMailText and
// TemplateSignupMailHTML.
func (t *Templates) SignupMail(pv *PageView) (text, html []byte, err error) {
	var tb, hb bytes.Buffer
	if err := t.mailTxt.Execute(&tb, pv); err != nil {
		return nil, nil, fmt.Errorf("digest: %s: %w", TemplateSignupMailText, err)
	}
	if err := t.mail.Execute(&hb, pv); err != nil {
		return nil, nil, fmt.Errorf("digest: %s: %w", TemplateSignupMailHTML, err)
	}
	return tb.Bytes(), hb.Bytes(), nil
}
