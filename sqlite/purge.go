package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/internal/subrow"
)

var _ digest.PendingPurger = (*Store)(nil)

// purgeBatch is how many addresses one purge transaction removes at most:
// the database's write lock, which every signup waits for, is held for one
// batch at a time.
const purgeBatch = 500

// unconfirmedSQL selects the keys digest.Unconfirmed holds for ($1: the
// time in Unix nanoseconds), at most $2 of them: pending, with a history
// of signup requests only, all before $1.
const unconfirmedSQL = `SELECT key FROM subscribers AS s WHERE s.status = 'pending'
	AND EXISTS (SELECT 1 FROM subscriber_events AS e WHERE e.key = s.key)
	AND NOT EXISTS (SELECT 1 FROM subscriber_events AS e WHERE e.key = s.key AND (e.kind <> 'requested' OR e.at >= ?1))
	LIMIT ?2`

// PurgePending implements digest.PendingPurger, a batch of addresses per
// write transaction.
func (s *Store) PurgePending(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		n := 0
		err := s.write(ctx, func(t subrow.Tx) error {
			tx := t.(sqlTx).tx
			rows, err := tx.QueryContext(ctx, unconfirmedSQL, before.UnixNano(), purgeBatch)
			if err != nil {
				return err
			}
			var keys []string
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					rows.Close()
					return err
				}
				keys = append(keys, k)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, k := range keys {
				if _, err := tx.ExecContext(ctx, `DELETE FROM subscriber_events WHERE key = ?`, k); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM subscribers WHERE key = ?`, k); err != nil {
					return err
				}
			}
			n = len(keys)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("sqlite: purge pending: %w", err)
		}
		total += n
		if n < purgeBatch {
			return total, nil
		}
	}
}
