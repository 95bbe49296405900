package main

// From an adversarial review of the example server: failed before its fix.

import (
	"net/http"
	"testing"

	"github.com/khabar/khabar"
)

// TestHeadOfHTMLPages: RFC 9110 9.3.2 makes HEAD identical to
// GET without content. The example serves the index page and the archive
// pages (whose <head> carries the autodiscovery links) for GET only; a
// HEAD falls through to the feed Handler and gets 404, so a reader or
// link checker that probes the site address with HEAD is told it does
// not exist.
func TestHeadOfHTMLPages(t *testing.T) {
	ts, c := testServer(t)
	paths := []string{"/"}
	if tags := c.Tags(); len(tags) > 0 {
		paths = append(paths, "/tag/"+khabar.EscapeSlug(tags[0].Tag.Slug)+"/")
	}
	for _, path := range paths {
		g, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		g.Body.Close()
		h, err := http.Head(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		h.Body.Close()
		if g.StatusCode != h.StatusCode {
			t.Errorf("%s: GET %d, HEAD %d", path, g.StatusCode, h.StatusCode)
		}
	}
}
