package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/khabar/khabar"
)

// TestOnceAppliesMaxAge: "-max-age DURATION drop articles published
// longer ago than this after each round", -once's round too: its articles
// older than -max-age used to stay in -archive (only the long-running
// loop pruned), so a cron job running "-once -archive X -max-age 24h"
// grew X forever.
func TestOnceAppliesMaxAge(t *testing.T) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "archive.jsonl")
	start := time.Now()
	args := []string{"-once", "-fixtures", "../../testdata/upstream", "-fixtures-addr", "127.0.0.1:0",
		"-archive", archive, "-max-age", "1h"}
	out := &syncBuffer{}
	if err := run(context.Background(), args, out, nil); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	as, err := khabar.ReadJSONL(f)
	if err != nil {
		t.Fatal(err)
	}
	old := 0
	for _, a := range as {
		if a.Published.Before(start.Add(-time.Hour)) {
			old++
		}
	}
	if old > 0 {
		t.Errorf("-once -max-age 1h left %d of %d articles older than an hour in -archive; want none", old, len(as))
	}
}
