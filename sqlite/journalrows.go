package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
)

// The transitions of a commit (every worker's, from TransitionAll) are
// applied with two statements whatever their number: one UPDATE ... FROM
// (VALUES ...) RETURNING the records it moved, and one INSERT of the sent
// log entries of those that reached "sent". OpenAll reads a page of
// records with one SELECT and creates the missing ones with one INSERT.
// Each statement is prepared once per number of rows and kept until
// Close. A transition's compare-and-swap is unchanged: the record moves
// only if it is in the state the move comes from, and the move reports a
// conflict otherwise.

// rowsPerStatement bounds the rows of one statement (8 parameters at
// most each, well under SQLite's limit of 32,766).
const rowsPerStatement = 32

// rowKind is one of the multi-row statements.
type rowKind int

const (
	rowsUpdate rowKind = iota // moves: edition, recipient, from, to, attempts to add, detail, Message-ID, time
	rowsSent                  // sent log entries: key, edition, until, sent at
	rowsInsert                // new pending records: edition, recipient, time
	rowsRead                  // the records of keys: edition, recipient
	rowKinds
)

// rowSQL is each kind's statement: head, then rows of row joined by
// commas, then tail.
var rowSQL = [rowKinds]struct{ head, row, tail string }{
	rowsUpdate: {`UPDATE deliver_journal SET state = v.column4, attempts = attempts + v.column5, detail = v.column6,
	message_id = CASE WHEN v.column7 = '' THEN message_id ELSE v.column7 END, updated_ms = v.column8
	FROM (VALUES `, "(?, ?, ?, ?, ?, ?, ?, ?)", `) AS v
	WHERE edition = v.column1 AND recipient = v.column2 AND state = v.column3
	RETURNING edition, recipient`},
	rowsSent: {`INSERT OR IGNORE INTO sent_editions (key, edition, until, sent_at) VALUES `, "(?, ?, ?, ?)", ""},
	rowsInsert: {`INSERT INTO deliver_journal (edition, recipient, state, updated_ms) VALUES `, "(?, ?, 'pending', ?)",
		` ON CONFLICT (edition, recipient) DO NOTHING`},
	rowsRead: {`SELECT j.edition, j.recipient, j.state, j.attempts, j.message_id, j.detail, j.updated_ms
	FROM (VALUES `, "(?, ?)", `) AS v JOIN deliver_journal AS j ON j.edition = v.column1 AND j.recipient = v.column2`},
}

// rowStmts caches the prepared multi-row statements by kind and rows.
type rowStmts struct {
	mu sync.Mutex
	st [rowKinds][rowsPerStatement + 1]*sql.Stmt
}

// stmt returns the prepared statement of kind for rows rows, preparing it
// on first use.
func (j *Journal) stmt(ctx context.Context, kind rowKind, rows int) (*sql.Stmt, error) {
	c := &j.rows
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.st[kind][rows]; st != nil {
		return st, nil
	}
	q := rowSQL[kind]
	st, err := j.db.PrepareContext(ctx, q.head+strings.Repeat(q.row+", ", rows-1)+q.row+q.tail)
	if err != nil {
		return nil, err
	}
	c.st[kind][rows] = st
	return st, nil
}

// all returns the statements prepared so far.
func (c *rowStmts) all() []*sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*sql.Stmt
	for _, sts := range c.st {
		for _, st := range sts {
			if st != nil {
				out = append(out, st)
			}
		}
	}
	return out
}

// inChunks calls fn with each run of at most rowsPerStatement of n items,
// as [from, to), until fn fails.
func inChunks(n int, fn func(from, to int) error) error {
	for from := 0; from < n; from += rowsPerStatement {
		if err := fn(from, min(from+rowsPerStatement, n)); err != nil {
			return err
		}
	}
	return nil
}

