package feed

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// TestZeroValues: a Renderer or Handler not made by its constructor, and a
// Format out of range, give errors (or empty results where a method has
// no error to return), never a nil-pointer or index panic.
func TestZeroValues(t *testing.T) {
	c := fixture(t)
	var r Renderer
	if _, err := r.Page(c, khabar.SiteKey(), 1); !errors.Is(err, ErrZeroValue) {
		t.Errorf("zero Renderer Page: %v, want ErrZeroValue", err)
	}
	var buf bytes.Buffer
	if err := r.Render(&buf, c, khabar.SiteKey(), RSS, 1); !errors.Is(err, ErrZeroValue) {
		t.Errorf("zero Renderer Render: %v", err)
	}
	if err := r.Write(&buf, &Page{}, RSS); !errors.Is(err, ErrZeroValue) {
		t.Errorf("zero Renderer Write: %v", err)
	}
	if _, err := r.Discovery(c, khabar.SiteKey()); !errors.Is(err, ErrZeroValue) {
		t.Errorf("zero Renderer Discovery: %v", err)
	}
	if got := r.AppendPage([]byte("x"), &Page{}, RSS); string(got) != "x" {
		t.Errorf("zero Renderer AppendPage appended %q", got[1:])
	}
	if r.FeedURL(khabar.SiteKey(), RSS, 1) != "" || r.HomeURL() != "" || r.PageURL(khabar.SiteKey()) != "" || r.GUID(&khabar.Article{}) != "" || r.Gorilla(&Page{}) != nil {
		t.Error("zero Renderer: URL, GUID or Gorilla not empty")
	}
	r.Forget("x")

	var h Handler
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/feed/", nil))
	if w.Code != 500 || !strings.Contains(w.Body.String(), "NewHandler") {
		t.Errorf("zero Handler: %d %q", w.Code, w.Body.String())
	}
	if _, err := h.Discovery(khabar.SiteKey()); !errors.Is(err, ErrZeroValue) {
		t.Errorf("zero Handler Discovery: %v", err)
	}
	if err := h.Close(); err != nil {
		t.Errorf("zero Handler Close: %v", err)
	}

	nr, err := NewRenderer(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	bad := Format(7)
	if bad.Valid() {
		t.Error("Format(7) is Valid")
	}
	if err := nr.Render(&buf, c, khabar.SiteKey(), bad, 1); !errors.Is(err, ErrFormat) {
		t.Errorf("Render in Format(7): %v, want ErrFormat", err)
	}
	p, err := nr.Page(c, khabar.SiteKey(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := nr.Write(&buf, p, bad); !errors.Is(err, ErrFormat) {
		t.Errorf("Write in Format(7): %v", err)
	}
	if got := nr.AppendPage(nil, p, bad); len(got) != 0 || nr.FeedURL(khabar.SiteKey(), bad, 1) != "" {
		t.Error("AppendPage or FeedURL in Format(7) gave output")
	}
	if bad.String() == "" || bad.MediaType() == "" {
		t.Errorf("Format(7) String %q MediaType %q", bad.String(), bad.MediaType())
	}
}

// TestCategoryKeyByLastSegment: a category asked for by its own slug
// alone, which exists only under a parent, gets an error naming the full
// path it could mean.
func TestCategoryKeyByLastSegment(t *testing.T) {
	c := khabar.NewCatalog()
	up := &khabar.Category{Name: "उत्तर प्रदेश"}
	mp := &khabar.Category{Name: "मध्य प्रदेश"}
	for i, parent := range []*khabar.Category{up, mp} {
		a := &khabar.Article{ID: string(rune('a' + i)), Title: "t", URL: "https://news.example.in/a/", Published: fixedNow,
			Categories: []khabar.Category{{Name: "कानपुर", Parent: parent}}}
		if i == 1 {
			a.Categories[0].Name = "सागर"
		}
		if err := c.Upsert(a); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := NewRenderer(testConfig())
	_, err := r.Page(c, khabar.CategoryKey("कानपुर"), 1)
	if !errors.Is(err, ErrNoFeed) || !strings.Contains(err.Error(), `"उत्तर-प्रदेश/कानपुर"`) {
		t.Errorf("CategoryKey(कानपुर): %v, want ErrNoFeed naming उत्तर-प्रदेश/कानपुर", err)
	}
	if _, err := r.Page(c, khabar.CategoryKey("नहीं"), 1); !errors.Is(err, ErrNoFeed) || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("unknown category: %v", err)
	}
}

// TestItemTagsLinear: a hand-built page's article with 60,000 labels (the
// catalog refuses more than khabar.MaxTags, a hand-built Page does not)
// renders its JSON Feed tags once each, without comparing every label
// with every other (that took about 9 s).
func TestItemTagsLinear(t *testing.T) {
	a := &khabar.Article{}
	for i := range 60000 {
		a.Tags = append(a.Tags, khabar.Tag{Name: strconv.Itoa(i % 30000)})
	}
	start := time.Now()
	got := itemTags(nil, a)
	if len(got) != 30000 || got[0] != "0" || got[29999] != "29999" {
		t.Fatalf("%d tags, first %q", len(got), got[0])
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("itemTags of 60,000 labels took %v", d)
	}
}
