package digest

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/xmltext"
)

// View is what the message templates are executed with.
type View struct {
	// Lang and Dir go on <html>: the digest's language and its direction.
	Lang, Dir string
	// T are the locale's strings by key.
	T map[string]string
	// Personal is false for the web version: no greeting, no unsubscribe.
	Personal bool
	// Name is the subscriber's name (empty on the web version).
	Name string
	// Email is the subscriber's address (empty on the web version).
	Email string
	// Subject is the rendered subject (empty while rendering the subject).
	Subject string
	// Preheader is the inbox preview text: the first headlines.
	Preheader string
	// Date is the edition's date written in the language ("24 नवंबर 2026").
	Date string
	// Edition is the edition.
	Edition Edition
	// Lead is the first story, for templates that feature it (the default
	// template does not: the lead already has its row, with its picture).
	Lead *StoryView
	// Followed are the stories from the subscriber's follows.
	Followed []StoryView
	// Top are the top stories for everyone.
	Top []StoryView
	// Publisher is the sender.
	Publisher Publisher
	// AddressLines are the publisher's postal address, line by line.
	AddressLines []string
	// UnsubscribeURL, BrowserURL and HomeURL are the footer's links.
	UnsubscribeURL, BrowserURL, HomeURL string
	// PreferencesURL is the footer's link to the preferences page; empty
	// when there is none.
	PreferencesURL string
	// Trimmed is how many stories were left out to keep the size down.
	Trimmed int
	// OtherLanguages is true when no story shown is in the digest's
	// language (the window had none): the message says so at the top.
	OtherLanguages bool
}

// StoryView is one story as the templates show it.
type StoryView struct {
	// Title is the headline, plain text on one line.
	Title string
	// URL is the article's address as a URI (IRIs percent-encoded).
	URL string
	// Summary is the standfirst (or the start of the body), at most 240
	// characters.
	Summary string
	// Category is the label of the story's most specific category
	// ("उत्तर प्रदेश › कानपुर"), the same in every digest.
	Category string
	// Author is the first byline.
	Author string
	// Time is the publication time in the subscriber's zone ("14:05").
	Time string
	// Views is the view counter with its word, in the digest's language
	// ("1.4 हज़ार बार पढ़ी गई", see khabar.FormatCount); empty when the
	// article has none.
	Views string
	// Image is the featured image scaled to 552 px wide, or nil when there
	// is none or its size is unknown; Thumb is the same at 120 px.
	Image, Thumb *ImageView
	// Lang and Dir are the story's language ("" when it is the Builder's
	// default) and direction ("ltr" or "rtl"), so an Urdu headline reads
	// right to left inside a Hindi digest and the reverse.
	Lang, Dir string
	// Reader is the digest's language and direction (Lang and Dir as
	// above) when they are not the story's, else empty: the line under
	// the story (category, time, views) is in the reader's language, so it
	// is marked and set in that language's font.
	Reader struct{ Lang, Dir string }
	// HTML and Text are the story rendered by the "story" template of
	// TemplateHTML and of TemplateText, for the message templates to
	// insert ({{.HTML}}, {{.Text}}). They are rendered once per story and
	// displayed time and shared by every digest that shows the story, so
	// "story" sees only the StoryView (it is executed without them).
	HTML htmltemplate.HTML
	// Text is the plain-text counterpart of HTML.
	Text string
	// More is set on the lead story of a message (the first followed
	// story, else the first top story): stories like it ("more like
	// this"), shown under it when the source finds them (a
	// *khabar.Catalog does) and the message has room. Only their Title,
	// URL, Lang and Dir are set, and HTML and Text hold each one's link
	// rendered by the "more-link" templates (when defined). It is not part
	// of the lead's own HTML and Text.
	More []StoryView

	id string // the article's ID, for the "more like this" candidates
}

// renderStory fills v.HTML and v.Text with the "story" templates.
func (t *Templates) renderStory(v *StoryView) error { return t.renderFragment(v, "story") }

