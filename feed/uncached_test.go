package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/htmlsafe"
	"github.com/khabar/khabar/internal/xmltext"
)

// The uncached render path: every item rendered straight into the page,
// the item cache neither read nor filled. It is what a cold render costs
// without the cache's bookkeeping, kept here so that the benchmarks can
// compare it with gorilla/feeds and the tests can check that it writes
// the same bytes as the cached path.

// appendPageUncached appends p rendered in format f to dst, like
// AppendPage, without the item cache: every item is rendered straight into
// dst, and the cache is neither read nor filled. The output is
// byte-identical to AppendPage's.
//
// Use it for a page rendered once and not again soon (a one-off export,
// an archive page nobody asked for before), where caching its items would
// only cost memory and the time to keep them; Write and AppendPage pay
// that once so that re-rendering after a change costs one item.
func (r *Renderer) appendPageUncached(dst []byte, p *Page, f Format) []byte {
	dst = r.appendHead(dst, p, f)
	var scratch []byte // the filtered body, when the policy changes it
	for i, a := range p.Items {
		if i > 0 {
			dst = append(dst, itemSep[f]...)
		}
		if !p.clean(i) {
			a = cleanArticle(a)
		}
		var body string
		body, scratch = r.s.filterBodyTo(scratch, a)
		dst = r.appendItem(dst, a, &bodyRef{s: body, known: true}, f)
	}
	return append(dst, tail(f, len(p.Items) == 0)...)
}

// writeUncached writes p in format f to w with one Write call, like
// Write, without the item cache (see appendPageUncached). When w offers
// AvailableBuffer (as *bytes.Buffer and *bufio.Writer do) the page is
// rendered straight into w's spare capacity; otherwise into a pooled
// buffer.
func (r *Renderer) writeUncached(w io.Writer, p *Page, f Format) error {
	if ab, ok := w.(interface{ AvailableBuffer() []byte }); ok {
		_, err := w.Write(r.appendPageUncached(ab.AvailableBuffer(), p, f))
		return err
	}
	bp := pageBufPool.Get().(*[]byte)
	b := r.appendPageUncached((*bp)[:0], p, f)
	_, err := w.Write(b)
	if cap(b) <= maxPooledPage {
		*bp = b[:0]
		pageBufPool.Put(bp)
	}
	return err
}

// maxPooledPage is the largest buffer writeUncached keeps for reuse.
const maxPooledPage = 4 << 20

var pageBufPool = sync.Pool{New: func() any { return new([]byte) }}

// renderUncached writes page n of k's feed in format f to w: Page then
// writeUncached.
func (r *Renderer) renderUncached(w io.Writer, c *khabar.Catalog, k khabar.Key, f Format, n int) error {
	p, err := r.Page(c, k, n)
	if err != nil {
		return err
	}
	return r.writeUncached(w, p, f)
}

// onlyWriter hides bytes.Buffer's AvailableBuffer, so writeUncached takes
// its pooled-buffer path.
type onlyWriter struct{ b bytes.Buffer }

func (w *onlyWriter) Write(p []byte) (int, error) { return w.b.Write(p) }

// TestUncachedMatchesCached renders every page of every feed of the feed
// fixture and the shared corpus in every format, under both content
// policies, through the item cache (cold, then warm) and without it (into
// a buffer with spare capacity, into a plain writer, appended after a
// prefix): all must be byte-identical, and the uncached renders must leave
// the item cache empty.
func TestUncachedMatchesCached(t *testing.T) {
	catalogs := []struct {
		name string
		c    func(testing.TB) *khabar.Catalog
	}{{"fixture", fixture}, {"corpus", corpus}}
	for _, cat := range catalogs {
		for _, pol := range []ContentPolicy{SafeContent, RawContent} {
			t.Run(cat.name+"/"+pol.String(), func(t *testing.T) {
				c := cat.c(t)
				cfg := testConfig()
				cfg.ContentPolicy = pol
				cached, _ := NewRenderer(cfg)
				uncached, _ := NewRenderer(cfg)
				pages := 0
				for _, k := range allKeys(c) {
					for n := 1; ; n++ {
						p, err := cached.Page(c, k, n)
						if errors.Is(err, ErrNoPage) {
							break
						}
						if err != nil {
							t.Fatalf("Page(%v, %d): %v", k, n, err)
						}
						pages++
						for _, f := range Formats {
							checkUncached(t, fmt.Sprintf("%v page %d %v", k, n, f), cached, uncached, p, f)
						}
					}
				}
				if pages < len(allKeys(c)) {
					t.Fatalf("rendered %d pages for %d feeds", pages, len(allKeys(c)))
				}
				uncached.mu.RLock()
				defer uncached.mu.RUnlock()
				if len(uncached.items) != 0 || uncached.heldBytes != 0 {
					t.Errorf("uncached renders left %d items (%d bytes) in the cache, want none", len(uncached.items), uncached.heldBytes)
				}
			})
		}
	}
}

