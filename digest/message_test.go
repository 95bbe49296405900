package digest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rivo/uniseg"
	"golang.org/x/net/html"
)

var goldenSubscribers = []*Subscriber{
	{Email: "asha@example.com", Name: "आशा", Language: "hi", Follows: Follows{Categories: []string{"उत्तर-प्रदेश/कानपुर"}, Tags: []string{"क्रिकेट"}}},
	{Email: "Ben.Jones@Example.com", Name: "Ben \"BJ\" Jones", Language: "en", TimeZone: time.UTC, Follows: Follows{Categories: []string{"sports"}}},
	{Email: "zainab@example.com", Name: "زینب", Language: "ur", TimeZone: time.FixedZone("PKT", 5*3600)},
}

func buildGolden(t *testing.T, sub *Subscriber) (*Message, []byte) {
	t.Helper()
	b := newTestBuilder(t, nil)
	m, err := b.Build(context.Background(), testEdition, sub)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return m, buf.Bytes()
}

// TestGoldenEML compares whole messages, byte for byte, with the golden
// files: the clock is fixed and the Message-ID and MIME boundary are
// derived from the edition and the address, so nothing needs normalizing.
func TestGoldenEML(t *testing.T) {
	for _, sub := range goldenSubscribers {
		t.Run(sub.Language, func(t *testing.T) {
			m, eml := buildGolden(t, sub)
			golden(t, "digest-"+sub.Language+".eml", eml)
			golden(t, "digest-"+sub.Language+".html", m.HTML)
			golden(t, "digest-"+sub.Language+".txt", m.Text)
			_, again := buildGolden(t, sub)
			if !bytes.Equal(eml, again) {
				t.Error("two builds of the same message differ")
			}
		})
	}
}

