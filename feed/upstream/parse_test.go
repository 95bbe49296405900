package upstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/upstream/golden")

const fixtureDir = "../../testdata/upstream"

// fixtureURLs gives fixtures the address they would be fetched from;
// others get https://fixtures.example/NAME.
var fixtureURLs = map[string]string{
	"hindi-ist.xml": "https://samachar.example.in/feed/",
}

func fixtureURL(name string) string {
	if u, ok := fixtureURLs[name]; ok {
		return u
	}
	return "https://fixtures.example/" + name
}

// fixtures lists the feed documents in testdata/upstream.
func fixtures(t testing.TB) []string {
	t.Helper()
	var names []string
	for _, pat := range []string{"*.xml", "*.rdf", "*.json"} {
		m, err := filepath.Glob(filepath.Join(fixtureDir, pat))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			names = append(names, filepath.Base(p))
		}
	}
	if len(names) == 0 {
		t.Fatalf("no fixtures in %s", fixtureDir)
	}
	return names
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// goldenDoc is what the golden files hold for one fixture.
type goldenDoc struct {
	Feed     *Feed    `json:"feed"`
	Errors   []string `json:"errors,omitempty"`
	DocError string   `json:"doc_error,omitempty"`
}

func TestParseGolden(t *testing.T) {
	p := &Parser{}
	for _, name := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			f, err := p.Parse(readFixture(t, name), fixtureURL(name), "")
			doc := goldenDoc{Feed: f}
			var pe *ParseError
			if err != nil {
				if !errors.As(err, &pe) {
					t.Fatalf("error %v (%T) is not a *ParseError", err, err)
				}
				if pe.Err != nil {
					doc.DocError = pe.Err.Error()
				}
				for _, ie := range pe.Items {
					doc.Errors = append(doc.Errors, ie.Error())
				}
			}
			got, jerr := json.MarshalIndent(doc, "", "  ")
			if jerr != nil {
				t.Fatal(jerr)
			}
			got = append(got, '\n')
			golden := filepath.Join(fixtureDir, "golden", name+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, rerr := os.ReadFile(golden)
			if rerr != nil {
				t.Fatalf("%v (run go test ./feed/upstream -run TestParseGolden -update)", rerr)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s; got:\n%s", name, golden, got)
			}
		})
	}
}

// mustParse parses a fixture and fails on any error not in allowed.
func mustParse(t *testing.T, name string) (*Feed, error) {
	t.Helper()
	f, err := (&Parser{}).Parse(readFixture(t, name), fixtureURL(name), "")
	if f == nil {
		t.Fatalf("Parse(%s) returned no feed: %v", name, err)
	}
	return f, err
}

func byURL(f *Feed, u string) *khabar.Article {
	for _, a := range f.Articles {
		if a.URL == u {
			return a
		}
	}
	return nil
}

