package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/internal/migrate"
)

// journalSchema is the delivery journal's history: one row per (edition,
// recipient), with the lease of the Run that claimed it (owner,
// lease_until). Keys sort bytewise (COLLATE "C"), as in Go.
var journalSchema = migrate.Component{Name: "deliver-journal", Steps: []migrate.Step{
	{Version: 1, SQL: `
CREATE TABLE IF NOT EXISTS deliver_journal (
	edition     text COLLATE "C" NOT NULL,
	recipient   text COLLATE "C" NOT NULL,
	state       text NOT NULL CHECK (state IN ('pending','sending','sent','failed','unknown','skipped')),
	attempts    integer NOT NULL DEFAULT 0,
	message_id  text NOT NULL DEFAULT '',
	detail      text NOT NULL DEFAULT '',
	updated_at  timestamptz NOT NULL,
	owner       text NOT NULL DEFAULT '',
	lease_until timestamptz,
	PRIMARY KEY (edition, recipient)
);
CREATE INDEX IF NOT EXISTS deliver_journal_recipient ON deliver_journal (recipient, edition);
CREATE INDEX IF NOT EXISTS deliver_journal_owner ON deliver_journal (owner) WHERE owner <> '';
`},
	// Version 2 is for CPU a message: every record is written four times
	// or so (created, claimed, sending, sent), and with half of each page
	// left free the rewrites stay on the row's page and leave the indexes
	// alone (HOT updates; pages written before keep their old fill); the
	// index on recipient served no query.
	{Version: 2, SQL: `
ALTER TABLE deliver_journal SET (fillfactor = 50);
DROP INDEX IF EXISTS deliver_journal_recipient;
`},
}}

// Journal is a deliver.Journal and deliver.Claimer in PostgreSQL, for
// senders on several machines delivering one edition together. It is a
// deliver.SentJournal for the Store of the same DB: the sent log entry is
// written by the statement that records "sent".
//
// Transitions of concurrent callers in one process (and the moves of one
// TransitionAll) are sent together in one pgx.Batch (one round trip, one
// commit: group commit), each returning once that batch is committed.
// Claims take a batch of keys in one round trip, skipping rows other
// senders have locked (FOR UPDATE SKIP LOCKED). While messages are being
// sent, claims and lease renewals ride with the next batch of transitions
// (waiting at most 25 ms for it) instead of taking round trips of their
// own.
// Leases are measured on the database's clock. Journal is safe for
// concurrent use, also from several processes.
type Journal struct {
	db *DB
	gc *groupCommit
}

var (
	_ deliver.Journal     = (*Journal)(nil)
	_ deliver.SentJournal = (*Journal)(nil)
	_ deliver.Claimer     = (*Journal)(nil)
	_ deliver.Batcher     = (*Journal)(nil)
)

// NewJournal returns the journal in db.
func NewJournal(db *DB) *Journal {
	return &Journal{db: db, gc: newGroupCommit(db.pool)}
}

const recordColumns = `state, attempts, message_id, detail, updated_at`

func scanRecord(row pgx.Row, r *deliver.Record, extra ...any) error {
	var state string
	err := row.Scan(append([]any{&state, &r.Attempts, &r.MessageID, &r.Detail, &r.Updated}, extra...)...)
	r.State = deliver.State(state)
	return err
}

// Get implements deliver.Journal.
func (j *Journal) Get(ctx context.Context, k deliver.Key) (deliver.Record, bool, error) {
	r := deliver.Record{Key: k}
	err := scanRecord(j.db.pool.QueryRow(ctx, `SELECT `+recordColumns+` FROM deliver_journal WHERE edition = $1 AND recipient = $2`, k.Edition, k.Recipient), &r)
	if errors.Is(err, pgx.ErrNoRows) {
		return deliver.Record{}, false, nil
	}
	if err != nil {
		return deliver.Record{}, false, fmt.Errorf("postgres: journal read %s: %w", k, err)
	}
	return r, true, nil
}

