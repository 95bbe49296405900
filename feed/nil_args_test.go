package feed_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/feed"
)

// ErrZeroValue: "returned by the methods of a Renderer or Handler that was
// not made by NewRenderer or NewHandler"; HomeURL: "Like PageURL, FeedURL and
// GUID, it returns "" on a zero Renderer." Every other method of a zero
// Renderer is safe; NewsSitemapURL dereferences nil.
func TestZeroRendererNewsSitemapURL(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("NewsSitemapURL on a zero Renderer panicked: %v", r)
		}
	}()
	var r feed.Renderer
	if got := r.NewsSitemapURL(khabar.SiteKey()); got != "" {
		t.Fatalf("got %q, want \"\"", got)
	}
}

// A Page "may also be built by hand (Items newest first) and written with
// Renderer.Write", and the Renderer "is safe for concurrent use". A nil entry
// in Items used to panic inside pageItems while r.mu was read-locked, and
// every later render on the same Renderer blocked: Write now says
// ErrNilItem before it renders anything.
func TestNilItemIsAnError(t *testing.T) {
	c := khabar.NewCatalog()
	c.Upsert(&khabar.Article{ID: "a1", Title: "T", URL: "https://x.example/a1", Published: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)})
	r, err := feed.NewRenderer(feed.Config{HomeURL: "https://x.example/"})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() { recover() }()
		p := &feed.Page{Items: []*khabar.Article{nil}}
		if err := r.Write(&bytes.Buffer{}, p, feed.RSS); !errors.Is(err, feed.ErrNilItem) {
			t.Errorf("Write of a page with a nil item: %v, want ErrNilItem", err)
		}
		if b := r.AppendPage(nil, p, feed.RSS); len(b) != 0 {
			t.Errorf("AppendPage of a page with a nil item appended %q", b)
		}
		if err := r.Write(&bytes.Buffer{}, nil, feed.RSS); err == nil {
			t.Error("Write of a nil page returned nil error")
		}
		if _, err := r.Page(nil, khabar.SiteKey(), 1); err == nil {
			t.Error("Page of a nil Catalog returned nil error")
		}
	}()
	done := make(chan error, 1)
	go func() { done <- r.Render(&bytes.Buffer{}, c, khabar.SiteKey(), feed.RSS, 1) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Render blocked: the Renderer's lock was left held by the earlier panic")
	}
}

// NewHandler: "returns a Handler serving c's feeds for the site cfg describes,
// or an error wrapping ErrConfig." A nil catalog (a wiring mistake an adopter
// makes when the catalog is loaded later) panics inside NewHandler instead of
// returning an error.
func TestNewHandlerNilCatalog(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("NewHandler(nil, …) panicked: %v", r)
		}
	}()
	h, err := feed.NewHandler(nil, feed.Config{HomeURL: "https://x.example/"})
	if err == nil {
		h.Close()
		t.Fatal("NewHandler(nil, …) returned no error")
	}
}
