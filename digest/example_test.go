package digest_test

import (
	"context"
	"errors"
	"fmt"
	"testing/fstest"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/digest"
)

func ExampleWrap() {
	fmt.Println(digest.Wrap(24, "कानपुर मेट्रो के दूसरे कॉरिडोर पर नौबस्ता तक ट्रायल रन शुरू"))
	// Output:
	// कानपुर मेट्रो के दूसरे कॉरिडोर
	// पर नौबस्ता तक ट्रायल रन शुरू
}

func ExampleEdition_MessageID() {
	ed, _ := digest.ParseEdition("2026-11-24")
	fmt.Println(ed.ID())
	fmt.Println(ed.MessageID("Asha@Example.com", "khabar.example"))
	fmt.Println(ed.MessageID("asha@example.com", "khabar.example") == ed.MessageID("ASHA@example.com", "KHABAR.example"))
	// Output:
	// daily-2026-11-24
	// daily-2026-11-24.8da66018bd27b7ac52eabf6543002e71@khabar.example
	// true
}

func ExampleTokens() {
	now := time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)
	tokens := &digest.Tokens{
		Keys: []digest.TokenKey{{ID: "k1", Secret: []byte("an example secret of 32 bytes...")}},
		Now:  func() time.Time { return now },
	}
	token, _ := tokens.Sign("asha@example.com", "daily")
	claims, err := tokens.Verify(token)
	fmt.Println(claims.Email, claims.List, claims.Expires.Format(time.DateOnly), err)

	_, err = tokens.Verify(token[:len(token)-1] + "A")
	fmt.Println(errors.Is(err, digest.ErrTokenSignature))
	// Output:
	// asha@example.com daily 2027-02-23 <nil>
	// true
}

func ExampleBuilder_Build() {
	ist := time.FixedZone("IST", 19800)
	cat := khabar.NewCatalog()
	up := &khabar.Category{Name: "उत्तर प्रदेश"}
	cat.UpsertAll([]*khabar.Article{
		{ID: "1", Title: "कानपुर मेट्रो का दूसरा चरण शुरू", URL: "https://khabar.example/1/", Language: "hi",
			Published:  time.Date(2026, 11, 24, 9, 0, 0, 0, ist),
			Categories: []khabar.Category{{Name: "कानपुर", Parent: up}}, Metrics: khabar.Metrics{Views: 1400}},
		{ID: "2", Title: "भारत ने ऑस्ट्रेलिया को हराया", URL: "https://khabar.example/2/", Language: "hi",
			Published: time.Date(2026, 11, 24, 22, 0, 0, 0, ist), Metrics: khabar.Metrics{Views: 88000, Shares: 5200}},
	})
	tokens, _ := digest.NewTokens("k1", []byte("an example secret of 32 bytes..."))
	b, err := digest.NewBuilder(digest.Config{
		Source:         cat,
		From:           "ख़बर <digest@khabar.example>",
		Publisher:      digest.Publisher{Name: "ख़बर", Address: "12, माल रोड, कानपुर 208001"},
		UnsubscribeURL: "https://khabar.example/digest/unsubscribe",
		BrowserURL:     "https://khabar.example/digest",
		Tokens:         tokens,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sub := &digest.Subscriber{Email: "asha@example.com", Name: "आशा", Language: "hi",
		Follows: digest.Follows{Categories: []string{"उत्तर-प्रदेश"}}}
	m, err := b.Build(context.Background(), digest.Edition{Date: "2026-11-24"}, sub)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Subject)
	for _, s := range m.Followed {
		fmt.Println("followed:", s.Article.Title, "because", s.Because)
	}
	for _, s := range m.Top {
		fmt.Println("top:", s.Article.Title)
	}
	fmt.Println(m.MessageID)

	_, err = b.Build(context.Background(), digest.Edition{Date: "2026-11-23"}, sub)
	fmt.Println(err)
	// Output:
	// आज की बड़ी ख़बर: कानपुर मेट्रो का दूसरा चरण शुरू
	// followed: कानपुर मेट्रो का दूसरा चरण शुरू because category/उत्तर-प्रदेश
	// top: भारत ने ऑस्ट्रेलिया को हराया
	// daily-2026-11-24.8da66018bd27b7ac52eabf6543002e71@khabar.example
	// digest: daily-2026-11-23 for asha@example.com skipped: no new story
}

func ExampleParseTemplates() {
	// Replace the subject line; everything else stays embedded.
	fsys := fstest.MapFS{
		digest.TemplateSubject: {Data: []byte(`{{.Publisher.Name}} · {{.Date}} · {{.Lead.Title}}`)},
		"locales/hi.json":      {Data: []byte(`{"strings": {"top": "सबसे ज़्यादा पढ़ी गईं"}}`)},
	}
	t, err := digest.ParseTemplates(fsys)
	fmt.Println(t.Languages(), err)
	// Output:
	// [en hi ur] <nil>
}