func TestParseDate(t *testing.T) {
	kolkata := time.FixedZone("IST", 5*3600+30*60)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"Tue, 24 Nov 2026 18:30:00 IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 10:15 AM IST", time.Date(2026, 11, 24, 4, 45, 0, 0, time.UTC), true},
		{"24 Nov 2026 07:05 pm IST", time.Date(2026, 11, 24, 13, 35, 0, 0, time.UTC), true},
		{"November 24, 2026 7:05PM IST", time.Date(2026, 11, 24, 13, 35, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 18:30:00 +0530", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 13:00:00 GMT", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"2026-11-24T18:30:00+05:30", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"2026-11-24 18:30:00", time.Date(2026, 11, 24, 18, 30, 0, 0, kolkata), true},
		{"Tue, 24 Nov 2026 18:30:00 +0530 (IST)", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 18:30:00 +0530 IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 13:00:00 +0000 GMT", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Nov 24, 2026, 6:30 PM IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"24/11/2026 18:30 IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tuesday, November 24, 2026 6:30 PM IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"2026-11-24T18:30 IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 08:00:00 EST", time.Time{}, false}, // left to gofeed's zone table
		{"November 24, 2026 | 06:30 PM IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"24 Nov 2026 at 18:30 IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"२४ नवंबर २०२६ 06:30 PM IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"24 नवम्बर 2026 18:30:00 +0530", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 18:30:00 GMT+5:30", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 18:30:00 GMT+05:30", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"24 Nov 2026 6:30 PM UTC+0530", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 08:00:00 GMT-5", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"Tue, 24 Nov 2026 08:00:00 GMT+25:00", time.Time{}, false},
		{"Tue, 24 Nov 26 18:30:00 IST", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true}, // RFC 822 two-digit year
		{"24 Nov 26 18:30 +0530", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"24/11/2026 18:30", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true}, // day first, in Location
		{"24-11-2026 18:30", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"24/11/2026 6:30 PM", time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC), true},
		{"कल शाम", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseDate(tt.in, kolkata)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("parseDate(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestISTAndItemErrors(t *testing.T) {
	f, err := mustParse(t, "hindi-ist.xml")
	a := byURL(f, "https://samachar.example.in/2026/11/24/kanpur-metro-phase-2/?ref=home")
	if a == nil {
		t.Fatalf("no article with the stripped, resolved link; got %d articles", len(f.Articles))
	}
	if want := time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC); !a.Published.Equal(want) {
		t.Errorf("published = %v, want %v (IST is +05:30)", a.Published, want)
	}
	var ies []*ItemError
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *ParseError", err)
	}
	ies = pe.Items
	if len(ies) != 2 {
		t.Fatalf("got %d item errors (%v), want 2", len(ies), err)
	}
	if ies[0].Index != 2 || ies[0].Field != "published" || !errors.Is(ies[0], ErrMissingDate) || ies[0].GUID != "samachar-undated-1" {
		t.Errorf("first item error = %+v, want index 2, published, ErrMissingDate", ies[0])
	}
	var de *DateError
	if !errors.As(ies[1], &de) || de.Raw != "कल शाम" || !errors.Is(ies[1], ErrBadDate) {
		t.Errorf("second item error = %v, want a *DateError for %q", ies[1], "कल शाम")
	}
	undated := byURL(f, "https://samachar.example.in/2026/11/undated/")
	if undated == nil || !undated.Published.IsZero() {
		t.Errorf("undated article = %+v, want present with a zero date (never now)", undated)
	}
	if f.TTL != 15*time.Minute || f.UpdatePeriod != 30*time.Minute {
		t.Errorf("TTL, UpdatePeriod = %v, %v; want 15m, 30m", f.TTL, f.UpdatePeriod)
	}
}

func TestSanitize(t *testing.T) {
	base := absHTTP("https://news.example.in/2026/11/story/")
	s := newSanitizer(nil)
	tests := []struct {
		name, in        string
		want, wantNot   []string
		wantFirstImgURL string
	}{
		{"script", `<p>a</p><script>alert(1)</script>`, []string{"<p>a</p>"}, []string{"script", "alert"}, ""},
		{"style element and attribute", `<style>p{}</style><p style="x:y">b</p>`, []string{"<p>b</p>"}, []string{"style"}, ""},
		{"event handler", `<a href="/x" onclick="evil()">x</a>`, []string{`href="https://news.example.in/x"`, `rel="noopener noreferrer"`}, []string{"onclick"}, ""},
		{"javascript url", `<a href="javascript:alert(1)">x</a>`, nil, []string{"javascript"}, ""},
		{"rel replaced", `<a href="https://o.example/" rel="opener" target="_blank">x</a>`, []string{`rel="noopener noreferrer"`}, []string{`"opener"`}, ""},
		{"youtube iframe kept", `<iframe src="https://www.youtube.com/embed/x"></iframe>`, []string{`<iframe src="https://www.youtube.com/embed/x"></iframe>`}, nil, ""},
		{"other iframe dropped", `<iframe src="https://evil.example/"><b>in</b></iframe><p>after</p>`, []string{"<p>after</p>"}, []string{"iframe", "evil", "in"}, ""},
		{"http youtube iframe dropped", `<iframe src="http://www.youtube.com/embed/x"></iframe>`, nil, []string{"iframe"}, ""},
		{"relative image", `<img src="../img/a.jpg" alt="चित्र">`, []string{`src="https://news.example.in/2026/11/img/a.jpg"`, `alt="चित्र"`}, nil, "https://news.example.in/2026/11/img/a.jpg"},
		{"data image", `<img src="data:image/png;base64,AAAA">`, nil, []string{"data:"}, ""},
		{"lazy image", `<img src="data:image/gif;base64,R0lG" data-src="/uploads/real.jpg" alt="x">`, []string{`src="https://news.example.in/uploads/real.jpg"`}, []string{"data:"}, "https://news.example.in/uploads/real.jpg"},
		{"lazy image without src", `<img data-lazy-src="https://cdn.example/a.jpg">`, []string{`src="https://cdn.example/a.jpg"`}, nil, "https://cdn.example/a.jpg"},
		{"real src kept", `<img src="/a.jpg" data-src="/b.jpg">`, []string{`src="https://news.example.in/a.jpg"`}, []string{"b.jpg\""}, "https://news.example.in/a.jpg"},
		{"text only", `a & b`, []string{"a &amp; b"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, img := s.clean(tt.in, base)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("clean(%q) = %q, want it to contain %q", tt.in, got, w)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("clean(%q) = %q, want no %q", tt.in, got, w)
				}
			}
			gotURL := ""
			if img != nil {
				gotURL = img.URL
			}
			if gotURL != tt.wantFirstImgURL {
				t.Errorf("first image = %q, want %q", gotURL, tt.wantFirstImgURL)
			}
		})
	}
}

