package signup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/internal/golden"
)

type memMailer struct {
	mu   sync.Mutex
	sent []*digest.Notice
	fail int // the next fail sends fail
}

func (m *memMailer) Send(_ context.Context, n *digest.Notice) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail > 0 {
		m.fail--
		return errors.New("smtp: 451 try again later")
	}
	m.sent = append(m.sent, n)
	return nil
}

func (m *memMailer) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sent)
}

func (m *memMailer) last() *digest.Notice {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sent[len(m.sent)-1]
}

var _ Mailer = (*memMailer)(nil)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

type fixture struct {
	s     *Signup
	store *digest.MemStore
	mail  *memMailer
	srv   *httptest.Server
	now   time.Time
	mu    sync.Mutex
}

func (f *fixture) clock() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{store: &digest.MemStore{}, mail: &memMailer{}, now: t0}
	tk := &digest.Tokens{Keys: []digest.TokenKey{{ID: "k1", Secret: bytes.Repeat([]byte("s"), 32)}}, Now: f.clock}
	cat := khabar.NewCatalog()
	up := &khabar.Category{Name: "उत्तर प्रदेश"}
	if err := cat.Upsert(&khabar.Article{ID: "a1", URL: "https://khabar.example/a1", Title: "शीर्षक", Language: "hi",
		Published:  t0.Add(-time.Hour),
		Categories: []khabar.Category{{Name: "कानपुर", Parent: up}}, Tags: []khabar.Tag{{Name: "चुनाव"}},
		Authors: []khabar.Author{{Name: "आशा वर्मा"}}}); err != nil {
		t.Fatal(err)
	}
	f.s = &Signup{Store: f.store, Tokens: tk, Mailer: f.mail, From: "ख़बर <digest@khabar.example>",
		Publisher: digest.Publisher{Name: "ख़बर", Address: "12, माल रोड\nकानपुर"},
		Catalog:   cat, SiteURL: "https://khabar.example", Wording: "2026-01", Now: f.clock}
	mux := http.NewServeMux()
	mux.Handle("/subscribe", f.s.Subscribe())
	mux.Handle("/confirm", f.s.Confirm())
	mux.Handle("/preferences", f.s.Preferences())
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var tokenRE = regexp.MustCompile(`name="t" value="([^"]+)"`)

// formToken GETs the form and returns its token.
func (f *fixture) formToken(t *testing.T) string {
	t.Helper()
	res, err := http.Get(f.srv.URL + "/subscribe?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	b := body(t, res)
	m := tokenRE.FindStringSubmatch(b)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("GET /subscribe: %d\n%s", res.StatusCode, b)
	}
	for _, want := range []string{`id="email"`, `id="tz"`, `value="c:उत्तर-प्रदेश/कानपुर"`, `value="t:चुनाव"`, `value="a:आशा-वर्मा"`, `name="website"`, `<option value="Asia/Kolkata" selected>`} {
		if !strings.Contains(b, want) {
			t.Errorf("form lacks %s", want)
		}
	}
	return m[1]
}

func (f *fixture) post(t *testing.T, path string, v url.Values) (*http.Response, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(f.srv.URL+path, v)
	if err != nil {
		t.Fatal(err)
	}
	return res, body(t, res)
}

func (f *fixture) status(t *testing.T, email string) digest.Status {
	t.Helper()
	s, err := f.store.Subscriber(context.Background(), email)
	if err != nil {
		return ""
	}
	return s.Status
}

func signupForm(tok, email string) url.Values {
	return url.Values{"t": {tok}, "email": {email}, "name": {"Asha"}, "language": {"en"}, "tz": {"Asia/Kolkata"},
		"follow": {"c:उत्तर-प्रदेश/कानपुर", "t:चुनाव"}}
}

var linkRE = regexp.MustCompile(`https://khabar\.example(/confirm\?[^\s"]+)`)

