package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/postgres"
	"github.com/khabar/khabar/sqlite"
)

// stateStore is what the example keeps in its store, in either engine:
// subscribers, the sent log and the unsubscribe token key.
type stateStore interface {
	deliver.DigestStore
	digest.SentLog
	digest.StatusStore
	Import(ctx context.Context, subs []*digest.Subscriber) (digest.ImportResult, error)
	Count(ctx context.Context, status digest.Status) (int, error)
	Secret(ctx context.Context, name string, n int) ([]byte, error)
}

var (
	_ stateStore = (*sqlite.Store)(nil)
	_ stateStore = (*postgres.Store)(nil)
)

// state is the opened store, the way to get the delivery journal in the
// same database, and how to close both.
type state struct {
	store   stateStore
	journal func(ctx context.Context) (deliver.Journal, error)
	close   func()
}

// isPostgres reports whether -db names a PostgreSQL database rather than
// a SQLite file.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// dbFlag returns the database the flags name: -db, or else -state (the
// older name of the SQLite file).
func (o *options) dbFlag() (string, error) {
	switch {
	case o.db == "":
		return o.state, nil
	case o.stateSet && o.state != o.db:
		return "", fmt.Errorf("-db %q and -state %q: give one", o.db, o.state)
	}
	return o.db, nil
}

// openState opens the store -db (or -state) names: PostgreSQL for a
// postgres:// URL, where any number of senders may share one edition, or
// else the SQLite file at that path.
func openState(ctx context.Context, o options) (*state, error) {
	db, err := o.dbFlag()
	if err != nil {
		return nil, err
	}
	if db == "" {
		return nil, errors.New("-db: empty")
	}
	if isPostgres(db) {
		pg, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, err
		}
		j := postgres.NewJournal(pg)
		return &state{
			store:   postgres.NewStore(pg),
			journal: func(context.Context) (deliver.Journal, error) { return j, nil },
			close:   pg.Close,
		}, nil
	}
	s, err := sqlite.OpenStore(db)
	if err != nil {
		return nil, err
	}
	return &state{
		store: s,
		journal: func(ctx context.Context) (deliver.Journal, error) {
			return sqlite.NewJournal(ctx, s.DB())
		},
		close: func() { _ = s.Close() },
	}, nil
}
