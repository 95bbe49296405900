package khabar

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadJSONLKeepsGoodLines(t *testing.T) {
	in := "\uFEFF" + `{"id":"a1","title":"एक","url":"https://khabar.example/1/","published":"2026-11-24T09:15:00+05:30"}` + "\r\n" +
		"\n" +
		`{"id":"a2","title":` + "\n" +
		`{"id":"a3","title":"","url":"https://khabar.example/3/","published":"2026-11-24T09:15:00+05:30"}` + "\n" +
		`{"id":"a4","title":"चार","url":"https://khabar.example/4/","published":"2026-11-24T10:15:00+05:30","metrics":{"views":"many"}}` + "\n" +
		`{"id":"a5","title":"पाँच","url":"https://khabar.example/5/","published":"2026-11-24T11:15:00+05:30"}`
	as, err := ReadJSONL(strings.NewReader(in))
	if got := ids(as); !reflect.DeepEqual(got, []string{"a1", "a5"}) {
		t.Errorf("good articles = %v, want [a1 a5]", got)
	}
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want *LoadError", err)
	}
	want := []struct {
		line int
		id   string
		text string
	}{
		{3, "", "unexpected end of JSON input"},
		{4, "a3", "title: is empty"},
		{5, "a4", "cannot unmarshal string"},
	}
	if len(le.Lines) != len(want) {
		t.Fatalf("bad lines = %v, want %d", le.Lines, len(want))
	}
	for i, w := range want {
		got := le.Lines[i]
		if got.Line != w.line || got.ID != w.id || !strings.Contains(got.Error(), w.text) {
			t.Errorf("bad line %d = %v (line %d, id %q), want line %d id %q containing %q", i, got, got.Line, got.ID, w.line, w.id, w.text)
		}
	}
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.ID != "a3" {
		t.Errorf("errors.As(*ValidationError) = %v", ve)
	}
}

func TestReadJSONLReadError(t *testing.T) {
	in := `{"id":"a1","title":"एक","url":"https://khabar.example/1/","published":"2026-11-24T09:15:00+05:30"}` + "\n"
	r := iotest.TimeoutReader(iotest.OneByteReader(strings.NewReader(in + in)))
	as, err := ReadJSONL(r)
	if err == nil || !errors.Is(err, iotest.ErrTimeout) {
		t.Fatalf("err = %v, want a wrapped read error", err)
	}
	_ = as
}

func TestJSONLRoundTrip(t *testing.T) {
	c := newTestCatalog(t)
	a, _ := c.Get("a1")
	b := a.Clone()
	b.ID = "rich"
	b.Summary = "<b>बजट</b> & आप ]]>"
	b.Image = &Image{URL: "https://img.khabar.example/x.jpg", Alt: "चित्र", Width: 1200, Height: 675, Type: "image/jpeg", Length: 12345}
	b.Source = &Source{FeedURL: "https://up.example/feed", GUID: "g1", Title: "Up"}
	b.Updated = b.Published.Add(3600e9)
	b.Metrics = Metrics{Views: 1400, Shares: 491, Comments: 3}
	if err := c.Upsert(b); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.WriteJSONL(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "<b>बजट</b> & आप ]]>") {
		t.Error("WriteJSONL escaped HTML characters; it should write them as they are")
	}
	d := NewCatalog()
	n, err := d.ReadJSONL(bytes.NewReader(buf.Bytes()))
	if err != nil || n != c.Len() {
		t.Fatalf("ReadJSONL = %d, %v; want %d, nil", n, err, c.Len())
	}
	var again bytes.Buffer
	if err := d.WriteJSONL(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Errorf("round trip changed the bytes:\n%s\n---\n%s", buf.String(), again.String())
	}
	got, _ := d.Get("rich")
	want, _ := c.Get("rich")
	if !got.Published.Equal(want.Published) || got.Image.Length != 12345 || got.Source.GUID != "g1" || got.Metrics.Shares != 491 {
		t.Errorf("round trip lost fields: %+v", got)
	}
}

// TestCorpus loads the bundled corpus: every line must be a valid article.
func TestCorpus(t *testing.T) {
	f, err := os.Open("testdata/articles.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := NewCatalog()
	n, err := c.ReadJSONL(f)
	if err != nil {
		t.Fatal(err)
	}
	if n < 80 {
		t.Errorf("corpus has %d articles, want at least 80", n)
	}
	langs := map[string]int{}
	as, _ := c.Newest(SiteKey(), 0, 0)
	for _, a := range as {
		langs[a.Language]++
	}
	if langs["hi"] < n/2 || langs["en"] == 0 || langs["ur"] != 2 {
		t.Errorf("languages = %v, want mostly hi, some en, two ur", langs)
	}
	if len(c.Categories()) < 10 || len(c.Tags()) < 20 || len(c.Authors()) < 4 {
		t.Errorf("corpus too thin: %d categories, %d tags, %d authors", len(c.Categories()), len(c.Tags()), len(c.Authors()))
	}
}

func FuzzReadJSONL(f *testing.F) {
	if data, err := os.ReadFile("testdata/articles.jsonl"); err == nil {
		lines := bytes.Split(data, []byte("\n"))
		for i := 0; i < len(lines) && i < 20; i++ {
			f.Add(lines[i])
		}
	}
	f.Add([]byte(`{"id":"x","title":"t","url":"https://a.example/","published":"2026-01-01T00:00:00Z","categories":[{"name":"a","parent":{"name":"b"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		as, err := ReadJSONL(bytes.NewReader(data))
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %v is not a *LoadError", err)
			}
		}
		c := NewCatalog()
		if err := c.UpsertAll(as); err != nil {
			t.Fatalf("articles ReadJSONL accepted were refused: %v", err)
		}
		for _, a := range as {
			keysOf(a, func(k Key) { c.Count(k) })
		}
	})
}