func TestMessageHeaders(t *testing.T) {
	for _, sub := range goldenSubscribers {
		t.Run(sub.Language, func(t *testing.T) {
			m, eml := buildGolden(t, sub)
			msg, err := mail.ReadMessage(bytes.NewReader(eml))
			if err != nil {
				t.Fatal(err)
			}
			h := msg.Header
			check := func(name, want string) {
				t.Helper()
				if got := h.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			wantID := "<daily-2026-11-24." + m.Edition.RecipientKey(sub.Email)[len("daily-2026-11-24."):] + "@khabar.example>"
			check("Message-Id", wantID)
			check("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
			check("List-Id", "<daily.khabar.example>")
			check("Precedence", "bulk")
			check("Content-Language", m.Language)
			date, err := h.Date()
			if err != nil || !date.Equal(fixedNow) {
				t.Errorf("Date = %v, %v; want %v", date, err, fixedNow)
			}
			lu := h.Get("List-Unsubscribe")
			if !regexp.MustCompile(`^<https://khabar\.example/digest/unsubscribe\?t=([A-Za-z0-9._-]+)>, <mailto:unsubscribe@khabar\.example\?subject=unsubscribe%20([A-Za-z0-9._-]+)>$`).MatchString(lu) {
				t.Errorf("List-Unsubscribe = %q", lu)
			} else if sm := regexp.MustCompile(`t=([^>]+)>.*%20([^>]+)>$`).FindStringSubmatch(lu); sm[1] != sm[2] {
				t.Errorf("List-Unsubscribe: mailto token %q, URL token %q; want the same", sm[2], sm[1])
			}
			to, err := h.AddressList("To")
			if err != nil || len(to) != 1 || to[0].Address != sub.Email || to[0].Name != sub.Name {
				t.Errorf("To = %v, %v; want %s <%s>", to, err, sub.Name, sub.Email)
			}
			from, err := h.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Name != "ख़बर" || from[0].Address != "digest@khabar.example" {
				t.Errorf("From = %v, %v", from, err)
			}
			subj, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
			if err != nil || subj != m.Subject {
				t.Errorf("Subject decodes to %q, %v; want %q", subj, err, m.Subject)
			}
			for _, line := range strings.Split(string(eml), "\r\n") {
				if len(line) > 998 {
					t.Errorf("line of %d octets (RFC 5322 allows 998)", len(line))
				}
			}
			// The body: multipart/alternative, text first, both base64 UTF-8.
			mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
			if err != nil || mt != "multipart/alternative" {
				t.Fatalf("Content-Type = %q, %v", h.Get("Content-Type"), err)
			}
			mr := multipart.NewReader(msg.Body, params["boundary"])
			for i, want := range []struct {
				ct   string
				body []byte
			}{{"text/plain", m.Text}, {"text/html", m.HTML}} {
				p, err := mr.NextRawPart()
				if err != nil {
					t.Fatalf("part %d: %v", i, err)
				}
				ct, cp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
				if ct != want.ct || !strings.EqualFold(cp["charset"], "utf-8") || p.Header.Get("Content-Transfer-Encoding") != "base64" {
					t.Errorf("part %d: Content-Type %q, encoding %q", i, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"))
				}
				raw, _ := io.ReadAll(p)
				got, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(bytes.ReplaceAll(raw, []byte("\r\n"), nil))))
				if err != nil || !bytes.Equal(got, want.body) {
					t.Errorf("part %d does not decode to the message's body (%v)", i, err)
				}
			}
			if _, err := mr.NextPart(); err != io.EOF {
				t.Errorf("more than two parts: %v", err)
			}
		})
	}
}

func TestRenderedHTML(t *testing.T) {
	for _, sub := range goldenSubscribers {
		t.Run(sub.Language, func(t *testing.T) {
			m, _ := buildGolden(t, sub)
			if len(m.HTML) > 100_000 {
				t.Errorf("HTML is %d bytes", len(m.HTML))
			}
			doc, err := html.Parse(bytes.NewReader(m.HTML))
			if err != nil {
				t.Fatal(err)
			}
			wantDir := map[string]string{"hi": "ltr", "en": "ltr", "ur": "rtl"}[sub.Language]
			var imgs, links int
			var unsub, browser bool
			var text strings.Builder
			var walk func(*html.Node)
			walk = func(n *html.Node) {
				attr := func(k string) (string, bool) {
					for _, a := range n.Attr {
						if a.Key == k {
							return a.Val, true
						}
					}
					return "", false
				}
				if n.Type == html.TextNode {
					text.WriteString(n.Data)
				}
				if n.Type == html.ElementNode {
					switch n.Data {
					case "html":
						if l, _ := attr("lang"); l != sub.Language {
							t.Errorf("<html lang=%q>, want %q", l, sub.Language)
						}
						if d, _ := attr("dir"); d != wantDir {
							t.Errorf("<html dir=%q>, want %q", d, wantDir)
						}
					case "img":
						imgs++
						for _, k := range []string{"width", "height", "alt", "src"} {
							if v, ok := attr(k); !ok || v == "" {
								t.Errorf("<img> without %s", k)
							}
						}
					case "a":
						links++
						href, _ := attr("href")
						if href == m.UnsubscribeURL {
							unsub = true
						}
						if href == m.BrowserURL {
							browser = true
						}
						if !strings.HasPrefix(href, "https://") {
							t.Errorf("link %q is not https", href)
						}
					}
				}
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					walk(c)
				}
			}
			walk(doc)
			if imgs == 0 || !unsub || !browser {
				t.Errorf("images %d, unsubscribe link %v, browser link %v", imgs, unsub, browser)
			}
			s := string(m.HTML)
			for _, want := range []string{"color-scheme", "max-width:600px", "display:none", "Noto", "12, माल रोड", "कानपुर 208001, भारत"} {
				if !strings.Contains(s, want) {
					t.Errorf("HTML lacks %q", want)
				}
			}
			for _, st := range append(m.Followed, m.Top...) {
				title := storyViewOf(st.Article).Title
				if !strings.Contains(text.String(), title) {
					t.Errorf("HTML text lacks the title %q", title)
				}
				if !strings.Contains(string(m.Text), strings.Fields(title)[0]) {
					t.Errorf("text part lacks the title %q", title)
				}
			}
			// Hidden text is hidden by display:none, never by text the
			// colour of its background or a font too small to read: spam
			// filters score those (HTML_FONT_LOW_CONTRAST, __FONT_INVIS).
			for _, bad := range []string{"color:transparent", "font-size:0", "font-size:1px"} {
				if strings.Contains(s, bad) {
					t.Errorf("HTML hides text with %q", bad)
				}
			}
			if strings.Contains(s, "<b>") || strings.Contains(s, "\x01") || strings.Contains(s, "\uFFFF") {
				t.Error("HTML carries markup or control characters from a title")
			}
		})
	}
}

func TestTextPart(t *testing.T) {
	for _, sub := range goldenSubscribers {
		t.Run(sub.Language, func(t *testing.T) {
			m, _ := buildGolden(t, sub)
			for i, line := range strings.Split(string(m.Text), "\n") {
				if w := uniseg.StringWidth(line); w > 72 && !strings.Contains(line, "://") {
					t.Errorf("line %d is %d columns wide: %q", i+1, w, line)
				}
			}
			for _, want := range []string{m.UnsubscribeURL, m.BrowserURL, "कानपुर 208001, भारत"} {
				if !strings.Contains(string(m.Text), want) {
					t.Errorf("text part lacks %q", want)
				}
			}
			if sub.Name != "" && !strings.Contains(string(m.Text), sub.Name) {
				t.Errorf("text part does not greet %s", sub.Name)
			}
			// The text part carries every story the HTML part does, with
			// its link, so the two alternatives agree (SpamAssassin's
			// MPART_ALT_DIFF scores parts that differ).
			for _, st := range append(m.Followed, m.Top...) {
				if u := storyViewOf(st.Article).URL; !strings.Contains(string(m.Text), "\n"+u+"\n") {
					t.Errorf("text part lacks the story link %q", u)
				}
			}
			if !strings.Contains(string(m.Text), "\nhttps://khabar.example/\n") {
				t.Error("text part lacks the publisher's home page")
			}
		})
	}
}

