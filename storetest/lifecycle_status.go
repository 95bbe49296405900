package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
)

func pausedUntil(t *testing.T, s LifecycleStore) {
	ctx := context.Background()
	until := at(24*7, 30).Add(987654321)
	if err := s.Put(ctx, &digest.Subscriber{Email: "p@example.com", PausedUntil: until}); err != nil {
		t.Fatal(err)
	}
	check := func(when string, want time.Time) {
		t.Helper()
		sub, err := s.Subscriber(ctx, "p@example.com")
		if err != nil || !sub.PausedUntil.Equal(want) {
			t.Errorf("%s: PausedUntil = %v (%v), want %v", when, sub.PausedUntil, err, want)
		}
		var seen time.Time
		if err := s.EachSubscriber(ctx, func(sub *digest.Subscriber) error { seen = sub.PausedUntil; return nil }); err != nil || !seen.Equal(want) {
			t.Errorf("%s: EachSubscriber's PausedUntil = %v (%v), want %v", when, seen, err, want)
		}
	}
	check("after Put", until)
	// An import says nothing of a pause: the stored one stays.
	if _, err := s.Import(ctx, []*digest.Subscriber{{Email: "p@example.com", Name: "P"}}); err != nil {
		t.Fatal(err)
	}
	check("after Import", until)
	later := until.Add(48 * time.Hour)
	mustChange(t, s, "p@example.com", digest.Event{Kind: digest.EventPaused, At: at(9, 0), Source: "preferences", Detail: later.Format(time.RFC3339Nano)},
		func(cur *digest.Subscriber, _ []digest.Event) (*digest.Subscriber, error) {
			c := cur.Clone()
			c.PausedUntil = later
			return c, nil
		})
	check("after Change", later)
	mustChange(t, s, "p@example.com", digest.Event{Kind: digest.EventPaused, At: at(10, 0), Source: "preferences"},
		func(cur *digest.Subscriber, _ []digest.Event) (*digest.Subscriber, error) {
			c := cur.Clone()
			c.PausedUntil = time.Time{}
			return c, nil
		})
	check("after the pause ended", time.Time{})
}

func newStatuses(t *testing.T, s LifecycleStore) {
	ctx := context.Background()
	for _, sub := range []*digest.Subscriber{
		{Email: "pending@example.com", Name: "प्रतीक्षा", Status: digest.StatusPending},
		{Email: "complained@example.com", Status: digest.StatusComplained},
		{Email: "active@example.com"},
	} {
		if err := s.Put(ctx, sub); err != nil {
			t.Fatalf("Put %s: %v", sub.Status, err)
		}
		want := sub.Status
		if want == "" {
			want = digest.StatusActive
		}
		got, err := s.Subscriber(ctx, sub.Email)
		if err != nil || got.Status != want {
			t.Errorf("%s: %+v, %v", sub.Email, got, err)
		}
		if st, err := s.Status(ctx, sub.Email); err != nil || st != got.Status {
			t.Errorf("Status(%s) = %q, %v", sub.Email, st, err)
		}
	}
	if err := s.Suppress(ctx, "new@example.com", digest.StatusComplained); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, "active@example.com", digest.StatusPending); err != nil {
		t.Fatal(err)
	}
	for st, want := range map[digest.Status]int{digest.StatusPending: 2, digest.StatusComplained: 2, digest.StatusActive: 0, "": 4} {
		if n, err := s.Count(ctx, st); err != nil || n != want {
			t.Errorf("Count(%q) = %d, %v; want %d", st, n, err, want)
		}
	}
	// An import never activates them: a pending address needs its
	// confirmation, a complaint a fresh signup.
	res, err := s.Import(ctx, []*digest.Subscriber{{Email: "pending@example.com"}, {Email: "complained@example.com"}, {Email: "new@example.com"}, {Email: "active@example.com"}})
	if err != nil || res != (digest.ImportResult{Updated: 4, Kept: 4}) {
		t.Errorf("Import = %+v, %v; want 4 updated, 4 kept", res, err)
	}
	if n, _ := s.Count(ctx, digest.StatusActive); n != 0 {
		t.Errorf("after the import %d are active, want 0", n)
	}
}

