package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/feeds"
	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/xmltext"
)

func TestGorillaRoundTrip(t *testing.T) {
	c := fixture(t)
	r, _ := NewRenderer(testConfig())
	p, err := r.Page(c, khabar.SiteKey(), 1)
	if err != nil {
		t.Fatal(err)
	}
	gf := r.Gorilla(p)
	if gf.Title != p.Title || gf.Link.Href != "https://news.example.in/" || len(gf.Items) != len(p.Items) {
		t.Fatalf("feed: %q %v %d items", gf.Title, gf.Link, len(gf.Items))
	}
	for i, it := range gf.Items {
		a := p.Items[i]
		if it.Id != r.GUID(a) || it.Link.Href != khabar.URI(a.URL) || !it.Created.Equal(a.Published) {
			t.Errorf("item %d: id %q link %q created %v", i, it.Id, it.Link.Href, it.Created)
		}
	}
	// gorilla/feeds can write what Gorilla returns.
	var buf bytes.Buffer
	if err := gf.WriteRss(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := FromGorilla(gf)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(p.Items) {
		t.Fatalf("%d articles back, want %d", len(back), len(p.Items))
	}
	for i, a := range back {
		w := p.Items[i]
		if a.ID != r.GUID(w) || a.Title != itemTitle(w) || a.URL != khabar.URI(w.URL) || !a.Published.Equal(w.Published) {
			t.Errorf("article %d: %+v", i, a)
		}
		if len(w.Authors) > 0 && (len(a.Authors) != 1 || a.Authors[0].Name != w.Authors[0].Name) {
			t.Errorf("article %d: authors %v, want the first of %v", i, a.Authors, w.Authors)
		}
		if w.Updated.After(w.Published) && !a.Updated.Equal(w.Updated) {
			t.Errorf("article %d: updated %v, want %v", i, a.Updated, w.Updated)
		}
	}
}

func TestFromGorillaErrors(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, ist)
	f := &feeds.Feed{Items: []*feeds.Item{
		{Title: "ठीक", Link: &feeds.Link{Href: "https://x.example/1"}, Created: now,
			Enclosure: &feeds.Enclosure{Url: "https://x.example/1.jpg", Type: "image/jpeg", Length: "-5"}},
		nil,
		{Title: "", Link: &feeds.Link{Href: "https://x.example/2"}, Created: now},
		{Title: "no link", Created: now},
		{Title: "only updated", Id: "u-1", Link: &feeds.Link{Href: "https://x.example/3"}, Updated: now},
	}}
	got, err := FromGorilla(f)
	if len(got) != 2 || got[0].ID != "https://x.example/1" || got[1].ID != "u-1" || !got[1].Published.Equal(now) {
		t.Fatalf("got %d articles: %+v", len(got), got)
	}
	if got[0].Image == nil || got[0].Image.Length != 0 {
		t.Errorf("negative enclosure length should read as unknown: %+v", got[0].Image)
	}
	var ie *ItemError
	if !errors.As(err, &ie) || ie.Index != 1 || !errors.Is(err, ErrNilItem) {
		t.Errorf("error %v: want *ItemError for index 1 wrapping ErrNilItem", err)
	}
	var ve *khabar.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("error %v: want a *khabar.ValidationError inside", err)
	}
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 3 {
		t.Errorf("%d errors, want 3", n)
	}
	if a, err := FromGorilla(nil); a != nil || err != nil {
		t.Errorf("FromGorilla(nil) = %v, %v", a, err)
	}
}

// TestGorillaHostileIsInvalid documents why this package writes feeds
// itself: on the fixture's hostile article (a control character and
// U+FFFF in the body) gorilla/feeds writes XML that does not parse, where
// Renderer output does.
func TestGorillaHostileIsInvalid(t *testing.T) {
	c := fixture(t)
	r, _ := NewRenderer(testConfig())
	p, _ := r.Page(c, khabar.TagKey("tom-jerry"), 1)
	gf := r.Gorilla(p)
	gf.Items[0].Content = p.Items[0].ContentHTML // what a direct user of gorilla/feeds would pass
	var buf bytes.Buffer
	if err := gf.WriteRss(&buf); err != nil {
		t.Fatal(err)
	}
	if wellFormed(buf.Bytes()) == nil {
		t.Skip("gorilla/feeds now writes well-formed XML for this input")
	}
	var ours bytes.Buffer
	r.Write(&ours, p, RSS)
	if err := wellFormed(ours.Bytes()); err != nil {
		t.Errorf("Renderer output does not parse: %v", err)
	}
}

func wellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func TestEscapeMatchesCleanText(t *testing.T) {
	for _, s := range []string{"", "plain", "a&b<c>d\"e", "\x01\x1f", "\uffff\ufffe", "bad \xff utf8", "\xed\xa0\x80", "tab\tnl\ncr\r", "]]>", "\u2028\u2029", "कानपुर 🏏 — \u200d", strings.Repeat("ab<", 20)} {
		checkEscape(t, s)
	}
}

// checkEscape checks that every escaper, read back by a parser, gives
// khabar.CleanText(s).
func checkEscape(t *testing.T, s string) {
	t.Helper()
	want := khabar.CleanText(s)
	if got := xmltext.IsClean(s); got != (want == s) {
		t.Errorf("xmltext.IsClean(%q) = %v, but CleanText changes it: %v", s, got, want != s)
	}
	doc := "<x a=\"" + string(xmltext.AppendAttr(nil, s, xmltext.Check)) + "\">" + string(xmltext.AppendText(nil, s, xmltext.Check)) + "<y>" + string(xmltext.AppendCDATA(nil, s, xmltext.Check)) + "</y></x>"
	var v struct {
		A    string `xml:"a,attr"`
		Text string `xml:",chardata"`
		Y    string `xml:"y"`
	}
	if err := xml.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("%q: %v\n%s", s, err, doc)
	}
	// XML parsers turn a CR in CDATA into LF (line-end normalization);
	// HTML bodies do not mind.
	wantCDATA := strings.ReplaceAll(strings.ReplaceAll(want, "\r\n", "\n"), "\r", "\n")
	if v.A != want || v.Text != want || v.Y != wantCDATA {
		t.Errorf("%q: attr %q text %q cdata %q, want %q", s, v.A, v.Text, v.Y, want)
	}
	var js string
	if err := jsonUnmarshalString(appendJSONString(nil, s, xmltext.Check), &js); err != nil {
		t.Fatalf("%q: JSON %v", s, err)
	}
	if js != want {
		t.Errorf("%q: JSON %q, want %q", s, js, want)
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"a&b", "\x00", "\uffff", "]]>", "\xff", "\u2028", "कानपुर"} {
		f.Add(s)
	}
	c := loadCatalog(f, "testdata/articles.jsonl")
	for _, a := range c.Find(khabar.Query{}) {
		f.Add(a.Title)
		f.Add(a.ContentHTML)
	}
	f.Fuzz(func(t *testing.T, s string) { checkEscape(t, s) })
}

// TestJSONReadsAsGorillaTypes decodes the JSON Feed output with
// gorilla/feeds' own JSONFeed type: what gorilla users' code reads.
func TestJSONReadsAsGorillaTypes(t *testing.T) {
	c := fixture(t)
	r, _ := NewRenderer(testConfig())
	p, _ := r.Page(c, khabar.SiteKey(), 1)
	var buf bytes.Buffer
	r.Write(&buf, p, JSON)
	var jf feeds.JSONFeed
	if err := json.Unmarshal(buf.Bytes(), &jf); err != nil {
		t.Fatal(err)
	}
	if jf.Version != JSONFeedVersion || jf.Title != p.Title || jf.Language != "hi" || len(jf.Hubs) != 1 || jf.Hubs[0].Type != "WebSub" {
		t.Errorf("feed: %+v", jf)
	}
	if len(jf.Items) != len(p.Items) {
		t.Fatalf("%d items, want %d", len(jf.Items), len(p.Items))
	}
	for i, it := range jf.Items {
		a := p.Items[i]
		if it.Id != r.GUID(a) || it.Title != itemTitle(a) || it.PublishedDate == nil || !it.PublishedDate.Equal(a.Published) || len(it.Authors) != len(a.Authors) {
			t.Errorf("item %d: %+v", i, it)
		}
		if it.Author != nil || it.BannerImage != "" {
			t.Errorf("item %d: deprecated author or banner_ written", i)
		}
	}
}
