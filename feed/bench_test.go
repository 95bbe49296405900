package feed

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/feeds"
	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/htmlsafe"
	"github.com/khabar/khabar/internal/synth"
)

// benchCatalog holds 50 articles with full Hindi bodies (about 6 KB of
// HTML each, like a real story), categories, tags, an author and an image.
// Each body carries one of the embeds newsrooms publish (synth.NewsroomEmbeds),
// in the middle of the story; clean keeps the bodies plain (paragraphs,
// links, emphasis), the second line of the feed benchmarks.
func benchCatalog(b *testing.B, clean bool) *khabar.Catalog {
	b.Helper()
	arts := synth.Generate(synth.Config{Articles: 50, ContentBytes: 6000, Categories: 20, Tags: 60, Authors: 8})
	if !clean {
		for i, a := range arts {
			a.ContentHTML = synth.WithEmbed(a.ContentHTML, synth.NewsroomEmbeds[i%len(synth.NewsroomEmbeds)])
		}
	}
	c := khabar.NewCatalog()
	if err := c.UpsertAll(arts); err != nil {
		b.Fatal(err)
	}
	return c
}

func benchConfig() Config {
	cfg := testConfig()
	cfg.PageSize = 50
	return cfg
}

// gorillaFeed converts the site feed's first page of c for gorilla/feeds
// with the bodies as stored (RawContent), as a gorilla/feeds user passes
// them: what gorilla/feeds writes is measured against the Renderer
// sanitizing them (SafeContent, the default) or not (RawContent).
func gorillaFeed(b *testing.B, c *khabar.Catalog) *feeds.Feed {
	cfg := benchConfig()
	cfg.ContentPolicy = RawContent
	r, _ := NewRenderer(cfg)
	p, err := r.Page(c, khabar.SiteKey(), 1)
	if err != nil {
		b.Fatal(err)
	}
	return r.Gorilla(p)
}

// gorillaWrite renders f with gorilla/feeds in the format that matches ours.
func gorillaWrite(gf *feeds.Feed, f Format, w io.Writer) error {
	switch f {
	case Atom:
		return gf.WriteAtom(w)
	case JSON:
		return gf.WriteJSON(w)
	}
	return gf.WriteRss(w)
}

// BenchmarkColdRender is a user's cold start through the public API: a
// new Renderer (empty item cache) renders the 50-article site feed from
// the catalog with Renderer.Render, which also fills the item cache, side
// by side with gorilla/feeds' WriteRss / WriteAtom / WriteJSON on the same
// articles (converted once, outside the timing), both into the same
// reused bytes.Buffer. ratio = khabar / gorilla time; the targets, on the
// realistic bodies and the default policy, are at most 0.5 for RSS and
// 0.3 for Atom and JSON. The rss, atom and json runs use the default
// ContentPolicy (SafeContent: every body is sanitized); the -raw runs use
// RawContent; the clean/ runs have plain bodies, which the sanitizer's
// quick scan passes unchanged. Beside the wall time it reports the
// process's CPU time (getrusage: user and system, all threads, so the
// garbage collector's too) during each library's render: cpu-ratio =
// khabar CPU / gorilla CPU, so that a change which trades CPU for wall
// time (work on more than one core) shows as such.
func BenchmarkColdRender(b *testing.B) {
	benchCold(b, func(r *Renderer, w io.Writer, c *khabar.Catalog, f Format) error {
		return r.Render(w, c, khabar.SiteKey(), f, 1)
	})
}

// BenchmarkColdRenderWriterOnly is BenchmarkColdRender through the
// test-only renderUncached, which writes the page straight into the
// buffer and keeps nothing: not a path users have, but the floor the
// public cold render is measured against (what the writers and the
// sanitizer cost without the cache's memory).
func BenchmarkColdRenderWriterOnly(b *testing.B) {
	benchCold(b, func(r *Renderer, w io.Writer, c *khabar.Catalog, f Format) error {
		return r.renderUncached(w, c, khabar.SiteKey(), f, 1)
	})
}

