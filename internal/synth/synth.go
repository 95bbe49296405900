// Package synth generates large synthetic article corpora for benchmarks
// and load tests. The output is deterministic for a given Config.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/khabar/khabar"
)

// Config says what to generate. Zero fields take the defaults in brackets.
type Config struct {
	Articles   int           // number of articles [1000]
	Categories int           // distinct leaf categories, spread under 50 roots [500]
	Tags       int           // distinct tags [5000]
	Authors    int           // distinct authors [200]
	Seed       uint64        // random seed [1]
	End        time.Time     // newest publish time [2026-11-24 22:00 IST]
	Span       time.Duration // publish times spread over this span before End [30 days]
	// ContentBytes is the approximate size of each body; 0 gives ~1.5 KB
	// of Hindi text, negative gives none.
	ContentBytes int
}

var ist = time.FixedZone("IST", 5*3600+1800)

var words = strings.Fields(`सरकार ने आज नई योजना की घोषणा की जिससे किसानों को सीधा लाभ मिलेगा
शहर में बारिश के कारण यातायात प्रभावित रहा और कई इलाकों में पानी भर गया
मुख्यमंत्री ने अधिकारियों को निर्देश दिए कि काम समय पर पूरा हो
बाज़ार में सोने के दाम बढ़े जबकि शेयर सूचकांक में गिरावट दर्ज की गई
विश्वविद्यालय के छात्रों ने परीक्षा की तारीख़ बदलने की मांग की
अस्पताल में नई मशीनें लगाई गईं जिससे मरीज़ों को राहत मिलेगी`)

// withDefaults returns cfg with its zero fields set to the defaults.
func (cfg Config) withDefaults() Config {
	if cfg.Articles <= 0 {
		cfg.Articles = 1000
	}
	if cfg.Categories <= 0 {
		cfg.Categories = 500
	}
	if cfg.Tags <= 0 {
		cfg.Tags = 5000
	}
	if cfg.Authors <= 0 {
		cfg.Authors = 200
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.End.IsZero() {
		cfg.End = time.Date(2026, 11, 24, 22, 0, 0, 0, ist)
	}
	if cfg.Span <= 0 {
		cfg.Span = 30 * 24 * time.Hour
	}
	if cfg.ContentBytes == 0 {
		cfg.ContentBytes = 1500
	}
	return cfg
}

// Generate returns cfg.Articles valid articles.
func Generate(cfg Config) []*khabar.Article {
	cfg = cfg.withDefaults()
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	roots := make([]*khabar.Category, 50)
	for i := range roots {
		roots[i] = &khabar.Category{Name: fmt.Sprintf("राज्य %d", i), Slug: fmt.Sprintf("राज्य-%d", i)}
	}
	leaves := make([]*khabar.Category, cfg.Categories)
	for i := range leaves {
		leaves[i] = &khabar.Category{Name: fmt.Sprintf("शहर %d", i), Slug: fmt.Sprintf("शहर-%d", i), Parent: roots[i%len(roots)]}
	}
	tags := make([]khabar.Tag, cfg.Tags)
	for i := range tags {
		if i%2 == 0 {
			tags[i] = khabar.Tag{Name: fmt.Sprintf("Neta %d", i), Slug: fmt.Sprintf("neta-%d", i)}
		} else {
			tags[i] = khabar.Tag{Name: fmt.Sprintf("मुद्दा %d", i), Slug: fmt.Sprintf("मुद्दा-%d", i)}
		}
	}
	authors := make([]khabar.Author, cfg.Authors)
	for i := range authors {
		authors[i] = khabar.Author{Name: fmt.Sprintf("लेखक %d", i), Slug: fmt.Sprintf("author-%d", i)}
	}
	out := make([]*khabar.Article, cfg.Articles)
	span := int64(cfg.Span)
	for i := range out {
		pub := cfg.End.Add(-time.Duration(rng.Int64N(span))).Truncate(time.Second)
		id := fmt.Sprintf("syn-%07d", i)
		title := sentence(rng, 8+rng.IntN(6))
		a := &khabar.Article{
			ID:        id,
			Title:     title,
			Summary:   sentence(rng, 20+rng.IntN(15)),
			URL:       "https://khabar.example/" + pub.Format("2006/01/02") + "/" + id + "/",
			Authors:   []khabar.Author{authors[zipf(rng, len(authors))]},
			Published: pub,
			Language:  "hi",
			Image: &khabar.Image{URL: "https://img.khabar.example/" + id + ".jpg", Alt: "चित्र: " + title,
				Width: 1200, Height: 675, Type: "image/jpeg"},
			Metrics: khabar.Metrics{
				Views:    int64(math.Exp(rng.Float64()*12)) + 10,
				Shares:   int64(math.Exp(rng.Float64() * 8)),
				Comments: int64(rng.IntN(50)),
			},
		}
		if cfg.ContentBytes > 0 {
			a.ContentHTML = content(rng, cfg.ContentBytes)
		}
		ncat := 1 + rng.IntN(3)
		for j := 0; j < ncat; j++ {
			a.Categories = append(a.Categories, *leaves[zipf(rng, len(leaves))])
		}
		ntag := 2 + rng.IntN(5)
		for j := 0; j < ntag; j++ {
			a.Tags = append(a.Tags, tags[zipf(rng, len(tags))])
		}
		out[i] = a
	}
	return out
}

// zipf picks an index in [0, n) with a long tail: low indexes are common.
func zipf(rng *rand.Rand, n int) int {
	x := math.Pow(rng.Float64(), 2.5)
	return int(x * float64(n))
}

func sentence(rng *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[rng.IntN(len(words))])
	}
	return b.String()
}

func content(rng *rand.Rand, size int) string {
	var b strings.Builder
	b.Grow(size + 256)
	for b.Len() < size {
		b.WriteString("<p>")
		b.WriteString(sentence(rng, 25+rng.IntN(20)))
		b.WriteString("।</p>\n")
	}
	return b.String()
}
