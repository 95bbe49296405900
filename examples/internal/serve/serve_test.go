package serve

import (
	"net"
	"regexp"
	"strings"
	"testing"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/feed"
)

// TestHome: every home URL an example builds from its listening address
// makes a Renderer: an IPv6 address ("-addr :8080" listens on [::]) gives
// localhost, which a tag: URI can name; two examples on two ports publish
// distinct Atom feed ids.
func TestHome(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/",
		"[::]:8080":      "http://localhost:8080/",
		"[::1]:8081":     "http://localhost:8081/",
	} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := Home(a); got != want {
			t.Errorf("Home(%s) = %q, want %q", addr, got, want)
		}
	}
	idre := regexp.MustCompile(`<id>([^<]*)</id>`)
	id := func(home string) string {
		r, err := feed.NewRenderer(feed.Config{HomeURL: home})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := r.Render(&b, khabar.NewCatalog(), khabar.SiteKey(), feed.Atom, 1); err != nil {
			t.Fatal(err)
		}
		return idre.FindStringSubmatch(b.String())[1]
	}
	a, _ := net.ResolveTCPAddr("tcp", "[::]:8080")
	b, _ := net.ResolveTCPAddr("tcp", "[::]:8081")
	if x, y := id(Home(a)), id(Home(b)); x == y {
		t.Errorf("two examples on [::]:8080 and [::]:8081 share the Atom feed id %q", x)
	}
}
