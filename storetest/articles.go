package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/articledoc"
)

// OpenArticles returns a new, empty article store for t alone, closed
// when t ends, and reopen, which opens another handle on the same
// database (its own connections, as another process would have); for a
// store in memory reopen may return the same store.
type OpenArticles func(t *testing.T) (s khabar.ArticleStore, reopen func() khabar.ArticleStore)

// Articles runs the conformance suite for article stores: changes in
// order, unchanged puts recorded as nothing, deletions kept as changes,
// invalid articles refused, paging, Wait woken by writes from another
// handle, concurrent writers never skipped by a reader, and a Catalog fed
// through a khabar.Follower.
//
// It is one long list of subtests on purpose: a store's author reads the
// whole contract in one place, in the order the rules build on each other.
func Articles(t *testing.T, open OpenArticles) {
	ctx := context.Background()
	t.Run("PutChanges", func(t *testing.T) {
		s, _ := open(t)
		mustNone(t, s, 0)
		put(t, s, article("a", 1), article("b", 2), article("c", 3))
		chs := changes(t, s, 0, 0)
		wantIDs(t, chs, "a", "b", "c")
		for i, ch := range chs {
			if i > 0 && ch.Seq <= chs[i-1].Seq {
				t.Errorf("seq %d after %d: not increasing", ch.Seq, chs[i-1].Seq)
			}
			sameArticle(t, ch.Article, article(ch.ID, i+1))
		}
		last := chs[2].Seq
		put(t, s, article("b", 2))
		mustNone(t, s, last)
		b := article("b", 2)
		b.Title = "बदली हुई सुर्ख़ी"
		put(t, s, b)
		chs = changes(t, s, last, 0)
		wantIDs(t, chs, "b")
		sameArticle(t, chs[0].Article, b)
		wantIDs(t, changes(t, s, 0, 0), "a", "c", "b")
	})
	t.Run("Delete", func(t *testing.T) {
		s, _ := open(t)
		put(t, s, article("a", 1), article("b", 2))
		last := lastSeq(t, s)
		if err := s.Delete(ctx, "a", "nope", "a"); err != nil {
			t.Fatal(err)
		}
		chs := changes(t, s, last, 0)
		wantIDs(t, chs, "a")
		if chs[0].Article != nil {
			t.Errorf("deleted article returned: %+v", chs[0].Article)
		}
		last = chs[0].Seq
		if err := s.Delete(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		mustNone(t, s, last)
		put(t, s, article("a", 5))
		chs = changes(t, s, last, 0)
		wantIDs(t, chs, "a")
		sameArticle(t, chs[0].Article, article("a", 5))
	})
	t.Run("Invalid", func(t *testing.T) {
		s, _ := open(t)
		bad := article("bad", 1)
		bad.URL = "not a url"
		err := s.Put(ctx, article("a", 1), bad, nil, article("c", 3))
		var ve *khabar.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("Put with an invalid article: err %v, want a *ValidationError", err)
		}
		wantIDs(t, changes(t, s, 0, 0), "a", "c")
	})
	t.Run("LastOfOneIDWins", func(t *testing.T) {
		s, _ := open(t)
		x := article("x", 1)
		x.Title = "पहली"
		y := article("x", 1)
		y.Title = "दूसरी"
		put(t, s, x, article("z", 2), y)
		chs := changes(t, s, 0, 0)
		wantIDs(t, chs, "x", "z")
		sameArticle(t, chs[0].Article, y)
	})
	t.Run("Paging", func(t *testing.T) {
		s, _ := open(t)
		var as []*khabar.Article
		for i := range 7 {
			as = append(as, article(fmt.Sprintf("p%d", i), i))
		}
		put(t, s, as...)
		var got []khabar.ArticleChange
		after := int64(0)
		for {
			chs := changes(t, s, after, 3)
			if len(chs) > 3 {
				t.Fatalf("limit 3: got %d", len(chs))
			}
			if len(chs) == 0 {
				break
			}
			got = append(got, chs...)
			after = chs[len(chs)-1].Seq
		}
		wantIDs(t, got, "p0", "p1", "p2", "p3", "p4", "p5", "p6")
	})
	t.Run("Wait", func(t *testing.T) {
		s, reopen := open(t)
		other := reopen()
		put(t, s, article("a", 1))
		last := lastSeq(t, s)
		if err := s.Wait(ctx, last-1); err != nil {
			t.Errorf("Wait with a change pending: %v", err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Wait(cctx, last); !errors.Is(err, context.Canceled) {
			t.Errorf("Wait on an ended context: %v", err)
		}
		// A write through another handle wakes a waiter within 2 s.
		done := make(chan error, 1)
		start := time.Now()
		go func() {
			deadline := time.Now().Add(5 * time.Second)
			for time.Now().Before(deadline) {
				if err := s.Wait(ctx, last); err != nil {
					done <- err
					return
				}
				if chs, err := s.Changes(ctx, last, 0); err != nil || len(chs) > 0 {
					done <- err
					return
				}
			}
			done <- errors.New("no change seen within 5 s")
		}()
		time.Sleep(50 * time.Millisecond)
		put(t, other, article("b", 2))
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("change seen after %v, want within 2 s", d)
		}
	})
	t.Run("ConcurrentWriters", func(t *testing.T) { concurrentWriters(t, open) })
	t.Run("Follower", func(t *testing.T) { follower(t, open) })
}

// concurrentWriters has writers on several handles put articles while a
// reader pages through the changes: the reader must see every article,
// which holds only if no change becomes visible after one with a larger
// sequence number.
func concurrentWriters(t *testing.T, open OpenArticles) {
	ctx := context.Background()
	s, reopen := open(t)
	const writers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		h := reopen()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := h.Put(ctx, article(fmt.Sprintf("w%d-%02d", w, i), i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	seen := make(map[string]bool)
	after := int64(0)
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	for stop := false; ; {
		select {
		case <-finished:
			stop = true
		default:
		}
		chs, err := s.Changes(ctx, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range chs {
			seen[ch.ID] = true
			after = ch.Seq
		}
		if stop && len(chs) == 0 {
			break
		}
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != writers*each {
		t.Errorf("reader saw %d articles, want %d: a change became visible behind the reader", len(seen), writers*each)
	}
}

// follower feeds a Catalog from the store and checks that puts, updates
// and deletes made through another handle arrive.
func follower(t *testing.T, open OpenArticles) {
	ctx := context.Background()
	s, reopen := open(t)
	put(t, s, article("a", 1), article("b", 2), article("c", 3))
	c := khabar.NewCatalog()
	f := &khabar.Follower{Catalog: c, Log: s, Batch: 2}
	if n, err := f.CatchUp(ctx); err != nil || n != 3 || c.Len() != 3 {
		t.Fatalf("CatchUp: %d changes, %d articles, %v; want 3, 3", n, c.Len(), err)
	}
	other := reopen()
	b := article("b", 2)
	b.Title = "नई सुर्ख़ी"
	put(t, other, b, article("d", 4))
	if err := other.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.Run(rctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _ := c.Get("b")
		_, hasA := c.Get("a")
		if got != nil && got.Title == b.Title && !hasA && c.Len() == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("catalog not in step after 5 s: %d articles, a present %v", c.Len(), hasA)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	last, _ := s.Changes(ctx, 0, 0)
	if f.Seq() != last[len(last)-1].Seq {
		t.Errorf("Seq %d, want %d", f.Seq(), last[len(last)-1].Seq)
	}
}

// article returns a valid article dated h hours into a fixed day.
func article(id string, h int) *khabar.Article {
	return &khabar.Article{
		ID:         id,
		Title:      "ख़बर " + id,
		Summary:    "सारांश <b>&</b> \"quoted\"",
		URL:        "https://khabar.example/" + id + "/",
		Published:  time.Date(2026, 11, 20, 6, 0, 0, 0, ist).Add(time.Duration(h) * time.Hour),
		Categories: []khabar.Category{{Name: "कानपुर", Parent: &khabar.Category{Name: "उत्तर प्रदेश"}}},
		Authors:    []khabar.Author{{Name: "सुनीता वर्मा", Slug: "sunita-verma"}},
		Tags:       []khabar.Tag{{Name: "बारिश"}},
		Language:   "hi",
		Metrics:    khabar.Metrics{Views: int64(h)},
	}
}

func put(t *testing.T, s khabar.ArticleStore, as ...*khabar.Article) {
	t.Helper()
	if err := s.Put(context.Background(), as...); err != nil {
		t.Fatalf("Put: %v", err)
	}
}

func changes(t *testing.T, s khabar.ArticleStore, after int64, limit int) []khabar.ArticleChange {
	t.Helper()
	chs, err := s.Changes(context.Background(), after, limit)
	if err != nil {
		t.Fatalf("Changes(%d, %d): %v", after, limit, err)
	}
	return chs
}

func lastSeq(t *testing.T, s khabar.ArticleStore) int64 {
	t.Helper()
	chs := changes(t, s, 0, 0)
	if len(chs) == 0 {
		t.Fatal("no changes")
	}
	return chs[len(chs)-1].Seq
}

func mustNone(t *testing.T, s khabar.ArticleStore, after int64) {
	t.Helper()
	if chs := changes(t, s, after, 0); len(chs) != 0 {
		t.Errorf("Changes(%d) = %d changes, want none", after, len(chs))
	}
}

func wantIDs(t *testing.T, chs []khabar.ArticleChange, ids ...string) {
	t.Helper()
	var got []string
	for _, ch := range chs {
		got = append(got, ch.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("changes %v, want %v", got, ids)
	}
}

// sameArticle compares by JSON form: time zones come back as offsets.
func sameArticle(t *testing.T, got, want *khabar.Article) {
	t.Helper()
	if got == nil {
		t.Fatalf("article %s: nil", want.ID)
	}
	g, err1 := articledoc.Encode(got)
	w, err2 := articledoc.Encode(want)
	if err1 != nil || err2 != nil || !bytes.Equal(g, w) {
		t.Errorf("article %s:\n got %s\nwant %s", want.ID, g, w)
	}
}
