package digest

import (
	"bytes"
	"context"
	"net/mail"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"github.com/khabar/khabar"
)

func TestTemplateOverrides(t *testing.T) {
	fsys := fstest.MapFS{
		TemplateSubject:   {Data: []byte("{{.Publisher.Name}} | {{.Date}} | {{.Lead.Title}}\n")},
		"locales/hi.json": {Data: []byte(`{"strings": {"top": "सबसे ज़्यादा पढ़ी गईं"}}`)},
		"locales/ta.json": {Data: []byte(`{"dir": "ltr", "months": ["ஜனவரி","பிப்ரவரி","மார்ச்","ஏப்ரல்","மே","ஜூன்","ஜூலை","ஆகஸ்ட்","செப்டம்பர்","அக்டோபர்","நவம்பர்","டிசம்பர்"], "strings": {"title": "தினசரி செய்திச் சுருக்கம்"}}`)},
	}
	tmpl, err := ParseTemplates(fsys)
	if err != nil {
		t.Fatal(err)
	}
	b := newTestBuilder(t, func(c *Config) { c.Templates = tmpl })
	m, err := b.Build(context.Background(), testEdition, &Subscriber{Email: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "ख़बर | 24 नवंबर 2026 | " + m.Top[0].Article.Title; m.Subject != want {
		t.Errorf("Subject = %q, want %q", m.Subject, want)
	}
	if !strings.Contains(string(m.HTML), "सबसे ज़्यादा पढ़ी गईं") || strings.Contains(string(m.HTML), "आज की बड़ी ख़बरें") {
		t.Error("the overriding locale string is not used")
	}
	if !strings.Contains(string(m.HTML), "आपके चुने हुए विषय") && len(m.Followed) > 0 {
		t.Error("strings the override does not name were lost")
	}
	m, err = b.Build(context.Background(), testEdition, &Subscriber{Email: "a@example.com", Language: "ta"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Language != "ta" || !strings.Contains(string(m.HTML), "24 நவம்பர் 2026") || !strings.Contains(string(m.HTML), `lang="ta"`) {
		t.Errorf("Tamil locale not used: language %q", m.Language)
	}
	if got, want := tmpl.Languages(), []string{"en", "hi", "ta", "ur"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Languages = %v, want %v", got, want)
	}
}

func TestParseTemplatesErrors(t *testing.T) {
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"syntax error names the file", fstest.MapFS{TemplateHTML: {Data: []byte(`{{define "story"}}{{end}}{{.Lead`)}}, "email.html.tmpl"},
		{"no story template", fstest.MapFS{TemplateText: {Data: []byte(`{{.Subject}}`)}}, `defines no "story"`},
		{"pages without confirm", fstest.MapFS{TemplatePages: {Data: []byte(`{{define "done"}}{{end}}{{define "error"}}{{end}}`)}}, `no "confirm"`},
		{"bad locale JSON", fstest.MapFS{"locales/hi.json": {Data: []byte(`{"strings": [}`)}}, "locales/hi.json"},
		{"bad direction", fstest.MapFS{"locales/xx.json": {Data: []byte(`{"dir": "up"}`)}}, `dir "up"`},
		{"eleven months", fstest.MapFS{"locales/xx.json": {Data: []byte(`{"months": ["a","b","c","d","e","f","g","h","i","j","k"]}`)}}, "11 months"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTemplates(tt.fsys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseTemplates = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestHostileStories(t *testing.T) {
	b := newTestBuilder(t, func(c *Config) { c.Ranking = Ranking{Top: 30, PerCategory: -1} })
	m, err := b.Build(context.Background(), testEdition, &Subscriber{Email: "a@example.com", Name: "<script>alert(1)</script>"})
	if err != nil {
		t.Fatal(err)
	}
	h := string(m.HTML)
	for _, bad := range []string{"<script>", "<b>बिजली</b>", "]]>", "\x01", "\uFFFF"} {
		if strings.Contains(h, bad) {
			t.Errorf("HTML contains %q", bad)
		}
	}
	for _, want := range []string{"&lt;b&gt;बिजली&lt;/b&gt; कटौती &amp; पानी", "&lt;script&gt;alert(1)&lt;/script&gt;", "15,999", "🏛️"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(string(m.Text), "x()") {
		t.Error("text part carries script content from the body")
	}
	// The 400-character title is cut at a cluster boundary with an ellipsis.
	for _, s := range m.Top {
		if s.Article.ID == "k3" {
			v := storyViewOf(s.Article)
			if !strings.HasSuffix(v.Title, "…") || khabar.GraphemeCount(v.Title) > 160 {
				t.Errorf("long title shown as %q", v.Title)
			}
		}
	}
	if !strings.Contains(string(m.Subject), "आज की बड़ी ख़बर") || strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("Subject = %q", m.Subject)
	}
}

// FuzzRender builds a digest around one story with fuzzed text and checks
// that it always renders: valid UTF-8 everywhere, no raw markup from the
// story in the HTML, a text part within 72 columns, and a message that
// go-mail writes and net/mail reads back.
func FuzzRender(f *testing.F) {
	for _, a := range fixture() {
		f.Add(a.Title, a.Summary, a.ContentHTML, "आशा")
	}
	f.Add("शीर्षक", "", "", strings.Repeat("बहुत लंबा नाम ", 12)+"Supercalifragilisticexpialidocious-and-then-some-more-letters-to-spare")
	if b, err := os.ReadFile("../testdata/articles.jsonl"); err == nil {
		if as, _ := khabar.ReadJSONL(bytes.NewReader(b)); len(as) > 0 {
			for _, a := range as[:min(len(as), 20)] {
				f.Add(a.Title, a.Summary, a.ContentHTML, "")
			}
		}
	}
	f.Fuzz(func(t *testing.T, title, summary, content, name string) {
		a := &khabar.Article{ID: "f", Title: khabar.CleanText(title), Summary: khabar.CleanText(summary),
			ContentHTML: khabar.CleanText(content), URL: "https://khabar.example/f/", Published: at(12, 0), Language: "hi"}
		if a.Validate() != nil {
			return
		}
		c := khabar.NewCatalog()
		if err := c.Upsert(a); err != nil {
			return
		}
		b, err := NewBuilder(testConfig(c))
		if err != nil {
			t.Fatal(err)
		}
		sub := &Subscriber{Email: "a@example.com", Name: name}
		if sub.Validate() != nil {
			return
		}
		m, err := b.Build(context.Background(), testEdition, sub)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(m.HTML) || !utf8.Valid(m.Text) || !utf8.ValidString(m.Subject) || strings.ContainsAny(m.Subject, "\r\n") {
			t.Fatal("invalid UTF-8 or a multi-line subject")
		}
		if strings.Contains(a.Title, "<") && strings.Contains(string(m.HTML), a.Title) {
			t.Fatalf("title %q inserted unescaped", a.Title)
		}
		for _, line := range strings.Split(string(m.Text), "\n") {
			if uniseg.StringWidth(line) > 72 && !strings.Contains(line, "://") && khabar.GraphemeCount(line) > 1 {
				t.Fatalf("text line %q is too wide", line)
			}
		}
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		if _, err := mail.ReadMessage(&buf); err != nil {
			t.Fatal(err)
		}
	})
}
