package digest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/khabar/khabar/internal/browsertest"
)

// TestScreenshots opens the HTML digest of each golden subscriber (hi,
// en, ur) in a headless Chromium, light, dark and at 375 px, writes the
// screenshots to out/screenshots and checks what a reader would: the page
// fits a phone, Urdu reads right to left with the Nastaliq font on Urdu
// text only, headings and links keep their contrast in dark mode, and
// the edition's date is written once.
func TestScreenshots(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	ctx := browsertest.New(t)
	pages := map[string][]byte{}
	for _, sub := range goldenSubscribers {
		m, _ := buildGolden(t, sub)
		pages["/"+sub.Language] = m.HTML
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(pages[r.URL.Path])
	}))
	defer srv.Close()
	date := map[string]string{"hi": "24 नवंबर 2026", "en": "24 November 2026", "ur": "24 نومبر 2026"}
	views := []struct {
		name string
		view browsertest.View
	}{
		{"light", browsertest.View{Width: 800}},
		{"dark", browsertest.View{Width: 800, Dark: true}},
		{"375", browsertest.View{Width: 375, Height: 812}},
	}
	for _, lang := range []string{"hi", "en", "ur"} {
		for _, v := range views {
			browsertest.Open(t, ctx, srv.URL+"/"+lang, v.view)
			browsertest.Screenshot(t, ctx, "digest-"+lang+"-"+v.name+".png")
			page := browsertest.PageLayout(t, ctx)
			page.CheckFits(t, lang+" "+v.name)
			text := page.Text
			if n := strings.Count(text, date[lang]); n != 1 {
				t.Errorf("%s %s: the date %q appears %d times", lang, v.name, date[lang], n)
			}
			checkScripts(t, ctx, lang)
			if v.view.Dark {
				for _, c := range browsertest.Colors(t, ctx, "h1, h2, h3, a") {
					r, err := browsertest.ContrastRatio(c.Color, c.Background)
					if err != nil {
						t.Fatal(err)
					}
					if r < 4.5 {
						t.Errorf("%s dark: <%s> %q is %s on %s, contrast %.2f < 4.5", lang, c.Tag, c.Text, c.Color, c.Background, r)
					}
				}
			}
		}
	}
}

// checkScripts: the page's direction is its language's, and the
// Nastaliq font is used for Urdu text and nothing else.
func checkScripts(t *testing.T, ctx context.Context, lang string) {
	t.Helper()
	var dir string
	browsertest.Eval(t, ctx, `getComputedStyle(document.body).direction`, &dir)
	if want := map[bool]string{true: "rtl", false: "ltr"}[lang == "ur"]; dir != want {
		t.Errorf("%s: the page's direction is %s, want %s", lang, dir, want)
	}
	var texts []struct{ Lang, Font, Text string }
	browsertest.Eval(t, ctx, `[...document.body.querySelectorAll("*")].filter(e =>
		e.getClientRects().length && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
	).map(e => ({Lang: (e.closest("[lang]") || document.documentElement).lang, Font: getComputedStyle(e).fontFamily, Text: e.textContent.trim().slice(0, 40)}))`, &texts)
	urdu := 0
	for _, x := range texts {
		nastaliq := strings.Contains(x.Font, "Nastaliq")
		isUrdu := strings.HasPrefix(x.Lang, "ur")
		if isUrdu {
			urdu++
		}
		if nastaliq != isUrdu {
			t.Errorf("%s: %q (lang %q) is set in %s", lang, x.Text, x.Lang, x.Font)
		}
	}
	if lang == "ur" && urdu == 0 {
		t.Errorf("ur: no text is marked Urdu")
	}
}
