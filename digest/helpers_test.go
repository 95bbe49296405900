package digest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/khabar/khabar"
	goldenfile "github.com/khabar/khabar/internal/golden"
)

var ist = time.FixedZone("IST", 5*3600+1800)

// fixedNow is the clock of every test: 07:00 IST the morning after the
// fixture's day.
var fixedNow = time.Date(2026, 11, 25, 7, 0, 0, 0, ist)

func fixedClock() time.Time { return fixedNow }

var testEdition = Edition{Date: "2026-11-24"}

var testSecret = []byte("0123456789abcdef0123456789abcdef")

func testTokens() *Tokens {
	return &Tokens{Keys: []TokenKey{{ID: "k1", Secret: testSecret}}, Now: fixedClock}
}

var (
	catNews   = &khabar.Category{Name: "ताज़ा ख़बरें", Slug: "latest"}
	catUP     = &khabar.Category{Name: "उत्तर प्रदेश"}
	catKanpur = &khabar.Category{Name: "कानपुर", Parent: catUP}
	catLko    = &khabar.Category{Name: "लखनऊ", Parent: catUP}
	catSports = &khabar.Category{Name: "खेल", Slug: "sports"}
	catTech   = &khabar.Category{Name: "टेक", Slug: "tech"}
)

func at(h, m int) time.Time { return time.Date(2026, 11, 24, h, m, 0, 0, ist) }

// fixture returns a small, hand-written day of stories with everything a
// digest must cope with: hierarchy, tags in two scripts, three languages,
// HTML and control characters in titles, a 400-character title, an
// emoji, a story without summary, image or category.
func fixture() []*khabar.Article {
	img := func(id string) *khabar.Image {
		return &khabar.Image{URL: "https://img.khabar.example/" + id + ".jpg", Alt: "तस्वीर " + id, Width: 1200, Height: 675, Type: "image/jpeg"}
	}
	long := ""
	for len([]rune(long)) < 400 {
		long += "कानपुर में गंगा किनारे नई सड़क का उद्घाटन "
	}
	return []*khabar.Article{
		{ID: "k1", Title: "कानपुर मेट्रो का दूसरा चरण शुरू", Summary: "नौबस्ता तक मेट्रो अब हर दस मिनट पर चलेगी।",
			URL: "https://khabar.example/kanpur/metro/", Published: at(9, 0), Language: "hi", Image: img("k1"),
			Categories: []khabar.Category{*catNews, *catKanpur}, Tags: []khabar.Tag{{Name: "मेट्रो"}, {Name: "Yogi Adityanath"}},
			Authors: []khabar.Author{{Name: "रीना शर्मा", Slug: "reena"}}, Metrics: khabar.Metrics{Views: 14000, Shares: 491, Comments: 32}},
		{ID: "k2", Title: "कानपुर: <b>बिजली</b> कटौती & पानी की किल्लत", Summary: "शहर के 12 मोहल्लों में आज शाम तक बिजली नहीं रहेगी।",
			URL: "https://khabar.example/kanpur/bijli/", Published: at(11, 30), Language: "hi",
			Categories: []khabar.Category{*catNews, *catKanpur}, Authors: []khabar.Author{{Name: "रीना शर्मा", Slug: "reena"}},
			Metrics: khabar.Metrics{Views: 900, Shares: 12}},
		{ID: "k3", Title: long, Summary: "लंबा शीर्षक।", URL: "https://khabar.example/kanpur/sadak/", Published: at(7, 15), Language: "hi",
			Categories: []khabar.Category{*catNews, *catKanpur}, Metrics: khabar.Metrics{Views: 300}},
		{ID: "l1", Title: "लखनऊ में विधानसभा सत्र हंगामेदार 🏛️", Summary: "विपक्ष ने बहिर्गमन किया।",
			URL: "https://khabar.example/lucknow/vidhansabha/", Published: at(15, 45), Language: "hi", Image: img("l1"),
			Categories: []khabar.Category{*catNews, *catLko}, Tags: []khabar.Tag{{Name: "Yogi Adityanath"}},
			Authors: []khabar.Author{{Name: "अमित वर्मा", Slug: "amit"}}, Metrics: khabar.Metrics{Views: 52000, Shares: 1800, Comments: 410}},
		{ID: "s1", Title: "भारत ने ऑस्ट्रेलिया को हराया", Summary: "रोमांचक मुक़ाबले में आख़िरी गेंद पर जीत।",
			URL: "https://khabar.example/sports/cricket/", Published: at(22, 10), Language: "hi", Image: img("s1"),
			Categories: []khabar.Category{*catNews, *catSports}, Tags: []khabar.Tag{{Name: "क्रिकेट"}},
			Metrics: khabar.Metrics{Views: 88000, Shares: 5200, Comments: 900}},
		{ID: "s2", Title: "रणजी ट्रॉफी: उत्तर प्रदेश की पारी लड़खड़ाई", URL: "https://khabar.example/sports/ranji/", Published: at(13, 5),
			Language: "hi", Categories: []khabar.Category{*catNews, *catSports}, Tags: []khabar.Tag{{Name: "क्रिकेट"}},
			Metrics: khabar.Metrics{Views: 4000, Shares: 40}},
		{ID: "s3", Title: "हॉकी लीग का कार्यक्रम घोषित", Summary: "पहला मैच लखनऊ में।", URL: "https://khabar.example/sports/hockey/",
			Published: at(10, 0), Language: "hi", Categories: []khabar.Category{*catNews, *catSports}, Metrics: khabar.Metrics{Views: 3500}},
		{ID: "t1", Title: "नया स्मार्टफ़ोन \x01भारत में लॉन्च\uFFFF", Summary: "", ContentHTML: "<p>कीमत <b>15,999</b> रुपये। <script>x()</script>बिक्री कल से।</p>",
			URL: "https://khabar.example/tech/फ़ोन/", Published: at(18, 20), Language: "hi",
			Categories: []khabar.Category{*catTech}, Metrics: khabar.Metrics{Views: 7000, Shares: 300, Comments: 15}},
		{ID: "w1", Title: "संयुक्त राष्ट्र में जलवायु समझौते पर सहमति", Summary: "]]> 190 देशों ने हस्ताक्षर किए।",
			URL: "https://khabar.example/world/climate/", Published: at(20, 0), Language: "hi",
			Metrics: khabar.Metrics{Views: 6000, Shares: 100}},
		{ID: "e1", Title: "Kanpur metro phase two opens", Summary: "Trains to Naubasta every ten minutes.",
			URL: "https://khabar.example/en/kanpur/metro/", Published: at(9, 30), Language: "en", Image: img("e1"),
			Categories: []khabar.Category{*catKanpur}, Metrics: khabar.Metrics{Views: 2000, Shares: 30}},
		{ID: "e2", Title: "India beat Australia off the last ball", Summary: "A thriller in Mumbai.",
			URL: "https://khabar.example/en/sports/cricket/", Published: at(22, 30), Language: "en",
			Categories: []khabar.Category{*catSports}, Metrics: khabar.Metrics{Views: 9000, Shares: 800}},
		{ID: "u1", Title: "کانپور میٹرو کا دوسرا مرحلہ شروع", Summary: "نوبستہ تک میٹرو اب ہر دس منٹ پر چلے گی۔",
			URL: "https://khabar.example/ur/kanpur/metro/", Published: at(9, 45), Language: "ur", Image: img("u1"),
			Categories: []khabar.Category{*catKanpur}, Metrics: khabar.Metrics{Views: 1500, Shares: 20}},
		{ID: "u2", Title: "بھارت نے آسٹریلیا کو ہرا دیا", Summary: "آخری گیند پر سنسنی خیز جیت۔",
			URL: "https://khabar.example/ur/sports/cricket/", Published: at(22, 40), Language: "ur",
			Categories: []khabar.Category{*catSports}, Metrics: khabar.Metrics{Views: 3000, Shares: 200}},
		// Outside the day: the evening before and the next morning.
		{ID: "old", Title: "कल की ख़बर", URL: "https://khabar.example/old/", Published: time.Date(2026, 11, 23, 23, 0, 0, 0, ist),
			Language: "hi", Categories: []khabar.Category{*catKanpur}, Metrics: khabar.Metrics{Views: 999999}},
		// Stories of the day before that the lead stories are like: "more
		// like this" finds them (a story in the digest is never repeated).
		{ID: "s0", Title: "क्रिकेट: सिडनी में भारत का अभ्यास", URL: "https://khabar.example/sports/practice/", Published: time.Date(2026, 11, 23, 18, 0, 0, 0, ist),
			Language: "hi", Categories: []khabar.Category{*catNews, *catSports}, Tags: []khabar.Tag{{Name: "क्रिकेट"}}},
		{ID: "e0", Title: "India arrive in Sydney", URL: "https://khabar.example/en/sports/arrive/", Published: time.Date(2026, 11, 23, 17, 0, 0, 0, ist),
			Language: "en", Categories: []khabar.Category{*catSports}},
		{ID: "u0", Title: "بھارتی ٹیم سڈنی پہنچ گئی", URL: "https://khabar.example/ur/sports/arrive/", Published: time.Date(2026, 11, 23, 17, 30, 0, 0, ist),
			Language: "ur", Categories: []khabar.Category{*catSports}},
		{ID: "next", Title: "अगली सुबह की ख़बर", URL: "https://khabar.example/next/", Published: time.Date(2026, 11, 25, 0, 30, 0, 0, ist),
			Language: "hi", Categories: []khabar.Category{*catKanpur}, Metrics: khabar.Metrics{Views: 999999}},
	}
}

