package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/khabar/khabar/digest"
)

var _ digest.PendingPurger = (*Store)(nil)

// purgeBatch is how many addresses one purge transaction removes at most.
const purgeBatch = 500

// unconfirmed is the condition digest.Unconfirmed holds for, on the
// subscriber s ($1: the time in Unix nanoseconds): pending, with a
// history of signup requests only, all before $1.
const unconfirmed = `s.status = 'pending'
	AND EXISTS (SELECT 1 FROM subscriber_events AS e WHERE e.key = s.key)
	AND NOT EXISTS (SELECT 1 FROM subscriber_events AS e WHERE e.key = s.key AND (e.kind <> 'requested' OR e.at >= $1))`

// PurgePending implements digest.PendingPurger. Each batch of addresses
// is found first, then removed in a transaction that holds their advisory
// locks (see write) and checks them again, so that a signup request or a
// confirmation of one of them, from any process, comes before or after
// the purge, not in the middle.
func (s *Store) PurgePending(ctx context.Context, before time.Time) (int, error) {
	at := before.UnixNano()
	total, idle := 0, 0 // idle: batches in a row that removed nothing
	for {
		rows, err := s.db.pool.Query(ctx, `SELECT s.key FROM subscribers AS s WHERE `+unconfirmed+` LIMIT $2`, at, purgeBatch)
		if err != nil {
			return total, fmt.Errorf("postgres: purge pending: %w", err)
		}
		keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return total, fmt.Errorf("postgres: purge pending: %w", err)
		}
		if len(keys) == 0 {
			return total, nil
		}
		n := 0
		err = s.write(ctx, keys, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `DELETE FROM subscribers AS s WHERE s.key = ANY($2) AND `+unconfirmed+` RETURNING s.key`, at, keys)
			if err != nil {
				return err
			}
			gone, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			n = len(gone)
			_, err = tx.Exec(ctx, `DELETE FROM subscriber_events WHERE key = ANY($1)`, gone)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("postgres: purge pending: %w", err)
		}
		total += n
		// A batch whose addresses were all confirmed meanwhile removes
		// none; the next one reads others. Two such in a row mean the
		// rest is being confirmed as fast: left for the next purge.
		if n == 0 {
			idle++
		} else {
			idle = 0
		}
		if len(keys) < purgeBatch || idle == 2 {
			return total, nil
		}
	}
}
