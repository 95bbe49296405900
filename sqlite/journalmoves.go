package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
)

// The transitions of a commit (every worker's, from TransitionAll) are
// applied with two statements whatever their number: one UPDATE ... FROM
// (VALUES ...) RETURNING the records it moved, and one INSERT of the sent
// log entries of those that reached "sent". Each is prepared once per
// number of rows and kept until Close. A transition's compare-and-swap is
// unchanged: the record moves only if it is in the state the move comes
// from, and the move reports a conflict otherwise.

// movesPerStatement bounds the rows of one statement (8 parameters each,
// well under SQLite's limit of 32,766).
const movesPerStatement = 32

// updateMovesHead and updateMovesTail enclose the VALUES rows of the
// update: edition, recipient, from, to, attempts to add, detail,
// Message-ID, time.
const updateMovesHead = `UPDATE deliver_journal SET state = v.column4, attempts = attempts + v.column5, detail = v.column6,
	message_id = CASE WHEN v.column7 = '' THEN message_id ELSE v.column7 END, updated_ms = v.column8
	FROM (VALUES `

const updateMovesTail = `) AS v
	WHERE edition = v.column1 AND recipient = v.column2 AND state = v.column3
	RETURNING edition, recipient`

const insertSentHead = `INSERT OR IGNORE INTO sent_editions (key, edition, until, sent_at) VALUES `

// moveStmts caches the prepared multi-row statements by kind and rows.
type moveStmts struct {
	update, sent [movesPerStatement + 1]*sql.Stmt
}

// stmt returns the prepared statement of kind (update or sent) for rows
// rows, preparing it on first use. Only the committing caller (one at a
// time) calls it.
func (j *Journal) stmt(ctx context.Context, sent bool, rows int) (*sql.Stmt, error) {
	cache := &j.moves.update
	head, tail, row := updateMovesHead, updateMovesTail, "(?, ?, ?, ?, ?, ?, ?, ?)"
	if sent {
		cache, head, tail, row = &j.moves.sent, insertSentHead, "", "(?, ?, ?, ?)"
	}
	if st := cache[rows]; st != nil {
		return st, nil
	}
	q := head + strings.Repeat(row+", ", rows-1) + row + tail
	st, err := j.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	cache[rows] = st
	return st, nil
}

func (s *moveStmts) all() []*sql.Stmt {
	var out []*sql.Stmt
	for _, st := range append(s.update[:], s.sent[:]...) {
		if st != nil {
			out = append(out, st)
		}
	}
	return out
}

// applyMoves applies moves, whose keys are distinct, in tx: each op's n is
// 1 when its record moved, 0 when it was not in the state the move comes
// from (or missing). An error returned is the batch's.
func (j *Journal) applyMoves(tx *sql.Tx, moves []*writeOp) error {
	for len(moves) > 0 {
		n := min(len(moves), movesPerStatement)
		if err := j.applyChunk(tx, moves[:n]); err != nil {
			return err
		}
		moves = moves[n:]
	}
	return nil
}

func (j *Journal) applyChunk(tx *sql.Tx, moves []*writeOp) error {
	ctx := context.Background()
	st, err := j.stmt(ctx, false, len(moves))
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
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
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
	if st, err = j.stmt(ctx, true, len(args)/4); err != nil {
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
