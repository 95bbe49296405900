package digest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestEditionRange: an edition must fall between MinEditionYear and
// MaxEditionYear. Before, 9999-12-31 was accepted, its window's end did
// not parse back, and Build and the web version returned stories from any
// date.
func TestEditionRange(t *testing.T) {
	for _, tc := range []struct {
		date string
		ok   bool
	}{
		{"2026-11-24", true},
		{"1900-01-01", true},
		{"2200-12-31", true},
		{"1899-12-31", false},
		{"2201-01-01", false},
		{"9999-12-31", false},
		{"0001-01-01", false},
	} {
		_, err := ParseEdition(tc.date)
		if got := err == nil; got != tc.ok {
			t.Errorf("ParseEdition(%q): err %v, want ok=%v", tc.date, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidEdition) {
			t.Errorf("ParseEdition(%q): %v does not match ErrInvalidEdition", tc.date, err)
		}
	}
	b := newTestBuilder(t, nil)
	sub := &Subscriber{Email: "asha@example.com", Language: "hi"}
	if _, err := b.Build(context.Background(), Edition{Date: "9999-12-31"}, sub); !errors.Is(err, ErrInvalidEdition) {
		t.Errorf("Build(9999-12-31): %v, want ErrInvalidEdition", err)
	}
	if _, err := b.General(Edition{Date: "9999-12-31"}, "hi"); !errors.Is(err, ErrInvalidEdition) {
		t.Errorf("General(9999-12-31): %v, want ErrInvalidEdition", err)
	}
	w := httptest.NewRecorder()
	NewBrowserHandler(b).ServeHTTP(w, httptest.NewRequest("GET", "/digest/9999-12-31", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("web version of 9999-12-31: status %d, want 404", w.Code)
	}
}

// TestZeroBuilder: a Builder not made by NewBuilder gives ErrZeroBuilder,
// never a nil-pointer panic.
func TestZeroBuilder(t *testing.T) {
	var b Builder
	ed := Edition{Date: "2026-11-24"}
	if _, err := b.Build(context.Background(), ed, &Subscriber{Email: "a@example.com"}); !errors.Is(err, ErrZeroBuilder) {
		t.Errorf("Build: %v", err)
	}
	if err := b.Each(context.Background(), ed, func(*Message, error) error { return nil }); !errors.Is(err, ErrZeroBuilder) {
		t.Errorf("Each: %v", err)
	}
	if _, err := b.General(ed, "hi"); !errors.Is(err, ErrZeroBuilder) {
		t.Errorf("General: %v", err)
	}
	w := httptest.NewRecorder()
	NewBrowserHandler(&b).ServeHTTP(w, httptest.NewRequest("GET", "/digest/2026-11-24", nil))
	if w.Code < 400 {
		t.Errorf("web version from a zero Builder: status %d", w.Code)
	}
}
