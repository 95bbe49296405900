package main

import (
	"context"
	"io"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/sqlite"
)

// TestRerunKeepsPreferences: README's "Run a list" has examples/site and
// digest-sender share ./khabar-state.db, and a subscriber may change
// sections and language on the site's preferences page. digest-sender
// reads its CSV on every run; the import used to put the CSV's choices
// back (with an "imported" event the person never made). Now only new
// addresses are imported, unless -update-subscribers.
func TestRerunKeepsPreferences(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.OpenStore(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	csv := "../../testdata/subscribers.csv"
	if err := importSubscribers(ctx, st, csv, false, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	const email = "asha.verma@example.com"
	// What the preferences page does: a Change with an EventPreferences.
	_, err = st.Change(ctx, email, digest.Event{Kind: digest.EventPreferences, At: time.Now(), Source: "preferences",
		Choices: &digest.Choices{Language: "en", Follows: digest.Follows{Categories: []string{"tech"}}}},
		func(cur *digest.Subscriber, _ []digest.Event) (*digest.Subscriber, error) {
			n := cur.Clone()
			n.Language = "en"
			n.Follows = digest.Follows{Categories: []string{"tech"}}
			return n, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	// The next default run of digest-sender.
	if err := importSubscribers(ctx, st, csv, false, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	got, err := st.Subscriber(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if got.Language != "en" || !slices.Equal(got.Follows.Categories, []string{"tech"}) {
		t.Errorf("after the next run: language %q, categories %q; want the subscriber's own choice (en, [tech]) kept",
			got.Language, got.Follows.Categories)
	}
	// -update-subscribers: the publisher's list wins, as Import says.
	if err := importSubscribers(ctx, st, csv, true, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got, err = st.Subscriber(ctx, email); err != nil {
		t.Fatal(err)
	}
	if got.Language != "hi" {
		t.Errorf("after -update-subscribers: language %q, want the list's (hi)", got.Language)
	}
}
