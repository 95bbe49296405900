// Package golden compares test output with files under testdata/golden,
// in the manner of go/doc's tests: `go test ./... -update` rewrites the
// files from the current output, for review in the diff.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

// Update reports whether the test binary was run with -update.
func Update() bool { return *update }

// Check compares got with the golden file at path (relative to the test's
// package folder), or rewrites the file with got under -update. A missing
// file or a difference fails t, naming the file and how to rewrite it.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it; review the diff)\n got %d bytes, want %d\ngot:\n%s", path, len(got), len(want), clip(got))
	}
}

// clip shortens long output in failure messages.
func clip(b []byte) []byte {
	const max = 4000
	if len(b) > max {
		return append(b[:max:max], "…"...)
	}
	return b
}
