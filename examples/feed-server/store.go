package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/examples/internal/storeflag"
)

// importFile puts the articles of the JSON Lines file at path into s. Bad
// lines are returned in a *khabar.LoadError; the good ones are stored
// anyway. It returns the number of good lines.
func importFile(ctx context.Context, s khabar.ArticleStore, path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	as, rerr := khabar.ReadJSONL(f)
	if err := s.Put(ctx, as...); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	if rerr != nil {
		return len(as), fmt.Errorf("%s: %w", path, rerr)
	}
	return len(as), nil
}

// importOnly is -import: the file into the store, then exit; every bad
// line is written to logw and makes the exit status non-zero.
func importOnly(ctx context.Context, db, path string, logw io.Writer) error {
	stores, err := storeflag.Open(ctx, db)
	if err != nil {
		return err
	}
	defer stores.Close()
	n, err := importFile(ctx, stores.Articles, path)
	var le *khabar.LoadError
	if err != nil && n == 0 && !errors.As(err, &le) {
		return err // nothing imported: the file could not be opened, or the store failed
	}
	fmt.Fprintf(logw, "imported %d articles from %s\n", n, path)
	if errors.As(err, &le) {
		for _, l := range le.Lines {
			fmt.Fprintf(logw, "%s: %v\n", path, l)
		}
		return fmt.Errorf("%s: %d bad lines", path, len(le.Lines))
	}
	return err
}

// follow imports path into s when it is not "", loads the store into a
// new catalog and keeps the catalog in step with the store until ctx ends.
func follow(ctx context.Context, s khabar.ArticleStore, path string, logw io.Writer) (*khabar.Catalog, error) {
	if path != "" {
		if _, err := importFile(ctx, s, path); err != nil {
			var le *khabar.LoadError
			if !errors.As(err, &le) {
				return nil, err
			}
			fmt.Fprintf(logw, "skipped invalid articles: %v\n", err)
		}
	}
	c := khabar.NewCatalog()
	f := &khabar.Follower{Catalog: c, Log: s, OnError: func(err error) { fmt.Fprintln(logw, "follow:", err) }}
	if _, err := f.CatchUp(ctx); err != nil {
		return nil, err
	}
	go f.Run(ctx)
	return c, nil
}
