package digest

import (
	"bytes"
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

func ids(stories []Story) []string {
	out := make([]string, len(stories))
	for i, s := range stories {
		out[i] = s.Article.ID
	}
	return out
}

func TestScore(t *testing.T) {
	until := at(24, 0)
	tests := []struct {
		name string
		r    Ranking
		a    khabar.Article
		want float64
	}{
		{"defaults, no engagement, fresh", Ranking{}, khabar.Article{Published: until}, 1},
		{"defaults, one half-life old", Ranking{}, khabar.Article{Published: until.Add(-12 * time.Hour)}, 0.5},
		{"defaults, engagement", Ranking{}, khabar.Article{Published: until, Metrics: khabar.Metrics{Views: 99, Shares: 9, Comments: 1}},
			1 + math.Log1p(99) + 2*math.Log1p(9) + 3*math.Log1p(1)},
		{"custom weights and half-life", Ranking{Views: 2, Base: 0.5, HalfLife: time.Hour},
			khabar.Article{Published: until.Add(-2 * time.Hour), Metrics: khabar.Metrics{Views: 9, Shares: 1000}},
			(0.5 + 2*math.Log1p(9)) / 4},
		{"future story counts as fresh", Ranking{}, khabar.Article{Published: until.Add(time.Hour)}, 1},
		{"negative counters count as zero", Ranking{}, khabar.Article{Published: until, Metrics: khabar.Metrics{Views: -5}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Score(&tt.a, until); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Score = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSelection(t *testing.T) {
	b := newTestBuilder(t, nil)
	ctx := context.Background()
	tests := []struct {
		name         string
		sub          Subscriber
		wantFollowed []string
		wantTop      []string
	}{
		{
			name:    "no follows: top stories, at most two per category, generic category ignored",
			sub:     Subscriber{Email: "a@example.com"},
			wantTop: []string{"s1", "l1", "t1", "w1", "k1", "s2", "k2"},
		},
		{
			name:         "category follow includes descendants and comes first",
			sub:          Subscriber{Email: "a@example.com", Follows: Follows{Categories: []string{"उत्तर-प्रदेश"}}},
			wantFollowed: []string{"l1", "k1", "k2", "k3", "e1"}, // Hindi first, then the English Kanpur story
			wantTop:      []string{"s1", "t1", "w1", "s2", "u1"}, // s3, e2 and u2 would be a third sports story
		},
		{
			name:         "follow given by display name is slugified; tag follow",
			sub:          Subscriber{Email: "a@example.com", Follows: Follows{Categories: []string{"उत्तर प्रदेश/कानपुर"}, Tags: []string{"Yogi Adityanath"}}},
			wantFollowed: []string{"l1", "k1", "k2", "k3", "e1"}, // Hindi first, then the English Kanpur story
			wantTop:      []string{"s1", "t1", "w1", "s2", "u1"}, // s3, e2 and u2 would be a third sports story
		},
		{
			name:         "author follow",
			sub:          Subscriber{Email: "a@example.com", Follows: Follows{Authors: []string{"reena"}}},
			wantFollowed: []string{"k1", "k2"},
			wantTop:      []string{"s1", "l1", "t1", "w1", "s2", "k3", "e1"}, // the cap counts the top list only
		},
		{
			name:         "english reader: english stories first in each section, then the rest",
			sub:          Subscriber{Email: "a@example.com", Language: "en", Follows: Follows{Categories: []string{"उत्तर-प्रदेश/कानपुर"}}},
			wantFollowed: []string{"e1", "k1", "u1", "k2", "k3"},
			wantTop:      []string{"e2", "s1", "l1", "t1", "w1"}, // u2, s2, s3: sports is full
		},
		{
			name:    "urdu reader, region subtag",
			sub:     Subscriber{Email: "a@example.com", Language: "ur-PK"},
			wantTop: []string{"u2", "u1", "s1", "l1", "t1", "w1", "k1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := b.Build(ctx, testEdition, &tt.sub)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(m.Followed); !slices.Equal(got, tt.wantFollowed) && !(len(got) == 0 && len(tt.wantFollowed) == 0) {
				t.Errorf("Followed = %v, want %v", got, tt.wantFollowed)
			}
			if got := ids(m.Top); !slices.Equal(got, tt.wantTop) {
				t.Errorf("Top = %v, want %v", got, tt.wantTop)
			}
			seen := map[string]bool{}
			for _, id := range append(ids(m.Followed), ids(m.Top)...) {
				if seen[id] {
					t.Errorf("story %s appears twice", id)
				}
				seen[id] = true
				if id == "old" || id == "next" {
					t.Errorf("story %s is outside the edition's day", id)
				}
			}
		})
	}
}

func TestRankingOptions(t *testing.T) {
	ctx := context.Background()
	t.Run("LanguageOnly leaves other languages out", func(t *testing.T) {
		b := newTestBuilder(t, func(c *Config) { c.Ranking = Ranking{Languages: LanguageOnly, Top: 20, PerCategory: -1} })
		m, err := b.Build(ctx, testEdition, &Subscriber{Email: "a@example.com", Language: "en", Follows: Follows{Categories: []string{"उत्तर-प्रदेश/कानपुर"}}})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(m.Followed), []string{"e1"}; !slices.Equal(got, want) {
			t.Errorf("Followed = %v, want %v", got, want)
		}
		if got, want := ids(m.Top), []string{"e2"}; !slices.Equal(got, want) {
			t.Errorf("Top = %v, want %v", got, want)
		}
		_, err = b.Build(ctx, testEdition, &Subscriber{Email: "a@example.com", Language: "ta"})
		if !errors.Is(err, ErrSkipped) {
			t.Errorf("a Tamil reader got %v, want skipped: no story in Tamil", err)
		}
	})
	t.Run("no cap, long list: every story of the day once", func(t *testing.T) {
		b := newTestBuilder(t, func(c *Config) { c.Ranking = Ranking{Top: 50, PerCategory: -1} })
		m, err := b.Build(ctx, testEdition, &Subscriber{Email: "a@example.com", Language: "en"})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(m.Top); len(got) != 13 || got[0] != "e2" || got[1] != "e1" {
			t.Errorf("Top = %v, want the 13 stories of the day, English first", got)
		}
	})
	t.Run("per-category cap of one", func(t *testing.T) {
		b := newTestBuilder(t, func(c *Config) { c.Ranking = Ranking{PerCategory: 1, Top: 10} })
		m, err := b.Build(ctx, testEdition, &Subscriber{Email: "a@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, s := range m.Top {
			for _, c := range s.Article.Categories {
				if c.SlugPath() != "latest" {
					count[c.SlugPath()]++
				}
			}
		}
		for k, n := range count {
			if n > 1 {
				t.Errorf("category %s has %d stories, want at most 1", k, n)
			}
		}
	})
	t.Run("followed section disabled", func(t *testing.T) {
		b := newTestBuilder(t, func(c *Config) { c.Ranking = Ranking{Followed: -1} })
		m, err := b.Build(ctx, testEdition, &Subscriber{Email: "a@example.com", Follows: Follows{Tags: []string{"क्रिकेट"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Followed) != 0 {
			t.Errorf("Followed = %v, want none", ids(m.Followed))
		}
	})
	t.Run("ties broken newest first, then by ID", func(t *testing.T) {
		c := khabar.NewCatalog()
		var as []*khabar.Article
		for _, id := range []string{"b", "a", "c"} {
			as = append(as, &khabar.Article{ID: id, Title: id, URL: "https://x.example/" + id, Published: at(10, 0), Language: "hi"})
		}
		as = append(as, &khabar.Article{ID: "z", Title: "z", URL: "https://x.example/z", Published: at(10, 0).Add(time.Nanosecond), Language: "hi"})
		if err := c.UpsertAll(as); err != nil {
			t.Fatal(err)
		}
		cfg := testConfig(c)
		cfg.Ranking.HalfLife = 1 << 62 // no decay within the test: scores tie
		b, err := NewBuilder(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			m, err := b.Build(ctx, testEdition, &Subscriber{Email: "a@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := ids(m.Top), []string{"z", "a", "b", "c"}; !slices.Equal(got, want) {
				t.Fatalf("Top = %v, want %v", got, want)
			}
		}
	})
}

func TestSkips(t *testing.T) {
	ctx := context.Background()
	store := openTestStore(t)
	b := newTestBuilder(t, func(c *Config) { c.Sent = store })
	sub := func(s Subscriber) *Subscriber { return &s }
	if err := store.MarkSent(ctx, Sent{Edition: "daily-2026-11-24", Email: "done@example.com", Until: at(24, 0), At: fixedNow}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		sub  *Subscriber
		ed   Edition
		want SkipReason
	}{
		{"unsubscribed", sub(Subscriber{Email: "u@example.com", Status: StatusUnsubscribed}), testEdition, SkipUnsubscribed},
		{"bounced", sub(Subscriber{Email: "b@example.com", Status: StatusBounced}), testEdition, SkipBounced},
		{"empty day", sub(Subscriber{Email: "x@example.com"}), Edition{Date: "2026-10-01"}, SkipNoStories},
		{"already sent", sub(Subscriber{Email: "DONE@example.com"}), testEdition, SkipAlreadySent},
		{"paused", sub(Subscriber{Email: "p@example.com", PausedUntil: fixedNow.Add(time.Second)}), testEdition, SkipPaused},
		{"pending", sub(Subscriber{Email: "n@example.com", Status: StatusPending}), testEdition, SkipPending},
		{"complained", sub(Subscriber{Email: "c@example.com", Status: StatusComplained}), testEdition, SkipComplained},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := b.Build(ctx, tt.ed, tt.sub)
			var se *SkipError
			if !errors.As(err, &se) || !errors.Is(err, ErrSkipped) {
				t.Fatalf("Build = %v, %v; want a *SkipError", m, err)
			}
			if se.Reason != tt.want {
				t.Errorf("Reason = %v, want %v", se.Reason, tt.want)
			}
		})
	}
	t.Run("a pause that ended gets mail", func(t *testing.T) {
		if _, err := b.Build(ctx, testEdition, &Subscriber{Email: "p@example.com", PausedUntil: fixedNow}); err != nil {
			t.Errorf("Build = %v, want a message", err)
		}
	})
	t.Run("bad address is a BuildError", func(t *testing.T) {
		_, err := b.Build(ctx, testEdition, &Subscriber{Email: "not an address"})
		var be *BuildError
		if !errors.As(err, &be) {
			t.Fatalf("err = %v, want *BuildError", err)
		}
	})
}

func TestWindow(t *testing.T) {
	ctx := context.Background()
	store := openTestStore(t)
	b := newTestBuilder(t, func(c *Config) { c.Sent = store })
	// Sent an edition whose window ended at 18:00 yesterday: only later
	// stories are new.
	if err := store.MarkSent(ctx, Sent{Edition: "special", Email: "a@example.com", Until: at(18, 0), At: at(18, 0)}); err != nil {
		t.Fatal(err)
	}
	m, err := b.Build(ctx, testEdition, &Subscriber{Email: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Since.Equal(at(18, 0)) || !m.Until.Equal(at(24, 0)) {
		t.Errorf("window = [%v, %v), want [18:00, 24:00) IST", m.Since, m.Until)
	}
	for _, s := range m.Top {
		if s.Article.Published.Before(at(18, 0)) {
			t.Errorf("story %s published %v, before the last send", s.Article.ID, s.Article.Published)
		}
	}
	if got, want := ids(m.Top), []string{"s1", "t1", "w1", "e2", "u2"}; !slices.Equal(got, want) {
		t.Errorf("Top = %v, want %v", got, want)
	}

	t.Run("a send days ago still gives at most 24 h", func(t *testing.T) {
		if err := store.MarkSent(ctx, Sent{Edition: "daily-2026-11-20", Email: "old@example.com", Until: at(-96, 0), At: at(-96, 0)}); err != nil {
			t.Fatal(err)
		}
		m, err := b.Build(ctx, testEdition, &Subscriber{Email: "old@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if !m.Since.Equal(at(0, 0)) || !m.Until.Equal(at(24, 0)) {
			t.Errorf("window = [%v, %v), want [00:00, 24:00) IST of the edition's day", m.Since, m.Until)
		}
		for _, s := range append(append([]Story(nil), m.Followed...), m.Top...) {
			if p := s.Article.Published; p.Before(m.Since) || !p.Before(m.Until) {
				t.Errorf("story %s published %v, outside the window", s.Article.ID, p)
			}
		}
	})

	t.Run("time zones and cutoff", func(t *testing.T) {
		ny, err := LoadLocation("America/New_York")
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name        string
			cutoff      time.Duration
			ed          Edition
			loc         *time.Location
			since, till time.Time
		}{
			{"IST day", 0, testEdition, ist, at(0, 0), at(24, 0)},
			{"07:00 cutoff", 7 * time.Hour, Edition{Date: "2026-11-25"}, ist, at(7, 0), at(31, 0)},
			{"New York DST end (25-hour day): midnight to midnight is capped at 24h", 0, Edition{Date: "2026-11-01"}, ny,
				time.Date(2026, 11, 1, 1, 0, 0, 0, ny), time.Date(2026, 11, 2, 0, 0, 0, 0, ny)}, // 01:00 EDT
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				bb := newTestBuilder(t, func(cfg *Config) { cfg.Cutoff = c.cutoff })
				since, until := bb.Window(c.ed, c.loc)
				if !since.Equal(c.since) || !until.Equal(c.till) {
					t.Errorf("Window = [%v, %v), want [%v, %v)", since, until, c.since, c.till)
				}
			})
		}
	})
}

func TestEach(t *testing.T) {
	ctx := context.Background()
	store := openTestStore(t)
	subs := []*Subscriber{
		{Email: "a@example.com", Language: "hi"},
		{Email: "b@example.com", Language: "en", Follows: Follows{Categories: []string{"sports"}}},
		{Email: "c@example.com", Status: StatusUnsubscribed},
		{Email: "d@example.com", Status: StatusBounced},
		{Email: "e@example.com", Language: "ta"},
		{Email: "f@example.com", Language: "ur", TimeZone: mustLoc(t, "Asia/Karachi")},
	}
	if _, err := store.Import(ctx, subs); err != nil {
		t.Fatal(err)
	}
	b := newTestBuilder(t, func(c *Config) { c.Subscribers = store; c.Sent = store })
	got := map[string]string{}
	err := b.Each(ctx, testEdition, func(m *Message, err error) error {
		var se *SkipError
		switch {
		case errors.As(err, &se):
			got[se.Email] = se.Reason.String()
		case err != nil:
			return err
		default:
			got[m.Subscriber.Email] = "sent " + m.Language
			if m.Subscriber.TimeZone != nil && m.Subscriber.TimeZone.String() == "Asia/Karachi" {
				if off := m.Until.Sub(at(24, 0)); off != 30*time.Minute {
					t.Errorf("Karachi window ends %v after IST midnight, want 30m", off)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"a@example.com": "sent hi", "b@example.com": "sent en", "c@example.com": "unsubscribed",
		"d@example.com": "bounced", "f@example.com": "sent ur",
		"e@example.com": "sent hi", // no Tamil locale: the default language
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	t.Run("fn error stops the walk", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := b.Each(ctx, testEdition, func(*Message, error) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("Each = %v after %d calls, want stop after 1", err, n)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err := b.Each(cctx, testEdition, func(*Message, error) error { return nil })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Each = %v, want context.Canceled", err)
		}
	})
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestNewBuilderErrors(t *testing.T) {
	_, err := NewBuilder(Config{UnsubscribeURL: "http://insecure.example/u", From: "nobody"})
	if err == nil {
		t.Fatal("NewBuilder accepted an empty config")
	}
	for _, want := range []string{"Source", "From", "Publisher", "UnsubscribeURL", "BrowserURL", "Tokens"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestTrimToMaxHTML(t *testing.T) {
	ctx := context.Background()
	full := newTestBuilder(t, nil)
	m0, err := full.Build(ctx, testEdition, &Subscriber{Email: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	limit := len(m0.HTML) - 1500
	b := newTestBuilder(t, func(c *Config) { c.MaxHTML = limit })
	m, err := b.Build(ctx, testEdition, &Subscriber{Email: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.HTML) > limit {
		t.Errorf("HTML is %d bytes, over MaxHTML %d", len(m.HTML), limit)
	}
	if m.Trimmed == 0 || m.Stories()+m.Trimmed != m0.Stories() {
		t.Errorf("Trimmed = %d, stories %d; full digest had %d", m.Trimmed, m.Stories(), m0.Stories())
	}
	if !strings.Contains(string(m.HTML), "ख़बरें छोड़ दी गईं") || !strings.Contains(string(m.Text), "ख़बरें छोड़ दी गईं") {
		t.Error("a trimmed digest does not say so")
	}
	if strings.Contains(string(m0.HTML), "छोड़ दी गईं") {
		t.Error("an untrimmed digest says it was trimmed")
	}
}

// TestSameLabelForEverySubscriber: a story's section label is the
// story's own, not something its reader's follows, language or window
// (the pool of stories it was ranked in) decide, and it is what the text part shows.
func TestSameLabelForEverySubscriber(t *testing.T) {
	b := newTestBuilder(t, nil)
	subs := []Subscriber{
		{Email: "a@example.com"},
		{Email: "b@example.com", Follows: Follows{Categories: []string{"उत्तर-प्रदेश"}}},
		{Email: "c@example.com", Follows: Follows{Authors: []string{"reena"}, Tags: []string{"क्रिकेट"}}},
		{Email: "d@example.com", Language: "en", Follows: Follows{Categories: []string{"उत्तर-प्रदेश/कानपुर"}}},
		{Email: "f@example.com", Language: "en", TimeZone: time.UTC, Follows: Follows{Categories: []string{"sports"}}}, // another window
		{Email: "e@example.com", Language: "ur-PK", Follows: Follows{Categories: []string{"sports"}}},
	}
	label := map[string]string{} // story ID -> label
	by := map[string]string{}    // story ID -> the subscriber it was first seen for
	for i := range subs {
		sub := &subs[i]
		m, err := b.Build(context.Background(), testEdition, sub)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range append(slices.Clone(m.Followed), m.Top...) {
			got := s.item.view().Category
			if !strings.Contains(string(m.Text), got+" · ") {
				t.Errorf("%s: label %q of %s is not in the text part", sub.Email, got, s.Article.ID)
			}
			if want, ok := label[s.Article.ID]; ok && got != want {
				t.Errorf("%s is labeled %q for %s, %q for %s", s.Article.ID, got, sub.Email, want, by[s.Article.ID])
			}
			label[s.Article.ID], by[s.Article.ID] = got, sub.Email
		}
	}
	// The most specific category; of equally deep ones the last listed,
	// after the site-wide "ताज़ा ख़बरें".
	for id, want := range map[string]string{"s1": "खेल", "l1": "उत्तर प्रदेश › लखनऊ", "k1": "उत्तर प्रदेश › कानपुर", "t1": "टेक"} {
		if got := label[id]; got != want {
			t.Errorf("%s is labeled %q, want %q", id, got, want)
		}
	}
}

// TestDateInReadersZone: the Date header is written in the subscriber's
// time zone, or the Builder's Location (IST) for one without, whatever
// zone the clock's time is in (a server's clock is often in UTC).
func TestDateInReadersZone(t *testing.T) {
	ctx := context.Background()
	b := newTestBuilder(t, func(c *Config) { c.Now = func() time.Time { return fixedClock().UTC() } })
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	for _, c := range []struct {
		zone *time.Location
		want string // the header's offset
	}{{nil, "+0530"}, {ny, "-0500"}} {
		m, err := b.Build(ctx, testEdition, &Subscriber{Email: "a@example.com", TimeZone: c.zone})
		if err != nil {
			t.Fatal(err)
		}
		if !m.Date.Equal(fixedClock()) {
			t.Errorf("Date %v, want the clock's %v", m.Date, fixedClock())
		}
		var raw bytes.Buffer
		if _, err := m.WriteTo(&raw); err != nil {
			t.Fatal(err)
		}
		if line := headerLine(raw.String(), "Date"); !strings.HasSuffix(line, c.want) {
			t.Errorf("zone %v: %q, want it to end %s", c.zone, line, c.want)
		}
	}
}

// headerLine returns the first header field named name in a message, as written.
func headerLine(msg, name string) string {
	for line := range strings.SplitSeq(msg, "\r\n") {
		if line == "" {
			break
		}
		if strings.HasPrefix(line, name+": ") {
			return line
		}
	}
	return ""
}