func TestSubjectTemplate(t *testing.T) {
	m, _ := buildGolden(t, goldenSubscribers[0])
	lead := m.Followed[0].Article.Title
	if !strings.HasPrefix(m.Subject, "आज की बड़ी ख़बर: ") || !strings.Contains(m.Subject, lead) {
		t.Errorf("Subject = %q, want the prefix and the top headline %q", m.Subject, lead)
	}
}

func TestEncodeSubject(t *testing.T) {
	tests := []string{
		"Today's top story: India win",
		"आज की बड़ी ख़बर: भारत ने ऑस्ट्रेलिया को हराया",
		"آج کی بڑی خبر: بھارت نے آسٹریلیا کو ہرا دیا",
		"👩‍👩‍👧‍👦👩‍👩‍👧‍👦 family",            // a 25-byte cluster, twice
		"क" + strings.Repeat("\u093c", 40), // one cluster longer than a word
		"tab\there",
	}
	dec := new(mime.WordDecoder)
	for _, s := range tests {
		enc := encodeSubject(s)
		got, err := dec.DecodeHeader(enc)
		if err != nil || got != s {
			t.Errorf("encodeSubject(%q) = %q, decodes to %q, %v", s, enc, got, err)
		}
		for _, w := range strings.Fields(enc) {
			if len(w) > 60 && strings.HasPrefix(w, "=?") {
				t.Errorf("encoded word %q is %d characters", w, len(w))
			}
		}
		if isASCII := enc == s; isASCII != !strings.Contains(enc, "=?UTF-8?b?") {
			t.Errorf("encodeSubject(%q) = %q", s, enc)
		}
	}
}

// displayNames are recipient names that net/mail would split inside a
// letter or quote: long Devanagari and Urdu names, a name longer than
// one encoded word without a space, ASCII specials.
var displayNames = []string{
	"अनिल कपूर",
	"शालिनी श्रीवास्तव",
	"डॉ. श्रीमती शालिनी श्रीवास्तव त्रिपाठी",
	"مولانا محمد عبدالرحمٰن صدیقی صاحب",
	strings.Repeat("क्षि", 30),
	`Ben "BJ" Jones`,
	"O'Brien, Pat",
	"Zoë Ångström",
}

// TestFormatAddress checks the To field: ASCII only, encoded-words of at
// most 75 characters that each hold whole grapheme clusters, and
// net/mail (an RFC 2047 decoder that drops the white space between
// encoded-words) reads the name back exactly.
func TestFormatAddress(t *testing.T) {
	dec := new(mime.WordDecoder)
	for _, name := range displayNames {
		t.Run(name, func(t *testing.T) {
			got := formatAddress(mail.Address{Name: name, Address: "reader@example.com"})
			if !printableASCII(got) {
				t.Fatalf("formatAddress = %q, not printable ASCII", got)
			}
			a, err := mail.ParseAddress(got)
			if err != nil || a.Name != name || a.Address != "reader@example.com" {
				t.Fatalf("formatAddress = %q, parses to %+v, %v; want name %q", got, a, err, name)
			}
			clusters := uniseg.GraphemeClusterCount(name)
			sum := 0
			for _, w := range strings.Fields(got) {
				if !strings.HasPrefix(w, "=?") {
					continue
				}
				if len(w) > 75 {
					t.Errorf("encoded word %q is %d characters, want at most 75", w, len(w))
				}
				part, err := dec.Decode(w)
				if err != nil {
					t.Fatalf("word %q: %v", w, err)
				}
				sum += uniseg.GraphemeClusterCount(part)
			}
			if strings.Contains(got, "=?") && sum != clusters {
				t.Errorf("words of %q hold %d clusters, the name has %d: one is split", got, sum, clusters)
			}
		})
	}
}

// plainStore is a SubscriberStore without Status, so Recheck falls back
// to Subscriber.
type plainStore struct{ s *MemStore }

