package khabar

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ArticleChange is one entry of a ChangeLog: an article as it stands after
// its latest change.
type ArticleChange struct {
	// Seq orders the change among all others of its log.
	Seq int64
	// ID is the article's ID.
	ID string
	// Article is the article as stored; nil when it was deleted.
	Article *Article
}

// ChangeLog is an ordered record of the changes to a set of articles,
// which a Follower reads to keep a Catalog in step with it. Every change
// gets a sequence number larger than that of every change committed
// before it, so a reader that remembers the last number it read misses
// nothing by asking for the changes after it. Only the latest change of
// each article is kept (a deletion stays as a change with no Article).
//
// Implementations (package storetest has one in memory; packages sqlite
// and postgres keep it in a database) must be safe for concurrent use.
type ChangeLog interface {
	// Changes returns up to limit changes (limit <= 0: all) with a
	// sequence number after after, in sequence order.
	Changes(ctx context.Context, after int64, limit int) ([]ArticleChange, error)
	// Wait returns when changes after after may have been made (it may
	// return early, after a polling interval of the implementation's
	// choice), or with ctx's error when ctx ends.
	Wait(ctx context.Context, after int64) error
}

// ArticleStore is a ChangeLog that can be written: where articles are kept
// so that a catalog can be rebuilt at start and followed by other
// processes. Writers call Put and Delete; Followers apply the changes.
type ArticleStore interface {
	ChangeLog
	// Put stores valid articles, replacing those with the same IDs, and
	// records a change for each one that differs from what was stored.
	// Invalid articles are skipped; the error joins their
	// *ValidationError values. Of two articles with one ID, the last wins.
	Put(ctx context.Context, as ...*Article) error
	// Delete removes the articles with the given IDs, recording a change
	// for each one that was there.
	Delete(ctx context.Context, ids ...string) error
}

// DefaultFollowBatch is the number of changes a Follower reads at a time
// when Follower.Batch is zero.
const DefaultFollowBatch = 1000

// Follower keeps a Catalog in step with a ChangeLog: CatchUp applies the
// changes made since the last call (the first call loads everything), Run
// does so whenever the log says there are new ones. A process that writes
// to the log's store and wants its catalog to show the write at once calls
// CatchUp after the write.
//
// Set the fields before the first call; a Follower is safe for concurrent
// use. The catalog should be changed only through the Follower, or its
// content may differ from the log's until the next change of the same
// article.
type Follower struct {
	// Catalog receives the articles. Required.
	Catalog *Catalog
	// Log is where the changes come from. Required.
	Log ChangeLog
	// Batch is the number of changes read at a time; 0 means
	// DefaultFollowBatch.
	Batch int
	// OnError, when set, receives the errors Run retries after (from Run's
	// goroutine). Nil means they are dropped.
	OnError func(error)

	mu  sync.Mutex // serializes CatchUp
	seq int64      // last sequence number applied; under mu
}

// ErrFollowerConfig is returned by a Follower whose Catalog or Log is nil.
var ErrFollowerConfig = errors.New("khabar: Follower needs a Catalog and a Log")

// Seq returns the sequence number of the last change applied, 0 before
// the first.
func (f *Follower) Seq() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seq
}

// CatchUp applies every change of the log after the last one applied, in
// batches (each batch of puts is one catalog change), and returns how many
// changes it applied. An article the catalog refuses (the store kept
// something Validate now rejects) is skipped and reported in the error,
// joined with the others; reading goes on. A read error stops it; the
// changes applied so far stay applied, and the next call resumes after
// them.
func (f *Follower) CatchUp(ctx context.Context) (int, error) {
	if f.Catalog == nil || f.Log == nil {
		return 0, ErrFollowerConfig
	}
	batch := f.Batch
	if batch <= 0 {
		batch = DefaultFollowBatch
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var bad []error
	n := 0
	for {
		chs, err := f.Log.Changes(ctx, f.seq, batch)
		if err != nil {
			return n, errors.Join(append(bad, fmt.Errorf("khabar: follow: %w", err))...)
		}
		if err := f.apply(chs); err != nil {
			bad = append(bad, err)
		}
		n += len(chs)
		if len(chs) < batch {
			return n, errors.Join(bad...)
		}
	}
}

// apply puts chs into the catalog: each run of puts in one UpsertAll,
// deletions one by one, in order. Called with f.mu held.
func (f *Follower) apply(chs []ArticleChange) error {
	var errs []error
	puts := make([]*Article, 0, len(chs))
	flush := func() {
		if len(puts) > 0 {
			if err := f.Catalog.UpsertAll(puts); err != nil {
				errs = append(errs, err)
			}
			puts = puts[:0]
		}
	}
	for _, ch := range chs {
		if ch.Article == nil {
			flush()
			f.Catalog.Delete(ch.ID)
		} else {
			puts = append(puts, ch.Article)
		}
		f.seq = max(f.seq, ch.Seq)
	}
	flush()
	return errors.Join(errs...)
}

// Run catches up, then waits for new changes and applies them, until ctx
// ends; it returns ctx's error. Read errors are passed to OnError and
// retried with a growing pause (up to 10 s).
func (f *Follower) Run(ctx context.Context) error {
	if f.Catalog == nil || f.Log == nil {
		return ErrFollowerConfig
	}
	pause := 100 * time.Millisecond
	for {
		_, err := f.CatchUp(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && f.OnError != nil {
			f.OnError(err)
		}
		if err != nil {
			t := time.NewTimer(pause)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			pause = min(2*pause, 10*time.Second)
			continue
		}
		pause = 100 * time.Millisecond
		if err := f.Log.Wait(ctx, f.Seq()); err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
