package digest_test

// Digests built from hostile content, from an adversarial review: what an
// upstream feed (titles, summaries, names, labels, URLs) or a subscriber's
// own data can put into a message. Markup, header injection and DKIM held;
// fixed after it: an ASCII subject shaped like an encoded-word, category
// names' line breaks in the text part, stories and subjects of megabytes
// (byte bounds beside the cluster bounds), ASCII names over a 998-octet
// line. Each goes through the real Builder and is parsed back with
// net/mail, mime/multipart and x/net/html.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/khabar/khabar"
	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
	"golang.org/x/net/html"
)

var rvIST = time.FixedZone("IST", 19800)

func rvAt(h int) time.Time { return time.Date(2026, 11, 24, h, 0, 0, 0, rvIST) }

func rvBuilder(t *testing.T, cat *khabar.Catalog, mod func(*digest.Config)) *digest.Builder {
	t.Helper()
	tokens, _ := digest.NewTokens("k1", []byte("an example secret of 32 bytes..."))
	cfg := digest.Config{
		Source:            cat,
		From:              "Khabar <digest@khabar.example>",
		Publisher:         digest.Publisher{Name: "Khabar", Address: "12 Mall Road, Kanpur"},
		UnsubscribeURL:    "https://khabar.example/digest/unsubscribe",
		UnsubscribeMailto: "unsubscribe@khabar.example",
		BrowserURL:        "https://khabar.example/digest",
		Tokens:            tokens,
		Language:          "en",
		Now:               func() time.Time { return time.Date(2026, 11, 25, 7, 0, 0, 0, rvIST) },
	}
	if mod != nil {
		mod(&cfg)
	}
	b, err := digest.NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func rvCatalog(t *testing.T, as ...*khabar.Article) *khabar.Catalog {
	t.Helper()
	c := khabar.NewCatalog()
	for _, a := range as {
		if err := c.Upsert(a); err != nil {
			t.Fatalf("Upsert %s: %v", a.ID, err)
		}
	}
	return c
}

func rvBuild(t *testing.T, b *digest.Builder, sub *digest.Subscriber) (*digest.Message, []byte) {
	t.Helper()
	m, err := b.Build(context.Background(), digest.Edition{Date: "2026-11-24"}, sub)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return m, buf.Bytes()
}

type rvParsed struct {
	hdr        mail.Header
	text, html string
}

// rvParse parses raw with net/mail and mime/multipart and checks the wire
// format: CRLF only, no NUL, lines of at most 998 octets.
func rvParse(t *testing.T, raw []byte) rvParsed {
	t.Helper()
	if bytes.IndexByte(raw, 0) >= 0 {
		t.Error("NUL in message")
	}
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 {
			t.Errorf("line %d is %d octets", i, len(line))
		}
		if bytes.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF", i)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var p rvParsed
	p.hdr = msg.Header
	n := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		b, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, part))
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			p.text = string(b)
		case "text/html":
			p.html = string(b)
		}
	}
	if n != 2 {
		t.Errorf("%d parts, want 2", n)
	}
	return p
}

