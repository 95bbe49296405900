package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/internal/subrow"
)

// legacyStore opens a fresh store file and returns it with a function
// that writes rows as a version before bad4e35 did (key = lower-cased
// address), and the file's path.
func legacyStore(t *testing.T) (*Store, string, func(q string, args ...any)) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := s.db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	return s, path, exec
}

// TestRekeyMergeKeepsPause (found by an adversarial review of the rekey).
//
// Scenario: one mailbox has two records from before the upgrade: the
// import's "asha@xn--bcher-kva.example", active but paused until next
// year (the person asked for no mail until then), with follows; and the
// form's "asha@bücher.example", active. The rekey merges the first into
// the second and keeps only the status (subrow.MergedStatus): the pause
// and everything else of the moved record (follows, name, language, time
// zone) are deleted with it. After the upgrade the mailbox is mailed during
// the pause it asked for.
//
// Expected: the merged record keeps the stronger refusal of every kind —
// the later paused_until as well as the status (and, reasonably, the
// moved record's preferences where the survivor has none).
//
// Fix: in moveKey (both engines) set paused_until =
// max(paused_until of both) with the status, and fill empty name,
// language, time_zone, follows from the moved row.
func TestRekeyMergeKeepsPause(t *testing.T) {
	s, path, exec := legacyStore(t)
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	pause := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	exec(`INSERT INTO subscribers (key, email, status, paused_until, updated_at) VALUES (?, ?, 'active', ?, ?)`,
		"asha@xn--bcher-kva.example", "asha@xn--bcher-kva.example", pause.UnixNano(), at.UnixNano())
	exec(`INSERT INTO subscribers (key, email, status, paused_until, updated_at) VALUES (?, ?, 'active', 0, ?)`,
		"asha@bücher.example", "asha@bücher.example", at.UnixNano())
	exec(`INSERT INTO digest_meta (name, value) VALUES (?, 'pending')`, subrow.RekeyMarker)
	s.Close()
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sub, err := s.Subscriber(context.Background(), "asha@bücher.example")
	if err != nil {
		t.Fatal(err)
	}
	if sub.Receives(time.Date(2027, 1, 1, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("the merged record gets mail on 2027-01-01: paused until %v, want %v (the pause one of its records asked for)", sub.PausedUntil, pause)
	}
}

// TestRekeyRefConflict (found by an adversarial review of the rekey:
// the store cannot be opened at all).
//
// Scenario: before the upgrade both records of one mailbox
// ("asha@xn--bcher-kva.example", "asha@bücher.example") have an event of
// the same kind and ref: e.g. one bounce report (its Message-ID is the
// ref) that named both recipients, applied with TrustRecipients, or the
// same ARF report imported for both. subscriber_events has a unique index
// on (key, kind, ref) WHERE ref <> ”. moveKey's plain
// "UPDATE subscriber_events SET key = new WHERE key = old" violates it; the
// rekey fails, OpenStore fails, and fails again at every open (the marker
// stays): the store is down until someone edits the database by hand.
//
// Expected: OpenStore succeeds; the merged history holds the event once.
//
// Fix: before moving the events, delete the old key's events whose
// (kind, ref) the new key already has (ref <> ”), or use UPDATE OR
// IGNORE and then delete what is left under the old key; same in postgres.
func TestRekeyRefConflict(t *testing.T) {
	s, path, exec := legacyStore(t)
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC).UnixNano()
	for _, k := range []string{"asha@xn--bcher-kva.example", "asha@bücher.example"} {
		exec(`INSERT INTO subscribers (key, email, status, updated_at) VALUES (?, ?, 'bounced', ?)`, k, k, at)
		exec(`INSERT INTO subscriber_events (key, kind, at, source, ref) VALUES (?, 'bounced', ?, 'bounce', 'report-1@mx.example')`, k, at)
	}
	exec(`INSERT INTO digest_meta (name, value) VALUES (?, 'pending')`, subrow.RekeyMarker)
	s.Close()
	s, err := OpenStore(path)
	if err != nil {
		t.Fatalf("OpenStore after the upgrade: %v", err)
	}
	defer s.Close()
	h, err := s.History(context.Background(), "asha@bücher.example")
	if err != nil || len(h) != 1 {
		t.Errorf("merged history: %d events, %v; want the bounce once", len(h), err)
	}
}