func TestFlow(t *testing.T) {
	f := newFixture(t)
	tok := f.formToken(t)
	res, b := f.post(t, "/subscribe", signupForm(tok, "asha@example.com"))
	if res.StatusCode != 200 || !strings.Contains(b, `id="sent"`) {
		t.Fatalf("POST /subscribe: %d\n%s", res.StatusCode, b)
	}
	if st := f.status(t, "asha@example.com"); st != digest.StatusPending {
		t.Fatalf("status after signup = %q, want pending", st)
	}
	if f.mail.count() != 1 {
		t.Fatalf("%d messages sent, want 1", f.mail.count())
	}
	n := f.mail.last()
	m := linkRE.FindStringSubmatch(string(n.Text))
	if m == nil {
		t.Fatalf("no confirmation link in\n%s", n.Text)
	}
	confirm := f.srv.URL + strings.ReplaceAll(m[1], "&amp;", "&")

	// A prefetch (GET, HEAD) confirms no one.
	for _, method := range []string{"GET", "HEAD"} {
		req, _ := http.NewRequest(method, confirm, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b := body(t, res)
		if res.StatusCode != 200 || method == "GET" && !strings.Contains(b, `id="confirm-submit"`) {
			t.Fatalf("%s confirm: %d\n%s", method, res.StatusCode, b)
		}
		if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Referrer-Policy") != "no-referrer" || res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("headers %v", res.Header)
		}
	}
	if st := f.status(t, "asha@example.com"); st != digest.StatusPending {
		t.Fatalf("status after GET = %q", st)
	}
	ct := tokenRE.FindStringSubmatch(func() string { res, _ := http.Get(confirm); return body(t, res) }())[1]
	for range 2 { // twice: harmless
		res, b = f.post(t, "/confirm", url.Values{"t": {ct}})
		if res.StatusCode != 200 || !strings.Contains(b, `id="confirmed"`) {
			t.Fatalf("POST confirm: %d\n%s", res.StatusCode, b)
		}
	}
	sub, err := f.store.Subscriber(context.Background(), "asha@example.com")
	if err != nil || sub.Status != digest.StatusActive || sub.Name != "Asha" || sub.Language != "en" ||
		sub.TimeZone.String() != "Asia/Kolkata" || len(sub.Follows.Categories) != 1 || len(sub.Follows.Tags) != 1 {
		t.Fatalf("confirmed subscriber = %+v, %v", sub, err)
	}
	hist, _ := f.store.History(context.Background(), "asha@example.com")
	if len(hist) != 2 || hist[0].Kind != digest.EventRequested || hist[1].Kind != digest.EventConfirmed ||
		hist[0].Wording != "2026-01" || hist[1].Wording != "2026-01" || hist[0].IP != "127.0.0.1" || hist[0].Source != "/subscribe" || hist[0].Ref != hist[1].Ref {
		t.Fatalf("history = %+v", hist)
	}

	// Preferences: from the confirmed page's link.
	pm := regexp.MustCompile(`href="(/preferences\?[^"]+)"`).FindStringSubmatch(b)
	if pm == nil {
		t.Fatalf("no preferences link in\n%s", b)
	}
	prefs := f.srv.URL + strings.ReplaceAll(pm[1], "&amp;", "&")
	res, err = http.Get(prefs)
	if err != nil {
		t.Fatal(err)
	}
	b = body(t, res)
	if res.StatusCode != 200 || !strings.Contains(b, `value="t:चुनाव" checked`) || !strings.Contains(b, `lang="en"`) {
		t.Fatalf("GET preferences: %d\n%s", res.StatusCode, b)
	}
	pt := tokenRE.FindStringSubmatch(b)[1]
	res, _ = f.post(t, "/preferences", url.Values{"t": {pt}, "action": {"save"}, "name": {"Asha"}, "language": {"ur"},
		"tz": {"Europe/London"}, "follow": {"a:आशा-वर्मा"}, "pause": {"7"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST preferences: %d", res.StatusCode)
	}
	res, err = http.Get(f.srv.URL + res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	b = body(t, res)
	if !strings.Contains(b, `id="saved"`) || !strings.Contains(b, `dir="rtl"`) || !strings.Contains(b, `id="paused-until"`) {
		t.Errorf("after save:\n%s", b)
	}
	sub, _ = f.store.Subscriber(context.Background(), "asha@example.com")
	if sub.Language != "ur" || sub.TimeZone.String() != "Europe/London" || len(sub.Follows.Authors) != 1 || len(sub.Follows.Tags) != 0 ||
		!sub.PausedUntil.Equal(t0.Add(7*24*time.Hour)) || sub.Receives(t0.Add(24*time.Hour)) {
		t.Errorf("after save: %+v", sub)
	}
	// Unsubscribe from the preferences page.
	res, b = f.post(t, "/preferences", url.Values{"t": {pt}, "action": {"unsubscribe"}})
	if res.StatusCode != 200 || f.status(t, "asha@example.com") != digest.StatusUnsubscribed {
		t.Fatalf("unsubscribe: %d\n%s", res.StatusCode, b)
	}
	hist, _ = f.store.History(context.Background(), "asha@example.com")
	var kinds []string
	for _, e := range hist {
		kinds = append(kinds, string(e.Kind))
	}
	if got := strings.Join(kinds, " "); got != "requested confirmed preferences paused unsubscribed" {
		t.Errorf("history kinds = %s", got)
	}

	// Signing up again: no enumeration, and not active until confirmed.
	f.advance(time.Hour)
	res, b2 := f.post(t, "/subscribe", signupForm(f.formToken(t), "asha@example.com"))
	_, b3 := f.post(t, "/subscribe", signupForm(f.formToken(t), "new@example.com"))
	if res.StatusCode != 200 || strings.ReplaceAll(b2, "asha@", "X@") != strings.ReplaceAll(b3, "new@", "X@") {
		t.Errorf("answers differ for a known and a new address:\n%s\n%s", b2, b3)
	}
	if st := f.status(t, "asha@example.com"); st != digest.StatusUnsubscribed {
		t.Errorf("re-signup changed status to %s before confirmation", st)
	}
	// The old confirmation link does not re-activate.
	f.post(t, "/confirm", url.Values{"t": {ct}})
	if st := f.status(t, "asha@example.com"); st != digest.StatusUnsubscribed {
		t.Errorf("old link re-activated: %s", st)
	}
	// The fresh one does.
	n = f.mail.last()
	if n.To.Address != "asha@example.com" {
		n = f.mail.sent[len(f.mail.sent)-2]
	}
	tk, _ := url.Parse(strings.ReplaceAll(linkRE.FindStringSubmatch(string(n.Text))[0], "&amp;", "&"))
	_, b = f.post(t, "/confirm", url.Values{"t": {tk.Query().Get("t")}})
	if st := f.status(t, "asha@example.com"); st != digest.StatusActive {
		t.Errorf("fresh confirmation: status %s (%d mails, to %s)\n%s", st, f.mail.count(), n.To.Address, b)
	}
}

func TestResendInterval(t *testing.T) {
	f := newFixture(t)
	for i := range 3 {
		res, _ := f.post(t, "/subscribe", signupForm(f.formToken(t), "a@example.com"))
		if res.StatusCode != 200 {
			t.Fatalf("try %d: %d", i, res.StatusCode)
		}
	}
	if f.mail.count() != 1 {
		t.Errorf("%d messages within the interval, want 1", f.mail.count())
	}
	f.advance(11 * time.Minute)
	f.post(t, "/subscribe", signupForm(f.formToken(t), "a@example.com"))
	if f.mail.count() != 2 {
		t.Errorf("%d messages after the interval, want 2", f.mail.count())
	}
}

// TestMailFailure: a confirmation that could not be sent records nothing,
// so asking again at once sends one (it is not held back as a resend).
func TestMailFailure(t *testing.T) {
	f := newFixture(t)
	f.mail.fail = 1
	res, _ := f.post(t, "/subscribe", signupForm(f.formToken(t), "a@example.com"))
	if res.StatusCode != http.StatusInternalServerError {
		t.Errorf("a failed send answered %d, want 500", res.StatusCode)
	}
	if h, _ := f.store.History(context.Background(), "a@example.com"); len(h) != 0 {
		t.Errorf("a failed send recorded %v", h)
	}
	res, _ = f.post(t, "/subscribe", signupForm(f.formToken(t), "a@example.com"))
	if res.StatusCode != 200 || f.mail.count() != 1 {
		t.Fatalf("asking again: %d, %d messages; want 200 and 1", res.StatusCode, f.mail.count())
	}
	h, _ := f.store.History(context.Background(), "a@example.com")
	if len(h) != 1 || h[0].Kind != digest.EventRequested || !strings.Contains(string(f.mail.last().Text), h[0].Ref) {
		t.Errorf("after asking again the history is %v", h)
	}
}

func TestAbuse(t *testing.T) {
	f := newFixture(t)
	f.s.PerIP = 3
	tok := f.formToken(t)
	t.Run("honeypot", func(t *testing.T) {
		v := signupForm(tok, "bot@example.com")
		v.Set(HoneypotField, "http://spam.example")
		res, b := f.post(t, "/subscribe", v)
		if res.StatusCode != 200 || !strings.Contains(b, `id="sent"`) || f.status(t, "bot@example.com") != "" || f.mail.count() != 0 {
			t.Errorf("honeypot: %d, status %q, %d mails", res.StatusCode, f.status(t, "bot@example.com"), f.mail.count())
		}
	})
	cases := []struct {
		name  string
		mod   func(url.Values)
		field string
	}{
		{"bad email", func(v url.Values) { v.Set("email", "not an address") }, "email"},
		{"long email", func(v url.Values) { v.Set("email", strings.Repeat("a", 250)+"@example.com") }, "email"},
		{"long name", func(v url.Values) { v.Set("name", strings.Repeat("न", 101)) }, "name"},
		{"language", func(v url.Values) { v.Set("language", "xx") }, "language"},
		{"tz", func(v url.Values) { v.Set("tz", "Mars/Olympus") }, "tz"},
		{"follow", func(v url.Values) { v.Add("follow", "nonsense") }, "follow"},
		{"follow not offered", func(v url.Values) { v.Add("follow", "t:not-in-the-catalog") }, "follow"},
		{"thousands of follows", func(v url.Values) {
			for range 300 { // within the body's limit
				v.Add("follow", "t:x")
			}
		}, "follow"},
		{"forged form token", func(v url.Values) { v.Set("t", tok+"x") }, "t"},
		{"unsubscribe token as form token", func(v url.Values) {
			u, _ := f.s.Tokens.Sign("form", digest.DefaultList)
			v.Set("t", u)
		}, "t"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := signupForm(tok, "x@example.com")
			c.mod(v)
			res, b := f.post(t, "/subscribe", v)
			if res.StatusCode != 400 || !strings.Contains(b, `data-field="`+c.field+`"`) {
				t.Errorf("status %d, want 400 naming %s\n%s", res.StatusCode, c.field, b)
			}
		})
	}
	t.Run("oversize", func(t *testing.T) {
		v := signupForm(tok, "x@example.com")
		v.Set("name", strings.Repeat("a", 40<<10))
		res, b := f.post(t, "/subscribe", v)
		if res.StatusCode != 400 || !strings.Contains(b, `data-field="form"`) {
			t.Errorf("status %d\n%s", res.StatusCode, b)
		}
	})
	t.Run("per IP", func(t *testing.T) {
		var codes []int
		for i := range 5 {
			res, _ := f.post(t, "/subscribe", signupForm(tok, fmt.Sprintf("p%d@example.com", i)))
			codes = append(codes, res.StatusCode)
		}
		if fmt.Sprint(codes) != "[200 200 200 429 429]" { // refused and honeypot requests are not counted
			t.Errorf("codes %v", codes)
		}
	})
}

func TestLinks(t *testing.T) {
	f := newFixture(t)
	unsub, _ := f.s.Tokens.Sign("a@example.com", digest.DefaultList)
	expired, _ := f.s.Tokens.SignFor(digest.PurposeConfirm, "a@example.com", "abc", t0.Add(-time.Minute))
	unknown, _ := f.s.Tokens.SignFor(digest.PurposeConfirm, "a@example.com", "abc", t0.Add(time.Hour))
	cases := []struct {
		name, method, token string
		code                int
	}{
		{"forged", "GET", "k1.YQ.abc.zz.AAAA", 400},
		{"unsubscribe token", "GET", unsub, 400},
		{"expired", "GET", expired, 410},
		{"unknown request", "POST", unknown, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var res *http.Response
			var b string
			if c.method == "GET" {
				r, err := http.Get(f.srv.URL + "/confirm?t=" + url.QueryEscape(c.token))
				if err != nil {
					t.Fatal(err)
				}
				res, b = r, body(t, r)
			} else {
				res, b = f.post(t, "/confirm", url.Values{"t": {c.token}})
			}
			if res.StatusCode != c.code || !strings.Contains(b, `id="ask-again"`) {
				t.Errorf("status %d, want %d with a way to ask again\n%s", res.StatusCode, c.code, b)
			}
		})
	}
	res, err := http.Get(f.srv.URL + "/preferences?t=" + url.QueryEscape(unsub))
	if err != nil {
		t.Fatal(err)
	}
	if body(t, res); res.StatusCode != 400 {
		t.Errorf("unsubscribe token opened preferences: %d", res.StatusCode)
	}
}

// TestFieldError: the line above a form that names the field in error
// names it by its label, in the page's language.
func TestFieldError(t *testing.T) {
	f := newFixture(t)
	tok := f.formToken(t)
	for _, c := range []struct{ lang, field, value, label string }{
		{"hi", "email", "not an address", "ईमेल पता"},
		{"ur", "tz", "Mars/Olympus", "ٹائم زون"},
		{"en", "follow", "nonsense", "Sections to follow"},
	} {
		v := signupForm(tok, "x@example.com")
		v.Set(c.field, c.value)
		v.Set("language", c.lang)
		res, b := f.post(t, "/subscribe?lang="+c.lang, v)
		line := regexp.MustCompile(`<p class="err" id="error"[^>]*>([^<]*)</p>`).FindStringSubmatch(b)
		if res.StatusCode != 400 || line == nil || !strings.Contains(line[1], c.label) {
			t.Errorf("%s, %s: %d, error line %q, want it to name %q", c.lang, c.field, res.StatusCode, line, c.label)
		}
	}
}

func TestLanguage(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ query, accept, want string }{
		{"?lang=ur", "", `lang="ur" dir="rtl"`},
		{"", "en-GB,en;q=0.8", `lang="en" dir="ltr"`},
		{"", "ur-PK", `lang="ur" dir="rtl"`},
		{"", "fr", `lang="hi" dir="ltr"`},
	} {
		req, _ := http.NewRequest("GET", f.srv.URL+"/subscribe"+c.query, nil)
		req.Header.Set("Accept-Language", c.accept)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if b := body(t, res); !strings.Contains(b, c.want) {
			t.Errorf("%q %q: want %s", c.query, c.accept, c.want)
		}
	}
}

