// Package storeflag opens the stores an example's -db flag names: a
// postgres:// or postgresql:// URL means PostgreSQL (package postgres),
// anything else is the path of an SQLite file (package sqlite).
package storeflag

import (
	"context"
	"fmt"
	"strings"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/feed/upstream"
	"github.com/khabar/khabar/postgres"
	"github.com/khabar/khabar/sqlite"
)

// IsPostgres reports whether the -db value is a PostgreSQL URL.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// Stores are the stores of one -db value.
type Stores struct {
	// Articles is the article store.
	Articles khabar.ArticleStore
	// PollState is the aggregators' shared poll state.
	PollState upstream.Leaser
	closers   []func()
}

// Close closes every store, in the reverse order of opening.
func (s *Stores) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// Open opens the stores of db.
func Open(ctx context.Context, db string) (*Stores, error) {
	s := &Stores{}
	if IsPostgres(db) {
		pg, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, err
		}
		a := pg.Articles()
		s.Articles, s.PollState = a, pg.PollState()
		s.closers = append(s.closers, pg.Close, func() { a.Close() })
		return s, nil
	}
	a, err := sqlite.OpenArticles(ctx, db)
	if err != nil {
		return nil, err
	}
	s.Articles = a
	s.closers = append(s.closers, func() { a.Close() })
	ps, err := sqlite.OpenPollState(ctx, db)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.PollState = ps
	s.closers = append(s.closers, func() { ps.Close() })
	return s, nil
}

// SubscriberStore is what a site keeps subscribers in: the store, its
// consent history (digest.Lifecycle, checked when opened) and the secret
// the links are signed with, shared with examples/digest-sender.
type SubscriberStore interface {
	digest.SubscriberStore
	Secret(ctx context.Context, name string, n int) ([]byte, error)
}

// OpenSubscribers opens the subscriber store of db, as
// examples/digest-sender's -db and -state do, and returns it as a
// digest.Lifecycle with the secret of its links.
func OpenSubscribers(ctx context.Context, db string) (digest.Lifecycle, SubscriberStore, func(), error) {
	var s SubscriberStore
	var closeFn func()
	if IsPostgres(db) {
		pg, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, nil, nil, err
		}
		s, closeFn = postgres.NewStore(pg), pg.Close
	} else {
		st, err := sqlite.OpenStore(db)
		if err != nil {
			return nil, nil, nil, err
		}
		s, closeFn = st, func() { _ = st.Close() }
	}
	lc, ok := s.(digest.Lifecycle)
	if !ok {
		closeFn()
		return nil, nil, nil, fmt.Errorf("%s: the store keeps no consent history (digest.Lifecycle)", db)
	}
	return lc, s, closeFn, nil
}
