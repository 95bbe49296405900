// Package corpus finds and loads the examples' JSON Lines file of
// articles.
package corpus

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/khabar/khabar"
)

// Default is the bundled corpus, relative to the repository root.
const Default = "testdata/articles.jsonl"

// Find returns path, or with search set and path missing, the first
// parent directory's copy of it.
func Find(path string, search bool) (string, error) {
	if _, err := os.Stat(path); err == nil || !search {
		return path, err
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, path)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%s not found in this directory or any parent (use -data)", path)
		}
		dir = parent
	}
}

// Load reads the articles into a new catalog; invalid lines are reported
// to logw and skipped.
func Load(path string, logw io.Writer) (*khabar.Catalog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := khabar.NewCatalog()
	n, err := c.ReadJSONL(f)
	if err != nil {
		if n == 0 {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		fmt.Fprintf(logw, "%s: skipped invalid articles: %v\n", path, err)
	}
	return c, nil
}
