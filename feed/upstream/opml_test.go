package upstream

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestOPMLRoundTrip(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtureDir, "feeds.opml"))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://127.0.0.1:8080/")
	subs, err := ReadOPML(bytes.NewReader(data), base)
	if err != nil {
		t.Fatalf("ReadOPML: %v", err)
	}
	if want := bytes.Count(data, []byte("xmlUrl=")); len(subs) != want {
		t.Fatalf("read %d subscriptions, want %d", len(subs), want)
	}
	if s := subs[0]; s.URL != "http://127.0.0.1:8080/hindi-ist.xml" || s.Category != "देश" || s.Title != "समाचार दर्पण" {
		t.Errorf("first subscription = %+v", s)
	}
	var buf bytes.Buffer
	if err := WriteOPML(&buf, "export", subs, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	back, err := ReadOPML(&buf, nil)
	if err != nil {
		t.Fatalf("ReadOPML(export): %v", err)
	}
	if len(back) != len(subs) {
		t.Fatalf("round trip kept %d of %d subscriptions", len(back), len(subs))
	}
	for i := range subs {
		if back[i] != subs[i] {
			t.Errorf("subscription %d: got %+v, want %+v", i, back[i], subs[i])
		}
	}
}

func TestReadOPMLErrors(t *testing.T) {
	doc := `<opml version="1.0"><head/><body>
<outline text="ok" xmlUrl="https://ok.example/feed"/>
<outline text="dup" xmlUrl="https://ok.example/feed"/>
<outline text="file" xmlUrl="file:///etc/passwd"/>
<outline text="relative" xmlUrl="feed.xml"/>
</body></opml>`
	subs, err := ReadOPML(strings.NewReader(doc), nil)
	var oe *OPMLError
	if !errors.As(err, &oe) || len(oe.Problems) != 2 || !errors.Is(err, ErrBadOPML) {
		t.Fatalf("err = %v, want an *OPMLError with 2 problems", err)
	}
	if len(subs) != 1 || subs[0].URL != "https://ok.example/feed" {
		t.Errorf("subs = %+v, want the one good feed", subs)
	}
	if _, err := ReadOPML(strings.NewReader("<opml><body>"), nil); !errors.Is(err, ErrBadOPML) {
		t.Errorf("truncated OPML: err = %v, want ErrBadOPML", err)
	}
}

// TestReadOPMLDeepNesting reads a list nested 9,990 folders deep (280 KB),
// which took 820 MB when every level copied the folder path: now the
// outlines past MaxOPMLDepth are skipped and reported, the feeds within it
// are read, and the whole read allocates a few MB.
func TestReadOPMLDeepNesting(t *testing.T) {
	const depth = 9990
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><opml version="2.0"><head><title>deep</title></head><body>`)
	for i := range depth {
		fmt.Fprintf(&b, `<outline text="f%d">`, i)
		if i == 2 || i == depth-1 {
			fmt.Fprintf(&b, `<outline text="feed %d" xmlUrl="https://example.com/%d.xml"/>`, i, i)
		}
	}
	b.WriteString(strings.Repeat(`</outline>`, depth))
	b.WriteString(`</body></opml>`)
	doc := b.String()

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	subs, err := ReadOPML(strings.NewReader(doc), nil)
	runtime.ReadMemStats(&after)

	if len(subs) != 1 || subs[0].URL != "https://example.com/2.xml" || subs[0].Category != "f0/f1/f2" {
		t.Errorf("got %d subscriptions, want only the one within the depth limit, filed under f0/f1/f2", len(subs))
	}
	var oe *OPMLError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "MaxOPMLDepth") {
		t.Errorf("err = %v, want an *OPMLError naming MaxOPMLDepth", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("ReadOPML allocated %d MB for a %d KB document, want under 64 MB", alloc>>20, len(doc)>>10)
	}
}