func fixtureCatalog(t testing.TB) *khabar.Catalog {
	t.Helper()
	c := khabar.NewCatalog()
	if err := c.UpsertAll(fixture()); err != nil {
		t.Fatal(err)
	}
	return c
}

func testConfig(src StorySource) Config {
	return Config{
		Source:            src,
		From:              "ख़बर <digest@khabar.example>",
		Publisher:         Publisher{Name: "ख़बर", Address: "12, माल रोड\nकानपुर 208001, भारत", URL: "https://khabar.example/"},
		UnsubscribeURL:    "https://khabar.example/digest/unsubscribe",
		UnsubscribeMailto: "unsubscribe@khabar.example",
		BrowserURL:        "https://khabar.example/digest",
		Tokens:            testTokens(),
		Now:               fixedClock,
	}
}

func newTestBuilder(t testing.TB, mod func(*Config)) *Builder {
	t.Helper()
	cfg := testConfig(fixtureCatalog(t))
	if mod != nil {
		mod(&cfg)
	}
	b, err := NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func openTestStore(testing.TB) *MemStore { return &MemStore{} }

// golden compares got with testdata/golden/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", "golden", name), got)
}

// python3 returns the path of python3, which the interop tests read our
// messages with; without it a test is skipped, except under CI=true,
// where it fails (.ci/install.sh installs it).
func python3(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is required in CI (.ci/install.sh installs it)")
		}
		t.Skip("python3 not installed")
	}
	return py
}