func benchCold(b *testing.B, render func(*Renderer, io.Writer, *khabar.Catalog, Format) error) {
	benchCold1(b, benchCatalog(b, false), render)
	b.Run("clean", func(b *testing.B) { benchCold1(b, benchCatalog(b, true), render) })
}

func benchCold1(b *testing.B, c *khabar.Catalog, render func(*Renderer, io.Writer, *khabar.Catalog, Format) error) {
	gf := gorillaFeed(b, c)
	for _, pol := range []ContentPolicy{SafeContent, RawContent} {
		cfg := benchConfig()
		cfg.ContentPolicy = pol
		for _, f := range Formats {
			name := f.String()
			if pol == RawContent {
				name += "-raw"
			}
			b.Run(name, func(b *testing.B) {
				var ours, theirs, oursCPU, theirsCPU time.Duration
				var buf bytes.Buffer
				b.ReportAllocs()
				for b.Loop() {
					buf.Reset()
					c0, t0 := cpuTime(), time.Now()
					if err := gorillaWrite(gf, f, &buf); err != nil {
						b.Fatal(err)
					}
					t1, c1 := time.Now(), cpuTime()
					buf.Reset()
					c2, t2 := cpuTime(), time.Now()
					r, _ := NewRenderer(cfg)
					if err := render(r, &buf, c, f); err != nil {
						b.Fatal(err)
					}
					t3, c3 := time.Now(), cpuTime()
					theirs += t1.Sub(t0)
					ours += t3.Sub(t2)
					theirsCPU += c1 - c0
					oursCPU += c3 - c2
				}
				report(b, ours, theirs)
				reportCPU(b, oursCPU, theirsCPU)
			})
		}
	}
}

// BenchmarkRerender changes one of the 50 articles (outside the timing),
// then renders the site feed again with the Renderer's item cache warm:
// one item is rendered, the 49 others are handed to the writer as the
// cache holds them, one Write call each (Renderer.Write). The writer is a
// connWriter, which takes them as a network connection's writev does,
// without copying; the -buffer runs write into a bytes.Buffer instead,
// which copies the whole page. ratio = khabar / gorilla full render time;
// the target is at most 0.05. The clean/ runs have plain bodies.
func BenchmarkRerender(b *testing.B) {
	benchRerender(b, benchCatalog(b, false))
	b.Run("clean", func(b *testing.B) { benchRerender(b, benchCatalog(b, true)) })
}

// connWriter stands for a network connection: it takes each Write as
// writev takes one of its buffers, without copying, and counts the bytes.
type connWriter struct{ n int }

func (w *connWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}

func benchRerender(b *testing.B, c *khabar.Catalog) {
	r, _ := NewRenderer(benchConfig())
	p, _ := r.Page(c, khabar.SiteKey(), 1)
	gf := gorillaFeed(b, c)
	ids := make([]string, len(p.Items))
	for i, a := range p.Items {
		ids[i] = a.ID
	}
	for _, f := range Formats {
		for _, copying := range []bool{false, true} {
			name := f.String()
			if copying {
				name += "-buffer"
			}
			b.Run(name, func(b *testing.B) {
				var ours, theirs time.Duration
				var buf bytes.Buffer
				r.Render(&buf, c, khabar.SiteKey(), f, 1) // warm
				var w io.Writer = &buf
				conn := &connWriter{}
				if !copying {
					w = conn
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					b.StopTimer()
					a, _ := c.Get(ids[i%len(ids)])
					na := a.Clone()
					na.Title = fmt.Sprintf("%s %d", p.Items[i%len(ids)].Title, i)
					if err := c.Upsert(na); err != nil {
						b.Fatal(err)
					}
					i++
					buf.Reset()
					t0 := time.Now()
					gorillaWrite(gf, f, &buf)
					theirs += time.Since(t0)
					buf.Reset()
					conn.n = 0
					b.StartTimer()
					t1 := time.Now()
					if err := r.Render(w, c, khabar.SiteKey(), f, 1); err != nil {
						b.Fatal(err)
					}
					ours += time.Since(t1)
				}
				b.StopTimer()
				if want := len(r.AppendPage(nil, mustPage(b, r, c), f)); conn.n+buf.Len() != want {
					b.Fatalf("wrote %d bytes, the page has %d", conn.n+buf.Len(), want)
				}
				report(b, ours, theirs)
			})
		}
	}
}

