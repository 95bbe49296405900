package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
)

// TestStoreRoundTrip checks that a subscriber survives closing and
// reopening the file; storetest.Subscribers has the rest of the round trip.
func TestStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	kolkata := mustLoc(t, "Asia/Kolkata")
	in := &digest.Subscriber{Email: "Asha@Example.com", Name: "आशा", Language: "hi", TimeZone: kolkata,
		Follows: digest.Follows{Categories: []string{"उत्तर प्रदेश/कानपुर"}, Tags: []string{"Yogi Adityanath", "yogi-adityanath"}, Authors: []string{"reena"}}}
	if err := s.Put(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopen: the subscriber survived.
	s, err = OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Subscriber(ctx, "asha@example.COM")
	if err != nil {
		t.Fatal(err)
	}
	if got.Email != in.Email || got.Name != in.Name || got.Language != "hi" || got.TimeZone.String() != "Asia/Kolkata" || got.Status != digest.StatusActive {
		t.Errorf("got %+v", got)
	}
	wantF := digest.Follows{Categories: []string{"उत्तर-प्रदेश/कानपुर"}, Tags: []string{"yogi-adityanath"}, Authors: []string{"reena"}}
	if !slices.Equal(got.Follows.Categories, wantF.Categories) || !slices.Equal(got.Follows.Tags, wantF.Tags) || !slices.Equal(got.Follows.Authors, wantF.Authors) {
		t.Errorf("Follows = %+v, want %+v (normalized)", got.Follows, wantF)
	}
}

func TestStoreSecret(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Secret(ctx, "k", 32)
	if err != nil || len(a) != 32 {
		t.Fatalf("Secret = %x, %v", a, err)
	}
	s.Close()
	s, _ = OpenStore(path)
	defer s.Close()
	b, err := s.Secret(ctx, "k", 32)
	if err != nil || string(a) != string(b) {
		t.Errorf("secret changed across reopen: %x vs %x (%v)", a, b, err)
	}
	if _, err := s.Secret(ctx, "k", 16); err == nil {
		t.Error("Secret with another size succeeded")
	}
}

func TestOpenStoreErrors(t *testing.T) {
	if _, err := OpenStore(""); err == nil {
		t.Error("OpenStore(\"\") succeeded")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "junk.db"), []byte("this is not a database, just text that is long enough to have a header"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenStore(filepath.Join(dir, "junk.db")); err == nil {
		t.Error("OpenStore of a text file succeeded")
	}
}

func openSQLiteStore(t testing.TB) *Store {
	t.Helper()
	s, err := OpenStore(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := digest.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