// applyMoves applies moves, whose keys are distinct, in tx: each op's n is
// 1 when its record moved, 0 when it was not in the state the move comes
// from (or missing). An error returned is the batch's.
func (j *Journal) applyMoves(tx *sql.Tx, moves []*writeOp) error {
	return inChunks(len(moves), func(from, to int) error { return j.applyChunk(tx, moves[from:to]) })
}

func (j *Journal) applyChunk(tx *sql.Tx, moves []*writeOp) error {
	ctx := context.Background()
	st, err := j.stmt(ctx, rowsUpdate, len(moves))
	if err != nil {
		return err
	}
	args := make([]any, 0, 8*len(moves))
	for _, op := range moves {
		mv := op.mv
		inc := 0
		if mv.Update.Attempt {
			inc = 1
		}
		args = append(args, mv.Key.Edition, mv.Key.Recipient, string(mv.From), string(mv.To), inc,
			mv.Update.Detail, mv.Update.MessageID, mv.Update.At.UnixMilli())
		op.n = 0
	}
	rows, err := tx.Stmt(st).QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	var k deliver.Key
	for rows.Next() {
		if err := rows.Scan(&k.Edition, &k.Recipient); err != nil {
			_ = rows.Close()
			return err
		}
		for _, op := range moves {
			if op.mv.Key == k {
				op.n = 1
			}
		}
	}
	if err := rows.Err(); err != nil {
		_ = rows.Close()
		return err
	}
	if err := rows.Close(); err != nil {
		return err
	}
	args = args[:0]
	for _, op := range moves {
		if s := loggedSent(*op.mv); s != nil && op.n == 1 {
			args = append(args, digest.EmailKey(s.Email), s.Edition, s.Until.UnixNano(), s.At.UnixNano())
		}
	}
	if len(args) == 0 {
		return nil
	}
	if st, err = j.stmt(ctx, rowsSent, len(args)/4); err != nil {
		return err
	}
	if _, err := tx.Stmt(st).ExecContext(ctx, args...); err != nil {
		return fmt.Errorf("sqlite: mark sent: %w", err)
	}
	return nil
}

// loggedSent is the sent log entry mv carries for the journal to record
// with it, or nil.
func loggedSent(mv deliver.Move) *digest.Sent {
	if mv.To != deliver.StateSent {
		return nil
	}
	return mv.Update.Sent
}

// readAll reads the records of keys into recs, found[i] saying whether
// keys[i] has one; inside tx when it is not nil.
func (j *Journal) readAll(ctx context.Context, tx *sql.Tx, keys []deliver.Key, recs []deliver.Record, found []bool) error {
	return inChunks(len(keys), func(from, to int) error {
		st, err := j.stmt(ctx, rowsRead, to-from)
		if err != nil {
			return err
		}
		if tx != nil {
			st = tx.StmtContext(ctx, st)
		}
		args := make([]any, 0, 2*(to-from))
		for _, k := range keys[from:to] {
			args = append(args, k.Edition, k.Recipient)
		}
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r deliver.Record
			var state string
			var ms int64
			if err := rows.Scan(&r.Edition, &r.Recipient, &state, &r.Attempts, &r.MessageID, &r.Detail, &ms); err != nil {
				return err
			}
			r.State, r.Updated = deliver.State(state), time.UnixMilli(ms).UTC()
			for i := from; i < to; i++ {
				if keys[i] == r.Key {
					recs[i], found[i] = r, true
				}
			}
		}
		return rows.Err()
	})
}

// insertAll creates the records of keys in StatePending, in tx, where
// they are missing.
func (j *Journal) insertAll(ctx context.Context, tx *sql.Tx, keys []deliver.Key, at time.Time) error {
	return inChunks(len(keys), func(from, to int) error {
		st, err := j.stmt(ctx, rowsInsert, to-from)
		if err != nil {
			return err
		}
		args := make([]any, 0, 3*(to-from))
		for _, k := range keys[from:to] {
			args = append(args, k.Edition, k.Recipient, at.UnixMilli())
		}
		_, err = tx.StmtContext(ctx, st).ExecContext(ctx, args...)
		return err
	})
}
