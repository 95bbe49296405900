package feed

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// TestGUIDHostCanonical: item ids take HomeURL's host as it is written
// there, as they always did (lower-casing it would change the ids readers
// hold for a site whose HomeURL has capitals, and they would show every
// story again as new), without a fully qualified name's trailing dot
// (RFC 4151's DNSname has none); IDHost, lowercased, gives one form
// whatever HomeURL writes.
func TestGUIDHostCanonical(t *testing.T) {
	a := &khabar.Article{ID: "a-1042", Published: time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC)}
	guid := func(home string) string {
		cfg := testConfig()
		cfg.HomeURL = home
		r, err := NewRenderer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return r.GUID(a)
	}
	// The host as HomeURL writes it (ids readers already hold), without a
	// trailing dot, which no tag: URI has.
	for home, want := range map[string]string{
		"https://news.example.in/":        "tag:news.example.in,2026-11-20:a-1042",
		"https://news.example.in./":       "tag:news.example.in,2026-11-20:a-1042",
		"https://News.Example.IN/":        "tag:News.Example.IN,2026-11-20:a-1042",
		"http://NEWS.example.in.:8080/x/": "tag:NEWS.example.in,2026-11-20:a-1042",
	} {
		if got := guid(home); got != want {
			t.Errorf("HomeURL %q: GUID = %q, want %q", home, got, want)
		}
	}
	// IDHost, lowercased, is the one form whatever HomeURL writes.
	cfg := testConfig()
	cfg.HomeURL, cfg.IDHost = "https://News.Example.IN/", "News.Example.in"
	r, err := NewRenderer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.GUID(a); got != "tag:news.example.in,2026-11-20:a-1042" {
		t.Errorf("IDHost News.Example.in: GUID = %q", got)
	}
}

// TestHomeURLHostNotDNSName: when IDHost is empty, item ids are minted
// from HomeURL's host, which must then pass the check IDHost gets
// (validIDHost): RFC 4151 2.1's taggingEntity is authorityName "," date,
// and an authorityName is a DNS name (DNScomp *( "." DNScomp )) or an
// email address. An IPv6 literal gave "tag:::1,2026-11-20:a-1", which
// is no tag: URI; NewRenderer now refuses such a HomeURL and says to set
// IDHost, as it refuses the same names given as IDHost. An IPv4 address
// is a DNSname by that grammar: the examples' loopback addresses
// (http://127.0.0.1:8080/) keep working.
func TestHomeURLHostNotDNSName(t *testing.T) {
	a := &khabar.Article{ID: "a-1", Published: time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC)}
	for _, tt := range []struct {
		home, want string // want "" for refused
	}{
		{"http://[::1]:8080/", ""},
		{"http://[fe80::1%25en0]/", ""},
		{"http://my_site.example/", ""},
		{"https://news.example.in./", "tag:news.example.in,2026-11-20:a-1"},
		{"http://127.0.0.1:8080/", "tag:127.0.0.1,2026-11-20:a-1"},
		{"http://localhost:8080/", "tag:localhost,2026-11-20:a-1"},
	} {
		cfg := testConfig()
		cfg.HomeURL = tt.home
		r, err := NewRenderer(cfg)
		if tt.want == "" {
			if !errors.Is(err, ErrConfig) || !strings.Contains(fmt.Sprint(err), "IDHost") {
				t.Errorf("HomeURL %q: NewRenderer error %v, want ErrConfig saying to set IDHost", tt.home, err)
			}
			if _, err := NewHandler(khabar.NewCatalog(), cfg); !errors.Is(err, ErrConfig) {
				t.Errorf("HomeURL %q: NewHandler error %v, want ErrConfig", tt.home, err)
			}
			// With IDHost set, the address can be anything.
			cfg.IDHost = "news.example.in"
			if r, err = NewRenderer(cfg); err != nil {
				t.Errorf("HomeURL %q, IDHost set: %v", tt.home, err)
				continue
			}
			tt.want = "tag:news.example.in,2026-11-20:a-1"
		} else if err != nil {
			t.Errorf("HomeURL %q: %v", tt.home, err)
			continue
		}
		g := r.GUID(a)
		if g != tt.want {
			t.Errorf("HomeURL %q: GUID %q, want %q", tt.home, g, tt.want)
		}
		if host := strings.TrimPrefix(g[:strings.IndexByte(g, ',')], "tag:"); !validIDHost(host) {
			t.Errorf("HomeURL %q: GUID %q has authority %q, which is no DNS name", tt.home, g, host)
		}
	}
	for _, h := range []string{"a..b", "-a.b", "a-.b", "a.b.", ".a", "a_b", "::1", "[::1]", "a b"} {
		if validIDHost(h) {
			t.Errorf("validIDHost(%q) = true, want false", h)
		}
	}
	for _, h := range []string{"a", "news.example.in", "News.Example.IN", "xn--61b3bh3a5ab.example", "127.0.0.1", "a-b.c1"} {
		if !validIDHost(h) {
			t.Errorf("validIDHost(%q) = false, want true", h)
		}
	}
}
