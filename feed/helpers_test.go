package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/khabar/khabar"
	goldenfile "github.com/khabar/khabar/internal/golden"
)

var ist = time.FixedZone("IST", 5*3600+1800)

var fixedNow = time.Date(2026, 11, 25, 10, 0, 0, 0, ist)

// testConfig is the site the tests render for.
func testConfig() Config {
	return Config{
		HomeURL:     "https://news.example.in/",
		Title:       "ख़बर Example",
		Description: "ताज़ा ख़बरें — Hindi news",
		Language:    "hi",
		Copyright:   "© 2026 Example Media",
		Icon:        "https://cdn.example.in/icon-512.png",
		Hub:         "https://hub.example.org/",
		PageSize:    3,
		Location:    ist,
		Now:         func() time.Time { return fixedNow },
	}
}

// loadCatalog reads a JSON Lines file into a new catalog.
func loadCatalog(t testing.TB, path string) *khabar.Catalog {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := khabar.NewCatalog()
	if _, err := c.ReadJSONL(f); err != nil {
		t.Fatalf("loading %s: %v", path, err)
	}
	return c
}

func fixture(t testing.TB) *khabar.Catalog { return loadCatalog(t, "testdata/articles.jsonl") }

// corpusPath is the shared corpus, which may not exist yet.
const corpusPath = "../testdata/articles.jsonl"

func corpus(t testing.TB) *khabar.Catalog {
	t.Helper()
	if _, err := os.Stat(corpusPath); err != nil {
		t.Skipf("shared corpus %s not available: %v", corpusPath, err)
	}
	return loadCatalog(t, corpusPath)
}

// allKeys returns the site key and every category, tag and author key of c.
func allKeys(c *khabar.Catalog) []khabar.Key {
	keys := []khabar.Key{khabar.SiteKey()}
	for _, cc := range c.Categories() {
		keys = append(keys, khabar.CategoryKey(cc.Category.SlugPath()))
	}
	for _, tc := range c.Tags() {
		keys = append(keys, khabar.TagKey(tc.Tag.EffectiveSlug()))
	}
	for _, ac := range c.Authors() {
		keys = append(keys, khabar.AuthorKey(ac.Author.EffectiveSlug()))
	}
	return keys
}

func render(t testing.TB, r *Renderer, c *khabar.Catalog, k khabar.Key, f Format, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Render(&buf, c, k, f, n); err != nil {
		t.Fatalf("Render(%v, %v, %d): %v", k, f, n, err)
	}
	return buf.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", "golden", name), got)
}

// node is a parsed XML element.
type node struct {
	Name     xml.Name
	Attr     map[xml.Name]string
	Text     string
	Children []*node
}

func (n *node) attr(local string) string {
	for k, v := range n.Attr {
		if k.Local == local {
			return v
		}
	}
	return ""
}

// all returns the children in namespace ns with the given local name.
func (n *node) all(ns, local string) []*node {
	var out []*node
	for _, c := range n.Children {
		if c.Name.Space == ns && c.Name.Local == local {
			out = append(out, c)
		}
	}
	return out
}

func (n *node) one(ns, local string) *node {
	if l := n.all(ns, local); len(l) > 0 {
		return l[0]
	}
	return nil
}

// parseXML parses b strictly into a tree, failing the test on any error.
func parseXML(t testing.TB, b []byte) *node {
	t.Helper()
	checkChars(t, b)
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("XML does not parse: %v\n%s", err, b)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{Name: tk.Name, Attr: map[xml.Name]string{}}
			for _, a := range tk.Attr {
				n.Attr[a.Name] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else if root != nil {
				t.Fatalf("two root elements")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(tk)
			}
		}
	}
	if root == nil {
		t.Fatal("no root element")
	}
	return root
}

// checkChars fails unless b is UTF-8 made only of characters XML 1.0
// allows.
func checkChars(t testing.TB, b []byte) {
	t.Helper()
	if !utf8.Valid(b) {
		t.Fatal("output is not valid UTF-8")
	}
	for i, r := range string(b) {
		if !(r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000) {
			t.Fatalf("character %U at byte %d is not allowed in XML", r, i)
		}
	}
}

// isURI reports whether s is an absolute http(s) URI in ASCII without
// spaces or characters RFC 3986 forbids.
func isURI(s string) bool {
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"<>\^`+"`{|}", c) >= 0 {
			return false
		}
	}
	return true
}

func xmlName(space, local string) xml.Name { return xml.Name{Space: space, Local: local} }

func jsonUnmarshalString(b []byte, s *string) error { return json.Unmarshal(b, s) }
