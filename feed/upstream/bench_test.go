package upstream

import (
	"bufio"
	"bytes"
	"fmt"
	"html"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khabar/khabar/internal/synth"
	"github.com/mmcdole/gofeed"
)

// genRSS renders n synthetic articles as the RSS 2.0 a WordPress site
// would publish: IST dates, content:encoded with relative links and
// images, several categories, dc:creator, media:thumbnail and tracking
// parameters on links. contentBytes is the approximate body size.
func genRSS(w io.Writer, n, contentBytes int) { genRSSWith(w, n, contentBytes, false) }

// newsroomEmbeds is what news sites put between the paragraphs of a
// story, as their CMSs write it: social-media blockquotes with their
// scripts, video iframes, figures with captions and inline styles,
// responsive images with srcset. %[1]d is the item's number.
var newsroomEmbeds = []string{
	`<figure class="wp-block-image size-large" style="margin:0 0 1.5em;max-width:100%%"><img decoding="async" loading="lazy" width="1024" height="576" src="/wp-content/uploads/2026/11/photo-%[1]d-1024x576.jpg" alt="घटनास्थल पर मौजूद लोग" srcset="/wp-content/uploads/2026/11/photo-%[1]d-1024x576.jpg 1024w, /wp-content/uploads/2026/11/photo-%[1]d-300x169.jpg 300w, /wp-content/uploads/2026/11/photo-%[1]d-768x432.jpg 768w, /wp-content/uploads/2026/11/photo-%[1]d.jpg 1280w" sizes="(max-width: 1024px) 100vw, 1024px" class="wp-image-%[1]d" style="border-radius:4px;object-fit:cover"><figcaption class="wp-element-caption" style="font-size:13px;color:#555">घटनास्थल पर मौजूद लोग। <em>फ़ोटो: संवाददाता</em></figcaption></figure>`,
	`<blockquote class="twitter-tweet" data-lang="hi" data-dnt="true"><p lang="hi" dir="ltr">मुख्यमंत्री ने कहा कि राहत कार्य तेज़ी से चल रहा है और सभी प्रभावित परिवारों को मदद मिलेगी। <a href="https://twitter.com/hashtag/Kanpur?src=hash&amp;ref_src=twsrc%%5Etfw">#Kanpur</a> <a href="https://t.co/AbCdEf%[1]d">pic.twitter.com/AbCdEf%[1]d</a></p>&mdash; समाचार डेस्क (@samachar_desk) <a href="https://twitter.com/samachar_desk/status/18%[1]d0000000?ref_src=twsrc%%5Etfw">November 24, 2026</a></blockquote><script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>`,
	`<figure class="wp-block-embed is-type-video is-provider-youtube wp-block-embed-youtube wp-embed-aspect-16-9 wp-has-aspect-ratio"><div class="wp-block-embed__wrapper"><iframe loading="lazy" title="वीडियो: पूरी रिपोर्ट" width="640" height="360" src="https://www.youtube.com/embed/vid%[1]d?feature=oembed" frameborder="0" allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture; web-share" referrerpolicy="strict-origin-when-cross-origin" allowfullscreen></iframe></div><figcaption>वीडियो: पूरी रिपोर्ट</figcaption></figure>`,
	`<blockquote class="instagram-media" data-instgrm-captioned data-instgrm-permalink="https://www.instagram.com/p/Cx%[1]d/?utm_source=ig_embed&amp;utm_campaign=loading" data-instgrm-version="14" style=" background:#FFF; border:0; border-radius:3px; box-shadow:0 0 1px 0 rgba(0,0,0,0.5),0 1px 10px 0 rgba(0,0,0,0.15); margin: 1px; max-width:540px; min-width:326px; padding:0; width:99.375%%;"><div style="padding:16px;"><a href="https://www.instagram.com/p/Cx%[1]d/?utm_source=ig_embed&amp;utm_campaign=loading" style=" background:#FFFFFF; line-height:0; padding:0 0; text-align:center; text-decoration:none; width:100%%;" target="_blank"><div style=" display: flex; flex-direction: row; align-items: center;"><div style="background-color: #F4F4F4; border-radius: 50%%; flex-grow: 0; height: 40px; margin-right: 14px; width: 40px;"></div></div><div style="padding: 19%% 0;"></div><div style="padding-top: 8px;"><div style=" color:#3897f0; font-family:Arial,sans-serif; font-size:14px; font-style:normal; font-weight:550; line-height:18px;">View this post on Instagram</div></div></a><p style=" color:#c9c8cd; font-family:Arial,sans-serif; font-size:14px; line-height:17px; margin-bottom:0; margin-top:8px; overflow:hidden; padding:8px 0 7px; text-align:center; text-overflow:ellipsis; white-space:nowrap;"><a href="https://www.instagram.com/p/Cx%[1]d/?utm_source=ig_embed&amp;utm_campaign=loading" style=" color:#c9c8cd; font-family:Arial,sans-serif; font-size:14px; font-style:normal; font-weight:normal; line-height:17px; text-decoration:none;" target="_blank">A post shared by समाचार (@samachar)</a></p></div></blockquote><script async src="//www.instagram.com/embed.js"></script>`,
	`<div class="related-box" style="border-left:4px solid #c00;padding:8px 12px;background:#fafafa"><strong>यह भी पढ़ें:</strong> <a href="/2026/11/23/related-%[1]d/?utm_source=inline&amp;utm_medium=related" target="_blank" rel="noopener">पिछली ख़बर: शहर में जलभराव</a></div>`,
	`<picture><source type="image/webp" srcset="https://cdn.example.in/img/%[1]d-800.webp 800w, https://cdn.example.in/img/%[1]d-1600.webp 1600w"><img src="https://cdn.example.in/img/%[1]d-800.jpg" srcset="https://cdn.example.in/img/%[1]d-800.jpg 800w, https://cdn.example.in/img/%[1]d-1600.jpg 1600w" sizes="(max-width:800px) 100vw, 800px" alt="ग्राफ़िक" width="800" height="450" loading="lazy"></picture>`,
}