// checkUncached compares every way of writing p in format f.
func checkUncached(t *testing.T, what string, cached, uncached *Renderer, p *Page, f Format) {
	t.Helper()
	var cold bytes.Buffer
	if err := cached.Write(&cold, p, f); err != nil {
		t.Fatalf("%s: Write: %v", what, err)
	}
	want := cold.Bytes()
	warm := cached.AppendPage(nil, p, f)
	if !bytes.Equal(warm, want) {
		t.Fatalf("%s: AppendPage from a warm cache differs from the cold Write", what)
	}
	var spare bytes.Buffer
	spare.Grow(len(want) + 4096)
	if err := uncached.writeUncached(&spare, p, f); err != nil {
		t.Fatalf("%s: writeUncached: %v", what, err)
	}
	var plain onlyWriter
	if err := uncached.writeUncached(&plain, p, f); err != nil {
		t.Fatalf("%s: writeUncached (plain writer): %v", what, err)
	}
	prefixed := uncached.appendPageUncached([]byte("prefix"), p, f)
	for _, got := range []struct {
		how string
		b   []byte
	}{
		{"writeUncached into a bytes.Buffer", spare.Bytes()},
		{"writeUncached into a plain writer", plain.b.Bytes()},
		{"appendPageUncached after a prefix", bytes.TrimPrefix(prefixed, []byte("prefix"))},
	} {
		if !bytes.Equal(got.b, want) {
			i := 0
			for i < len(got.b) && i < len(want) && got.b[i] == want[i] {
				i++
			}
			t.Fatalf("%s: %s differs from the cached render at byte %d of %d/%d:\ngot  %q\nwant %q",
				what, got.how, i, len(got.b), len(want), around(got.b, i), around(want, i))
		}
	}
}

func around(b []byte, i int) []byte { return b[max(0, i-40):min(len(b), i+40)] }

// TestUncachedHandBuilt checks that writeUncached cleans the articles of a
// hand-built page as the cached path does.
func TestUncachedHandBuilt(t *testing.T) {
	c := fixture(t)
	r, _ := NewRenderer(testConfig())
	p, err := r.Page(c, khabar.SiteKey(), 1)
	if err != nil {
		t.Fatal(err)
	}
	dirty := p.Items[0].Clone()
	dirty.ID = "dirty-2"
	dirty.Title = "bad\x01 title \uffff & <b>"
	dirty.Summary = "sum\x0b"
	dirty.ContentHTML = "<p onclick=\"x()\">body\x00 ]]> end</p>"
	dirty.URL = "https://x.example/पथ?a=1&b=2"
	swapped := *p
	swapped.Items = append([]*khabar.Article{dirty}, p.Items[1:]...)
	byHand := &Page{Key: khabar.SiteKey(), Title: "hand\x05made", Number: 1, Last: 1, Total: 1, Items: []*khabar.Article{dirty}, Updated: dirty.Published}
	empty := &Page{Key: khabar.TagKey("none"), Title: "empty", Number: 1, Last: 1, Updated: fixedNow}
	for i, pg := range []*Page{&swapped, byHand, empty} {
		for _, f := range Formats {
			r2, _ := NewRenderer(testConfig())
			checkUncached(t, fmt.Sprintf("page %d %v", i, f), r, r2, pg, f)
			var buf bytes.Buffer
			r2.writeUncached(&buf, pg, f)
			checkChars(t, buf.Bytes())
			if f == JSON {
				if !json.Valid(buf.Bytes()) {
					t.Errorf("page %d: JSON not valid:\n%s", i, buf.Bytes())
				}
			} else if err := wellFormed(buf.Bytes()); err != nil {
				t.Errorf("page %d %v: %v\n%s", i, f, err, buf.Bytes())
			}
		}
	}
}

