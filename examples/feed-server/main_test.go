package main

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/examples/internal/corpus"
	"github.com/khabar/khabar/feed"
)

func testServer(t *testing.T) (*httptest.Server, *khabar.Catalog) {
	t.Helper()
	path, err := corpus.Find(defaultData, true)
	if err != nil {
		t.Fatal(err)
	}
	c, err := corpus.Load(path, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var s *server
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.ServeHTTP(w, r) }))
	ts.Start()
	s, err = newServer(c, feed.Config{HomeURL: ts.URL + "/", Title: "ख़बर"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close(); s.Close() })
	return ts, c
}

// TestIndexLinksEveryFeed checks that the index lists the site, every
// category, tag and author in all three formats, and the news sitemaps of
// the site and top-level categories, and that every link serves.
func TestIndexLinksEveryFeed(t *testing.T) {
	ts, c := testServer(t)
	resp, err := http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("index: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(string(body), `<link rel="alternate" type="application/rss+xml"`) {
		t.Error("index has no autodiscovery links")
	}
	links := regexp.MustCompile(`<a href="([^"]+)">`).FindAllStringSubmatch(string(body), -1)
	lists := 1 + len(c.Categories()) + len(c.Tags()) + len(c.Authors())
	// Each list's archive page and its three feeds, the site's news
	// sitemap and each top-level category's.
	want := 4*lists + 1
	for _, cc := range c.Categories() {
		if cc.Category.Parent == nil {
			want++
		}
	}
	if len(links) != want {
		t.Errorf("%d links, want %d", len(links), want)
	}
	for _, must := range []string{`<meta name="viewport"`, `<html lang="hi">`, `href="?lang=en"`} {
		if !strings.Contains(string(body), must) {
			t.Errorf("index lacks %s", must)
		}
	}
	if _, en := getPage(t, ts.URL+"/?lang=en"); !strings.Contains(en, `<html lang="en">`) || !strings.Contains(en, "Categories") {
		t.Error("the English index is not in English")
	}
	for _, l := range links {
		u := strings.ReplaceAll(l[1], "&amp;", "&")
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", u, resp.StatusCode)
		}
	}
	if code, page := getPage(t, ts.URL+"/category/"+khabar.EscapePath("उत्तर-प्रदेश")+"/"); code != 200 || !strings.Contains(page, "IST") {
		t.Errorf("a category's archive page: %d, want its stories with dates in IST", code)
	}
	if code, _ := getPage(t, ts.URL+"/tag/no-such-tag/"); code != 404 {
		t.Errorf("an unknown tag's archive page: %d, want 404", code)
	}
}

func getPage(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestFindData(t *testing.T) {
	if _, err := corpus.Find("no/such/file.jsonl", false); err == nil {
		t.Error("missing explicit file: no error")
	}
	if _, err := corpus.Find("no/such/file.jsonl", true); err == nil {
		t.Error("missing file searched upward: no error")
	}
	p, err := corpus.Find(defaultData, true)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(filepath.Dir(p)) != "testdata" {
		t.Errorf("found %s", p)
	}
}

func TestRunServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	pr, pw := io.Pipe()
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, pw); pw.Close() }()
	buf := make([]byte, 512)
	n, _ := pr.Read(buf)
	line := string(buf[:n])
	m := regexp.MustCompile(`at (http://\S+/)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no address in %q", line)
	}
	go io.Copy(io.Discard, pr)
	resp, err := http.Get(m[1] + "feed/atom/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Errorf("feed: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
}

func TestRunBadData(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{not json\n"), 0o644)
	if err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-data", bad}, io.Discard); err == nil {
		t.Error("no error for a file without one valid article")
	}
}

// TestImportAnywhere runs -import outside the repository, as an installed
// feed-server on another machine does: -data's default (the bundled corpus,
// which -import does not read) must not be looked for.
func TestImportAnywhere(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	in := filepath.Join(dir, "new.jsonl")
	if err := os.WriteFile(in, []byte(`{"id":"a-1","title":"एक","url":"https://news.example.in/a-1/","published":"2026-12-01T09:00:00+05:30"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	if err := run(context.Background(), []string{"-db", filepath.Join(dir, "articles.db"), "-import", in}, &log); err != nil {
		t.Fatalf("-import outside the repository: %v (log %q)", err, log.String())
	}
	if !strings.Contains(log.String(), "imported 1 article") {
		t.Errorf("-import outside the repository: log %q, want it to say 1 article was imported", log.String())
	}
}

// TestSQLiteStore imports into an SQLite file (a bad line makes -import
// fail, the good one is kept), then serves the file with -data "".
func TestSQLiteStore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "articles.db")
	in := filepath.Join(dir, "in.jsonl")
	os.WriteFile(in, []byte(`{"id":"s-1","title":"एक","url":"https://news.example.in/s-1/","published":"2026-12-01T09:00:00+05:30"}`+"\n{bad\n"), 0o644)
	var log strings.Builder
	if err := run(context.Background(), []string{"-db", db, "-import", in}, &log); err == nil || !strings.Contains(log.String(), "line 2") {
		t.Errorf("-import with a bad line: err %v, log %q", err, log.String())
	}
	if err := run(context.Background(), []string{"-import", in}, io.Discard); err == nil {
		t.Error("-import without -db: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-db", db, "-data", ""}, pw); pw.Close() }()
	buf := make([]byte, 512)
	n, _ := pr.Read(buf)
	go io.Copy(io.Discard, pr)
	m := regexp.MustCompile(`serving (\d+) articles .* at (http://\S+/)`).FindStringSubmatch(string(buf[:n]))
	if m == nil || m[1] != "1" {
		t.Fatalf("start line %q, want 1 article served", buf[:n])
	}
	resp, err := http.Get(m[2] + "feed/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "s-1") {
		t.Errorf("feed does not hold the imported article")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

// TestImportMissingFile: -import of a file that is not there fails with
// the open error and does not first report "imported 0 articles".
func TestImportMissingFile(t *testing.T) {
	dir := t.TempDir()
	var log strings.Builder
	err := run(context.Background(), []string{"-db", filepath.Join(dir, "articles.db"), "-import", filepath.Join(dir, "missing.jsonl")}, &log)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("-import of a missing file: %v, want an error wrapping fs.ErrNotExist", err)
	}
	if strings.Contains(log.String(), "imported") {
		t.Errorf("-import of a missing file logged %q", log.String())
	}
}
