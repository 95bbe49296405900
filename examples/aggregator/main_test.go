package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
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
	// The first round runs right after the server starts; wait for it.
	deadline := time.Now().Add(20 * time.Second)
	var body string
	for time.Now().Before(deadline) {
		var code int
		code, body = get(t, "http://"+addr+"/feed/json/")
		if code == 200 && strings.Contains(body, "कानपुर में मेट्रो") && strings.Contains(body, "Third good item") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var jf struct {
		Items []struct {
			Title string `json:"title"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &jf); err != nil {
		t.Fatalf("JSON feed: %v\n%s", err, body)
	}
	if len(jf.Items) < 10 || !strings.Contains(body, "कानपुर में मेट्रो") {
		t.Fatalf("JSON feed has %d items, want the merged fixtures:\n%s\n%s", len(jf.Items), body, out)
	}
	if code, rss := get(t, "http://"+addr+"/feed/"); code != 200 || !strings.Contains(rss, "<rss") {
		t.Errorf("GET /feed/ = %d %.200s", code, rss)
	}
	if code, idx := get(t, "http://"+addr+"/"); code != 200 || !strings.Contains(idx, "truncated.xml") || !strings.Contains(idx, "partial") {
		t.Errorf("GET / = %d, want the status page listing every feed:\n%s", code, idx)
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
	if !strings.Contains(out.String(), "16 feeds, 24 articles") {
		t.Errorf("summary = %s, want 16 feeds and 24 articles", out)
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
	if !strings.Contains(out2.String(), "loaded 24 articles") || !strings.Contains(out2.String(), "24 articles in the catalog") {
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
