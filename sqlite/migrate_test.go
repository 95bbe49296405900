package sqlite

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
)

// TestOpenBeforeMigrations opens a state file written by khabar before
// schema versions were recorded (testdata/state-before-migrations.db, made
// with the code of commit aa28ad4: three subscribers, a sent-log entry,
// the unsubscribe secret and a journal record) and checks that nothing is
// lost and that both components are recorded at their latest version, on
// the first open and on the next.
func TestOpenBeforeMigrations(t *testing.T) {
	ctx := context.Background()
	src, err := os.ReadFile("testdata/state-before-migrations.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	for open := 1; open <= 2; open++ {
		s, err := OpenStore(path)
		if err != nil {
			t.Fatalf("open %d: %v", open, err)
		}
		j, err := NewJournal(ctx, s.DB())
		if err != nil {
			t.Fatalf("open %d: journal: %v", open, err)
		}
		for _, want := range []struct {
			email  string
			name   string
			status digest.Status
		}{
			{"asha@example.in", "आशा वर्मा", digest.StatusActive},
			{"ravi@example.com", "Ravi", digest.StatusUnsubscribed},
			{"zara@example.pk", "زارا", digest.StatusBounced},
		} {
			sub, err := s.Subscriber(ctx, want.email)
			if err != nil {
				t.Fatalf("open %d: %s: %v", open, want.email, err)
			}
			if sub.Name != want.name || sub.Status != want.status {
				t.Errorf("open %d: %s = %q %q, want %q %q", open, want.email, sub.Name, sub.Status, want.name, want.status)
			}
		}
		asha, _ := s.Subscriber(ctx, "asha@example.in")
		if asha.TimeZone == nil || asha.TimeZone.String() != "Asia/Kolkata" || len(asha.Follows.Categories) != 1 || len(asha.Follows.Tags) != 1 {
			t.Errorf("open %d: asha's time zone and follows: %v %+v", open, asha.TimeZone, asha.Follows)
		}
		until, ok, err := s.LastSent(ctx, "asha@example.in")
		if err != nil || !ok || !until.Equal(time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC)) {
			t.Errorf("open %d: LastSent = %v %v %v", open, until, ok, err)
		}
		secret, err := s.Secret(ctx, "unsubscribe", 32)
		if err != nil || hex.EncodeToString(secret) != "6bb51dfa8cea5c86939e539e0bdd157f8bb8218b897320f7cadbd2d23a8ad4a1" {
			t.Errorf("open %d: the unsubscribe secret changed: %x %v", open, secret, err)
		}
		rec, ok, err := j.Get(ctx, deliver.Key{Edition: "2026-11-24", Recipient: "asha@example.in"})
		if err != nil || !ok || rec.State != deliver.StateSent || rec.MessageID != "<m1@khabar.example>" || rec.Attempts != 1 {
			t.Errorf("open %d: journal record = %+v %v %v", open, rec, ok, err)
		}
		for _, c := range []string{storeSchema.Name, journalSchema.Name} {
			var v int
			if err := s.DB().QueryRowContext(ctx, `SELECT version FROM khabar_migrations WHERE component = ?`, c).Scan(&v); err != nil || v < 1 {
				t.Errorf("open %d: %s at version %d (%v)", open, c, v, err)
			}
		}
		var recipientIndex int
		if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'deliver_journal_recipient'`).Scan(&recipientIndex); err != nil || recipientIndex != 0 {
			t.Errorf("open %d: the journal's index on recipient: %d (%v), want it dropped", open, recipientIndex, err)
		}
		var jv int
		if err := s.DB().QueryRowContext(ctx, `SELECT version FROM khabar_migrations WHERE component = ?`, journalSchema.Name).Scan(&jv); err != nil || jv != journalSchema.Latest() {
			t.Errorf("open %d: journal at version %d (%v), want %d", open, jv, err, journalSchema.Latest())
		}
		checkLifecycleUpgrade(t, open, s)
		s.Close()
	}
}

// TestMigrateRefusesNewer: a database written by a newer khabar (a
// component at a version this program does not know) is not opened.
func TestMigrateRefusesNewer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`UPDATE khabar_migrations SET version = 99 WHERE component = ?`, storeSchema.Name); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := OpenStore(path); err == nil {
		s.Close()
		t.Fatal("opened a database at version 99")
	}
}

// checkLifecycleUpgrade checks what version 2 of the store added on a
// database that had only version 1: the store at its latest version, no
// pause on the old rows, the new statuses accepted and histories kept
// across opens.
func checkLifecycleUpgrade(t *testing.T, open int, s *Store) {
	t.Helper()
	ctx := context.Background()
	var v int
	if err := s.DB().QueryRowContext(ctx, `SELECT version FROM khabar_migrations WHERE component = ?`, storeSchema.Name).Scan(&v); err != nil || v != storeSchema.Latest() {
		t.Errorf("open %d: store at version %d (%v), want %d", open, v, err, storeSchema.Latest())
	}
	asha, err := s.Subscriber(ctx, "asha@example.in")
	if err != nil || !asha.PausedUntil.IsZero() {
		t.Errorf("open %d: asha = %+v, %v; want no pause", open, asha, err)
	}
	if n, err := s.Count(ctx, ""); err != nil || n != 3+open-1 {
		t.Errorf("open %d: %d subscribers (%v)", open, n, err)
	}
	if err := s.Suppress(ctx, fmt.Sprintf("complained%d@example.com", open), digest.StatusComplained); err != nil {
		t.Errorf("open %d: Suppress complained: %v", open, err)
	}
	ev := digest.Event{Kind: digest.EventPaused, At: time.Date(2026, 12, open, 0, 0, 0, 0, time.UTC), Source: "preferences"}
	if ok, err := s.Change(ctx, "ravi@example.com", ev, func(*digest.Subscriber, []digest.Event) (*digest.Subscriber, error) { return nil, nil }); !ok || err != nil {
		t.Errorf("open %d: Change = %v, %v", open, ok, err)
	}
	if h, err := s.History(ctx, "ravi@example.com"); err != nil || len(h) != open {
		t.Errorf("open %d: ravi's history has %d events (%v), want %d", open, len(h), err, open)
	}
}

// TestOpenTogether: several openers of one new file (processes sharing a
// store, started together) all open it; none gets SQLITE_BUSY from
// creating the migrations table.
func TestOpenTogether(t *testing.T) {
	for round := range 10 {
		path := filepath.Join(t.TempDir(), "shared.db")
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Go(func() {
				s, err := OpenStore(path)
				if err == nil {
					err = s.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d, opener %d: %v", round, i, err)
			}
		}
	}
}
