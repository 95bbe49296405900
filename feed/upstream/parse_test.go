package upstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar/internal/golden"

	"github.com/khabar/khabar"
)

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
			golden.Check(t, filepath.Join(fixtureDir, "golden", name+".json"), got)
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