// kinds returns the kinds and sources of a history, "kind/source".
func kinds(h []digest.Event) []string {
	var out []string
	for _, e := range h {
		out = append(out, string(e.Kind)+"/"+e.Source)
	}
	return out
}

func statusEvents(t *testing.T, s LifecycleStore) {
	ctx := context.Background()
	if err := s.Put(ctx, &digest.Subscriber{Email: "s@example.com"}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		status   digest.Status
		suppress bool
		email    string
	}{
		{digest.StatusBounced, false, "s@example.com"},
		{digest.StatusBounced, false, "s@example.com"}, // no change: no event
		{digest.StatusActive, false, "S@example.com"},
		{digest.StatusComplained, true, "s@example.com"},
		{digest.StatusUnsubscribed, true, "gone@example.com"}, // added
		{digest.StatusPending, false, "s@example.com"},
	}
	for _, st := range steps {
		var err error
		if st.suppress {
			err = s.Suppress(ctx, st.email, st.status)
		} else {
			err = s.SetStatus(ctx, st.email, st.status)
		}
		if err != nil {
			t.Fatalf("%s %s: %v", st.email, st.status, err)
		}
	}
	h := history(t, s, "s@example.com")
	want := []string{"bounced/status", "imported/status", "complained/status", "imported/status"}
	if got := kinds(h); !slices.Equal(got, want) {
		t.Errorf("history = %v, want %v", got, want)
	}
	for _, e := range h {
		if e.At.IsZero() || e.Detail == "" || e.Ref != "" {
			t.Errorf("status event %+v: want a time and a detail naming the status, no ref", e)
		}
	}
	if got := kinds(history(t, s, "gone@example.com")); !slices.Equal(got, []string{"unsubscribed/status"}) {
		t.Errorf("suppressed address's history = %v", got)
	}
	// Refused changes append nothing.
	if err := s.SetStatus(ctx, "nobody@example.com", digest.StatusBounced); err == nil {
		t.Error("SetStatus of an unknown address succeeded")
	}
	if err := s.SetStatus(ctx, "s@example.com", "paused"); err == nil {
		t.Error("SetStatus to an invalid status succeeded")
	}
	if n := len(history(t, s, "s@example.com")) + len(history(t, s, "nobody@example.com")); n != 4 {
		t.Errorf("refused changes appended events: %d, want 4", n)
	}
}

func importEvents(t *testing.T, s LifecycleStore) {
	ctx := context.Background()
	list := []*digest.Subscriber{{Email: "a@example.com", Name: "आशा", Language: "hi"}, {Email: "b@example.com"}}
	if res, err := s.Import(ctx, list); err != nil || res != (digest.ImportResult{Added: 2}) {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	h := history(t, s, "a@example.com")
	if len(h) != 1 || h[0].Kind != digest.EventImported || h[0].Source != digest.SourceImport || h[0].Choices == nil ||
		h[0].Choices.Name != "आशा" || h[0].Choices.Language != "hi" || h[0].At.IsZero() {
		t.Fatalf("history after the import = %+v", h)
	}
	// The same list again changes nothing and records nothing; a changed
	// row is recorded.
	if res, err := s.Import(ctx, list); err != nil || res != (digest.ImportResult{Updated: 2}) {
		t.Fatalf("Import again = %+v, %v", res, err)
	}
	list[1] = &digest.Subscriber{Email: "b@example.com", Name: "B"}
	if res, err := s.Import(ctx, list); err != nil || res != (digest.ImportResult{Updated: 2}) {
		t.Fatalf("Import with a change = %+v, %v", res, err)
	}
	if n := len(history(t, s, "a@example.com")); n != 1 {
		t.Errorf("unchanged a@example.com has %d events, want 1", n)
	}
	if h := history(t, s, "b@example.com"); len(h) != 2 || h[1].Choices == nil || h[1].Choices.Name != "B" {
		t.Errorf("b@example.com's history = %+v, want the add and the change", h)
	}
}
