package digest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/khabar/khabar"
)

func readSubscribersFile(t testing.TB) []*Subscriber {
	t.Helper()
	f, err := os.Open("../testdata/subscribers.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	subs, err := ReadCSV(f)
	if err != nil {
		t.Fatalf("testdata/subscribers.csv: %v", err)
	}
	return subs
}

func corpusCatalog(t testing.TB) *khabar.Catalog {
	t.Helper()
	f, err := os.Open("../testdata/articles.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := khabar.NewCatalog()
	if _, err := c.ReadJSONL(f); err != nil {
		t.Logf("corpus: %v", err) // hostile lines are reported; the rest load
	}
	return c
}

// TestSubscribersFile checks the bundled list: at least 30 subscribers,
// three languages, some unsubscribed and bounced, and follows that name
// sections, tags and authors of the bundled corpus.
func TestSubscribersFile(t *testing.T) {
	subs := readSubscribersFile(t)
	if len(subs) < 30 {
		t.Errorf("%d subscribers, want at least 30", len(subs))
	}
	langs := map[string]int{}
	status := map[Status]int{}
	for _, s := range subs {
		langs[s.Language]++
		status[s.Status]++
	}
	for _, l := range []string{"hi", "en", "ur"} {
		if langs[l] < 3 {
			t.Errorf("%d subscribers in %s, want several", langs[l], l)
		}
	}
	if status[StatusUnsubscribed] == 0 || status[StatusBounced] == 0 {
		t.Errorf("statuses %v: want some unsubscribed and bounced", status)
	}
	cat := corpusCatalog(t)
	for _, s := range subs {
		f := normalizeFollows(s.Follows)
		for _, c := range f.Categories {
			if _, ok := cat.Category(c); !ok {
				t.Errorf("%s follows category %q, which the corpus lacks", s.Email, c)
			}
		}
		for _, tag := range f.Tags {
			if _, ok := cat.Tag(tag); !ok {
				t.Errorf("%s follows tag %q, which the corpus lacks", s.Email, tag)
			}
		}
		for _, a := range f.Authors {
			if _, ok := cat.Author(a); !ok {
				t.Errorf("%s follows author %q, which the corpus lacks", s.Email, a)
			}
		}
	}
}

// TestCorpusEdition builds the newest day of the bundled corpus for every
// bundled subscriber: unsubscribed and bounced addresses get nothing,
// everyone else gets a digest under the size limit.
func TestCorpusEdition(t *testing.T) {
	ctx := context.Background()
	store := openTestStore(t)
	if _, err := store.Import(ctx, readSubscribersFile(t)); err != nil {
		t.Fatal(err)
	}
	cat := corpusCatalog(t)
	cfg := testConfig(cat)
	cfg.Subscribers, cfg.Sent = store, store
	b, err := NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	newest, _ := cat.Newest(khabar.SiteKey(), 0, 1)
	ed := EditionOf(newest[0].Published, b.Location())
	sent, skipped := 0, 0
	err = b.Each(ctx, ed, func(m *Message, err error) error {
		if err != nil {
			var se *SkipError
			if !errors.As(err, &se) {
				return err
			}
			skipped++
			sub, _ := store.Subscriber(ctx, se.Email)
			if sub.Active() {
				t.Errorf("%s skipped: %v", se.Email, se.Reason)
			}
			return nil
		}
		sent++
		if !m.Subscriber.Active() {
			t.Errorf("%s is %s but got a digest", m.Subscriber.Email, m.Subscriber.Status)
		}
		if len(m.HTML) > 100_000 || m.Stories() == 0 {
			t.Errorf("%s: %d bytes, %d stories", m.Subscriber.Email, len(m.HTML), m.Stories())
		}
		if _, err := m.Msg(); err != nil {
			t.Error(err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sent < 25 || skipped < 5 {
		t.Errorf("%d sent, %d skipped", sent, skipped)
	}
}

func TestReadCSV(t *testing.T) {
	in := "\ufeffEmail,Name,Language,TimeZone,Categories,Tags,Authors,Status\n" +
		"a@example.com,A,hi,Asia/Kolkata,उत्तर प्रदेश/कानपुर|news,Yogi Adityanath; क्रिकेट,reena,\n" +
		"# a comment\n" +
		"b@example.com,B,en,Mars/Olympus,,,,active\n" + // bad zone
		"c@example.com,C,ur,,,,,gone\n" + // bad status
		"not-an-address,D,hi,,,,,\n" + // bad address
		"A@EXAMPLE.com,dup,hi,,,,,\n" + // duplicate
		"e@example.com,\"E, the second\",hi,,,,,bounced\n" +
		"f@example.com,F,hi,,,,,,extra\n" // too many fields
	subs, err := ReadCSV(strings.NewReader(in))
	if len(subs) != 2 || subs[0].Email != "a@example.com" || subs[1].Name != "E, the second" || subs[1].Status != StatusBounced {
		t.Fatalf("good rows: %+v", subs)
	}
	if got := subs[0].Follows; !slices.Equal(got.Categories, []string{"उत्तर प्रदेश/कानपुर", "news"}) || !slices.Equal(got.Tags, []string{"Yogi Adityanath", "क्रिकेट"}) {
		t.Errorf("follows = %+v", got)
	}
	var lines []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *CSVError
		if !errors.As(e, &ce) {
			t.Fatalf("%v is not a *CSVError", e)
		}
		lines = append(lines, ce.Line)
	}
	if want := []int{4, 5, 6, 7, 9}; !slices.Equal(lines, want) {
		t.Errorf("errors on lines %v, want %v (%v)", lines, want, err)
	}
	for _, want := range []string{"line 4, column time_zone", "line 5, column status", "line 7, column email: address A@EXAMPLE.com already on line 2", "line 9: 9 fields"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}

	bad := []struct{ name, in string }{
		{"empty", ""},
		{"no email column", "name,language\nA,hi\n"},
		{"unknown column", "email,colour\na@example.com,red\n"},
		{"duplicate column", "email,email\na@example.com,b@example.com\n"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			subs, err := ReadCSV(strings.NewReader(tt.in))
			var ce *CSVError
			if !errors.As(err, &ce) || len(subs) != 0 {
				t.Errorf("ReadCSV = %v, %v; want a *CSVError", subs, err)
			}
		})
	}
}

func TestCSVRoundTrip(t *testing.T) {
	subs := readSubscribersFile(t)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, subs); err != nil {
		t.Fatal(err)
	}
	again, err := ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(subs) {
		t.Fatalf("%d subscribers after a round trip, want %d", len(again), len(subs))
	}
	for i := range subs {
		a, b := subs[i], again[i]
		if a.Email != b.Email || a.Name != b.Name || a.Language != b.Language || a.Status != b.Status ||
			(a.TimeZone == nil) != (b.TimeZone == nil) || !slices.Equal(a.Follows.Tags, b.Follows.Tags) {
			t.Errorf("row %d: %+v became %+v", i, a, b)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	if b, err := os.ReadFile("../testdata/subscribers.csv"); err == nil {
		f.Add(string(b))
	}
	f.Add("email\na@example.com\n")
	f.Add("email,status\n\"a@example.com\nb\",active\n")
	f.Fuzz(func(t *testing.T, in string) {
		subs, _ := ReadCSV(strings.NewReader(in))
		seen := map[string]bool{}
		for _, s := range subs {
			// Whatever is returned is valid and unique.
			if err := s.Validate(); err != nil {
				t.Fatalf("ReadCSV returned an invalid subscriber: %v", err)
			}
			if seen[s.Key()] {
				t.Fatalf("ReadCSV returned %s twice", s.Email)
			}
			seen[s.Key()] = true
		}
	})
}
