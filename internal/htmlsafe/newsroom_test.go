package htmlsafe

import (
	"strings"
	"testing"

	"github.com/khabar/khabar/internal/synth"
)

// newsroomMix returns 50 bodies like the feed benchmarks' (about 6 KB each),
// each with one of synth.NewsroomEmbeds after the paragraph nearest its middle.
func newsroomMix() []string {
	var bodies []string
	for i, a := range synth.Generate(synth.Config{Articles: 50, ContentBytes: 6000, Categories: 20, Tags: 60, Authors: 8}) {
		body := synth.WithEmbed(a.ContentHTML, synth.NewsroomEmbeds[i%len(synth.NewsroomEmbeds)])
		bodies = append(bodies, body)
	}
	return bodies
}

// TestOutgoingNewsroomMix: on bodies with an embed at their start, in
// their middle and at their end, and on each embed alone, Outgoing's
// entry points write exactly what the x/net/html engine wrote.
func TestOutgoingNewsroomMix(t *testing.T) {
	const base = "https://news.example.in/2026/11/24/kanpur-rain/"
	bodies := newsroomMix()
	for i, e := range synth.NewsroomEmbeds {
		clean := synth.Generate(synth.Config{Articles: 1, ContentBytes: 2000})[0].ContentHTML
		bodies = append(bodies, e, e+clean, clean+e, e+"\n"+e, strings.ReplaceAll(clean, "</p>", "</p>"+synth.NewsroomEmbeds[(i+1)%len(synth.NewsroomEmbeds)]))
	}
	for _, body := range bodies {
		checkOutgoing(t, body, base)
	}
}

// BenchmarkOutgoingMix is Outgoing on 50 bodies like the feed benchmarks'
// (newsroomMix), each appended to one reused buffer, as the RSS writer
// does; embeds/ is the embeds alone, clean/ the bodies without them.
//
//	go test -run '^$' -bench OutgoingMix -benchtime 2000x -count 3 ./internal/htmlsafe
func BenchmarkOutgoingMix(b *testing.B) {
	const base = "https://news.example.in/2026/11/24/kanpur-rain/"
	var clean, embeds []string
	for i, a := range synth.Generate(synth.Config{Articles: 50, ContentBytes: 6000, Categories: 20, Tags: 60, Authors: 8}) {
		clean = append(clean, a.ContentHTML)
		embeds = append(embeds, synth.NewsroomEmbeds[i%len(synth.NewsroomEmbeds)])
	}
	for _, bodies := range []struct {
		name string
		s    []string
	}{{"mix", newsroomMix()}, {"embeds", embeds}, {"clean", clean}} {
		b.Run(bodies.name, func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				for _, s := range bodies.s {
					buf, _ = Outgoing.AppendSanitized(buf[:0], s, base)
				}
			}
		})
	}
}
