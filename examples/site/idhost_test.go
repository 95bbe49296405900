package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar/examples/internal/corpus"
)

// TestIDHostFlag: a -site whose host is no domain name (a Docker service
// such as feed_server) cannot stand in the feeds' item ids; the site
// refuses to start and says so, and starts with -idhost.
func TestIDHostFlag(t *testing.T) {
	data, err := corpus.Find(corpus.Default, true)
	if err != nil {
		t.Fatal(err)
	}
	start := func(extra ...string) error {
		dir := t.TempDir()
		args := append([]string{"-addr", "127.0.0.1:0", "-state", filepath.Join(dir, "state.db"), "-out", filepath.Join(dir, "out"),
			"-data", data, "-site", "http://feed_server:8080"}, extra...)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- run(ctx, args, io.Discard, func(string) { cancel() }) }()
		return <-done
	}
	if err := start(); err == nil || !strings.Contains(err.Error(), "IDHost") {
		t.Errorf("-site http://feed_server:8080 without -idhost: %v, want the error saying to set IDHost", err)
	}
	if err := start("-idhost", "feed-server.example"); err != nil && err != context.Canceled {
		t.Errorf("with -idhost: %v", err)
	}
}
