// Package storeflag opens the stores an example's -db flag names: a
// postgres:// or postgresql:// URL means PostgreSQL (package postgres),
// anything else is the path of an SQLite file (package sqlite).
package storeflag

import (
	"context"
	"strings"

	"github.com/khabar/khabar"
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
