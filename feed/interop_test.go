package feed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
	"github.com/mmcdole/gofeed"
)

// needTool skips the test when an outside program is missing, unless CI is
// set, where .ci/install.sh must have installed it.
func needTool(t *testing.T, what string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing (.ci/install.sh installs it): %v", what, err)
	}
	t.Skipf("%s is missing (run .ci/install.sh): %v", what, err)
}

// rendered is one feed file written for the outside parsers.
type rendered struct {
	Path string
	F    Format
	P    *Page
}

// renderAll writes every page of every feed of c, in the given formats, to
// dir.
func renderAll(t *testing.T, r *Renderer, c *khabar.Catalog, dir string, formats ...Format) []rendered {
	t.Helper()
	var out []rendered
	for i, k := range allKeys(c) {
		for n := 1; ; n++ {
			p, err := r.Page(c, k, n)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range formats {
				path := filepath.Join(dir, fmt.Sprintf("%d-%d.%v", i, n, f))
				var buf bytes.Buffer
				if err := r.Write(&buf, p, f); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				out = append(out, rendered{path, f, p})
			}
			if n >= p.Last {
				break
			}
		}
	}
	return out
}

// parsed is what an outside parser read from one feed.
type parsed struct {
	Error string       `json:"error"`
	Title string       `json:"title"`
	Items []parsedItem `json:"items"`
}

type parsedItem struct {
	Title   string   `json:"title"`
	Link    string   `json:"link"`
	ID      string   `json:"id"`
	Date    int64    `json:"date"` // Unix seconds of the publication date
	Authors []string `json:"authors"`
	Cats    []string `json:"cats"`
}

// want is what every parser must read from one rendered page.
func want(r *Renderer, p *Page) parsed {
	out := parsed{Title: strings.TrimSpace(khabar.CleanText(p.Title))}
	for _, a := range p.Items {
		it := parsedItem{Title: itemTitle(a), Link: khabar.URI(a.URL), ID: r.GUID(a), Date: a.Published.Unix()}
		for _, au := range a.Authors {
			it.Authors = append(it.Authors, strings.TrimSpace(khabar.CleanText(au.Name)))
		}
		for i := range a.Categories {
			it.Cats = append(it.Cats, khabar.CleanText(a.Categories[i].Name))
		}
		for _, tg := range a.Tags {
			it.Cats = append(it.Cats, khabar.CleanText(tg.Name))
		}
		out.Items = append(out.Items, it)
	}
	return out
}

// compare checks got against want; authors and cats are compared only up
// to the number of values the parser exposes (firstAuthorOnly: one; noCats:
// none).
func compare(t *testing.T, file string, got, exp parsed, firstAuthorOnly, noCats bool) {
	t.Helper()
	if got.Error != "" {
		t.Errorf("%s: parser error: %s", file, got.Error)
		return
	}
	if got.Title != exp.Title {
		t.Errorf("%s: feed title %q, want %q", file, got.Title, exp.Title)
	}
	if len(got.Items) != len(exp.Items) {
		t.Errorf("%s: %d items, want %d", file, len(got.Items), len(exp.Items))
		return
	}
	for i, g := range got.Items {
		w := exp.Items[i]
		if firstAuthorOnly && len(w.Authors) > 1 {
			w.Authors = w.Authors[:1]
		}
		if noCats {
			g.Cats, w.Cats = nil, nil
		}
		if g.Title != w.Title || g.Link != w.Link || g.ID != w.ID || g.Date != w.Date ||
			strings.Join(g.Authors, "|") != strings.Join(w.Authors, "|") || strings.Join(g.Cats, "|") != strings.Join(w.Cats, "|") {
			t.Errorf("%s item %d:\n got %+v\nwant %+v", file, i, g, w)
		}
	}
}

func interopCatalogs(t *testing.T) map[string]*khabar.Catalog {
	m := map[string]*khabar.Catalog{"fixture": fixture(t)}
	if _, err := os.Stat(corpusPath); err == nil {
		m["corpus"] = loadCatalog(t, corpusPath)
	}
	return m
}

const feedparserScript = `
import calendar, json, sys
import feedparser
out = {}
for path in sys.argv[1:]:
    d = feedparser.parse(path)
    r = {"error": "", "title": d.feed.get("title", ""), "items": []}
    if d.bozo:
        r["error"] = repr(d.get("bozo_exception"))
    for e in d.entries:
        r["items"].append({
            "title": e.get("title", ""), "link": e.get("link", ""), "id": e.get("id", ""),
            "date": calendar.timegm(e.published_parsed) if e.get("published_parsed") else 0,
            "authors": [a.get("name", "") for a in e.get("authors", []) if a.get("name")],
            "cats": [x.get("term", "") for x in e.get("tags", [])],
        })
    out[path] = r
json.dump(out, sys.stdout, ensure_ascii=False)
`

// TestFeedparser reads every RSS and Atom feed with Python's feedparser
// (Debian's python3-feedparser): no bozo flag, same titles, links, ids,
// dates, authors and categories. Debian's feedparser 6.0 has no JSON Feed
// support, so JSON is checked by gofeed and TestRules only.
func TestFeedparser(t *testing.T) {
	py := ""
	var lastErr error
	for _, cand := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(cand, "-c", "import feedparser").Run(); err == nil {
			py = cand
			break
		} else {
			lastErr = err
		}
	}
	if py == "" {
		needTool(t, "python3 with feedparser (apt-get install python3-feedparser)", lastErr)
	}
	cfg := testConfig()
	cfg.PageSize = 50
	r, _ := NewRenderer(cfg)
	for name, c := range interopCatalogs(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			files := renderAll(t, r, c, dir, RSS, Atom)
			args := []string{"-c", feedparserScript}
			for _, f := range files {
				args = append(args, f.Path)
			}
			out, err := exec.Command(py, args...).Output()
			if err != nil {
				t.Fatalf("feedparser: %v", err)
			}
			var res map[string]parsed
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				compare(t, filepath.Base(f.Path), res[f.Path], want(r, f.P), false, false)
			}
		})
	}
}

