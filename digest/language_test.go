package digest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// TestNoStoryInTheReadersLanguage: a window with stories, none in the
// subscriber's language, is never a silent mix. With LanguageFirst the
// digest says so at the top, in the subscriber's language, in both
// parts, and the subject line is in that language too (no headline in
// another); with LanguageOnly the subscriber is skipped with that reason.
func TestNoStoryInTheReadersLanguage(t *testing.T) {
	ist := time.FixedZone("IST", 19800)
	c := khabar.NewCatalog()
	for i, title := range []string{"कानपुर मेट्रो का दूसरा चरण शुरू", "भारत ने ऑस्ट्रेलिया को हराया"} {
		a := &khabar.Article{ID: string(rune('a' + i)), Title: title, URL: "https://khabar.example/" + string(rune('a'+i)) + "/",
			Language: "hi", Published: time.Date(2026, 11, 24, 9+i, 0, 0, 0, ist)}
		if err := c.Upsert(a); err != nil {
			t.Fatal(err)
		}
	}
	sub := &Subscriber{Email: "tom@example.com", Name: "Tom", Language: "en"}
	b, err := NewBuilder(testConfig(c))
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.Build(context.Background(), testEdition, sub)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Today's stories from ख़बर" {
		t.Errorf("subject %q: not in English when no story is", m.Subject)
	}
	const note = "There is no new story in English today"
	if !strings.Contains(string(m.HTML), note) || !strings.Contains(string(m.Text), note) {
		t.Errorf("the English digest of Hindi stories does not say so:\n%s", m.Text)
	}
	hi := &Subscriber{Email: "asha@example.com", Language: "hi"}
	if m, err := b.Build(context.Background(), testEdition, hi); err != nil || strings.Contains(string(m.Text), "no new story") || strings.Contains(string(m.HTML), "आज आपकी भाषा में कोई नई ख़बर नहीं") {
		t.Errorf("the Hindi digest of Hindi stories: %v, or it says there is none in Hindi", err)
	}

	cfg := testConfig(c)
	cfg.Ranking.Languages = LanguageOnly
	only, err := NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = only.Build(context.Background(), testEdition, sub)
	var se *SkipError
	if !errors.As(err, &se) || se.Reason != SkipNoStoryInLanguage || !strings.Contains(err.Error(), "no new story in their language") {
		t.Errorf("LanguageOnly, no English story: %v, want a *SkipError with SkipNoStoryInLanguage", err)
	}
}

// TestPublisherInLanguage: the footer's name and address come from
// Publisher.InLanguage for digests in that language (an Urdu footer in
// Urdu), and from Publisher for the others.
func TestPublisherInLanguage(t *testing.T) {
	cfg := testConfig(fixtureCatalog(t))
	cfg.Publisher.InLanguage = map[string]Publisher{"ur": {Name: "خبر", Address: "۱۲، مال روڈ\nکانپور ۲۰۸۰۰۱، بھارت"}}
	b, err := NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lang, want, not string }{
		{"ur", "۱۲، مال روڈ", "12, माल रोड"},
		{"hi", "12, माल रोड", "۱۲، مال روڈ"},
	} {
		m, err := b.Build(context.Background(), testEdition, &Subscriber{Email: "reader@example.com", Language: tc.lang})
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range [][]byte{m.HTML, m.Text} {
			if !strings.Contains(string(part), tc.want) || strings.Contains(string(part), tc.not) {
				t.Errorf("%s digest: footer lacks %q or holds %q", tc.lang, tc.want, tc.not)
			}
		}
	}
}

// TestStoryFontOfItsLanguage: in an Urdu digest, a Hindi story's row is
// set in the Devanagari font stack, not the Nastaliq of the digest.
func TestStoryFontOfItsLanguage(t *testing.T) {
	b := newTestBuilder(t, nil)
	m, err := b.Build(context.Background(), testEdition, &Subscriber{Email: "zoya@example.com", Language: "ur"})
	if err != nil {
		t.Fatal(err)
	}
	html := string(m.HTML)
	i := strings.Index(html, `lang="hi" dir="ltr" class="sep" style="`)
	if i < 0 {
		t.Fatal("the Urdu digest shows no Hindi story")
	}
	row := html[i : i+strings.Index(html[i:], `">`)]
	if !strings.Contains(row, "Noto Sans Devanagari") || strings.Contains(row, "Nastaliq") {
		t.Errorf("a Hindi story in an Urdu digest: %s", row)
	}
}
