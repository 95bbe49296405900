package khabar_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/synth"
)

// BenchmarkCleanOK measures the clean check that CleanText (and so every
// Catalog.Upsert) runs on an article's title, summary and body; one op is
// one article's three fields. Beside MB/s it reports how many times faster
// it is than utf8.ValidString ("x-ValidString") and than the rune loop it
// replaced ("x-runeloop") on the same texts, and their MB/s; those come
// from the medians of rounds that run the three functions in turn, so
// that load from elsewhere hits all alike.
//
//	go test -run '^$' -bench CleanOK -benchtime 1s -count 3 .
func BenchmarkCleanOK(b *testing.B) {
	for _, bt := range []struct {
		name  string
		texts func(testing.TB) []string
	}{
		{"hindi", hindiTexts},
		{"english", englishTexts},
		{"emoji", emojiTexts},
		// Scripts whose text the word loop mostly leaves to the rune loop
		// (ED leads a quarter of Hangul syllables; CJK punctuation is EF):
		// the check must not be slower there than the loop it replaced.
		{"korean", func(testing.TB) []string { return foreignTexts(koreanSentences) }},
		{"chinese", func(testing.TB) []string { return foreignTexts(chineseSentences) }},
	} {
		b.Run(bt.name, func(b *testing.B) {
			texts := bt.texts(b)
			n := 0
			for _, s := range texts {
				if !khabar.CleanOK(s) || !khabar.CleanOKRuneLoop(s) {
					b.Fatalf("benchmark text is not clean: %q", s)
				}
				n += len(s)
			}
			arts := len(texts) / 3
			b.SetBytes(int64(n / arts))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := 3 * (i % arts)
				if !khabar.CleanOK(texts[k]) || !khabar.CleanOK(texts[k+1]) || !khabar.CleanOK(texts[k+2]) {
					b.Fatal("clean text reported unclean")
				}
				i++
			}
			b.StopTimer()
			funcs := []func(string) bool{khabar.CleanOK, utf8.ValidString, khabar.CleanOKRuneLoop}
			med := make([]time.Duration, len(funcs))
			rounds := make([][]time.Duration, len(funcs))
			for range 15 {
				for f, fn := range funcs {
					t0 := time.Now()
					for _, s := range texts {
						if !fn(s) {
							b.Fatal("clean text reported unclean")
						}
					}
					rounds[f] = append(rounds[f], time.Since(t0))
				}
			}
			for f := range funcs {
				slices.Sort(rounds[f])
				med[f] = rounds[f][len(rounds[f])/2]
			}
			mbs := func(d time.Duration) float64 { return float64(n) / d.Seconds() / 1e6 }
			b.ReportMetric(float64(med[1])/float64(med[0]), "x-ValidString")
			b.ReportMetric(float64(med[2])/float64(med[0]), "x-runeloop")
			b.ReportMetric(mbs(med[1]), "ValidString-MB/s")
			b.ReportMetric(mbs(med[2]), "runeloop-MB/s")
		})
	}
}

// hindiTexts returns the title, summary and ~1.5 KB body of 256 synthetic
// Hindi articles, the texts Catalog.Upsert checks.
func hindiTexts(tb testing.TB) []string {
	var out []string
	for _, a := range synth.Generate(synth.Config{Articles: 256}) {
		out = append(out, a.Title, a.Summary, a.ContentHTML)
	}
	return out
}

// englishTexts returns the title, summary and body of the corpus's
// English articles.
func englishTexts(tb testing.TB) []string {
	f, err := os.Open("testdata/articles.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	as, err := khabar.ReadJSONL(f)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, a := range as {
		if a.Language == "en" && khabar.CleanOK(a.Title+a.Summary+a.ContentHTML) {
			out = append(out, a.Title, a.Summary, a.ContentHTML)
		}
	}
	if len(out) == 0 {
		tb.Fatal("no clean English articles in testdata/articles.jsonl")
	}
	return out
}

// emojiTexts returns the Hindi texts with an emoji after every fifth word,
// as social posts quoted in news write them: faces, skin tones, ZWJ
// families, flags and a heart with variation selector U+FE0F.
func emojiTexts(tb testing.TB) []string {
	emoji := []string{"😀", "👍🏽", "🇮🇳", "👨‍👩‍👧", "❤️", "🙏", "🔥", "😢"}
	out := hindiTexts(tb)
	e := 0
	for i, s := range out {
		words := strings.Split(s, " ")
		for w := 4; w < len(words); w += 5 {
			words[w] += " " + emoji[e%len(emoji)]
			e++
		}
		out[i] = strings.Join(words, " ")
	}
	return out
}

var (
	koreanSentences = []string{
		"서울 시내 주요 도로의 교통 혼잡이 퇴근 시간에 특히 심해졌다.",
		"정부는 내년 예산안에 청년 일자리 지원을 크게 늘리기로 했다.",
		"휴대폰 요금 인하를 두고 통신사와 소비자 단체가 맞서고 있다.",
		"한파가 이어지면서 전력 수요가 역대 최고치를 기록했다.",
		"프로야구 포스트시즌 티켓이 예매 시작 몇 분 만에 매진됐다.",
	}
	chineseSentences = []string{
		"市政府今天宣布，新的地铁线路将于明年年底通车。",
		"受寒潮影响，北方多地气温骤降，部分航班延误。",
		"专家表示，居民消费正在逐步恢复，但仍需政策支持。",
		"这场比赛吸引了数万名观众，现场气氛十分热烈！",
		"教育部门提醒家长，注意孩子的用眼卫生和休息时间。",
	}
)

// foreignTexts returns 256 articles' title, summary and ~1.5 KB body made
// of the given sentences, like hindiTexts.
func foreignTexts(sentences []string) []string {
	var out []string
	k := 0
	next := func() string { k = (k*7 + 3) % len(sentences); return sentences[k] }
	for range 256 {
		var body strings.Builder
		for body.Len() < 1500 {
			body.WriteString("<p>" + next() + " " + next() + " " + next() + "</p>\n")
		}
		out = append(out, next(), next()+" "+next(), body.String())
	}
	return out
}
