package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/examples/internal/storeflag"
	"github.com/khabar/khabar/feed/upstream"
)

// shared is the -db store: poll state shared with the other aggregators,
// and the articles they all fetched, followed into the catalog. A nil
// *shared is no store: its methods then act on the catalog alone.
type shared struct {
	stores *storeflag.Stores
	follow *khabar.Follower
	stop   context.CancelFunc
	done   chan struct{}
}

// openShared opens db, loads its articles into cat and follows them in
// the background until close.
func openShared(ctx context.Context, db string, cat *khabar.Catalog, out io.Writer) (*shared, error) {
	stores, err := storeflag.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	f := &khabar.Follower{Catalog: cat, Log: stores.Articles, OnError: func(err error) { fmt.Fprintf(out, "warning: follow: %v\n", err) }}
	if _, err := f.CatchUp(ctx); err != nil {
		stores.Close()
		return nil, err
	}
	fmt.Fprintf(out, "loaded %d articles from the -db store\n", cat.Len())
	fctx, stop := context.WithCancel(context.Background())
	s := &shared{stores: stores, follow: f, stop: stop, done: make(chan struct{})}
	go func() { defer close(s.done); f.Run(fctx) }()
	return s, nil
}

func (s *shared) close() {
	s.stop()
	<-s.done
	s.stores.Close()
}

// articles is where the Poller also writes what it fetched: the store,
// or nil.
func (s *shared) articles() upstream.ArticleWriter {
	if s == nil {
		return nil
	}
	return s.stores.Articles
}

// catchUp brings the catalog up to date with the store (other
// aggregators' articles included).
func (s *shared) catchUp(ctx context.Context) {
	if s != nil {
		s.follow.CatchUp(ctx)
	}
}

// pollOnce is -once: every feed now, or with a store every feed due, in
// rounds of the claims the Poller gets, so that aggregators started
// together split the feeds.
func (s *shared) pollOnce(ctx context.Context, p *upstream.Poller) []upstream.Report {
	if s == nil {
		return p.PollAll(ctx)
	}
	var all []upstream.Report
	for ctx.Err() == nil {
		reps := p.PollDue(ctx)
		if len(reps) == 0 {
			break
		}
		all = append(all, reps...)
	}
	return all
}

// prune deletes articles published before cutoff: from the store, when
// there is one, so that every aggregator's catalog follows.
func (s *shared) prune(ctx context.Context, cat *khabar.Catalog, cutoff time.Time) error {
	old := cat.Find(khabar.Query{Until: cutoff})
	if s == nil {
		for _, a := range old {
			cat.Delete(a.ID)
		}
		return nil
	}
	ids := make([]string, len(old))
	for i, a := range old {
		ids[i] = a.ID
	}
	if err := s.stores.Articles.Delete(ctx, ids...); err != nil {
		return err
	}
	_, err := s.follow.CatchUp(ctx)
	return err
}
