package upstream

import (
	"bytes"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

// peakHeap returns by how much the bytes in heap objects grew, at most,
// while f ran, sampling runtime/metrics every millisecond.
func peakHeap(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	runtime.GC()
	metrics.Read(sample)
	base, peak := sample[0].Value.Uint64(), uint64(0)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: sample[0].Name}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(stop)
	<-done
	return peak - min(peak, base)
}

// TestHostileDocumentMemory parses the documents of issue 15 — a 14 MB
// RSS of two million empty items and a 15 MB JSON Feed of empty items —
// and checks the heap they make the parser hold: before the item limit,
// 1.4 GB and 4 GB.
func TestHostileDocumentMemory(t *testing.T) {
	const limit = 120 << 20
	repeat := func(head, item, tail string, size int) []byte {
		var b bytes.Buffer
		b.Grow(size + len(head) + len(tail))
		b.WriteString(head)
		for b.Len() < size {
			b.WriteString(item)
		}
		b.WriteString(tail)
		return b.Bytes()
	}
	for _, tc := range []struct {
		name string
		doc  []byte
	}{
		{"rss", repeat(`<rss version="2.0"><channel><title>t</title>`, `<item/>`, `</channel></rss>`, 14<<20)},
		{"json", repeat(`{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{}`, `,{}`, `]}`, 15<<20)},
		// One item of about 2.4 million namespaced elements (766 MB in
		// gofeed before MaxItemElements), between two good items.
		{"flood-in-one-item", repeat(`<rss version="2.0" xmlns:x="urn:x"><channel><title>t</title>`+
			`<item><title>before</title><link>https://a.example/1</link><pubDate>Tue, 24 Nov 2026 13:00:00 GMT</pubDate></item>`+
			`<item><title>flood</title><link>https://a.example/2</link>`, `<x:y/>`,
			`</item><item><title>after</title><link>https://a.example/3</link><pubDate>Tue, 24 Nov 2026 14:00:00 GMT</pubDate></item></channel></rss>`, 14<<20)},
		// 2.4 million elements spread over items of 200 each: the
		// document is cut at MaxElements.
		{"flood-over-items", repeat(`<rss version="2.0" xmlns:x="urn:x"><channel><title>t</title>`,
			`<item><title>i</title><link>https://a.example/i</link>`+strings.Repeat(`<x:y/>`, 200)+`</item>`, `</channel></rss>`, 14<<20)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n int
			grew := peakHeap(func() {
				f, _ := (&Parser{}).Parse(tc.doc, "https://a.example/feed", "")
				if f != nil {
					n = len(f.Articles)
				}
			})
			t.Logf("%d bytes: heap grew by at most %d MiB, %d articles", len(tc.doc), grew>>20, n)
			if tc.name == "flood-in-one-item" && n != 2 {
				t.Errorf("%d articles, want the two good items around the flooded one", n)
			}
			if grew > limit {
				t.Errorf("parsing %d bytes took %d MiB of heap, want at most %d MiB", len(tc.doc), grew>>20, limit>>20)
			}
		})
	}
}