// renderFragment fills v.HTML and v.Text with the templates called name
// of TemplateHTML and TemplateText, leaving either empty when its file
// does not define one.
func (t *Templates) renderFragment(v *StoryView, name string) error {
	v.HTML, v.Text = "", ""
	var buf bytes.Buffer
	var h htmltemplate.HTML
	if t.html.Lookup(name) != nil {
		if err := t.html.ExecuteTemplate(&buf, name, v); err != nil {
			return fmt.Errorf("HTML %s template: %w", name, err)
		}
		h = htmltemplate.HTML(buf.String())
		buf.Reset()
	}
	if t.text.Lookup(name) != nil {
		if err := t.text.ExecuteTemplate(&buf, name, v); err != nil {
			return fmt.Errorf("text %s template: %w", name, err)
		}
	}
	v.HTML, v.Text = h, buf.String()
	return nil
}

// ImageView is an image with the size it is shown at.
type ImageView struct {
	URL    string // the image's address, as a URI
	Alt    string // its alternative text (the headline when it has none)
	Width  int    // the width it is shown at, in pixels
	Height int    // the height, keeping the aspect ratio
}

// storyViewOf builds the language-independent view of a story.
func storyViewOf(a *khabar.Article) StoryView {
	sv := StoryView{
		Title:    oneLine(a.Title),
		URL:      khabar.URI(a.URL),
		Category: capBytes(categoryLabel(a), maxNameBytes),
		Lang:     baseLanguage(a.Language),
		Dir:      "ltr",
	}
	if rtlLanguage(sv.Lang) {
		sv.Dir = "rtl"
	}
	if sv.Title == "" {
		sv.Title = sv.URL
	}
	sv.Title = capBytes(khabar.Truncate(sv.Title, 160), maxTitleBytes)
	if s := oneLine(a.Summary); s != "" {
		sv.Summary = capBytes(khabar.Truncate(s, 240), maxSummaryBytes)
	} else if a.ContentHTML != "" {
		sv.Summary = capBytes(khabar.Excerpt(a.ContentHTML, 240), maxSummaryBytes)
	}
	if len(a.Authors) > 0 {
		sv.Author = capBytes(oneLine(a.Authors[0].Name), maxNameBytes)
	}
	if im := a.Image; im != nil && im.Width > 0 && im.Height > 0 && im.URL != "" {
		alt := capBytes(oneLine(im.Alt), maxNameBytes)
		if alt == "" {
			alt = sv.Title
		}
		u := khabar.URI(im.URL)
		sv.Image = scaled(u, alt, im.Width, im.Height, 552)
		sv.Thumb = scaled(u, alt, im.Width, im.Height, 120)
	}
	return sv
}

// rtlLanguage reports whether a language is written right to left.
// setReader sets v.Reader for a story shown in a digest in the language
// lang, when that is not the story's own.
func (v *StoryView) setReader(lang string) {
	v.Reader.Lang, v.Reader.Dir = lang, "ltr"
	if rtlLanguage(lang) {
		v.Reader.Dir = "rtl"
	}
}

func rtlLanguage(lang string) bool {
	switch lang {
	case "ar", "arc", "ckb", "dv", "fa", "he", "ks", "ps", "sd", "ug", "ur", "yi":
		return true
	}
	return false
}

func scaled(u, alt string, w, h, to int) *ImageView {
	if w < to {
		to = w // never upscale
	}
	height := int(math.Round(float64(to) * float64(h) / float64(w)))
	return &ImageView{URL: u, Alt: alt, Width: to, Height: max(height, 1)}
}

// oneLine returns s cleaned for XML, on one line, with runs of white space
// (any Unicode space) folded to one space and none at the ends.
func oneLine(s string) string { return xmltext.FoldSpace(khabar.CleanText(s), true) }

// Bounds in bytes on what a story shows, beside the bounds in grapheme
// clusters: a cluster can be a letter with thousands of combining marks,
// and names and labels from upstream feeds have no length of their own.
// A story's part of a digest, and the Subject header, stay small whatever
// an article holds.
const (
	maxTitleBytes   = 800
	maxSummaryBytes = 1600
	maxNameBytes    = 300 // an author, a category label, an image's alt text
	maxSubjectBytes = 300
)

