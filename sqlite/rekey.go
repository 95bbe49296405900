package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/khabar/khabar/internal/subrow"
)

// storeV3 marks the database for rekeying (subrow.Rekeys): records
// stored before digest.EmailKey read domains as IDNA does. The mark is
// removed by the first rekeying; every open looks for such records all
// the same (rekey), since a process of an earlier version still running
// may store more.
const storeV3 = `INSERT OR IGNORE INTO digest_meta (name, value) VALUES ('` + subrow.RekeyMarker + `', 'pending');`

// rekeyFilter selects the records whose key can differ from
// digest.EmailKey of their address: a byte outside printable ASCII, or a
// punycode label, in the address. (For the others EmailKey is the
// address lower-cased, as it always was.)
const rekeyFilter = `SELECT key, email FROM subscribers WHERE ` + rekeyWhere

// rekeyWhere is rekeyFilter's condition, and that of the partial index
// storeV4 makes, so that the look each open takes reads those rows alone.
const rekeyWhere = `email GLOB '*[^ -~]*' OR lower(email) LIKE '%xn--%'`

// storeV4 indexes the rows rekeyFilter reads.
const storeV4 = `CREATE INDEX IF NOT EXISTS subscribers_rekey ON subscribers (key, email) WHERE ` + rekeyWhere + `;`

// rekey moves the records whose key digest.EmailKey no longer gives. It
// looks for them first without taking the write lock; only when there is
// one does it move them, in one write transaction that reads them again
// (concurrent openers queue on the write lock; the second finds none).
func rekey(ctx context.Context, db *sql.DB) error {
	keyed, err := keyedRows(ctx, db)
	if err != nil {
		return err
	}
	if len(subrow.Rekeys(keyed)) == 0 {
		_, err := db.ExecContext(ctx, `DELETE FROM digest_meta WHERE name = ?`, subrow.RekeyMarker)
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if keyed, err = keyedRows(ctx, tx); err != nil {
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

// keyedRows reads the rows rekeyFilter selects.
func keyedRows(ctx context.Context, q querier) ([]subrow.KeyedRow, error) {
	rows, err := q.QueryContext(ctx, rekeyFilter)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keyed []subrow.KeyedRow
	for rows.Next() {
		var r subrow.KeyedRow
		if err := rows.Scan(&r.Key, &r.Email); err != nil {
			return nil, err
		}
		keyed = append(keyed, r)
	}
	return keyed, rows.Err()
}

// moveKey moves the record of m.Old, its history, its sent log and, with
// journal, its delivery records to m.New, merging it into a record
// already there (subrow.MergeSQL). A delivery record of an edition m.New
// already has is left where it is.
func moveKey(ctx context.Context, tx *sql.Tx, m subrow.Rekey, journal bool) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM subscribers WHERE key = ?`, m.New).Scan(&n); err != nil {
		return err
	}
	stmts := []string{`UPDATE subscribers SET key = ?1 WHERE key = ?2`}
	if n > 0 {
		stmts = []string{subrow.MergeSQL("?1", "?2"), `DELETE FROM subscribers WHERE key = ?2`}
	}
	stmts = append(stmts,
		`DELETE FROM subscriber_events WHERE key = ?2 AND ref <> '' AND EXISTS
			(SELECT 1 FROM subscriber_events AS e WHERE e.key = ?1 AND e.kind = subscriber_events.kind AND e.ref = subscriber_events.ref)`,
		`UPDATE subscriber_events SET key = ?1 WHERE key = ?2`,
		`INSERT OR IGNORE INTO sent_editions (key, edition, until, sent_at) SELECT ?1, edition, until, sent_at FROM sent_editions WHERE key = ?2`,
		`DELETE FROM sent_editions WHERE key = ?2`)
	if journal {
		// An edition with a record under both keys keeps the state
		// further along (a message sent under one is not sent again).
		stmts = append(stmts, `UPDATE deliver_journal AS n SET state = o.state, attempts = max(n.attempts, o.attempts),
			message_id = o.message_id, detail = o.detail, updated_ms = o.updated_ms
			FROM deliver_journal AS o WHERE n.recipient = ?1 AND o.recipient = ?2 AND o.edition = n.edition
			AND `+subrow.JournalRank("o.state")+` > `+subrow.JournalRank("n.state"),
			`DELETE FROM deliver_journal WHERE recipient = ?2 AND edition IN (SELECT edition FROM deliver_journal WHERE recipient = ?1)`,
			`UPDATE deliver_journal SET recipient = ?1 WHERE recipient = ?2`)
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q, m.New, m.Old); err != nil {
			return err
		}
	}
	return nil
}
