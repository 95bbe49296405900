// Package browsertest runs a real headless Chromium for tests, through
// chromedp: pages are opened, measured with JavaScript and photographed
// as a person would look at them.
//
// Start with New, which finds Debian's chromium binary (or $CHROMIUM) and
// returns a context bound to one browser tab, closed when the test ends.
// Without a browser the test is skipped, unless the environment variable
// CI is "true": then it fails, so that CI cannot pass by not looking.
//
//	ctx := browsertest.New(t)
//	browsertest.Open(t, ctx, srv.URL, browsertest.View{Width: 375, Dark: true})
//	var overflow bool
//	browsertest.Eval(t, ctx, `document.documentElement.scrollWidth > innerWidth`, &overflow)
//	browsertest.Screenshot(t, ctx, "page-375-dark.png") // in out/screenshots
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Path returns the Chromium binary New starts: $CHROMIUM when set, else
// the first of chromium, chromium-browser, google-chrome and
// headless_shell found on $PATH; "" when there is none.
func Path() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless Chromium for t and returns a context for one of
// its tabs: pass it to the other functions of this package or to
// chromedp.Run. The browser is closed when t ends. New skips t when no
// Chromium is found, and fails it instead when $CI is "true".
func New(t testing.TB) context.Context {
	t.Helper()
	path := Path()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("browsertest: no Chromium found (install Debian's chromium, or set $CHROMIUM)")
		}
		t.Skip("browsertest: no Chromium found (install Debian's chromium, or set $CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // containers and root, where the sandbox cannot start
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.WindowSize(1024, 768),
	)
	// One deadline for the whole browser: a test that hangs fails.
	base, cancelTime := context.WithTimeout(context.Background(), 2*time.Minute)
	actx, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTime()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("browsertest: starting %s: %v", path, err)
	}
	return ctx
}

// View is how a page is shown: the viewport (zero Width means 1024 px,
// zero Height 768 px) and the color scheme the page's media queries see
// (Dark: prefers-color-scheme: dark).
type View struct {
	Width, Height int
	Dark          bool
}

// Open sets the tab's view and loads url in it, waiting for the load
// event.
func Open(t testing.TB, ctx context.Context, url string, v View) {
	t.Helper()
	if v.Width == 0 {
		v.Width = 1024
	}
	if v.Height == 0 {
		v.Height = 768
	}
	scheme := "light"
	if v.Dark {
		scheme = "dark"
	}
	media := func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return chromedp.Void{}, err
	}
	err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(v.Width), int64(v.Height)), media, chromedp.Navigate(url))
	if err != nil {
		t.Fatalf("browsertest: opening %s: %v", url, err)
	}
}

// Eval evaluates the JavaScript expression js in the page and stores its
// value, as JSON decodes it, in out (a pointer; nil to ignore it).
func Eval(t testing.TB, ctx context.Context, js string, out any) {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](js))
	if err != nil {
		t.Fatalf("browsertest: evaluating %s: %v", js, err)
	}
	if out != nil {
		if err := json.Unmarshal(v, out); err != nil {
			t.Fatalf("browsertest: the value of %s: %v", js, err)
		}
	}
}

// Screenshot writes a PNG of the whole page (beyond the viewport too) as
// name in the module's out/screenshots directory (git ignores out/),
// creating it, and returns the file's path.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	dir := filepath.Join(moduleRoot(t), "out", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// moduleRoot returns the nearest directory at or above the working
// directory (a test's package) that holds go.mod.
func moduleRoot(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// ContrastRatio returns the WCAG 2 contrast ratio of two CSS colors as
// getComputedStyle writes them ("rgb(r, g, b)" or "rgba(r, g, b, a)"),
// from 1 to 21; a translucent fg is blended over bg first.
func ContrastRatio(fg, bg string) (float64, error) {
	f, err := parseRGB(fg)
	if err != nil {
		return 0, err
	}
	b, err := parseRGB(bg)
	if err != nil {
		return 0, err
	}
	for i := range 3 {
		f[i] = f[i]*f[3] + b[i]*(1-f[3])
	}
	l1, l2 := luminance(f), luminance(b)
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return (l1 + 0.05) / (l2 + 0.05), nil
}

// parseRGB reads "rgb(…)" or "rgba(…)" into r, g, b (0-255) and alpha.
func parseRGB(s string) ([4]float64, error) {
	c := [4]float64{0, 0, 0, 1}
	in, ok := strings.CutPrefix(s, "rgba(")
	if !ok {
		in, ok = strings.CutPrefix(s, "rgb(")
	}
	in, ok2 := strings.CutSuffix(in, ")")
	parts := strings.FieldsFunc(in, func(r rune) bool { return r == ',' || r == ' ' || r == '/' })
	if !ok || !ok2 || len(parts) < 3 || len(parts) > 4 {
		return c, fmt.Errorf("browsertest: %q is not an rgb() color", s)
	}
	for i, p := range parts {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return c, fmt.Errorf("browsertest: %q is not an rgb() color", s)
		}
		c[i] = v
	}
	return c, nil
}