const rssParserScript = `
const Parser = require(process.argv[1] + '/node_modules/rss-parser');
const fs = require('fs');
(async () => {
  const parser = new Parser();
  const out = {};
  for (const path of process.argv.slice(2)) {
    const r = {error: '', title: '', items: []};
    try {
      const feed = await parser.parseString(fs.readFileSync(path, 'utf8'));
      r.title = feed.title || '';
      for (const it of feed.items) {
        const who = it.creator || it.author;
        r.items.push({
          title: it.title || '', link: it.link || '', id: it.guid || it.id || '',
          date: it.isoDate ? Math.floor(Date.parse(it.isoDate) / 1000) : 0,
          authors: who ? [typeof who === 'string' ? who : (who.name || String(who))] : [],
          cats: (it.categories || []).map(c => typeof c === 'string' ? c : c._),
        });
      }
    } catch (e) { r.error = String(e); }
    out[path] = r;
  }
  process.stdout.write(JSON.stringify(out));
})();
`

// TestRSSParser reads every RSS and Atom feed with the npm package
// rss-parser (installed by .ci/install.sh into .ci/node). rss-parser shows
// one author per item and no Atom categories, so only those are compared;
// it does not read JSON Feed.
func TestRSSParser(t *testing.T) {
	dir, _ := filepath.Abs("../.ci/node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "rss-parser")); err != nil {
		needTool(t, "rss-parser (npm, in .ci/node)", err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		needTool(t, "node", err)
	}
	cfg := testConfig()
	cfg.PageSize = 50
	r, _ := NewRenderer(cfg)
	for name, c := range interopCatalogs(t) {
		t.Run(name, func(t *testing.T) {
			files := renderAll(t, r, c, t.TempDir(), RSS, Atom)
			args := []string{"-e", rssParserScript, dir}
			for _, f := range files {
				args = append(args, f.Path)
			}
			out, err := exec.Command("node", args...).Output()
			if err != nil {
				t.Fatalf("rss-parser: %v", err)
			}
			var res map[string]parsed
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				compare(t, filepath.Base(f.Path), res[f.Path], want(r, f.P), true, f.F == Atom)
			}
		})
	}
}

// TestGofeedRoundTrip parses every feed in every format back with gofeed.
func TestGofeedRoundTrip(t *testing.T) {
	cfg := testConfig()
	cfg.PageSize = 50
	r, _ := NewRenderer(cfg)
	for name, c := range interopCatalogs(t) {
		t.Run(name, func(t *testing.T) {
			for _, k := range allKeys(c) {
				p, err := r.Page(c, k, 1)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range Formats {
					var buf bytes.Buffer
					r.Write(&buf, p, f)
					gf, err := gofeed.NewParser().Parse(&buf)
					if err != nil {
						t.Fatalf("%v %v: gofeed: %v", k, f, err)
					}
					got := parsed{Title: gf.Title}
					for _, it := range gf.Items {
						pi := parsedItem{Title: it.Title, Link: it.Link, ID: it.GUID}
						if it.PublishedParsed != nil {
							pi.Date = it.PublishedParsed.Unix()
						}
						for _, au := range it.Authors {
							pi.Authors = append(pi.Authors, au.Name)
						}
						pi.Cats = it.Categories
						got.Items = append(got.Items, pi)
					}
					exp := want(r, p)
					if f == Atom {
						// gofeed reads an Atom category's label when there is
						// one: categories carry their path as label.
						for i, a := range p.Items {
							for j := range a.Categories {
								exp.Items[i].Cats[j] = khabar.CleanText(a.Categories[j].Label())
							}
						}
					}
					if f == JSON {
						// JSON Feed has one list of tags; categories that share a
						// name with a tag appear once.
						for i, a := range p.Items {
							exp.Items[i].Cats = itemTags(nil, a)
							for j, c := range exp.Items[i].Cats {
								exp.Items[i].Cats[j] = khabar.CleanText(c)
							}
						}
					}
					// gofeed keeps only the first dc:creator as the RSS item's
					// author; the others are in its Dublin Core extension.
					compare(t, fmt.Sprintf("%v.%v", k, f), got, exp, f == RSS, false)
					if f == RSS {
						for i, it := range gf.Items {
							var creators []string
							if it.DublinCoreExt != nil {
								creators = it.DublinCoreExt.Creator
							}
							if w := exp.Items[i].Authors; strings.Join(creators, "|") != strings.Join(w, "|") {
								t.Errorf("%v item %d: dc:creator %q, want %q", k, i, creators, w)
							}
						}
					}
					if f != JSON {
						checkUpdated(t, k, f, gf, p)
					}
				}
			}
		})
	}
}

func checkUpdated(t *testing.T, k khabar.Key, f Format, gf *gofeed.Feed, p *Page) {
	t.Helper()
	if gf.UpdatedParsed == nil || !gf.UpdatedParsed.Equal(p.Updated.Truncate(time.Second)) {
		t.Errorf("%v %v: feed updated %v, want %v", k, f, gf.UpdatedParsed, p.Updated)
	}
	if f == Atom {
		for i, it := range gf.Items {
			if it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(p.Items[i].LastModified().Truncate(time.Second)) {
				t.Errorf("%v %v item %d: updated %v, want %v", k, f, i, it.UpdatedParsed, p.Items[i].LastModified())
			}
		}
	}
}