// Open implements deliver.Journal.
func (j *Journal) Open(ctx context.Context, k deliver.Key, at time.Time) (deliver.Record, error) {
	if r, ok, err := j.Get(ctx, k); err != nil || ok {
		return r, err
	}
	r := deliver.Record{Key: k}
	err := scanRecord(j.db.pool.QueryRow(ctx, `WITH ins AS (
		INSERT INTO deliver_journal (edition, recipient, state, updated_at) VALUES ($1, $2, 'pending', $3)
		ON CONFLICT (edition, recipient) DO NOTHING RETURNING `+recordColumns+`)
		SELECT * FROM ins`, k.Edition, k.Recipient, at), &r)
	if errors.Is(err, pgx.ErrNoRows) { // another process inserted it meanwhile
		if r, ok, err := j.Get(ctx, k); err != nil || ok {
			return r, err
		}
		return deliver.Record{}, fmt.Errorf("postgres: journal insert %s: row vanished", k)
	}
	if err != nil {
		return deliver.Record{}, fmt.Errorf("postgres: journal insert %s: %w", k, err)
	}
	return r, nil
}

// transitionSQL moves a record in one statement: the compare-and-swap
// (state, and the lease when $9 names an owner) and, only when the swap
// failed, the state before, for the conflict's report (an InitPlan, run
// on first use).
const transitionSQL = transitionUpdate + transitionAnswer

// transitionLogSQL is transitionSQL that also writes the sent log entry
// ($10 to $13) when the swap succeeded. It is a statement of its own
// because every execution of a statement with the log in it opens
// sent_editions and its indexes, and most moves write no entry.
const transitionLogSQL = transitionUpdate + `, log AS (
	INSERT INTO sent_editions (key, edition, until, sent_at)
	SELECT $10, $11, $12, $13 FROM upd WHERE $10 <> ''
	ON CONFLICT (key, edition) DO NOTHING
)` + transitionAnswer

const (
	transitionUpdate = `WITH upd AS (
	UPDATE deliver_journal SET state = $4, attempts = attempts + $5, detail = $6,
		message_id = CASE WHEN $7 = '' THEN message_id ELSE $7 END, updated_at = $8
	WHERE edition = $1 AND recipient = $2 AND state = $3
		AND ($9 = '' OR (owner = $9 AND lease_until > now()))
	RETURNING 1
)`
	transitionAnswer = `
SELECT n, CASE WHEN n = 0 THEN (SELECT state FROM deliver_journal WHERE edition = $1 AND recipient = $2) END
FROM (SELECT count(*) AS n FROM upd) c`
)

// Transition implements deliver.Journal. As a deliver.SentJournal, it
// records u.Sent in the Store's sent log in the same statement.
func (j *Journal) Transition(ctx context.Context, k deliver.Key, from, to deliver.State, u deliver.Update) error {
	return j.TransitionAll(ctx, []deliver.Move{{Key: k, From: from, To: to, Update: u}})[0]
}

// TransitionAll implements deliver.Batcher: the moves go to the server in
// one batch, with the writes of concurrent callers.
func (j *Journal) TransitionAll(ctx context.Context, moves []deliver.Move) []error {
	errs := make([]error, len(moves))
	ops := make([]*gcOp, 0, len(moves))
	results := make([]*moveResult, len(moves))
	for i, mv := range moves {
		op, res, err := j.moveOp(ctx, mv)
		if err != nil {
			errs[i] = err
			continue
		}
		ops, results[i] = append(ops, op), res
	}
	j.gc.do(ops)
	for i, mv := range moves {
		if res := results[i]; res != nil {
			j.reread(ctx, mv, res)
			errs[i] = res.err(mv)
		}
	}
	return errs
}

// reread reads again the state of a record whose move was refused while
// the state its statement read was the one the move expected. Under READ
// COMMITTED an UPDATE that waited on another transaction's lock checks its
// condition against the row that transaction committed, but a subquery of
// the same statement still reads the statement's snapshot, from before
// it: another sender's claim that turned "sending" into "unknown" would be
// reported as a conflict with "sending". A statement of its own reads the
// committed state. (When the state is still the one expected, the move was
// refused for its lease.)
func (j *Journal) reread(ctx context.Context, mv deliver.Move, res *moveResult) {
	if res.op.err != nil || res.n != 0 || res.got == nil || *res.got != string(mv.From) {
		return
	}
	var got string
	err := j.db.pool.QueryRow(ctx, `SELECT state FROM deliver_journal WHERE edition = $1 AND recipient = $2`, mv.Key.Edition, mv.Key.Recipient).Scan(&got)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		res.got = nil
	case err != nil:
		res.op.err = fmt.Errorf("reading the state after a refused move: %w", err)
	default:
		res.got = &got
	}
}

