package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/khabar/khabar/internal/subrow"
)

// storeV3 marks the database for rekeying (subrow.Rekeys): records
// stored before digest.EmailKey read domains as IDNA does. The mark is
// removed by the first rekeying; every open looks for such records all
// the same (rekey), since a process of an earlier version still running
// may store more.
const storeV3 = `INSERT INTO digest_meta (name, value) VALUES ('` + subrow.RekeyMarker + `', 'pending') ON CONFLICT DO NOTHING;`

// rekeyFilter selects the records whose key can differ from
// digest.EmailKey of their address: a byte outside printable ASCII, or a
// punycode label, in the address.
const rekeyFilter = `SELECT key, email FROM subscribers WHERE ` + rekeyWhere

// rekeyWhere is rekeyFilter's condition, and that of the partial index
// storeV4 makes, so that the look each open takes reads those rows alone.
const rekeyWhere = `email ~ '[^ -~]' OR email ILIKE '%xn--%'`

// storeV4 indexes the rows rekeyFilter reads.
const storeV4 = `CREATE INDEX IF NOT EXISTS subscribers_rekey ON subscribers (key, email) WHERE ` + rekeyWhere + `;`

// rekey moves the records whose key digest.EmailKey no longer gives. It
// looks for them first without a lock; only when there is one does it
// move them, in one transaction that holds the migration lock (other
// openers wait, then find none) and locks the store's tables against
// writers, and reads them again. The delivery journal is not locked: its
// writers hold leases, which an upgrade's restart ends.
func (db *DB) rekey(ctx context.Context) error {
	keyed, err := keyedRows(ctx, db.pool)
	if err == nil && len(subrow.Rekeys(keyed)) == 0 {
		_, err = db.pool.Exec(ctx, `DELETE FROM digest_meta WHERE name = $1`, subrow.RekeyMarker)
	} else if err == nil {
		err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `LOCK TABLE subscribers, subscriber_events, sent_editions IN EXCLUSIVE MODE`); err != nil {
				return err
			}
			keyed, err := keyedRows(ctx, tx)
			if err != nil {
				return err
			}
			var journal bool // the delivery journal's records are keyed by EmailKey too
			if err := tx.QueryRow(ctx, `SELECT to_regclass('deliver_journal') IS NOT NULL`).Scan(&journal); err != nil {
				return err
			}
			for _, m := range subrow.Rekeys(keyed) {
				if err := moveKey(ctx, tx, m, journal); err != nil {
					return fmt.Errorf("rekey %s to %s: %w", m.Old, m.New, err)
				}
			}
			_, err = tx.Exec(ctx, `DELETE FROM digest_meta WHERE name = $1`, subrow.RekeyMarker)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("postgres: rekey: %w", err)
	}
	return nil
}

// keyedRows reads the rows rekeyFilter selects.
func keyedRows(ctx context.Context, q querier) ([]subrow.KeyedRow, error) {
	rows, err := q.Query(ctx, rekeyFilter)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (subrow.KeyedRow, error) {
		var r subrow.KeyedRow
		err := row.Scan(&r.Key, &r.Email)
		return r, err
	})
}

// moveKey moves the record of m.Old, its history, its sent log and, with
// journal, its delivery records to m.New, merging it into a record
// already there (subrow.MergeSQL). A delivery record of an edition m.New
// already has is left where it is.
func moveKey(ctx context.Context, tx pgx.Tx, m subrow.Rekey, journal bool) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM subscribers WHERE key = $1`, m.New).Scan(&n); err != nil {
		return err
	}
	both := []any{m.New, m.Old}
	type stmt struct {
		sql  string
		args []any
	}
	stmts := []stmt{{`UPDATE subscribers SET key = $1 WHERE key = $2`, both}}
	if n > 0 {
		stmts = []stmt{{subrow.MergeSQL("$1", "$2"), both}, {`DELETE FROM subscribers WHERE key = $1`, []any{m.Old}}}
	}
	stmts = append(stmts,
		stmt{`DELETE FROM subscriber_events AS o WHERE o.key = $2 AND o.ref <> '' AND EXISTS
			(SELECT 1 FROM subscriber_events AS e WHERE e.key = $1 AND e.kind = o.kind AND e.ref = o.ref)`, both},
		stmt{`UPDATE subscriber_events SET key = $1 WHERE key = $2`, both},
		stmt{`INSERT INTO sent_editions (key, edition, until, sent_at)
			SELECT $1, edition, until, sent_at FROM sent_editions WHERE key = $2 ON CONFLICT DO NOTHING`, both},
		stmt{`DELETE FROM sent_editions WHERE key = $1`, []any{m.Old}})
	if journal {
		// An edition with a record under both keys keeps the state
		// further along (a message sent under one is not sent again).
		stmts = append(stmts,
			stmt{`UPDATE deliver_journal AS n SET state = o.state, attempts = GREATEST(n.attempts, o.attempts),
				message_id = o.message_id, detail = o.detail, updated_at = o.updated_at
				FROM deliver_journal AS o WHERE n.recipient = $1 AND o.recipient = $2 AND o.edition = n.edition
				AND ` + subrow.JournalRank("o.state") + ` > ` + subrow.JournalRank("n.state"), both},
			stmt{`DELETE FROM deliver_journal WHERE recipient = $2 AND edition IN (SELECT edition FROM deliver_journal WHERE recipient = $1)`, both},
			stmt{`UPDATE deliver_journal SET recipient = $1 WHERE recipient = $2`, both})
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s.sql, s.args...); err != nil {
			return err
		}
	}
	return nil
}
