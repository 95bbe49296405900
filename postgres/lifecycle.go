package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/internal/subrow"
)

var _ digest.Lifecycle = (*Store)(nil)

// storeV2 allows the statuses pending and complained, adds the pause
// (Unix nanoseconds, 0: none) and the consent history, append-only, seq
// ordering each address's events.
const storeV2 = `
ALTER TABLE subscribers DROP CONSTRAINT IF EXISTS subscribers_status_check;
ALTER TABLE subscribers ADD CONSTRAINT subscribers_status_check
	CHECK (status IN ('active', 'unsubscribed', 'bounced', 'pending', 'complained'));
ALTER TABLE subscribers ADD COLUMN paused_until bigint NOT NULL DEFAULT 0;
CREATE TABLE subscriber_events (
	seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	key     text COLLATE "C" NOT NULL,
	kind    text NOT NULL,
	at      bigint NOT NULL,
	source  text NOT NULL,
	ip      text NOT NULL DEFAULT '',
	wording text NOT NULL DEFAULT '',
	ref     text NOT NULL DEFAULT '',
	edition text NOT NULL DEFAULT '',
	detail  text NOT NULL DEFAULT '',
	choices jsonb
);
CREATE INDEX subscriber_events_key ON subscriber_events (key, seq);
CREATE UNIQUE INDEX subscriber_events_ref ON subscriber_events (key, kind, ref) WHERE ref <> '';
`

// addressLock is the first key of the advisory locks that serialize the
// writers of one address (the two-key form: a space of its own, apart
// from the migration lock's single key); the second is a hash of the
// address's key.
const addressLock = 0x6b68 // "kh"

// lockIDs returns the advisory lock keys of the addresses, sorted and
// without duplicates, so that transactions locking several take them in
// the same order and never deadlock.
func lockIDs(keys ...string) []int32 {
	ids := make([]int32, len(keys))
	for i, k := range keys {
		h := fnv.New32a()
		h.Write([]byte(k))
		ids[i] = int32(h.Sum32())
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// write runs fn in one transaction that first takes the advisory lock of
// each address key, committed when fn returns nil.
//
// Why advisory locks and not SERIALIZABLE: a change reads the history and
// the record (which may not exist yet: a first signup, a bounce of an
// address never imported) and writes both; a row lock cannot cover a row
// that is not there, and SERIALIZABLE would make concurrent changes of
// one address fail and retry, calling the ChangeFunc again each time. A
// transaction-scoped lock per address queues them instead, costs one
// statement, and is released by COMMIT or ROLLBACK, also when the
// connection dies. Hash collisions only make two addresses queue behind
// each other.
func (s *Store) write(ctx context.Context, keys []string, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT count(pg_advisory_xact_lock($1::int, id)) FROM unnest($2::int[]) AS id`,
			addressLock, lockIDs(keys...)); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		return fn(tx)
	})
}

// Change applies fn to the address's record and appends ev to its history
// in one transaction that holds the address's advisory lock (see write),
// so concurrent changes of one address, from any process, queue and each
// sees the one before it; changes of other addresses do not wait.
func (s *Store) Change(ctx context.Context, email string, ev digest.Event, fn digest.ChangeFunc) (bool, error) {
	var changed bool
	err := s.write(ctx, []string{digest.EmailKey(email)}, func(tx pgx.Tx) (err error) {
		changed, err = subrow.Change(ctx, pgTx{tx}, email, ev, fn)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("postgres: change %s: %w", email, err)
	}
	return changed, nil
}

// History returns the address's events, oldest first.
func (s *Store) History(ctx context.Context, email string) ([]digest.Event, error) {
	h, err := history(ctx, s.db.pool, digest.EmailKey(email))
	if err != nil {
		return nil, fmt.Errorf("postgres: history of %s: %w", email, err)
	}
	return h, nil
}

// querier is a pool or a transaction.
type querier interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}

func history(ctx context.Context, q querier, key string) ([]digest.Event, error) {
	rows, err := q.Query(ctx, `SELECT `+subrow.EventColumns+` FROM subscriber_events WHERE key = $1 ORDER BY seq`, key)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (digest.Event, error) {
		var r subrow.EventRow
		if err := row.Scan(r.Dest()...); err != nil {
			return digest.Event{}, err
		}
		return r.Decode()
	})
	if out == nil && err == nil {
		out = []digest.Event{}
	}
	return out, err
}

// pgTx is a write transaction as package subrow uses it.
type pgTx struct{ tx pgx.Tx }

func (t pgTx) Row(ctx context.Context, key string) (subrow.Row, bool, error) {
	r := subrow.Row{Key: key}
	err := t.tx.QueryRow(ctx, `SELECT `+subrow.Columns+` FROM subscribers WHERE key = $1`, key).Scan(r.Dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return subrow.Row{}, false, nil
	}
	return r, err == nil, err
}

func (t pgTx) History(ctx context.Context, key string) ([]digest.Event, error) {
	return history(ctx, t.tx, key)
}

func (t pgTx) Put(ctx context.Context, r subrow.Row) error {
	_, err := t.tx.Exec(ctx, upsertSubscriber+`excluded.status`, r.Args()...)
	return err
}

const appendEvent = `INSERT INTO subscriber_events (key, ` + subrow.EventColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

func (t pgTx) Append(ctx context.Context, key string, ev subrow.EventRow) error {
	_, err := t.tx.Exec(ctx, appendEvent, append([]any{key}, ev.Args()...)...)
	return err
}