func mustPage(b *testing.B, r *Renderer, c *khabar.Catalog) *Page {
	p, err := r.Page(c, khabar.SiteKey(), 1)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// reportCPU reports the CPU time (user and system, all threads: the
// process's, so the garbage collector's too) beside report's wall time;
// nothing where cpuTime has no clock.
func reportCPU(b *testing.B, ours, theirs time.Duration) {
	if theirs <= 0 {
		return // no CPU clock here
	}
	n := float64(b.N)
	b.ReportMetric(float64(ours.Nanoseconds())/n, "khabar-cpu-ns/op")
	b.ReportMetric(float64(theirs.Nanoseconds())/n, "gorilla-cpu-ns/op")
	b.ReportMetric(float64(ours)/float64(theirs), "cpu-ratio")
}

func report(b *testing.B, ours, theirs time.Duration) {
	n := float64(b.N)
	b.ReportMetric(float64(ours.Nanoseconds())/n, "khabar-ns/op")
	b.ReportMetric(float64(theirs.Nanoseconds())/n, "gorilla-ns/op")
	b.ReportMetric(float64(ours)/float64(theirs), "ratio")
}

// BenchmarkServeCached serves the cached, gzipped site feed through the
// Handler (no network): the per-request cost wrk measures on top of HTTP.
func BenchmarkServeCached(b *testing.B) {
	c := benchCatalog(b, false)
	h, err := NewHandler(c, benchConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	req := httptest.NewRequest("GET", "/feed/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	h.ServeHTTP(httptest.NewRecorder(), req)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: make(http.Header)}
		for pb.Next() {
			clear(w.h)
			h.ServeHTTP(w, req)
		}
	})
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkHandlerRerender changes one article (outside the timing) and
// requests the gzipped site feed: render, ETag, gzip from cached item
// pieces and cache of a 50-article page, the latency of the first request
// after a change. The background whole-page recompression that follows is
// waited for outside the timing; BenchmarkGzipWholePage shows its cost.
func BenchmarkHandlerRerender(b *testing.B) {
	c := benchCatalog(b, false)
	h, err := NewHandler(c, benchConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	req := httptest.NewRequest("GET", "/feed/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	w := &discardWriter{h: make(http.Header)}
	h.ServeHTTP(w, req)
	ids := []string{}
	for _, a := range c.Find(khabar.Query{Limit: 50}) {
		ids = append(ids, a.ID)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		h.bg.Wait()
		a, _ := c.Get(ids[i%len(ids)])
		na := a.Clone()
		na.Title = fmt.Sprintf("%s %d", na.Title, i)
		c.Upsert(na)
		i++
		clear(w.h)
		b.StartTimer()
		h.ServeHTTP(w, req)
	}
}

// BenchmarkGzipWholePage is the background recompression of the
// 50-article RSS site feed (the whole page deflated at the default level).
func BenchmarkGzipWholePage(b *testing.B) {
	c := benchCatalog(b, false)
	r, _ := NewRenderer(benchConfig())
	p, _ := r.Page(c, khabar.SiteKey(), 1)
	body := r.AppendPage(nil, p, RSS)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		zw := gzipPool.Get().(*gzip.Writer)
		zw.Reset(&buf)
		zw.Write(body)
		zw.Close()
		gzipPool.Put(zw)
	}
}

// BenchmarkSanitizeBodies is the default SafeContent policy alone on the
// 50 bodies of BenchmarkColdRender (realistic mix; clean/: plain bodies),
// each filtered into one reused buffer as the RSS writer does: the
// sanitizer's share of a cold render.
func BenchmarkSanitizeBodies(b *testing.B) {
	for _, clean := range []bool{false, true} {
		name := "mix"
		if clean {
			name = "clean"
		}
		c := benchCatalog(b, clean)
		arts := c.Find(khabar.Query{Limit: 50})
		b.Run(name, func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				for _, a := range arts {
					buf, _ = htmlsafe.Outgoing.AppendSanitized(buf[:0], a.ContentHTML, a.URL)
				}
			}
		})
	}
}