// luminance is WCAG 2's relative luminance of an sRGB color.
func luminance(c [4]float64) float64 {
	lin := func(v float64) float64 {
		v /= 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
}

// Colored is an element's text with the colors it is drawn in.
type Colored struct {
	Tag, Text string
	// Color is the text's computed color; Background is the first opaque
	// background-color at or above the element, or the canvas's (white,
	// or Chromium's dark canvas when the page opts into a dark color
	// scheme and the view is dark).
	Color, Background string
}

// Colors returns the rendered elements matching the CSS selector that
// have text of their own, with their colors.
func Colors(t testing.TB, ctx context.Context, selector string) []Colored {
	t.Helper()
	sel, _ := json.Marshal(selector)
	var out []Colored
	Eval(t, ctx, `(() => {
  const dark = matchMedia("(prefers-color-scheme: dark)").matches &&
    getComputedStyle(document.documentElement).colorScheme.includes("dark");
  const canvas = dark ? "rgb(18, 18, 18)" : "rgb(255, 255, 255)";
  const opaque = c => c && c !== "transparent" && !/rgba\([^)]*,\s*0\)$/.test(c);
  return [...document.querySelectorAll(`+string(sel)+`)].filter(e => e.getClientRects().length && e.textContent.trim()).map(e => {
    let bg = canvas;
    for (let a = e; a; a = a.parentElement) {
      const c = getComputedStyle(a).backgroundColor;
      if (opaque(c)) { bg = c; break; }
    }
    return {Tag: e.tagName.toLowerCase(), Text: e.textContent.trim().slice(0, 40), Color: getComputedStyle(e).color, Background: bg};
  });
})()`, &out)
	return out
}

// Layout is what a person first sees of a page's frame: its language and
// direction and whether it fits the viewport.
type Layout struct {
	// Lang and Dir are <html lang> and <html dir>; Direction is the
	// body's computed direction.
	Lang, Dir, Direction string
	// Scroll is the document's scroll width, Inner the viewport's width.
	Scroll, Inner int
	// Text is the body's rendered text.
	Text string
}

// PageLayout reads the open page's Layout.
func PageLayout(t testing.TB, ctx context.Context) Layout {
	t.Helper()
	var l Layout
	Eval(t, ctx, `({Lang: document.documentElement.lang, Dir: document.documentElement.dir,
		Direction: getComputedStyle(document.body).direction,
		Scroll: document.documentElement.scrollWidth, Inner: innerWidth,
		Text: document.body.innerText})`, &l)
	return l
}

// CheckFits reports, as an error of t naming the page, a page wider than
// its viewport (a reader on a phone would have to scroll sideways).
func (l Layout) CheckFits(t testing.TB, name string) {
	t.Helper()
	if l.Scroll > l.Inner {
		t.Errorf("%s: the page is %d px wide in a %d px viewport", name, l.Scroll, l.Inner)
	}
}

// CheckDirection reports, as an error of t naming the page, a body whose
// computed direction is not right to left for Urdu ("ur") and left to
// right otherwise.
func (l Layout) CheckDirection(t testing.TB, name, lang string) {
	t.Helper()
	if want := map[bool]string{true: "rtl", false: "ltr"}[lang == "ur"]; l.Direction != want {
		t.Errorf("%s: direction %s, want %s", name, l.Direction, want)
	}
}