// TestRekeyLegacyWriterAfter (found by an adversarial review of the rekey).
//
// Scenario: a rolling upgrade. The first process of the new version opens
// the database and rekeys it (the marker is deleted). A process of the
// previous version still running (a second web server, a cron import)
// then imports "Kabir@XN--BCHER-KVA.example" under its old key
// "kabir@xn--bcher-kva.example". No later open moves it (no marker). The
// new version's lookups key the address as "kabir@bücher.example": the
// record is not found by Status/Subscriber/Change, so the unsubscribe link
// (whose token carries the new key) adds a second, unsubscribed record
// and leaves this one active — EachSubscriber keeps mailing it. The
// postgres comment acknowledges writers of the previous version during the
// move, not after.
//
// Expected: records written under old keys after the upgrade are moved
// (at the latest on the next open), or the upgrade notes require that
// every process of the previous version is stopped first.
//
// Fix: run the (cheap, filtered) rekey scan at every open instead of once
// behind a marker, or have lookups fall back to the legacy key
// (strings.ToLower) when the new key finds nothing; document that old
// versions must not write after the upgrade.
func TestRekeyLegacyWriterAfter(t *testing.T) {
	s, path, exec := legacyStore(t) // opened: the rekey has run
	exec(`INSERT INTO subscribers (key, email, status, updated_at) VALUES (?, ?, 'active', ?)`,
		"kabir@xn--bcher-kva.example", "Kabir@XN--BCHER-KVA.example", time.Now().UnixNano())
	s.Close()
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Subscriber(context.Background(), "Kabir@XN--BCHER-KVA.example"); err != nil {
		t.Errorf("a record the previous version wrote after the upgrade is not found by its own address: %v", err)
	}
}

// TestRekeyConcurrentOpen (found by an adversarial review of the rekey): two processes opening a
// marked file at once both open (BEGIN IMMEDIATE queues the second, which
// finds no marker); the merge happens once; a chain of two old rows onto
// one new key that is not stored merges both, keeping the refusal; an
// uppercase "XN--" in an ASCII address is caught by the filter.
func TestRekeyConcurrentOpen(t *testing.T) {
	s, path, exec := legacyStore(t)
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC).UnixNano()
	put := func(key, email, st string) {
		exec(`INSERT INTO subscribers (key, email, status, updated_at) VALUES (?, ?, ?, ?)`, key, email, st, at)
		exec(`INSERT INTO sent_editions (key, edition, until, sent_at) VALUES (?, 'daily-2026-11-01', ?, ?)`, key, at, at)
	}
	put("a@xn--bcher-kva.example", "A@XN--BCHER-KVA.EXAMPLE", "active")
	put("a@ｂücher.example", "a@ｂücher.example", "unsubscribed")
	for i := 0; i < 50; i++ {
		put("u"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@xn--bcher-kva.example", "U"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@Xn--bcher-kva.example", "active")
	}
	exec(`INSERT INTO digest_meta (name, value) VALUES (?, 'pending')`, subrow.RekeyMarker)
	s.Close()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := OpenStore(path)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if st, err := s.Status(ctx, "a@bücher.example"); err != nil || st != digest.StatusUnsubscribed {
		t.Errorf("merged chain: %q, %v", st, err)
	}
	if n, err := s.Count(ctx, ""); err != nil || n != 51 {
		t.Errorf("Count = %d, %v; want 51", n, err)
	}
	var left int
	if err := s.db.QueryRow(`SELECT count(*) FROM subscribers WHERE key LIKE '%xn--%'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d rows left under punycode keys, %v", left, err)
	}
}