func TestCanonicalLink(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://A.Example/x?utm_source=rss#comments", "https://a.example/x"},
		{"HTTP://a.example:80/x", "http://a.example/x"},
		{"https://a.example:443", "https://a.example/"},
		{"https://[::1]:443/x", "https://[::1]/x"},
		{"https://a.example:8443/x?id=1", "https://a.example:8443/x?id=1"},
		{" https://a.example/x ", "https://a.example/x"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := CanonicalLink(tt.in); got != tt.want {
				t.Errorf("CanonicalLink(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStripTracking(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://a.example/x?utm_source=rss&utm_medium=feed", "https://a.example/x"},
		{"https://a.example/x?id=3&utm_source=rss&b=%20", "https://a.example/x?id=3&b=%20"},
		{"https://a.example/x?fbclid=1&gclid=2#frag", "https://a.example/x#frag"},
		{"https://a.example/x?UTM_Campaign=1&p=2", "https://a.example/x?p=2"},
		{"https://a.example/x?p=1", "https://a.example/x?p=1"},
		{"https://a.example/x", "https://a.example/x"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := StripTracking(tt.in); got != tt.want {
				t.Errorf("StripTracking(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestToUTF8(t *testing.T) {
	tests := []struct {
		name, ct string
		in       []byte
		want     string
		enc      string
	}{
		{"utf-8 bom", "", []byte("\xEF\xBB\xBF<a>é</a>"), "<a>é</a>", "utf-8"},
		{"utf-16be bom", "", []byte("\xFE\xFF\x00<\x00a\x00>\x00\xE9\x00<\x00/\x00a\x00>"), "<a>é</a>", "utf-16be"},
		{"undeclared 1252", "", []byte("<a>\x93q\x94 \x80</a>"), "<a>“q” €</a>", "windows-1252"},
		{"http charset wins", "application/rss+xml; charset=iso-8859-1", []byte(`<?xml version="1.0" encoding="utf-8"?><a>` + "\xe9</a>"), `<?xml version="1.0" encoding="utf-8"?><a>é</a>`, "windows-1252"},
		{"declaration rewritten", "", []byte(`<?xml version="1.0" encoding='koi8-r'?><a>` + "\xc1</a>"), `<?xml version="1.0" encoding='UTF-8'?><a>а</a>`, "koi8-r"},
		{"declared utf-8 with stray byte", "", []byte(`<?xml version="1.0" encoding="utf-8"?><a>` + "\xe9t\xe9 ठीक</a>"), `<?xml version="1.0" encoding="utf-8"?><a>été ठीक</a>`, "utf-8"},
		{"latin-1 label on utf-8 body", "text/xml; charset=ISO-8859-1", []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><a>समाचार</a>`), `<?xml version="1.0" encoding="UTF-8"?><a>समाचार</a>`, "utf-8"},
		{"unknown label", "", []byte(`<?xml version="1.0" encoding="x-bogus"?><a/>`), `<?xml version="1.0" encoding="UTF-8"?><a/>`, "utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, enc := ToUTF8(tt.in, tt.ct)
			if string(got) != tt.want || enc != tt.enc {
				t.Errorf("ToUTF8 = %q, %q; want %q, %q", got, enc, tt.want, tt.enc)
			}
		})
	}
}

func TestCharsetFixtures(t *testing.T) {
	tests := []struct{ name, title string }{
		{"windows-1252.xml", "Crème brûlée at £4 – “worth it”"},
		{"utf16le-bom.xml", "خبریں: لکھنؤ میں بارش"},
		{"latin1-declared.xml", "Señor Garçon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := mustParse(t, tt.name)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(f.Articles) != 1 || f.Articles[0].Title != tt.title {
				t.Fatalf("articles = %d, first title %q; want 1, %q", len(f.Articles), f.Articles[0].Title, tt.title)
			}
		})
	}
}

func TestEntitiesNotExpanded(t *testing.T) {
	for _, name := range []string{"billion-laughs.xml", "xxe.xml"} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			f, err := mustParse(t, name)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("parse took %v", d)
			}
			js, _ := json.Marshal(f)
			if len(js) > 10000 {
				t.Errorf("result is %d bytes: entities were expanded", len(js))
			}
			for _, bad := range []string{"lollol", "root:", "meta-data"} {
				if strings.Contains(string(js), bad) {
					t.Errorf("result contains %q: entities were expanded", bad)
				}
			}
			if len(f.Articles) != 1 {
				t.Errorf("got %d articles, want 1", len(f.Articles))
			}
		})
	}
}

func TestPartialResults(t *testing.T) {
	tests := []struct {
		name     string
		docErr   error
		titles   []string
		itemErrs []int
	}{
		{"truncated.xml", ErrTruncated, []string{"Complete one", "Complete two"}, nil},
		{"truncated.json", ErrTruncated, []string{"Kept"}, nil},
		{"malformed-item.xml", nil, []string{"First good item", "Third good item"}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := mustParse(t, tt.name)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if tt.docErr != nil && !errors.Is(err, tt.docErr) {
				t.Errorf("err = %v, want %v", err, tt.docErr)
			}
			var titles []string
			for _, a := range f.Articles {
				titles = append(titles, a.Title)
			}
			if strings.Join(titles, "|") != strings.Join(tt.titles, "|") {
				t.Errorf("titles = %q, want %q", titles, tt.titles)
			}
			var idx []int
			for _, ie := range pe.Items {
				idx = append(idx, ie.Index)
			}
			if len(idx) != len(tt.itemErrs) || (len(idx) > 0 && idx[0] != tt.itemErrs[0]) {
				t.Errorf("item errors at %v, want %v", idx, tt.itemErrs)
			}
		})
	}
}

func TestStableIDs(t *testing.T) {
	const feedURL = "https://ids.example/feed"
	doc := func(title, pub string) []byte {
		return []byte(`<rss version="2.0"><channel><title>t</title><link>https://ids.example/</link>
<item><title>` + title + `</title><link>https://ids.example/a</link><guid>a-1</guid><pubDate>` + pub + `</pubDate></item>
<item><title>no guid</title><link>https://ids.example/b?utm_source=x</link><pubDate>` + pub + `</pubDate></item>
<item><title>neither</title><description>body</description><pubDate>` + pub + `</pubDate></item>
</channel></rss>`)
	}
	var p Parser
	f1, _ := p.Parse(doc("first", "Mon, 23 Nov 2026 10:00:00 IST"), feedURL, "")
	f2, _ := p.Parse(doc("edited title", "Mon, 23 Nov 2026 11:00:00 IST"), feedURL, "")
	if len(f1.Articles) != 3 || len(f2.Articles) != 3 {
		t.Fatalf("got %d and %d articles, want 3", len(f1.Articles), len(f2.Articles))
	}
	if f1.Articles[0].ID != f2.Articles[0].ID {
		t.Errorf("GUID item IDs differ after an edit: %s, %s", f1.Articles[0].ID, f2.Articles[0].ID)
	}
	if f1.Articles[1].ID != f2.Articles[1].ID || f1.Articles[1].ID != ArticleID(feedURL, "link:https://ids.example/b") {
		t.Errorf("link item ID = %s, want the ID of its stripped link", f1.Articles[1].ID)
	}
	if f1.Articles[2].ID != f2.Articles[2].ID {
		t.Errorf("hash item IDs differ for the same title and content")
	}
	g, _ := p.Parse(doc("first", "Mon, 23 Nov 2026 10:00:00 IST"), "https://other.example/feed", "")
	if g.Articles[0].ID == f1.Articles[0].ID {
		t.Errorf("the same GUID in two feeds gave the same ID %s", g.Articles[0].ID)
	}
	c := khabar.NewCatalog()
	for _, f := range []*Feed{f1, f2, f1, f2} {
		for _, a := range f.Articles[:2] { // the third has no link: invalid
			if err := c.Upsert(a); err != nil {
				t.Fatalf("Upsert: %v", err)
			}
		}
	}
	if c.Len() != 2 {
		t.Errorf("catalog holds %d articles after four polls, want 2", c.Len())
	}
	if a, _ := c.Get(f1.Articles[0].ID); a.Title != "edited title" {
		// The last poll was f2.
		t.Errorf("title = %q, want the edited title", a.Title)
	}
}

func TestParserConcurrentUse(t *testing.T) {
	p := &Parser{Location: time.FixedZone("IST", 5*3600+1800)}
	names := fixtures(t)
	want := map[string]int{}
	for _, n := range names {
		f, _ := (&Parser{Location: p.Location}).Parse(readFixture(t, n), fixtureURL(n), "")
		if f != nil {
			want[n] = len(f.Articles)
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				n := names[(g+i)%len(names)]
				f, _ := p.Parse(readFixture(t, n), fixtureURL(n), "")
				if f != nil && len(f.Articles) != want[n] {
					t.Errorf("%s: %d articles, want %d", n, len(f.Articles), want[n])
				}
			}
		}()
	}
	wg.Wait()
}

func TestParseResultResolvesAgainstFinalURL(t *testing.T) {
	res := &Result{
		URL:  "https://cdn.example.net/mirror/feed.xml",
		Body: []byte(`<rss version="2.0"><channel><title>t</title><item><title>x</title><link>story.html</link><guid>g</guid><pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>`),
	}
	f, err := (&Parser{}).ParseResult(res, "https://example.com/feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	a := f.Articles[0]
	if a.URL != "https://cdn.example.net/mirror/story.html" {
		t.Errorf("URL = %s, want it resolved against the final URL", a.URL)
	}
	if a.ID != ArticleID("https://example.com/feed.xml", "guid:g") || a.Source.FeedURL != "https://example.com/feed.xml" {
		t.Errorf("ID %s / source %s, want them tied to the subscribed URL", a.ID, a.Source.FeedURL)
	}
}

func TestLargeGeneratedFeed(t *testing.T) {
	var buf bytes.Buffer
	genRSS(&buf, 800, 1000)
	f, err := (&Parser{}).Parse(buf.Bytes(), "https://synth.example.in/feed/", "")
	if err != nil {
		t.Fatalf("Parse of %d bytes: %v", buf.Len(), err)
	}
	if len(f.Articles) != 800 {
		t.Fatalf("got %d articles, want 800", len(f.Articles))
	}
	ids := map[string]bool{}
	for _, a := range f.Articles {
		if err := a.Validate(); err != nil {
			t.Fatalf("article %s: %v", a.ID, err)
		}
		if ids[a.ID] {
			t.Fatalf("duplicate ID %s", a.ID)
		}
		ids[a.ID] = true
		if strings.Contains(a.URL, "utm_") || a.Published.Location().String() != "IST" {
			t.Fatalf("article %s: URL %s, published %v", a.ID, a.URL, a.Published)
		}
	}
	// Cut the document in the middle: the items before the cut remain.
	cut := buf.Bytes()[:buf.Len()/2]
	f, err = (&Parser{}).Parse(cut, "https://synth.example.in/feed/", "")
	if !errors.Is(err, ErrTruncated) || f == nil || len(f.Articles) < 350 || len(f.Articles) >= 400 {
		n := -1
		if f != nil {
			n = len(f.Articles)
		}
		t.Errorf("half a feed: %d articles, err %v; want about 400 and ErrTruncated", n, err)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrUnknownFormat},
		{"html page", "<!doctype html><html><body><p>not a feed</p></body></html>", ErrUnknownFormat},
		{"plain text", "hello", ErrUnknownFormat},
		{"json that is not a feed", `{"hello": "world"}`, ErrUnknownFormat},
		{"xml that is not a feed", `<?xml version="1.0"?><note><to>x</to></note>`, ErrUnknownFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := (&Parser{}).Parse([]byte(tt.in), "https://x.example/feed", "")
			if f != nil && len(f.Articles) > 0 {
				t.Errorf("got %d articles from a non-feed", len(f.Articles))
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestIFrameHostsOption(t *testing.T) {
	doc := []byte(`<rss version="2.0"><channel><title>t</title><item><title>v</title><link>https://v.example/1</link>
<pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate>
<description><![CDATA[<iframe src="https://www.youtube.com/embed/a"></iframe><iframe src="https://video.example.org/e/1"></iframe>]]></description></item></channel></rss>`)
	tests := []struct {
		hosts     []string
		youtube   bool
		videoHost bool
	}{
		{nil, true, false},
		{[]string{}, false, false},
		{[]string{"video.example.org"}, false, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.hosts), func(t *testing.T) {
			f, err := (&Parser{IFrameHosts: tt.hosts}).Parse(doc, "https://v.example/feed", "")
			if err != nil {
				t.Fatal(err)
			}
			html := f.Articles[0].ContentHTML
			if got := strings.Contains(html, "youtube.com"); got != tt.youtube {
				t.Errorf("youtube iframe kept = %v, want %v (%s)", got, tt.youtube, html)
			}
			if got := strings.Contains(html, "video.example.org"); got != tt.videoHost {
				t.Errorf("video.example.org iframe kept = %v, want %v (%s)", got, tt.videoHost, html)
			}
		})
	}
}

func TestManyBrokenItems(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>t</title>`)
	for i := range 200 {
		title := fmt.Sprintf("good %d", i)
		if i%2 == 1 {
			title = "broken <<< item"
		}
		fmt.Fprintf(&b, "<item><title>%s</title><link>https://m.example/%d</link><pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate></item>\n", title, i)
	}
	b.WriteString(`</channel></rss>`)
	start := time.Now()
	f, err := (&Parser{}).Parse([]byte(b.String()), "https://m.example/feed", "")
	if f == nil {
		t.Fatalf("no feed: %v", err)
	}
	// The first 64 broken items are cut out one by one; after that the
	// document is cut before the next broken item.
	if len(f.Articles) != 65 || !errors.Is(err, ErrMalformed) {
		t.Errorf("got %d articles, err %v; want 65 and ErrMalformed", len(f.Articles), err)
	}
	for i, a := range f.Articles {
		if want := fmt.Sprintf("good %d", 2*i); a.Title != want {
			t.Fatalf("article %d = %q, want %q", i, a.Title, want)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestOneLine(t *testing.T) {
	for _, in := range []string{"", " ", "a", " a", "a ", "a  b", "a\nb", "कानपुर  में\tमेट्रो", "कानपुर में", "a\u00a0 b", "x\u2003y", "  "} {
		if got, want := oneLine(in), strings.Join(strings.Fields(in), " "); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDateFallsBackToGofeed(t *testing.T) {
	doc := []byte(`<rss version="2.0"><channel><title>t</title><item><title>x</title><link>https://d.example/1</link>
<pubDate>Tue, 24 Nov 2026 08:00:00 EST</pubDate></item></channel></rss>`)
	f, err := (&Parser{}).Parse(doc, "https://d.example/feed", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC); !f.Articles[0].Published.Equal(want) {
		t.Errorf("published = %v, want %v (EST is -05:00)", f.Articles[0].Published, want)
	}
}
