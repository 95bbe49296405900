package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/khabar/khabar/internal/subrow"
)

// storeV3 marks the database for rekeying (subrow.Rekeys): records
// stored before digest.EmailKey read domains as IDNA does.
const storeV3 = `INSERT OR IGNORE INTO digest_meta (name, value) VALUES ('` + subrow.RekeyMarker + `', 'pending');`

// rekey moves the records whose key digest.EmailKey no longer gives, when
// the database is marked for it, in one write transaction that also
// removes the mark (concurrent openers queue on the write lock; the
// second finds no mark). Only addresses with a non-ASCII byte or a
// punycode label can have moved.
func rekey(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var mark string
	err = tx.QueryRowContext(ctx, `SELECT value FROM digest_meta WHERE name = ?`, subrow.RekeyMarker).Scan(&mark)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT key, email, status FROM subscribers WHERE email GLOB '*[^ -~]*' OR lower(email) LIKE '%xn--%'`)
	if err != nil {
		return err
	}
	var keyed []subrow.KeyedRow
	for rows.Next() {
		var r subrow.KeyedRow
		if err := rows.Scan(&r.Key, &r.Email, &r.Status); err != nil {
			rows.Close()
			return err
		}
		keyed = append(keyed, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var journal int // the delivery journal's records are keyed by EmailKey too, when in this file
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'deliver_journal'`).Scan(&journal); err != nil {
		return err
	}
	for _, m := range subrow.Rekeys(keyed) {
		if err := moveKey(ctx, tx, m, journal > 0); err != nil {
			return fmt.Errorf("rekey %s to %s: %w", m.Old, m.New, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM digest_meta WHERE name = ?`, subrow.RekeyMarker); err != nil {
		return err
	}
	return tx.Commit()
}

// moveKey moves the record of m.Old, its history, its sent log and, with
// journal, its delivery records to m.New, merging it into a record
// already there (a delivery record of an edition m.New has already is
// left where it is).
func moveKey(ctx context.Context, tx *sql.Tx, m subrow.Rekey, journal bool) error {
	var st string
	err := tx.QueryRowContext(ctx, `SELECT status FROM subscribers WHERE key = ?`, m.New).Scan(&st)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = tx.ExecContext(ctx, `UPDATE subscribers SET key = ? WHERE key = ?`, m.New, m.Old)
	case err == nil:
		if _, err = tx.ExecContext(ctx, `UPDATE subscribers SET status = ? WHERE key = ?`, subrow.MergedStatus(st, m.Status), m.New); err == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM subscribers WHERE key = ?`, m.Old)
		}
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE subscriber_events SET key = ? WHERE key = ?`, m.New, m.Old); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO sent_editions (key, edition, until, sent_at)
		SELECT ?, edition, until, sent_at FROM sent_editions WHERE key = ?`, m.New, m.Old); err != nil {
		return err
	}
	if _, err = tx.ExecContext(ctx, `DELETE FROM sent_editions WHERE key = ?`, m.Old); err != nil || !journal {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE deliver_journal SET recipient = ?1 WHERE recipient = ?2
		AND NOT EXISTS (SELECT 1 FROM deliver_journal AS k WHERE k.edition = deliver_journal.edition AND k.recipient = ?1)`, m.New, m.Old)
	return err
}