func (p plainStore) Subscriber(ctx context.Context, email string) (*Subscriber, error) {
	return p.s.Subscriber(ctx, email)
}
func (p plainStore) EachSubscriber(ctx context.Context, fn func(*Subscriber) error) error {
	return p.s.EachSubscriber(ctx, fn)
}
func (p plainStore) SetStatus(ctx context.Context, email string, st Status) error {
	return p.s.SetStatus(ctx, email, st)
}

// closedStore fails every call, as a closed database does.
type closedStore struct{ plainStore }

var errClosed = errors.New("sql: database is closed")

func (closedStore) Subscriber(context.Context, string) (*Subscriber, error) { return nil, errClosed }
func (closedStore) Status(context.Context, string) (Status, error)          { return "", errClosed }

// pausedUntil returns a copy of sub paused until t.
func pausedUntil(sub *Subscriber, t time.Time) *Subscriber {
	c := sub.Clone()
	c.PausedUntil = t
	return c
}

// TestRecheck: a message built before an unsubscribe, a bounce, a
// complaint, a pause or a removal is not to be sent; Recheck says so with
// the reason.
func TestRecheck(t *testing.T) {
	ctx := context.Background()
	b := newTestBuilder(t, nil)
	for _, kind := range []string{"Store", "plain SubscriberStore"} {
		t.Run(kind, func(t *testing.T) {
			store := openTestStore(t)
			var ss SubscriberStore = store
			if kind != "Store" {
				ss = plainStore{store}
			}
			sub := &Subscriber{Email: "asha@example.com", Name: "आशा", Language: "hi"}
			if err := store.Put(ctx, sub); err != nil {
				t.Fatal(err)
			}
			m, err := b.Build(ctx, testEdition, sub)
			if err != nil {
				t.Fatal(err)
			}
			steps := []struct {
				name   string
				change func() error
				want   SkipReason // 0: send
			}{
				{"active", func() error { return nil }, 0},
				{"paused since", func() error { return store.Put(ctx, pausedUntil(sub, m.Date.Add(time.Hour))) }, SkipPaused},
				{"pause over", func() error { return store.Put(ctx, pausedUntil(sub, m.Date)) }, 0},
				{"complained since", func() error { return store.SetStatus(ctx, sub.Email, StatusComplained) }, SkipComplained},
				{"unsubscribed since", func() error { return store.SetStatus(ctx, sub.Email, StatusUnsubscribed) }, SkipUnsubscribed},
				{"bounced since", func() error { return store.SetStatus(ctx, sub.Email, StatusBounced) }, SkipBounced},
				{"removed since", func() error {
					store.mu.Lock()
					delete(store.subs, sub.Key())
					store.mu.Unlock()
					return nil
				}, SkipRemoved},
			}
			for _, st := range steps {
				if err := st.change(); err != nil {
					t.Fatal(err)
				}
				err := m.Recheck(ctx, ss)
				var skip *SkipError
				switch {
				case st.want == 0 && err != nil:
					t.Errorf("%s: Recheck = %v, want nil", st.name, err)
				case st.want != 0 && (!errors.As(err, &skip) || skip.Reason != st.want || skip.Email != sub.Email):
					t.Errorf("%s: Recheck = %v, want a SkipError %s", st.name, err, st.want)
				}
			}
		})
	}
	m := &Message{Edition: testEdition, Subscriber: &Subscriber{Email: "asha@example.com"}}
	if err := m.Recheck(ctx, closedStore{}); err == nil || errors.Is(err, ErrSkipped) {
		t.Errorf("Recheck on a closed store = %v, want the store's error", err)
	}
}

// FuzzFormatAddress: any display name (cleaned as Msg cleans it) is
// written as printable ASCII with encoded-words of at most 75 characters,
// and net/mail reads the same name and address back.
func FuzzFormatAddress(f *testing.F) {
	for _, n := range displayNames {
		f.Add(n)
	}
	f.Add("")
	f.Add("=?UTF-8?b?YQ==?=")
	f.Add("a\r\nBcc: x@example.com")
	f.Fuzz(func(t *testing.T, name string) {
		name = oneLine(name)
		got := formatAddress(mail.Address{Name: name, Address: "reader@example.com"})
		if !printableASCII(got) {
			t.Fatalf("formatAddress(%q) = %q, not printable ASCII", name, got)
		}
		for _, w := range strings.Fields(got) {
			if strings.HasPrefix(w, "=?UTF-8?b?") && len(w) > 75 {
				t.Errorf("encoded word %q is %d characters", w, len(w))
			}
		}
		a, err := mail.ParseAddress(got)
		if err != nil || a.Address != "reader@example.com" || a.Name != name {
			t.Fatalf("formatAddress(%q) = %q, parses to %+v, %v", name, got, a, err)
		}
	})
}
