package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/khabar/khabar/internal/subrow"
)

// storeV3 marks the database for rekeying (subrow.Rekeys): records
// stored before digest.EmailKey read domains as IDNA does.
const storeV3 = `INSERT INTO digest_meta (name, value) VALUES ('` + subrow.RekeyMarker + `', 'pending') ON CONFLICT DO NOTHING;`

// rekey moves the records whose key digest.EmailKey no longer gives, when
// the database is marked for it, in one transaction that also removes the
// mark. It holds the migration lock (other openers wait, then find no
// mark) and locks the three tables against writers meanwhile: a process
// of the previous version still running could otherwise write under an
// old key as the records move (the delivery journal is not locked: its
// writers hold leases, which an upgrade's restart ends). Only addresses with a byte outside
// printable ASCII or a punycode label can have moved.
func (db *DB) rekey(ctx context.Context) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		var mark string
		err := tx.QueryRow(ctx, `SELECT value FROM digest_meta WHERE name = $1`, subrow.RekeyMarker).Scan(&mark)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `LOCK TABLE subscribers, subscriber_events, sent_editions IN EXCLUSIVE MODE`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT key, email, status FROM subscribers WHERE email ~ '[^ -~]' OR email ILIKE '%xn--%'`)
		if err != nil {
			return err
		}
		keyed, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (subrow.KeyedRow, error) {
			var r subrow.KeyedRow
			err := row.Scan(&r.Key, &r.Email, &r.Status)
			return r, err
		})
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
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// moveKey moves the record of m.Old, its history, its sent log and, with
// journal, its delivery records to m.New, merging it into a record
// already there (a delivery record of an edition m.New has already is
// left where it is).
func moveKey(ctx context.Context, tx pgx.Tx, m subrow.Rekey, journal bool) error {
	var st string
	err := tx.QueryRow(ctx, `SELECT status FROM subscribers WHERE key = $1`, m.New).Scan(&st)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		_, err = tx.Exec(ctx, `UPDATE subscribers SET key = $1 WHERE key = $2`, m.New, m.Old)
	case err == nil:
		if _, err = tx.Exec(ctx, `UPDATE subscribers SET status = $1 WHERE key = $2`, subrow.MergedStatus(st, m.Status), m.New); err == nil {
			_, err = tx.Exec(ctx, `DELETE FROM subscribers WHERE key = $1`, m.Old)
		}
	}
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE subscriber_events SET key = $1 WHERE key = $2`, m.New, m.Old); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO sent_editions (key, edition, until, sent_at)
		SELECT $1, edition, until, sent_at FROM sent_editions WHERE key = $2 ON CONFLICT DO NOTHING`, m.New, m.Old); err != nil {
		return err
	}
	if _, err = tx.Exec(ctx, `DELETE FROM sent_editions WHERE key = $1`, m.Old); err != nil || !journal {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE deliver_journal AS j SET recipient = $1 WHERE recipient = $2
		AND NOT EXISTS (SELECT 1 FROM deliver_journal AS k WHERE k.edition = j.edition AND k.recipient = $1)`, m.New, m.Old)
	return err
}
