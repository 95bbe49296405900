package htmlsafe

import (
	"strings"
	"testing"
)

// TestQuietEndCount: the skip-ahead that finds text '>' and '"' by
// counting them stops where the scan that searches for them stops, from
// every place of each body.
func TestQuietEndCount(t *testing.T) {
	bodies := []string{
		`<p>एक</p><p>x > y</p>`,
		`<p class="a">"उद्धरण"</p>`,
		`<p>a</p>` + strings.Repeat(`<a href="https://x.example/">लिंक</a> `, 20) + `2 > 1`,
		`<p title="t">a</p><p>b &amp; c</p><p>it's</p>` + "<p>cr\r</p>",
		`<img src="https://x.example/a.png" alt="x" /><p>"</p>`,
		`<p>no stop at all</p>`,
		`>"<p a="b">`,
		newsroomBody,
	}
	for _, tt := range hostileCases {
		bodies = append(bodies, tt.in)
	}
	for _, body := range bodies {
		for i := 0; i <= len(body); i++ {
			fast := newState(Outgoing)
			fast.baseStr = hostileInBase
			fast.quiet.reset()
			got := fast.quietEnd(body, i)
			fast.release()
			exact := newState(Outgoing)
			exact.baseStr = hostileInBase
			exact.quiet.reset()
			exact.quiet.exact = true
			want := exact.quietEnd(body, i)
			exact.release()
			if got != want {
				t.Fatalf("quietEnd(%q, %d) = %d, searching every stop: %d", body, i, got, want)
			}
		}
	}
}