// rvCheckHTML looks for script, event handlers and non-http(s) URLs.
func rvCheckHTML(t *testing.T, h string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(h))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "iframe", "object", "embed", "form", "base", "meta":
				if n.Data != "meta" {
					t.Errorf("element <%s>", n.Data)
				}
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("event handler %s=%q on <%s>", a.Key, a.Val, n.Data)
				}
				if a.Key == "href" || a.Key == "src" {
					v := strings.ToLower(strings.TrimSpace(a.Val))
					if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") && v != "#zgotmplz" {
						t.Errorf("%s=%q on <%s>", a.Key, a.Val, n.Data)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

// TestHostileContentHostileMarkupAndURLs: markup in every text field and
// attribute-breaking URLs. Expected to hold.
func TestHostileContentHostileMarkupAndURLs(t *testing.T) {
	x := `"><script>alert(1)</script><img src=x onerror=alert(1)>'` + "`"
	// Schemes other than http(s) are refused by the catalog.
	for _, u := range []string{"javascript:alert(1)", "data:text/html,<script>alert(1)</script>", " javascript:alert(1)", "JAVASCRIPT://x/%0aalert(1)", "https:alert(1)"} {
		a := &khabar.Article{ID: "j", Title: "t", URL: u, Published: rvAt(9)}
		if err := rvCatalog(t).Upsert(a); err == nil {
			t.Errorf("catalog accepts url %q", u)
		}
		a = &khabar.Article{ID: "j", Title: "t", URL: "https://a.example/", Published: rvAt(9), Image: &khabar.Image{URL: u, Width: 10, Height: 10}}
		if err := rvCatalog(t).Upsert(a); err == nil {
			t.Errorf("catalog accepts image url %q", u)
		}
	}
	up := &khabar.Category{Name: x}
	a := &khabar.Article{ID: "1", Title: x, Summary: x, URL: `https://evil.example/"onmouseover='alert(1)'?a=<b>&c="x"`, Published: rvAt(9), Language: "en",
		Categories: []khabar.Category{{Name: x + "child", Parent: up}}, Tags: []khabar.Tag{{Name: x + "tag"}},
		Authors: []khabar.Author{{Name: x + "author"}},
		Image:   &khabar.Image{URL: `https://img.example/a.jpg?"onerror=alert(1)`, Alt: x, Width: 1200, Height: 600}}
	b2 := &khabar.Article{ID: "2", Title: "Second", URL: "https://evil.example/2", Published: rvAt(10), Language: "en", Metrics: khabar.Metrics{Views: 10}}
	b := rvBuilder(t, rvCatalog(t, a, b2), nil)
	_, raw := rvBuild(t, b, &digest.Subscriber{Email: "a@example.com", Name: x, Language: "en"})
	p := rvParse(t, raw)
	rvCheckHTML(t, p.html)
}

// TestHostileContentEncodedWordTitle: an ASCII title that looks like an RFC 2047
// encoded-word goes into Subject as it is, and every receiver decodes it:
// the subject the reader sees is not the title.
func TestHostileContentEncodedWordTitle(t *testing.T) {
	fake := "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("Your account is suspended - verify now")) + "?="
	a := &khabar.Article{ID: "1", Title: fake, URL: "https://evil.example/1", Published: rvAt(9), Language: "en", Metrics: khabar.Metrics{Views: 10}}
	b := rvBuilder(t, rvCatalog(t, a), nil)
	m, raw := rvBuild(t, b, &digest.Subscriber{Email: "a@example.com", Language: "en"})
	p := rvParse(t, raw)
	got, err := new(mime.WordDecoder).DecodeHeader(p.hdr.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("m.Subject   = %q", m.Subject)
	t.Logf("raw Subject = %q", p.hdr.Get("Subject"))
	t.Logf("decoded     = %q", got)
	if got != m.Subject {
		t.Errorf("Subject decodes to %q, not the built subject %q", got, m.Subject)
	}
	// Same for the subscriber's display name (To).
	name := "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("Bank Security Team")) + "?="
	m, raw = rvBuild(t, b, &digest.Subscriber{Email: "b@example.com", Name: name, Language: "en"})
	p = rvParse(t, raw)
	to, err := p.hdr.AddressList("To")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("raw To = %q, decoded name %q", p.hdr.Get("To"), to[0].Name)
	if to[0].Name != name {
		t.Errorf("To name decodes to %q, not %q", to[0].Name, name)
	}
	_ = m
}

// TestHostileContentCategoryLineBreaks: category names keep line breaks in the
// catalog (CleanText keeps \n and \r), and the digest shows the category
// label without folding it (titles, authors and alt text are folded): the
// text part gets lines the feed wrote.
func TestHostileContentCategoryLineBreaks(t *testing.T) {
	inject := "News\n\n------------------------------------------------------------------------\nUnsubscribe: https://evil.example/unsub\r\nfake line after bare CR"
	a := &khabar.Article{ID: "1", Title: "Ordinary headline", URL: "https://evil.example/1", Published: rvAt(9), Language: "en",
		Categories: []khabar.Category{{Name: inject, Slug: "news"}}, Metrics: khabar.Metrics{Views: 10}}
	c := rvCatalog(t, a)
	stored, _ := c.Get("1")
	t.Logf("stored category name %q", stored.Categories[0].Name)
	b := rvBuilder(t, c, nil)
	_, raw := rvBuild(t, b, &digest.Subscriber{Email: "a@example.com", Language: "en"})
	p := rvParse(t, raw)
	// The label is folded onto one line, as titles and names are (the
	// text part's wrapping may still start a line inside a long label, as
	// inside a long title: that is content, not structure).
	if strings.Contains(p.text, "News\n\n") || strings.Contains(p.text, "\r") {
		t.Errorf("the category name's line breaks reach the text part:\n%s", p.text)
	}
}

// TestHostileContentOneHugeStory: Author names, category names, image alt and URLs
// have no length limit in the catalog or the digest (titles are cut at
// 160 clusters, summaries at 240); MaxHTML trimming stops at one story,
// so one story makes the digest as large as the feed made its byline, and
// a large lead story pushes every other story out.
func TestHostileContentOneHugeStory(t *testing.T) {
	big := strings.Repeat("Reporter ", 200_000) // 1.8 MB
	a := &khabar.Article{ID: "1", Title: "Lead", URL: "https://evil.example/1", Published: rvAt(9), Language: "en",
		Authors: []khabar.Author{{Name: big}}, Metrics: khabar.Metrics{Views: 1_000_000}}
	as := []*khabar.Article{a}
	for i := range 20 {
		as = append(as, &khabar.Article{ID: fmt.Sprint("o", i), Title: fmt.Sprint("Other story ", i), URL: fmt.Sprint("https://khabar.example/", i),
			Published: rvAt(10), Language: "en", Metrics: khabar.Metrics{Views: 100}})
	}
	b := rvBuilder(t, rvCatalog(t, as...), func(c *digest.Config) { c.Ranking = digest.Ranking{Top: 10} })
	m, raw := rvBuild(t, b, &digest.Subscriber{Email: "a@example.com", Language: "en"})
	p := rvParse(t, raw)
	t.Logf("stories %d, trimmed %d, HTML %d bytes, text %d bytes, message %d bytes", m.Stories(), m.Trimmed, len(p.html), len(p.text), len(raw))
	if len(m.HTML) > 100_000 {
		t.Errorf("HTML is %d bytes, over MaxHTML (100000), with %d story kept and %d trimmed", len(m.HTML), m.Stories(), m.Trimmed)
	}
	// Summary: 240 clusters, each cluster may hold any number of combining marks.
	zalgo := strings.Repeat("a"+strings.Repeat("\u0301", 2000), 300)
	z := &khabar.Article{ID: "z", Title: "Zalgo", Summary: zalgo, URL: "https://evil.example/z", Published: rvAt(9), Language: "en", Metrics: khabar.Metrics{Views: 10}}
	b = rvBuilder(t, rvCatalog(t, z), nil)
	m, _ = rvBuild(t, b, &digest.Subscriber{Email: "a@example.com", Language: "en"})
	t.Logf("zalgo summary (%d bytes in): HTML %d bytes, text %d bytes", len(zalgo), len(m.HTML), len(m.Text))
	if len(m.HTML) > 100_000 {
		t.Errorf("HTML is %d bytes from a summary of 240 clusters", len(m.HTML))
	}
}

// TestHostileContentLongSubscriberName: an ASCII name without spaces is written
// into To unfolded.
func TestHostileContentLongSubscriberName(t *testing.T) {
	a := &khabar.Article{ID: "1", Title: "Lead", URL: "https://evil.example/1", Published: rvAt(9), Language: "en", Metrics: khabar.Metrics{Views: 10}}
	b := rvBuilder(t, rvCatalog(t, a), nil)
	for _, name := range []string{strings.Repeat("A", 2000), strings.Repeat("क", 2000), strings.Repeat("x\u0301", 2000)} {
		sub := &digest.Subscriber{Email: "a@example.com", Name: name, Language: "en"}
		if err := sub.Validate(); err != nil {
			t.Logf("name refused: %v", err)
			continue
		}
		_, raw := rvBuild(t, b, sub)
		rvParse(t, raw)
	}
}

// TestHostileContentDKIMHostile signs hostile digests with deliver.DKIM and
// verifies them with go-msgauth.
func TestHostileContentDKIMHostile(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	titles := []string{
		"=?UTF-8?B?SGVsbG8=?=",
		"Tab\there  and   spaces\u00a0\u2028\u0085 end ",
		strings.Repeat("Long ASCII title word ", 40),
		strings.Repeat("ज़बरदस्त ", 100),
		"क" + strings.Repeat("\u093c", 200),
		"From: x@evil.example\r\nBcc: y@evil.example",
	}
	for i, title := range titles {
		a := &khabar.Article{ID: fmt.Sprint(i), Title: title, URL: "https://evil.example/1", Published: rvAt(9), Language: "en", Metrics: khabar.Metrics{Views: 10}}
		b := rvBuilder(t, rvCatalog(t, a), nil)
		for _, name := range []string{"", "  spaced   name ", strings.Repeat("A", 1200), "O'Brien, \"Pat\""} {
			_, raw := rvBuild(t, b, &digest.Subscriber{Email: "a@example.com", Name: name, Language: "en"})
			p := rvParse(t, raw)
			if len(p.hdr["Bcc"]) > 0 || len(p.hdr["From"]) != 1 {
				t.Errorf("title %q: header injection: %v", title, p.hdr)
			}
			d := &deliver.DKIM{Domain: "khabar.example", Selector: "s1", Key: key}
			signed, err := d.Sign(raw)
			if err != nil {
				t.Fatal(err)
			}
			vs, err := dkim.VerifyWithOptions(bytes.NewReader(signed), &dkim.VerifyOptions{LookupTXT: func(string) ([]string, error) {
				return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
			}})
			if err != nil || len(vs) != 1 || vs[0].Err != nil {
				t.Errorf("title %q name %.20q: verify %v %v", title, name, err, vs)
			}
		}
	}
}

// TestHostileContentZalgoTitle: a title of few clusters but many bytes makes the
// Subject header large (it stays folded and parseable).
func TestHostileContentZalgoTitle(t *testing.T) {
	title := strings.Repeat("a"+strings.Repeat("\u0301", 500), 200)
	a := &khabar.Article{ID: "1", Title: title, URL: "https://evil.example/1", Published: rvAt(9), Language: "en", Metrics: khabar.Metrics{Views: 10}}
	b := rvBuilder(t, rvCatalog(t, a), nil)
	m, raw := rvBuild(t, b, &digest.Subscriber{Email: "a@example.com", Language: "en"})
	p := rvParse(t, raw)
	t.Logf("title %d bytes: subject %d bytes, Subject header %d bytes, HTML %d, message %d", len(title), len(m.Subject), len(p.hdr.Get("Subject")), len(m.HTML), len(raw))
	if len(p.hdr.Get("Subject")) > 2000 {
		t.Errorf("Subject header is %d bytes", len(p.hdr.Get("Subject")))
	}
}