// newsroomBody weaves the embeds between a plain body's paragraphs.
func newsroomBody(i int, plain string) string {
	paras := strings.SplitAfter(plain, "</p>")
	var b strings.Builder
	for k, p := range paras {
		b.WriteString(p)
		if k < len(newsroomEmbeds) && strings.TrimSpace(p) != "" {
			fmt.Fprintf(&b, newsroomEmbeds[(i+k)%len(newsroomEmbeds)], i)
		}
	}
	return b.String()
}

// genRSSWith is genRSS; embeds puts newsroom embeds in each body.
func genRSSWith(w io.Writer, n, contentBytes int, embeds bool) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Synthetic समाचार</title><link>https://synth.example.in/</link><description>generated</description><language>hi</language>
`)
	const batch = 500
	for done := 0; done < n; done += batch {
		arts := synth.Generate(synth.Config{Articles: min(batch, n-done), Seed: uint64(done + 1), ContentBytes: contentBytes})
		for i, a := range arts {
			fmt.Fprintf(bw, "<item><title>%s</title><link>%s?utm_source=rss&amp;utm_medium=feed</link><guid isPermaLink=\"false\">synth-%d</guid>\n",
				html.EscapeString(a.Title), html.EscapeString(a.URL), done+i)
			fmt.Fprintf(bw, "<pubDate>%s</pubDate>\n", a.Published.Format("Mon, 02 Jan 2006 15:04:05")+" IST")
			for _, au := range a.Authors {
				fmt.Fprintf(bw, "<dc:creator><![CDATA[%s]]></dc:creator>\n", au.Name)
			}
			for _, c := range a.Categories {
				fmt.Fprintf(bw, "<category><![CDATA[%s]]></category>\n", c.Name)
			}
			for _, t := range a.Tags {
				fmt.Fprintf(bw, "<category><![CDATA[%s]]></category>\n", t.Name)
			}
			fmt.Fprintf(bw, "<description><![CDATA[%s]]></description>\n", a.Summary)
			body := a.ContentHTML
			if embeds {
				body = newsroomBody(done+i, body)
			}
			fmt.Fprintf(bw, "<content:encoded><![CDATA[<p><a href=\"/category/news/\">News</a> <img src=\"/wp-content/uploads/%d.jpg\" alt=\"चित्र\"></p>%s]]></content:encoded>\n", done+i, body)
			if a.Image != nil {
				fmt.Fprintf(bw, "<media:thumbnail url=\"%s\" width=\"300\" height=\"200\"/>\n", html.EscapeString(a.Image.URL))
			}
			bw.WriteString("</item>\n")
		}
	}
	bw.WriteString("</channel></rss>\n")
}

// feed50 is a 50-item feed: realistic (several KB of body per item with
// the embeds newsrooms publish) or clean (text paragraphs only).
func feed50(realistic bool) []byte {
	var buf bytes.Buffer
	genRSSWith(&buf, 50, 3000, realistic)
	return buf.Bytes()
}

// BenchmarkParse50 compares parse + normalize + sanitize of a 50-item
// feed with gofeed's Parse alone on the same bytes, for realistic bodies
// and for clean ones. The "ratio" metric of each vs sub-benchmark is the
// median upstream time over the median gofeed time (target ≤ 1.2).
func BenchmarkParse50(b *testing.B) {
	for _, realistic := range []bool{true, false} {
		name := "clean"
		if realistic {
			name = "realistic"
		}
		b.Run(name, func(b *testing.B) { benchParse(b, feed50(realistic)) })
	}
}

func benchParse(b *testing.B, data []byte) {
	b.Run("gofeed", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := gofeed.NewParser().Parse(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("upstream", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		p := &Parser{}
		for b.Loop() {
			if _, err := p.Parse(data, "https://synth.example.in/feed/", ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("vs", func(b *testing.B) {
		// Both run in every iteration, alternating, so that load from
		// elsewhere hits both alike; the ratio is of the medians.
		p := &Parser{}
		var tg, tu []time.Duration
		for b.Loop() {
			t0 := time.Now()
			if _, err := gofeed.NewParser().Parse(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			if _, err := p.Parse(data, "https://synth.example.in/feed/", ""); err != nil {
				b.Fatal(err)
			}
			tu = append(tu, time.Since(t1))
			tg = append(tg, t1.Sub(t0))
		}
		mg, mu := median(tg), median(tu)
		b.ReportMetric(float64(mg.Nanoseconds()), "gofeed-ns/op")
		b.ReportMetric(float64(mu.Nanoseconds()), "upstream-ns/op")
		b.ReportMetric(float64(mu)/float64(mg), "ratio")
	})
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkSanitize50 isolates the sanitizer's share of the cost.
func BenchmarkSanitize50(b *testing.B) {
	gf, err := gofeed.NewParser().Parse(bytes.NewReader(feed50(true)))
	if err != nil {
		b.Fatal(err)
	}
	s := newSanitizer(nil)
	base := absHTTP("https://synth.example.in/")
	b.ReportAllocs()
	for b.Loop() {
		for _, it := range gf.Items {
			s.clean(it.Content, base)
		}
	}
}

const peakEnv = "KHABAR_UPSTREAM_PEAK"

// BenchmarkPeakMemory50MB measures, in child processes, the peak heap of
// parsing a generated 50 MB feed with gofeed alone and with this package
// (the 50 MB input, shared by both, is read before the baseline). Metrics:
// gofeed-MB, upstream-MB and ratio (target ≤ 1).
func BenchmarkPeakMemory50MB(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.xml")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	genRSS(f, 6000, 8000)
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(path)
	peak := func(mode string) (float64, float64) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPeakMemoryChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), peakEnv+"="+mode+":"+path)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("child %s: %v\n%s", mode, err, out)
		}
		var heap, rss float64
		for _, line := range strings.Split(string(out), "\n") {
			if rest, ok := strings.CutPrefix(line, "PEAK "); ok {
				fs := strings.Fields(rest)
				heap, _ = strconv.ParseFloat(fs[0], 64)
				rss, _ = strconv.ParseFloat(fs[1], 64)
			}
		}
		if heap == 0 {
			b.Fatalf("child %s printed no PEAK line:\n%s", mode, out)
		}
		return heap, rss
	}
	for b.Loop() {
		gh, gr := peak("gofeed")
		uh, ur := peak("upstream")
		b.ReportMetric(float64(fi.Size())/(1<<20), "input-MB")
		b.ReportMetric(gh, "gofeed-heap-MB")
		b.ReportMetric(uh, "upstream-heap-MB")
		b.ReportMetric(uh/gh, "heap-ratio")
		b.ReportMetric(gr, "gofeed-rss-MB")
		b.ReportMetric(ur, "upstream-rss-MB")
	}
}

// TestPeakMemoryChild is the child process of BenchmarkPeakMemory50MB; it
// does nothing unless KHABAR_UPSTREAM_PEAK is set. It prints the peak
// heap in use above the baseline (sampled every millisecond) and the
// process's peak RSS (VmHWM), both in MiB.
func TestPeakMemoryChild(t *testing.T) {
	spec := os.Getenv(peakEnv)
	if spec == "" {
		t.Skip("child of BenchmarkPeakMemory50MB")
	}
	mode, path, _ := strings.Cut(spec, ":")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var maxHeap atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > maxHeap.Load() {
				maxHeap.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	var n int
	switch mode {
	case "gofeed":
		gf, err := gofeed.NewParser().Parse(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		n = len(gf.Items)
		runtime.KeepAlive(gf)
	case "upstream":
		f, err := (&Parser{}).Parse(data, "https://synth.example.in/feed/", "")
		if err != nil {
			t.Fatal(err)
		}
		n = len(f.Articles)
		runtime.KeepAlive(f)
	}
	runtime.ReadMemStats(&ms)
	if ms.HeapInuse > maxHeap.Load() {
		maxHeap.Store(ms.HeapInuse)
	}
	close(stop)
	<-done
	hwm := 0.0
	if st, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(st), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
				hwm = kb / 1024
			}
		}
	}
	fmt.Printf("PEAK %.1f %.1f items=%d\n", float64(maxHeap.Load()-base)/(1<<20), hwm, n)
}
