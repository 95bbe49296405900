package feed

import (
	"bytes"
	"testing"
	"time"
	"unsafe"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/xmltext"
)

// bodyCases are bodies for each way the cache can keep one: changed by
// the policy (kept as a run of the RSS or Atom item), filtered to nothing
// (no content element), left as it was (the article's ContentHTML), and
// holding "]]>" (split in CDATA; SafeContent escapes a ">" it rewrites,
// RawContent keeps it).
var bodyCases = []string{
	`<p>खबर <b>एक</b></p><script>alert(1)</script><p style="color:red">दो</p>`,
	`<p>a ]]&gt; b</p><script>x</script>` + "<![CDATA[ c ]]>",
	`<script>only()</script>`,
	`<p>साफ़ <a href="https://example.in/">कड़ी</a></p>`,
	`<p>a ]]> b</p>`,
}

func bodyCatalog(t *testing.T) *khabar.Catalog {
	t.Helper()
	c := khabar.NewCatalog()
	day := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i, body := range bodyCases {
		a := &khabar.Article{
			ID: "b-" + itoa(i), Title: "शीर्षक " + itoa(i), URL: "https://news.example.in/b/" + itoa(i),
			ContentHTML: body, Published: day.Add(time.Duration(i) * time.Hour),
		}
		if err := c.Upsert(a); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// TestBodyKept renders every format cold and warm after each article's
// title changed, in every order of formats: the bytes are a fresh
// Renderer's, and an entry's body is its article's ContentHTML, a run of
// its own RSS or Atom item, the escaped run of its own JSON item, or a
// string of its own, never a view of an
// older snapshot's items (which would keep their block alive).
func TestBodyKept(t *testing.T) {
	orders := [][]Format{{RSS, Atom, JSON}, {JSON, RSS, Atom}, {JSON}, {Atom, JSON}}
	for _, pol := range []ContentPolicy{SafeContent, RawContent} {
		for _, order := range orders {
			testBodyKept(t, pol, order)
		}
	}
}

func testBodyKept(t *testing.T, pol ContentPolicy, order []Format) {
	cfg := testConfig()
	cfg.PageSize, cfg.ContentPolicy = 10, pol
	c := bodyCatalog(t)
	r, _ := NewRenderer(cfg)
	for round := 0; round < 3; round++ {
		for _, f := range order {
			var got, want bytes.Buffer
			if err := r.Render(&got, c, khabar.SiteKey(), f, 1); err != nil {
				t.Fatal(err)
			}
			fresh, _ := NewRenderer(cfg)
			fresh.Render(&want, c, khabar.SiteKey(), f, 1)
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("%v round %d %v: warm render differs from a fresh one:\n%s\nwant\n%s", order, round, f, got.Bytes(), want.Bytes())
			}
		}
		r.mu.RLock()
		var held int64
		for id, ic := range r.items {
			held += ic.size()
			if !ic.bodyDone {
				continue
			}
			body := ic.body
			if ic.bodyJSON {
				body = string(xmltext.AppendFromJSON(nil, ic.body))
			}
			if want := r.s.filterBody(ic.a); body != want {
				t.Errorf("%v %s: body %q, want %q", order, id, body, want)
			}
			if ic.bodyOwn || ic.body == "" || sameString(ic.body, ic.a.ContentHTML) {
				continue
			}
			if ic.bodyJSON != within(ic.body, ic.out[JSON]) || !ic.bodyJSON && !within(ic.body, ic.out[RSS]) && !within(ic.body, ic.out[Atom]) {
				t.Errorf("%v round %d %s: body is neither its own string nor in its items", order, round, id)
			}
		}
		if held != r.heldBytes {
			t.Errorf("%v: entries hold %d bytes, counted %d", order, held, r.heldBytes)
		}
		r.mu.RUnlock()
		for i := range bodyCases {
			a, _ := c.Get("b-" + itoa(i))
			na := a.Clone()
			na.Title += " (बदला)"
			if err := c.Upsert(na); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// within reports whether s lies in b's array.
func within(s string, b []byte) bool {
	if len(s) == 0 || len(b) == 0 {
		return false
	}
	p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(&b[0]))
	return p >= lo && p+uintptr(len(s)) <= lo+uintptr(len(b))
}
