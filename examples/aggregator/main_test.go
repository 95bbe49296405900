package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar/internal/pgtest"
)

// syncBuffer is an io.Writer safe for the goroutine run writes from.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestServesMergedFeeds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-addr", "127.0.0.1:0", "-fixtures", "../../testdata/upstream"}, out, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-errc:
		t.Fatalf("run: %v\n%s", err, out)
	case <-time.After(20 * time.Second):
		t.Fatalf("not ready after 20s:\n%s", out)
	}
	// The first round runs right after the server starts; wait until the
	// status page shows every feed polled.
	rowRE := regexp.MustCompile(`<li class="up"><span class="name"><a href="([^"]+)">[^<]*</a></span> <span>Last poll: ([^<]*)(?: \(<span lang="en" dir="ltr">[^<]*</span>\))?</span> <span>Articles: (\d+)</span>`)
	var rows [][]string
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, idx := get(t, "http://"+addr+"/?lang=en")
		rows = rowRE.FindAllStringSubmatch(idx, -1)
		polled := len(rows) > 0
		for _, r := range rows {
			polled = polled && r[2] != "not yet polled"
		}
		if polled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("feeds not all polled after 20s:\n%s\n%s", idx, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	opml, err := os.ReadFile("../../testdata/upstream/feeds.opml")
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Count(string(opml), "xmlUrl="); len(rows) != want {
		t.Errorf("status page lists %d feeds, want %d", len(rows), want)
	}
	stored := 0
	for _, r := range rows {
		n, _ := strconv.Atoi(r[3])
		if n == 0 || strings.HasPrefix(r[2], "failed") {
			t.Errorf("feed %s: %s, %d articles; want articles from every bundled feed", r[1], r[2], n)
		}
		stored += n
	}
	// The merged JSON feed, page after page, holds every article once.
	seen := map[string]bool{}
	titles := ""
	for next := "http://" + addr + "/feed/json/"; next != ""; {
		code, body := get(t, next)
		var jf struct {
			NextURL string `json:"next_url"`
			Items   []struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(body), &jf); code != 200 || err != nil {
			t.Fatalf("GET %s = %d, %v\n%.300s", next, code, err, body)
		}
		for _, it := range jf.Items {
			if seen[it.ID] {
				t.Errorf("item %s (%s) served twice", it.ID, it.Title)
			}
			seen[it.ID] = true
			titles += it.Title + "\n"
		}
		next = jf.NextURL
		if len(seen) > 10*stored+100 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != stored {
		t.Errorf("the merged feed holds %d items, the feeds stored %d", len(seen), stored)
	}
	for _, want := range []string{"कानपुर में मेट्रो", "Third good item", "Evening bulletin", "Undated item"} {
		if !strings.Contains(titles, want) {
			t.Errorf("the merged feed lacks %q", want)
		}
	}
	if code, rss := get(t, "http://"+addr+"/feed/"); code != 200 || !strings.Contains(rss, "<rss") {
		t.Errorf("GET /feed/ = %d %.200s", code, rss)
	}
	if code, idx := get(t, "http://"+addr+"/?lang=en"); code != 200 || !strings.Contains(idx, "truncated.xml") || !strings.Contains(idx, "some items bad (") {
		t.Errorf("GET / = %d, want the status page listing every feed:\n%s", code, idx)
	}
	// The Hindi page says the poll's outcome in Hindi; the fetcher's error stays marked English.
	if _, idx := get(t, "http://"+addr+"/"); !strings.Contains(idx, "पिछली जाँच: ठीक") || !strings.Contains(idx, `कुछ लेख ख़राब (<span lang="en" dir="ltr">`) {
		t.Errorf("the Hindi status page does not say the polls' outcomes in Hindi:\n%s", idx)
	}
	// The home page lists tags and authors as the feed server's does, and
	// their archive pages and feeds answer.
	_, idx := get(t, "http://"+addr+"/")
	for _, kind := range []string{"/tag/", "/author/"} {
		m := regexp.MustCompile(`<a href="(http://[^"]*` + kind + `[^"/]+/)">`).FindStringSubmatch(idx)
		if m == nil {
			t.Errorf("the home page links no %s archive page", kind)
			continue
		}
		for _, u := range []string{m[1], m[1] + "feed/"} {
			if code, _ := get(t, u); code != 200 {
				t.Errorf("%s: %d", u, code)
			}
		}
	}
	cancel()
	select {
	case <-errc:
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func TestOnceWithStateAndArchive(t *testing.T) {
	dir := t.TempDir()
	// Both runs serve the fixtures on the same port: article IDs are
	// namespaced by feed URL.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fixturesAddr := ln.Addr().String()
	ln.Close()
	args := []string{"-once", "-fixtures", "../../testdata/upstream", "-fixtures-addr", fixturesAddr,
		"-state", filepath.Join(dir, "state.json"), "-archive", filepath.Join(dir, "archive.jsonl")}
	out := &syncBuffer{}
	if err := run(context.Background(), args, out, nil); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	// Every bundled feed is polled and every item it has is kept, the
	// undated ones included (dated when first seen).
	opml, err := os.ReadFile("../../testdata/upstream/feeds.opml")
	if err != nil {
		t.Fatal(err)
	}
	feeds := strings.Count(string(opml), "xmlUrl=")
	lines := regexp.MustCompile(`(?m)^ok   (\S+): (\d+) read, (\d+) stored`).FindAllStringSubmatch(out.String(), -1)
	if len(lines) != feeds {
		t.Fatalf("%d feeds polled successfully, want all %d:\n%s", len(lines), feeds, out)
	}
	total := 0
	for _, l := range lines {
		read, _ := strconv.Atoi(l[2])
		stored, _ := strconv.Atoi(l[3])
		if stored == 0 || stored != read {
			t.Errorf("%s: %d read, %d stored; want every item kept", l[1], read, stored)
		}
		total += stored
	}
	if want := fmt.Sprintf("%d feeds, %d articles", feeds, total); !strings.Contains(out.String(), want) {
		t.Errorf("summary = %s, want %q", out, want)
	}
	for _, f := range []string{"state.json", "archive.jsonl"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	out2 := &syncBuffer{}
	if err := run(context.Background(), args, out2, nil); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if !strings.Contains(out2.String(), fmt.Sprintf("loaded %d articles", total)) || !strings.Contains(out2.String(), fmt.Sprintf(" %d articles in the catalog", total)) {
		t.Errorf("second run = %s, want the archive reloaded and no duplicates", out2)
	}
}

func TestFlags(t *testing.T) {
	if err := run(context.Background(), []string{"-nope"}, io.Discard, nil); err == nil {
		t.Error("an unknown flag was accepted")
	}
	if err := run(context.Background(), []string{"-opml", "/does/not/exist.opml", "-once"}, io.Discard, nil); err == nil {
		t.Error("a missing OPML file was accepted")
	}
}

// TestOPMLAndAllowPrivate: feeds listed in an OPML file on a loopback
// server are refused by the SSRF guard, with a hint, unless -allow-private
// is given.
func TestOPMLAndAllowPrivate(t *testing.T) {
	srv := httptest.NewServer(http.FileServer(http.Dir("../../testdata/upstream")))
	defer srv.Close()
	opml := filepath.Join(t.TempDir(), "list.opml")
	doc := `<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
<outline text="Hindi" xmlUrl="` + srv.URL + `/hindi-ist.xml"/><outline text="RDF" xmlUrl="` + srv.URL + `/rss1.rdf"/></body></opml>`
	if err := os.WriteFile(opml, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	if err := run(context.Background(), []string{"-opml", opml, "-once"}, out, nil); err != nil {
		t.Fatalf("run: %v", err)
	}
	if got := out.String(); strings.Count(got, "FAIL ") != 2 || !strings.Contains(got, "refusing to connect to 127.0.0.1") ||
		!strings.Contains(got, "-allow-private") || !strings.Contains(got, "2 feeds, 0 articles") {
		t.Errorf("without -allow-private: %s\nwant both feeds refused with a hint", got)
	}
	out = &syncBuffer{}
	if err := run(context.Background(), []string{"-opml", opml, "-once", "-allow-private"}, out, nil); err != nil {
		t.Fatalf("run: %v", err)
	}
	if got := out.String(); strings.Contains(got, "FAIL") || !strings.Contains(got, "2 feeds, 7 articles") {
		t.Errorf("with -allow-private: %s\nwant 7 articles (5 + 2, undated ones kept)", got)
	}
	out = &syncBuffer{}
	if err := run(context.Background(), []string{"-opml", opml, "-once", "-allow-private", "-undated=false"}, out, nil); err != nil {
		t.Fatalf("run: %v", err)
	}
	if got := out.String(); !strings.Contains(got, "2 feeds, 5 articles") {
		t.Errorf("with -undated=false: %s\nwant 5 articles (the 2 undated ones left out)", got)
	}
}

// TestSharedStore runs aggregators with -db on one store at once: every
// feed is fetched by one of them, and a later run loads every article
// from the store and finds nothing due.
func TestSharedStore(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { sharedStore(t, filepath.Join(t.TempDir(), "agg.db")) })
	t.Run("postgres", func(t *testing.T) { sharedStore(t, pgtest.URL(t)) })
}

func sharedStore(t *testing.T, db string) {
	var mu sync.Mutex
	hits := make(map[string]int)
	files := http.FileServer(http.Dir("../../testdata/upstream"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()
	opml := filepath.Join(t.TempDir(), "list.opml")
	doc := `<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
<outline text="Hindi" xmlUrl="` + srv.URL + `/hindi-ist.xml"/><outline text="RDF" xmlUrl="` + srv.URL + `/rss1.rdf"/>
<outline text="Atom" xmlUrl="` + srv.URL + `/atom-xmlbase.xml"/></body></opml>`
	if err := os.WriteFile(opml, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-opml", opml, "-once", "-allow-private", "-db", db}
	var wg sync.WaitGroup
	outs := make([]*syncBuffer, 3)
	for i := range outs {
		outs[i] = &syncBuffer{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(context.Background(), args, outs[i], nil); err != nil {
				t.Errorf("run %d: %v\n%s", i, err, outs[i])
			}
		}()
	}
	wg.Wait()
	polled := 0
	for _, o := range outs {
		polled += strings.Count(o.String(), "ok   ") + strings.Count(o.String(), "FAIL ")
	}
	if polled != 3 {
		t.Errorf("%d polls by three aggregators, want 3 (one per feed)", polled)
	}
	for _, p := range []string{"/hindi-ist.xml", "/rss1.rdf", "/atom-xmlbase.xml"} {
		if hits[p] != 1 {
			t.Errorf("%s fetched %d times, want once", p, hits[p])
		}
	}
	out := &syncBuffer{}
	if err := run(context.Background(), []string{"-opml", opml, "-once", "-allow-private", "-db", db}, out, nil); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`loaded (\d+) articles from the -db store`).FindStringSubmatch(out.String())
	if m == nil || m[1] == "0" || !strings.Contains(out.String(), "0 feeds, "+m[1]+" articles in the catalog") {
		t.Errorf("later run: %s\nwant the articles loaded from the store and no feed due", out)
	}
	if err := run(context.Background(), []string{"-db", db, "-state", "x.json", "-once"}, io.Discard, nil); err == nil {
		t.Error("-db with -state: no error")
	}
}