func TestConfirmationGolden(t *testing.T) {
	f := newFixture(t)
	for _, lang := range []string{"hi", "en", "ur"} {
		c := digest.Choices{Name: "आशा", Language: lang, TimeZone: "Asia/Kolkata"}
		n, err := f.s.Confirmation("asha@example.com", "0123456789abcdef0123456789abcdef", c, t0)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := n.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "testdata/golden/confirm-"+lang+".eml", buf.Bytes())
		golden.Check(t, "testdata/golden/confirm-"+lang+".txt", n.Text)
		golden.Check(t, "testdata/golden/confirm-"+lang+".html", n.HTML)
	}
}

// confirmToken returns the token of the confirmation link in n.
func confirmToken(t *testing.T, n *digest.Notice) string {
	t.Helper()
	m := linkRE.FindStringSubmatch(string(n.Text))
	if m == nil {
		t.Fatalf("no confirmation link in\n%s", n.Text)
	}
	u, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("t")
}

// TestConfirmRules: only an address's latest request confirms, and only
// while no unsubscribe, bounce or complaint followed it; an old link
// never re-activates an address that withdrew.
func TestConfirmRules(t *testing.T) {
	ctx := context.Background()
	withdraw := func(f *fixture, email string, kind digest.EventKind, st digest.Status) {
		t.Helper()
		ev := digest.Event{Kind: kind, At: f.clock(), Source: "test"}
		if _, err := f.store.Change(ctx, email, ev, func(cur *digest.Subscriber, _ []digest.Event) (*digest.Subscriber, error) {
			cur.Status = st
			return cur, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		kind digest.EventKind
		st   digest.Status
	}{
		{digest.EventUnsubscribed, digest.StatusUnsubscribed},
		{digest.EventBounced, digest.StatusBounced},
		{digest.EventComplained, digest.StatusComplained},
	} {
		t.Run("link from before "+string(c.kind), func(t *testing.T) {
			f := newFixture(t)
			f.post(t, "/subscribe", signupForm(f.formToken(t), "a@example.com"))
			ct := confirmToken(t, f.mail.last())
			withdraw(f, "a@example.com", c.kind, c.st)
			res, b := f.post(t, "/confirm", url.Values{"t": {ct}})
			if res.StatusCode != http.StatusGone || !strings.Contains(b, `id="ask-again"`) || f.status(t, "a@example.com") != c.st {
				t.Errorf("old link: %d, status %s\n%s", res.StatusCode, f.status(t, "a@example.com"), b)
			}
			// A fresh request confirms.
			f.advance(time.Hour)
			f.post(t, "/subscribe", signupForm(f.formToken(t), "a@example.com"))
			if res, _ := f.post(t, "/confirm", url.Values{"t": {confirmToken(t, f.mail.last())}}); res.StatusCode != 200 || f.status(t, "a@example.com") != digest.StatusActive {
				t.Errorf("fresh link: %d, status %s", res.StatusCode, f.status(t, "a@example.com"))
			}
		})
	}
	t.Run("active, asked again, unsubscribed", func(t *testing.T) {
		f := newFixture(t)
		f.post(t, "/subscribe", signupForm(f.formToken(t), "a@example.com"))
		f.post(t, "/confirm", url.Values{"t": {confirmToken(t, f.mail.last())}})
		f.advance(time.Hour)
		f.post(t, "/subscribe", signupForm(f.formToken(t), "a@example.com")) // while active
		ct := confirmToken(t, f.mail.last())
		withdraw(f, "a@example.com", digest.EventUnsubscribed, digest.StatusUnsubscribed)
		if res, _ := f.post(t, "/confirm", url.Values{"t": {ct}}); res.StatusCode != http.StatusGone || f.status(t, "a@example.com") != digest.StatusUnsubscribed {
			t.Errorf("%d, status %s", res.StatusCode, f.status(t, "a@example.com"))
		}
	})
	t.Run("superseded", func(t *testing.T) {
		f := newFixture(t)
		f.post(t, "/subscribe", signupForm(f.formToken(t), "a@example.com"))
		first := confirmToken(t, f.mail.last())
		f.advance(time.Hour)
		v := signupForm(f.formToken(t), "a@example.com")
		v.Set("name", "Second")
		f.post(t, "/subscribe", v)
		second := confirmToken(t, f.mail.last())
		if res, _ := f.post(t, "/confirm", url.Values{"t": {first}}); res.StatusCode != http.StatusGone || f.status(t, "a@example.com") != digest.StatusPending {
			t.Errorf("superseded link: %d, status %s", res.StatusCode, f.status(t, "a@example.com"))
		}
		if res, _ := f.post(t, "/confirm", url.Values{"t": {second}}); res.StatusCode != 200 {
			t.Errorf("latest link: %d", res.StatusCode)
		}
		if sub, err := f.store.Subscriber(ctx, "a@example.com"); err != nil || sub.Status != digest.StatusActive || sub.Name != "Second" {
			t.Errorf("after the latest link: %+v, %v", sub, err)
		}
	})
}

// TestFollowsOffered: the preferences page stores only follows the
// catalog offers, each once.
func TestFollowsOffered(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.store.Put(ctx, &digest.Subscriber{Email: "a@example.com", Status: digest.StatusActive})
	pt, _ := f.s.preferencesToken("a@example.com")
	save := func(follows ...string) *http.Response {
		res, _ := f.post(t, "/preferences", url.Values{"t": {pt}, "action": {"save"}, "pause": {"0"}, "follow": follows})
		return res
	}
	if res := save("t:चुनाव", "t:injected", "a:someone-else"); res.StatusCode != 400 {
		t.Errorf("unknown follows: %d, want 400", res.StatusCode)
	}
	if sub, _ := f.store.Subscriber(ctx, "a@example.com"); !sub.Follows.Empty() {
		t.Errorf("unknown follows stored: %+v", sub.Follows)
	}
	if res := save("t:चुनाव", "t:चुनाव", "a:आशा-वर्मा"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("offered follows: %d", res.StatusCode)
	}
	if sub, _ := f.store.Subscriber(ctx, "a@example.com"); len(sub.Follows.Tags) != 1 || len(sub.Follows.Authors) != 1 {
		t.Errorf("follows stored: %+v", sub.Follows)
	}
}

// TestPerIPv6Prefix: the addresses of one IPv6 /64 share the per-IP
// limit; another /64 has its own.
func TestPerIPv6Prefix(t *testing.T) {
	f := newFixture(t)
	f.s.PerIP = 3
	tok := f.formToken(t)
	post := func(remote string, i int) int {
		r := httptest.NewRequest("POST", "/subscribe", strings.NewReader(signupForm(tok, fmt.Sprintf("v%d@example.com", i)).Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		f.s.Subscribe().ServeHTTP(w, r)
		return w.Code
	}
	var codes []int
	for i := range 5 {
		codes = append(codes, post(fmt.Sprintf("[2001:db8:1:2::%x]:40000", i+1), i))
	}
	codes = append(codes, post("[2001:db8:1:3::1]:40000", 9), post("192.0.2.1:40000", 10))
	if fmt.Sprint(codes) != "[200 200 200 429 429 200 200]" {
		t.Errorf("codes %v", codes)
	}
}

// TestPauseLabels: the preferences page names a pause of one day in the
// singular ("for 1 day", not "for 1 days") and the others in the plural.
func TestPauseLabels(t *testing.T) {
	f := newFixture(t)
	f.store.Put(context.Background(), &digest.Subscriber{Email: "a@example.com", Language: "en", Status: digest.StatusActive})
	pt, _ := f.s.preferencesToken("a@example.com")
	res, err := http.Get(f.srv.URL + "/preferences?lang=en&t=" + url.QueryEscape(pt))
	if err != nil {
		t.Fatal(err)
	}
	b := body(t, res)
	if res.StatusCode != 200 {
		t.Fatalf("GET /preferences: %d\n%s", res.StatusCode, b)
	}
	for _, want := range []string{`<option value="1">for 1 day</option>`, `<option value="3">for 3 days</option>`} {
		if !strings.Contains(b, want) {
			t.Errorf("preferences page lacks %s", want)
		}
	}
	if strings.Contains(b, "1 days") {
		t.Error(`preferences page says "1 days"`)
	}
}

// TestPurgeUnconfirmed: an address whose signup was never confirmed is
// kept while its link works and forgotten, history and all, once the
// link has expired; a confirmed one stays. The expired link then finds
// no one to confirm, and the address can sign up again.
func TestPurgeUnconfirmed(t *testing.T) {
	f := newFixture(t)
	for _, email := range []string{"stranger@example.com", "asha@example.com"} {
		if res, b := f.post(t, "/subscribe", signupForm(f.formToken(t), email)); res.StatusCode != 200 {
			t.Fatalf("POST /subscribe %s: %d\n%s", email, res.StatusCode, b)
		}
	}
	confirm := func(n *digest.Notice) (int, string) {
		m := linkRE.FindStringSubmatch(string(n.Text))
		res, _ := http.Get(f.srv.URL + strings.ReplaceAll(m[1], "&amp;", "&"))
		ct := tokenRE.FindStringSubmatch(body(t, res))
		if ct == nil {
			return res.StatusCode, ""
		}
		res, b := f.post(t, "/confirm", url.Values{"t": {ct[1]}})
		return res.StatusCode, b
	}
	f.mail.mu.Lock()
	strangerMail := f.mail.sent[0]
	f.mail.mu.Unlock()
	if code, b := confirm(f.mail.last()); code != 200 {
		t.Fatalf("confirming asha: %d\n%s", code, b)
	}
	ctx := context.Background()
	if n, err := f.s.PurgeUnconfirmed(ctx); err != nil || n != 0 {
		t.Fatalf("PurgeUnconfirmed while the link works = %d, %v; want 0", n, err)
	}
	f.advance(48*time.Hour + time.Minute)
	if n, err := f.s.PurgeUnconfirmed(ctx); err != nil || n != 1 {
		t.Fatalf("PurgeUnconfirmed after the link expired = %d, %v; want 1", n, err)
	}
	if _, err := f.store.Subscriber(ctx, "stranger@example.com"); !errors.Is(err, digest.ErrUnknownSubscriber) {
		t.Errorf("the unconfirmed address is still stored: %v", err)
	}
	if h, _ := f.store.History(ctx, "stranger@example.com"); len(h) != 0 {
		t.Errorf("its history is still stored: %+v", h)
	}
	if st := f.status(t, "asha@example.com"); st != digest.StatusActive {
		t.Errorf("the confirmed subscriber is %q after the purge", st)
	}
	if code, _ := confirm(strangerMail); code != http.StatusGone {
		t.Errorf("the purged address's expired link answered %d, want 410", code)
	}
	if res, b := f.post(t, "/subscribe", signupForm(f.formToken(t), "stranger@example.com")); res.StatusCode != 200 || f.status(t, "stranger@example.com") != digest.StatusPending {
		t.Errorf("signing up again after the purge: %d\n%s", res.StatusCode, b)
	}
}
