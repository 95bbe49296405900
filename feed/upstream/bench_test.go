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
func genRSS(w io.Writer, n, contentBytes int) {
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
			fmt.Fprintf(bw, "<content:encoded><![CDATA[<p><a href=\"/category/news/\">News</a> <img src=\"/wp-content/uploads/%d.jpg\" alt=\"चित्र\"></p>%s]]></content:encoded>\n", done+i, a.ContentHTML)
			if a.Image != nil {
				fmt.Fprintf(bw, "<media:thumbnail url=\"%s\" width=\"300\" height=\"200\"/>\n", html.EscapeString(a.Image.URL))
			}
			bw.WriteString("</item>\n")
		}
	}
	bw.WriteString("</channel></rss>\n")
}

func feed50(b testing.TB) []byte {
	var buf bytes.Buffer
	genRSS(&buf, 50, 3000)
	return buf.Bytes()
}

// BenchmarkParse50 compares parse + normalize + sanitize of a 50-item
// feed with gofeed's Parse alone on the same bytes. The "ratio" metric of
// the vs sub-benchmark is the median upstream time over the median gofeed
// time (target ≤ 1.5).
func BenchmarkParse50(b *testing.B) {
	data := feed50(b)
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
	gf, err := gofeed.NewParser().Parse(bytes.NewReader(feed50(b)))
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
