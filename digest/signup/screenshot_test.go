package signup

import (
	"context"
	"net/url"
	"testing"

	"github.com/khabar/khabar/internal/browsertest"
)

// TestScreenshots opens the signup form, the confirmation page, the page
// of a forged link and the preferences page in hi, en and ur in a
// headless Chromium at 375 px, writes the screenshots to out/screenshots
// and checks what a reader would: the page fits the phone, reads in its
// language's direction, and no line of text is drawn over its
// neighbours (Nastaliq's tall letters need more room than a line of
// Devanagari or Latin).
func TestScreenshots(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	ctx := browsertest.New(t)
	f := newFixture(t)
	res, _ := f.post(t, "/subscribe?lang=en", signupForm(f.formToken(t), "asha@example.com"))
	if res.StatusCode != 200 {
		t.Fatalf("POST /subscribe: %d", res.StatusCode)
	}
	confirm, err := url.Parse(string(linkRE.FindSubmatch(f.mail.last().Text)[1]))
	if err != nil {
		t.Fatal(err)
	}
	prefs, err := f.s.preferencesToken("asha@example.com")
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string]struct{ path, token string }{
		"subscribe":   {"/subscribe", ""},
		"confirm":     {"/confirm", confirm.Query().Get("t")},
		"forged":      {"/confirm", "forged"},
		"preferences": {"/preferences", prefs},
	}
	for name, p := range pages {
		for _, lang := range []string{"hi", "en", "ur"} {
			q := url.Values{"lang": {lang}}
			if p.token != "" {
				q.Set("t", p.token)
			}
			browsertest.Open(t, ctx, f.srv.URL+p.path+"?"+q.Encode(), browsertest.View{Width: 375, Height: 812})
			shot := "signup-" + name + "-" + lang
			browsertest.Screenshot(t, ctx, shot+".png")
			page := browsertest.PageLayout(t, ctx)
			page.CheckDirection(t, shot, lang)
			page.CheckFits(t, shot)
			checkLines(t, ctx, shot)
		}
	}
}

// checkLines: Urdu text in Nastaliq, whose letters stack high and reach
// low, has a line-height of at least twice its size (at 1.6 the lines of
// a paragraph run into each other), and no label's ink reaches into the
// field under it (the field would hide it).
func checkLines(t *testing.T, ctx context.Context, shot string) {
	t.Helper()
	var texts []struct {
		Text             string
		Size, Line       float64
		Nastaliq         bool
		InkBottom, Field float64
	}
	// Ink is measured with canvas measureText in the element's font; its
	// bottom is the line box's baseline plus the ink's descent.
	browsertest.Eval(t, ctx, `(() => {
  const c = document.createElement("canvas").getContext("2d");
  return [...document.body.querySelectorAll("*")].filter(e =>
    e.getClientRects().length && !e.closest(".hp") && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
  ).map(e => {
    const s = getComputedStyle(e), r = e.getBoundingClientRect();
    const text = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join("").trim();
    c.font = s.font;
    const m = c.measureText(text), line = parseFloat(s.lineHeight);
    const baseline = r.bottom - parseFloat(s.paddingBottom) - (line - m.fontBoundingBoxAscent - m.fontBoundingBoxDescent) / 2 - m.fontBoundingBoxDescent;
    const field = e.htmlFor && document.getElementById(e.htmlFor);
    return {Text: text.slice(0, 40), Size: parseFloat(s.fontSize), Line: line,
      Nastaliq: s.fontFamily.includes("Nastaliq") && /[\u0600-\u06ff]/.test(text),
      InkBottom: baseline + m.actualBoundingBoxDescent, Field: field ? field.getBoundingClientRect().top : 0};
  });
})()`, &texts)
	for _, x := range texts {
		if x.Nastaliq && x.Line < 2*x.Size {
			t.Errorf("%s: %q in Nastaliq at %.0f px has a line-height of %.1f px, under twice its size", shot, x.Text, x.Size, x.Line)
		}
		if x.Field > 0 && x.InkBottom > x.Field+0.5 {
			t.Errorf("%s: the label %q reaches %.1f px into its field", shot, x.Text, x.InkBottom-x.Field)
		}
	}
}