// TestUncachedConcurrent hammers one Renderer with uncached and cached
// renders of the same feeds from several goroutines (run with -race).
func TestUncachedConcurrent(t *testing.T) {
	c := fixture(t)
	r, _ := NewRenderer(testConfig())
	keys := allKeys(c)
	want := make(map[string][]byte)
	for _, k := range keys {
		for _, f := range Formats {
			ref, _ := NewRenderer(testConfig())
			want[fmt.Sprint(k, f)] = render(t, ref, c, k, f, 1)
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, k := range keys {
				f := Formats[(i+g)%len(Formats)]
				var buf bytes.Buffer
				var w interface {
					Write([]byte) (int, error)
				} = &buf
				var plain onlyWriter
				if g%2 == 1 {
					w = &plain
				}
				var err error
				if (i+g)%3 == 0 {
					err = r.Render(w, c, k, f, 1)
				} else {
					err = r.renderUncached(w, c, k, f, 1)
				}
				if err != nil {
					t.Errorf("%v %v: %v", k, f, err)
					return
				}
				got := buf.Bytes()
				if g%2 == 1 {
					got = plain.b.Bytes()
				}
				if !bytes.Equal(got, want[fmt.Sprint(k, f)]) {
					t.Errorf("goroutine %d: %v %v differs from a lone render", g, k, f)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestRenderUncachedErrors(t *testing.T) {
	c := fixture(t)
	r, _ := NewRenderer(testConfig())
	var buf bytes.Buffer
	if err := r.renderUncached(&buf, c, khabar.TagKey("no-such-tag"), RSS, 1); !errors.Is(err, ErrNoFeed) {
		t.Errorf("unknown tag: got %v, want ErrNoFeed", err)
	}
	if err := r.renderUncached(&buf, c, khabar.SiteKey(), RSS, 1000); !errors.Is(err, ErrNoPage) {
		t.Errorf("page 1000: got %v, want ErrNoPage", err)
	}
	if buf.Len() != 0 {
		t.Errorf("failed renders wrote %d bytes", buf.Len())
	}
	werr := errors.New("disk full")
	if err := r.renderUncached(failWriter{werr}, c, khabar.SiteKey(), RSS, 1); !errors.Is(err, werr) {
		t.Errorf("failing writer: got %v, want %v", err, werr)
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

// TestDateFormats checks the hand-written date writers against package
// time's layouts, over zones with odd offsets and years at the edges.
func TestDateFormats(t *testing.T) {
	zones := []*time.Location{
		time.UTC, ist, time.FixedZone("NPT", 5*3600+45*60), time.FixedZone("W", -(9*3600 + 30*60)),
		time.FixedZone("LMT", -(75)), time.FixedZone("LMT2", 4*3600+3*60+17), time.FixedZone("ZERO", 0),
	}
	if kol, err := time.LoadLocation("Asia/Kolkata"); err == nil {
		zones = append(zones, kol) // 1941's +06:30 and LMT +05:53:28
	}
	times := []time.Time{
		time.Date(2026, 11, 20, 9, 30, 0, 0, ist), time.Date(2026, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-5, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1900, 2, 28, 12, 0, 0, 0, time.UTC), time.Date(2000, 2, 29, 1, 2, 3, 0, time.UTC),
		time.Date(1941, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(1854, 6, 1, 0, 0, 0, 0, time.UTC), {},
	}
	for i := range 400 {
		times = append(times, time.Unix(int64(i)*7919*3607+int64(i)*int64(i)*86413, 0))
	}
	for _, loc := range zones {
		for _, tm := range times {
			if got, want := string(appendDate822(nil, tm, loc)), tm.In(loc).Format(rfc822); got != want {
				t.Errorf("appendDate822(%v, %v) = %q, want %q", tm, loc, got, want)
			}
			if got, want := string(appendDate3339(nil, tm, loc)), tm.In(loc).Format(time.RFC3339); got != want {
				t.Errorf("appendDate3339(%v, %v) = %q, want %q", tm, loc, got, want)
			}
			if got, want := string(appendDay(nil, tm.In(loc))), tm.UTC().Format("2006-01-02"); got != want {
				t.Errorf("appendDay(%v) = %q, want %q", tm, got, want)
			}
		}
	}
}

// TestAppendURIHostile checks that a URL khabar.URI cannot fully tame (a
// scheme or host it copies as it is) still cannot break out of an XML
// attribute or a JSON string.
func TestAppendURIHostile(t *testing.T) {
	for _, s := range []string{`ht"tp://x.example/`, `https://a"b<c>.example/`, "https://x\x01y.example/p", `h\t"tp://x/`} {
		x := string(xmltext.AppendURI(nil, s, "&amp;"))
		if strings.ContainsAny(x, "\"<>\x01") {
			t.Errorf("xmltext.AppendURI(%q, XML) = %q: unescaped quote, bracket or control character", s, x)
		}
		if err := wellFormed([]byte(`<a href="` + x + `">` + x + `</a>`)); err != nil {
			t.Errorf("xmltext.AppendURI(%q, XML) = %q: %v", s, x, err)
		}
		j := `"` + string(xmltext.AppendURI(nil, s, "&")) + `"`
		var back string
		if err := json.Unmarshal([]byte(j), &back); err != nil {
			t.Errorf("xmltext.AppendURI(%q, JSON) = %s: %v", s, j, err)
		}
	}
}

// filterBodyTo is filterBody writing a body the policy changes into buf
// (from its start) instead of a new string: it returns the body, which
// may view buf's array and is valid until buf is written again, and buf
// as extended.
func (s *site) filterBodyTo(buf []byte, a *khabar.Article) (string, []byte) {
	if s.ContentPolicy == RawContent {
		return a.ContentHTML, buf
	}
	out, same := htmlsafe.Outgoing.AppendSanitized(buf[:0], a.ContentHTML, a.URL)
	if same {
		return a.ContentHTML, out
	}
	if len(out) == 0 {
		return "", out
	}
	return unsafe.String(&out[0], len(out)), out
}

// TestBodyReused changes the title of every article of the corpus's site
// feed, one at a time, and the body of one: the warm Renderer keeps the
// filtered body of an article whose ContentHTML and URL did not change
// (the same string, not filtered again), filters a changed body anew, and
// writes what a fresh Renderer writes.
func TestBodyReused(t *testing.T) {
	c := corpus(t)
	r, _ := NewRenderer(testConfig())
	var buf bytes.Buffer
	if err := r.Render(&buf, c, khabar.SiteKey(), RSS, 1); err != nil {
		t.Fatal(err)
	}
	p, _ := r.Page(c, khabar.SiteKey(), 1)
	changed := 0
	for i, a := range p.Items {
		na := a.Clone()
		na.Title += " (updated)"
		if i == 0 {
			na.ContentHTML += "<p>Update: <b>more</b>.</p>"
		}
		if err := c.Upsert(na); err != nil {
			t.Fatal(err)
		}
		r.mu.RLock()
		before := r.items[a.ID].body
		r.mu.RUnlock()
		buf.Reset()
		if err := r.Render(&buf, c, khabar.SiteKey(), RSS, 1); err != nil {
			t.Fatal(err)
		}
		fresh, _ := NewRenderer(testConfig())
		var want bytes.Buffer
		fresh.Render(&want, c, khabar.SiteKey(), RSS, 1)
		if !bytes.Equal(buf.Bytes(), want.Bytes()) {
			t.Fatalf("%s: the warm render differs from a fresh one", a.ID)
		}
		r.mu.RLock()
		ic := r.items[a.ID]
		after := ic.body
		r.mu.RUnlock()
		if ic.a == a {
			t.Fatalf("%s: the cache still holds the old snapshot", a.ID)
		}
		same := len(before) == len(after) && unsafe.StringData(before) == unsafe.StringData(after)
		newContent := after == ic.a.ContentHTML && unsafe.StringData(after) == unsafe.StringData(ic.a.ContentHTML)
		switch {
		case i == 0 && (same || after == before):
			t.Errorf("%s: a changed body was not filtered again", a.ID)
		case i > 0 && !same && !newContent:
			t.Errorf("%s: an unchanged body was filtered again", a.ID)
		case i > 0 && !same:
			changed++ // the policy left it as it was: the new snapshot's ContentHTML
		}
	}
	t.Logf("%d of %d bodies were the article's own ContentHTML", changed, len(p.Items)-1)
}