// capBytes returns s cut between grapheme clusters to at most max bytes,
// the ellipsis included; s itself when it fits.
func capBytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := 0
	for c := range khabar.Graphemes(s) {
		if n+len(c) > max-len(khabar.Ellipsis) {
			break
		}
		n += len(c)
	}
	return s[:n] + khabar.Ellipsis
}

// views returns the stories' views with their time in the zone tz and
// their counters in the language lang, whose strings are t.
func (b *Builder) views(stories []Story, tz *time.Location, lang string, t map[string]string) ([]StoryView, error) {
	out := make([]StoryView, len(stories))
	for i, s := range stories {
		clock := s.Article.Published.In(tz).Format("15:04")
		if s.item != nil {
			v, err := s.item.renderedView(b.tmpl, clock, lang, t)
			if err != nil {
				return nil, err
			}
			out[i] = v
			continue
		}
		v := storyViewOf(s.Article)
		v.Time, v.Views = clock, viewsLabel(s.Article, lang, t)
		if v.Lang != "" && v.Lang != lang {
			v.setReader(lang)
		}
		if err := b.tmpl.renderStory(&v); err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// bufPool holds render buffers, so that a digest does not regrow one
// from nothing.
var bufPool = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 32<<10)) }}

// render fills m.Subject, m.HTML, m.Text and m.Dir, dropping stories from
// the end (top list first) while the HTML is over MaxHTML.
func (b *Builder) render(m *Message, personal bool) error {
	storyLang := m.Language
	v := b.view(m, personal)
	zone := b.cfg.Location
	if personal && m.Subscriber.TimeZone != nil {
		zone = m.Subscriber.TimeZone
	}
	followed, err := b.views(m.Followed, zone, m.Language, v.T)
	if err != nil {
		return err
	}
	top, err := b.views(m.Top, zone, m.Language, v.T)
	if err != nil {
		return err
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	more, err := b.more(m, storyLang)
	if err != nil {
		return err
	}
	if err := b.fitHTML(buf, v, m, followed, top, more); err != nil {
		return err
	}
	m.Subject = v.Subject
	m.HTML = bytes.Clone(buf.Bytes())
	buf.Reset()
	if err := b.tmpl.executeText(buf, v, &b.frames); err != nil {
		return fmt.Errorf("text template: %w", err)
	}
	m.Text = bytes.Clone(buf.Bytes())
	return nil
}

// view is m's View without its stories, in m's language (which it sets on
// m, with the text direction).
func (b *Builder) view(m *Message, personal bool) *View {
	lang, loc := b.tmpl.locale(m.Language, b.lang)
	m.Language = lang
	m.Dir = loc.Dir
	if m.Dir == "" {
		m.Dir = "ltr"
	}
	pub := b.cfg.Publisher.in(lang)
	v := &View{
		Lang:           lang,
		Dir:            m.Dir,
		T:              loc.Strings,
		Personal:       personal,
		Edition:        m.Edition,
		Date:           dateLabel(m.Edition, loc),
		Publisher:      pub,
		AddressLines:   splitLines(pub.Address),
		UnsubscribeURL: m.UnsubscribeURL,
		PreferencesURL: m.PreferencesURL,
		BrowserURL:     m.BrowserURL,
		HomeURL:        khabar.URI(pub.URL),
	}
	if personal {
		v.Name = oneLine(m.Subscriber.Name)
		v.Email = m.Subscriber.Email
	}
	v.OtherLanguages = allOther(m.Followed) && allOther(m.Top) && len(m.Followed)+len(m.Top) > 0
	return v
}

// allOther reports whether every story of ss is in another language than
// the digest's.
func allOther(ss []Story) bool {
	for _, s := range ss {
		if s.item == nil || !s.item.other {
			return false
		}
	}
	return true
}

// fitHTML executes the subject and HTML templates into v.Subject and buf,
// dropping the "more like this" stories, then stories from the end of the
// longer list (top first on a tie) until the HTML fits Config.MaxHTML or
// one story is left. m keeps the stories that fit and counts the dropped
// ones in Trimmed, which the message shows.
func (b *Builder) fitHTML(buf *bytes.Buffer, v *View, m *Message, followed, top, more []StoryView) error {
	for {
		v.Followed, v.Top = followed, top
		v.Trimmed = m.Trimmed
		v.Lead = nil
		if len(followed) > 0 {
			v.Lead = &followed[0]
		} else if len(top) > 0 {
			v.Lead = &top[0]
		}
		if v.Lead != nil {
			v.Lead.More = more
		}
		v.Preheader = preheader(&b.pre, followed, top)
		v.Subject = ""
		buf.Reset()
		if err := b.tmpl.executeSubject(buf, v, &b.frames); err != nil {
			return fmt.Errorf("subject template: %w", err)
		}
		v.Subject = capBytes(oneLine(buf.String()), maxSubjectBytes)
		buf.Reset()
		if err := b.tmpl.executeHTML(buf, v, &b.frames); err != nil {
			return fmt.Errorf("HTML template: %w", err)
		}
		if buf.Len() <= b.cfg.MaxHTML || len(followed)+len(top) <= 1 {
			break
		}
		if more != nil {
			more = nil // room for stories comes first
			continue
		}
		if len(top) >= len(followed) {
			top = top[:len(top)-1]
		} else {
			followed = followed[:len(followed)-1]
		}
		m.Trimmed++
	}
	m.Followed = m.Followed[:len(followed)]
	m.Top = m.Top[:len(top)]
	return nil
}

// preheader returns the inbox preview: the first headlines, joined and
// truncated to 140 grapheme clusters. Truncating costs more than the
// rest of a story list, and subscribers of one edition mostly share their
// first headlines, so results are kept in c by the joined text.
func preheader(c *preheaderCache, lists ...[]StoryView) string {
	var parts []string
	n := 0
	for _, l := range lists {
		for _, s := range l {
			parts = append(parts, s.Title)
			n += len(s.Title)
			if n > 300 {
				break
			}
		}
	}
	p := strings.Join(parts, " · ")
	if utf8.RuneCountInString(p) <= 140 { // at most 140 runes is at most 140 clusters
		return p
	}
	if c != nil {
		if v, ok := c.m.Load(p); ok {
			return v.(string)
		}
	}
	t := khabar.Truncate(p, 140)
	if c != nil {
		if c.n.Add(1) > preheaderCacheMax {
			c.m.Clear()
			c.n.Store(0)
		}
		c.m.Store(p, t)
	}
	return t
}

// preheaderCache maps joined headlines to their truncated preheader.
type preheaderCache struct {
	m sync.Map
	n atomic.Int64
}

const preheaderCacheMax = 4096

func dateLabel(ed Edition, loc *Locale) string {
	d := ed.Day()
	month := d.Month().String()
	if len(loc.Months) == 12 {
		month = loc.Months[d.Month()-1]
	}
	return strconv.Itoa(d.Day()) + " " + month + " " + strconv.Itoa(d.Year())
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = oneLine(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

var htmlFuncs = htmltemplate.FuncMap{
	// padding returns the zero-width filler that keeps an inbox preview
	// from running on into the body after the preheader.
	"padding": padding,
	"add":     func(a, b int) int { return a + b },
	"bidi":    bidiIsolate,
}

var textFuncs = texttemplate.FuncMap{
	"wrap":     Wrap,
	"indent":   Indent,
	"truncate": func(n int, s string) string { return khabar.Truncate(s, n) },
	"add":      func(a, b int) int { return a + b },
	"bidi":     bidiIsolate,
	"join":     joinNonEmpty,
	"rule":     func(n int) string { return strings.Repeat("-", max(n, 0)) },
}

// padding returns the zero-width filler that keeps an inbox preview from
// running on into the body after the preheader; the usual length is made
// once.
func padding(n int) htmltemplate.HTML {
	if n == 60 {
		return padding60
	}
	return htmltemplate.HTML(strings.Repeat(paddingUnit, max(n, 0)))
}

const paddingUnit = "&#847;&zwnj;&nbsp;"

var padding60 = htmltemplate.HTML(strings.Repeat(paddingUnit, 60))

// bidiIsolate wraps s in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE,
// so an address or a Hindi name inside an Urdu sentence (or the reverse)
// keeps its own direction without reordering the text around it.
func bidiIsolate(s string) string { return "\u2068" + s + "\u2069" }

// joinNonEmpty joins the non-empty parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p)
	}
	return b.String()
}