// moveResult is what transitionSQL answers for one move.
type moveResult struct {
	n   int
	got *string
	op  *gcOp
}

func (r *moveResult) err(mv deliver.Move) error {
	k := mv.Key
	switch {
	case r.op.err != nil:
		return fmt.Errorf("postgres: journal %s %s→%s: %w", k, mv.From, mv.To, r.op.err)
	case r.n == 1:
		return nil
	case r.got == nil:
		return fmt.Errorf("%w: %s", deliver.ErrNoRecord, k)
	}
	return &deliver.ConflictError{Key: k, Want: mv.From, Got: deliver.State(*r.got), Wanted: mv.To}
}

// moveOp checks mv and returns the statement that applies it.
func (j *Journal) moveOp(ctx context.Context, mv deliver.Move) (*gcOp, *moveResult, error) {
	k, u := mv.Key, mv.Update
	if !mv.To.Valid() {
		return nil, nil, fmt.Errorf("postgres: journal %s: invalid state %q", k, mv.To)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	inc := 0
	if u.Attempt {
		inc = 1
	}
	res := &moveResult{}
	res.op = &gcOp{sql: transitionSQL, args: []any{k.Edition, k.Recipient, string(mv.From), string(mv.To), inc, u.Detail, u.MessageID, u.At,
		u.Owner}, scan: func(row pgx.Row) error { return row.Scan(&res.n, &res.got) }}
	if u.Sent != nil && mv.To == deliver.StateSent {
		if err := u.Sent.Check(); err != nil {
			return nil, nil, &deliver.LogError{Key: k, Err: err}
		}
		logKey, logEdition, until, sentAt := sentRow(*u.Sent)
		res.op.sql, res.op.args = transitionLogSQL, append(res.op.args, logKey, logEdition, until, sentAt)
	}
	return res.op, res, nil
}

// KeepsLog implements deliver.SentJournal: the journal keeps l's sent log
// when l is a *Store on the journal's DB.
func (j *Journal) KeepsLog(l deliver.SentMarker) bool {
	s, ok := l.(*Store)
	return ok && s.db == j.db
}

// Count implements deliver.Journal.
func (j *Journal) Count(ctx context.Context, edition string) (map[deliver.State]int, error) {
	rows, err := j.db.pool.Query(ctx, `SELECT state, count(*) FROM deliver_journal WHERE edition = $1 GROUP BY state`, edition)
	if err != nil {
		return nil, fmt.Errorf("postgres: journal count %s: %w", edition, err)
	}
	c := make(map[deliver.State]int)
	var s string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&s, &n}, func() error {
		c[deliver.State(s)] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: journal count %s: %w", edition, err)
	}
	return c, nil
}

// Records calls fn for each record of an edition in recipient order,
// stopping at the first error fn returns.
func (j *Journal) Records(ctx context.Context, edition string, fn func(deliver.Record) error) error {
	rows, err := j.db.pool.Query(ctx, `SELECT recipient, `+recordColumns+` FROM deliver_journal WHERE edition = $1 ORDER BY recipient`, edition)
	if err != nil {
		return fmt.Errorf("postgres: journal records %s: %w", edition, err)
	}
	defer rows.Close()
	for rows.Next() {
		r := deliver.Record{Key: deliver.Key{Edition: edition}}
		if err := scanRecord(prefixRow{rows, &r.Recipient}, &r); err != nil {
			return fmt.Errorf("postgres: journal records %s: %w", edition, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: journal records %s: %w", edition, err)
	}
	return nil
}

// prefixRow scans one leading column into first before the others.
type prefixRow struct {
	row   pgx.Row
	first any
}

func (p prefixRow) Scan(dest ...any) error { return p.row.Scan(append([]any{p.first}, dest...)...) }

// Prune deletes the records of deliveries that reached a terminal state
// before t and returns how many it deleted; pending and sending records
// are kept whatever their age. Once a record is pruned, running its
// edition again would send it again: prune only editions that will not be
// run again.
func (j *Journal) Prune(ctx context.Context, t time.Time) (int64, error) {
	tag, err := j.db.pool.Exec(ctx, `DELETE FROM deliver_journal WHERE updated_at < $1 AND state IN ('sent','failed','unknown','skipped')`, t)
	if err != nil {
		return 0, fmt.Errorf("postgres: journal prune: %w", err)
	}
	return tag.RowsAffected(), nil
}
