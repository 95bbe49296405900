package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/internal/subrow"
)

var _ digest.Lifecycle = (*Store)(nil)

// storeV2 allows the statuses pending and complained, adds the pause and
// the consent history. SQLite cannot change a CHECK constraint in place,
// so the subscribers table is rebuilt (its rows copied as they are, the
// pause 0: none); the events table is append-only, seq ordering each
// address's history.
const storeV2 = `
CREATE TABLE subscribers_v2 (
	key          TEXT PRIMARY KEY,
	email        TEXT NOT NULL,
	name         TEXT NOT NULL DEFAULT '',
	language     TEXT NOT NULL DEFAULT '',
	time_zone    TEXT NOT NULL DEFAULT '',
	follows      TEXT NOT NULL DEFAULT '{}',
	status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'unsubscribed', 'bounced', 'pending', 'complained')),
	paused_until INTEGER NOT NULL DEFAULT 0,
	updated_at   INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO subscribers_v2 (key, email, name, language, time_zone, follows, status, updated_at)
	SELECT key, email, name, language, time_zone, follows, status, updated_at FROM subscribers;
DROP TABLE subscribers;
ALTER TABLE subscribers_v2 RENAME TO subscribers;
CREATE TABLE subscriber_events (
	seq     INTEGER PRIMARY KEY AUTOINCREMENT,
	key     TEXT NOT NULL,
	kind    TEXT NOT NULL,
	at      INTEGER NOT NULL,
	source  TEXT NOT NULL,
	ip      TEXT NOT NULL DEFAULT '',
	wording TEXT NOT NULL DEFAULT '',
	ref     TEXT NOT NULL DEFAULT '',
	edition TEXT NOT NULL DEFAULT '',
	detail  TEXT NOT NULL DEFAULT '',
	choices TEXT
);
CREATE INDEX subscriber_events_key ON subscriber_events (key, seq);
CREATE UNIQUE INDEX subscriber_events_ref ON subscriber_events (key, kind, ref) WHERE ref <> '';
`

// Change applies fn to the address's record and appends ev to its history
// in one write transaction (BEGIN IMMEDIATE: the database's write lock is
// taken before the record and history are read, so concurrent changes,
// also from other processes, queue and each sees the one before it).
func (s *Store) Change(ctx context.Context, email string, ev digest.Event, fn digest.ChangeFunc) (bool, error) {
	var changed bool
	err := s.write(ctx, func(tx subrow.Tx) (err error) {
		changed, err = subrow.Change(ctx, tx, email, ev, fn)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlite: change %s: %w", email, err)
	}
	return changed, nil
}

// History returns the address's events, oldest first.
func (s *Store) History(ctx context.Context, email string) ([]digest.Event, error) {
	h, err := history(ctx, s.db, digest.EmailKey(email))
	if err != nil {
		return nil, fmt.Errorf("sqlite: history of %s: %w", email, err)
	}
	return h, nil
}

// write runs fn in one write transaction, committed when fn returns nil.
// The writers of one Store queue on its mutex first: SQLite's busy
// handler polls with growing sleeps and favours no one, so sixteen
// goroutines changing one address could starve one of them past
// busy_timeout; writers in other processes still queue on the database's
// lock.
func (s *Store) write(ctx context.Context, fn func(subrow.Tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(sqlTx{tx}); err != nil {
		return err
	}
	return tx.Commit()
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

func history(ctx context.Context, q querier, key string) ([]digest.Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+subrow.EventColumns+` FROM subscriber_events WHERE key = ? ORDER BY seq`, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []digest.Event{}
	for rows.Next() {
		var r subrow.EventRow
		if err := rows.Scan(r.Dest()...); err != nil {
			return nil, err
		}
		ev, err := r.Decode()
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// sqlTx is a write transaction as package subrow uses it.
type sqlTx struct{ tx *sql.Tx }

func (t sqlTx) Row(ctx context.Context, key string) (subrow.Row, bool, error) {
	r := subrow.Row{Key: key}
	err := t.tx.QueryRowContext(ctx, `SELECT `+subrow.Columns+` FROM subscribers WHERE key = ?`, key).Scan(r.Dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return subrow.Row{}, false, nil
	}
	return r, err == nil, err
}

func (t sqlTx) History(ctx context.Context, key string) ([]digest.Event, error) {
	return history(ctx, t.tx, key)
}

func (t sqlTx) Put(ctx context.Context, r subrow.Row) error {
	_, err := t.tx.ExecContext(ctx, `INSERT OR REPLACE INTO subscribers (`+subrow.InsertColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.Args()...)
	return err
}

func (t sqlTx) Append(ctx context.Context, key string, ev subrow.EventRow) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO subscriber_events (key, `+subrow.EventColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append([]any{key}, ev.Args()...)...)
	return err
}
