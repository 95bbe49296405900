package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/internal/groupcommit"
	"github.com/khabar/khabar/internal/migrate"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// journalSchema is the journal's history (see storeSchema). One row per
// (edition, recipient); state is one of the deliver.State strings; times
// are Unix milliseconds (UTC).
var journalSchema = migrate.Component{Name: "deliver-journal", Steps: []migrate.Step{
	{Version: 1, SQL: journalV1},
	// Version 2 drops the index on (recipient, edition): no query reads
	// it (every one names the edition, the primary key's first column),
	// and each new record paid for writing it. PostgreSQL's journal
	// dropped it in its own version 2.
	{Version: 2, SQL: `DROP INDEX IF EXISTS deliver_journal_recipient;`},
}}

const journalV1 = `
CREATE TABLE IF NOT EXISTS deliver_journal (
	edition    TEXT    NOT NULL,
	recipient  TEXT    NOT NULL,
	state      TEXT    NOT NULL CHECK (state IN ('pending','sending','sent','failed','unknown','skipped')),
	attempts   INTEGER NOT NULL DEFAULT 0,
	message_id TEXT    NOT NULL DEFAULT '',
	detail     TEXT    NOT NULL DEFAULT '',
	updated_ms INTEGER NOT NULL,
	PRIMARY KEY (edition, recipient)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliver_journal_recipient ON deliver_journal (recipient, edition);
`

// Journal is a deliver.Journal stored in a SQLite database
// (modernc.org/sqlite, pure Go) in its own table, deliver_journal, created
// if missing. It can share the database of the digest's subscriber store
// (NewJournal with Store.DB) or own a database file (OpenJournal).
//
// Each write is committed before its method returns, so a transition is
// on disk by then, as far as the database's synchronous setting makes it:
// with journal_mode=WAL, synchronous=NORMAL survives a killed process
// (kill -9) but not a power cut; synchronous=FULL survives both.
// OpenJournal uses FULL.
//
// Writes from concurrent callers are committed together (group commit: one
// transaction and one fsync for all the writes waiting at that moment, each
// returning only after that commit; a commit first waits up to half a
// millisecond for as many callers as recent commits carried), and are
// serialized inside the journal, so a shared *sql.DB without a busy
// timeout still sees no SQLITE_BUSY from this process. Journal is safe
// for concurrent use.
type Journal struct {
	db    *sql.DB
	owned bool

	// Group commit: writers queue their write; whoever is not waiting for
	// a commit runs the whole queue in one transaction, so concurrent
	// workers share fsyncs.
	gc groupcommit.Group[*writeOp]
	// Prepared statements of the hot path.
	insert, read *sql.Stmt
	rows         rowStmts   // multi-row ones, prepared on first use
	pending      []*writeOp // the committing caller's moves, reused
}

// writeOp is one queued write: a transition (mv), applied with the
// batch's other transitions, or run, executed inside the batch's
// transaction; n and err are its result once committed.
type writeOp struct {
	mv  *deliver.Move
	run func(*sql.Tx) (int64, error)
	n   int64
	err error
}

// write queues run and returns its result once it is committed. Writes
// of concurrent callers are committed together (group commit) and all
// return only after the one COMMIT. A queued write is not interrupted by
// its caller's context.
func (j *Journal) write(run func(*sql.Tx) (int64, error)) (int64, error) {
	op := &writeOp{run: run}
	j.gc.Do(op)
	return op.n, op.err
}

// commit runs a batch of writes in one transaction: each run of
// transitions on distinct records in two statements (applyMoves), other
// writes one by one, in queue order. Any error fails the whole batch: a
// write here fails only when the database does (states and sent log
// entries are checked before they are queued).
func (j *Journal) commit(batch []*writeOp) {
	finish := func(err error) {
		for _, op := range batch {
			if err != nil && op.err == nil {
				op.n, op.err = 0, err
			}
		}
	}
	ctx := context.Background()
	tx, err := j.db.BeginTx(ctx, nil)
	if err != nil {
		finish(err)
		return
	}
	moves := j.pending[:0]
	flush := func() error {
		err := j.applyMoves(tx, moves)
		moves = moves[:0]
		return err
	}
	for _, op := range batch {
		if op.mv != nil {
			if slices.ContainsFunc(moves, func(o *writeOp) bool { return o.mv.Key == op.mv.Key }) {
				err = flush() // a second move of one record follows the first
			}
			moves = append(moves, op)
		} else if err = flush(); err == nil {
			op.n, op.err = op.run(tx)
			err = op.err
		}
		if err != nil {
			break
		}
	}
	if err == nil {
		err = flush()
	}
	clear(moves)
	j.pending = moves[:0]
	if err != nil {
		_ = tx.Rollback()
		finish(err)
		return
	}
	if err := tx.Commit(); err != nil {
		for _, op := range batch {
			op.err = nil // every write was lost with the transaction
		}
		finish(err)
		return
	}
	finish(nil)
}

// commitHold is the longest a commit waits for the moves of workers that
// have not queued theirs yet (groupcommit.Group's Hold), so that one WAL
// write and fsync carries more of them: a Sender's SMTP workers each
// commit once a message, and their commits otherwise carry 1-2 messages'
// moves each. A single worker waits once every 32 commits, when the
// group counts the callers.
const commitHold = 500 * time.Microsecond

// newJournal prepares the statements of the hot path.
func newJournal(ctx context.Context, db *sql.DB, owned bool) (*Journal, error) {
	j := &Journal{db: db, owned: owned}
	j.gc.Commit = j.commit
	j.gc.Hold = commitHold
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{{&j.insert, insertRecord}, {&j.read, selectRecord}} {
		st, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			_ = j.closeStmts()
			return nil, fmt.Errorf("sqlite: journal: %w", err)
		}
		*p.stmt = st
	}
	return j, nil
}

func (j *Journal) closeStmts() error {
	var errs []error
	for _, st := range append([]*sql.Stmt{j.insert, j.read}, j.rows.all()...) {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

var _ deliver.Journal = (*Journal)(nil)

// NewJournal returns a journal in db, creating its table if missing.
// db must be opened with the modernc.org/sqlite driver ("sqlite"). Closing the
// journal does not close db.
func NewJournal(ctx context.Context, db *sql.DB) (*Journal, error) {
	if db == nil {
		return nil, errors.New("sqlite: nil *sql.DB for the journal")
	}
	if err := migrateDB(ctx, db, journalSchema); err != nil {
		return nil, fmt.Errorf("sqlite: create journal table: %w", err)
	}
	return newJournal(ctx, db, false)
}

// OpenJournal opens (creating if needed) the SQLite database file at
// path with WAL journaling, synchronous=FULL and a busy timeout, and returns
// a journal in it. Close closes the database.
func OpenJournal(ctx context.Context, path string) (*Journal, error) {
	db, err := openFile(ctx, path, journalSchema)
	if err != nil {
		return nil, err
	}
	j, err := newJournal(ctx, db, true)
	if err != nil {
		_ = db.Close()
	}
	return j, err
}

// Close releases the journal's prepared statements and closes the
// database if the journal opened it (OpenJournal).
func (j *Journal) Close() error {
	err := j.closeStmts()
	if j.owned {
		return errors.Join(err, j.db.Close())
	}
	return err
}

const selectRecord = `SELECT state, attempts, message_id, detail, updated_ms FROM deliver_journal WHERE edition = ? AND recipient = ?`

func (j *Journal) get(ctx context.Context, k deliver.Key) (deliver.Record, bool, error) {
	return scanRecord(j.read.QueryRowContext(ctx, k.Edition, k.Recipient), k)
}

// scanRecord reads the record of k from a row of selectRecord.
func scanRecord(row *sql.Row, k deliver.Key) (deliver.Record, bool, error) {
	r := deliver.Record{Key: k}
	var state string
	var ms int64
	err := row.Scan(&state, &r.Attempts, &r.MessageID, &r.Detail, &ms)
	if errors.Is(err, sql.ErrNoRows) {
		return deliver.Record{}, false, nil
	}
	if err != nil {
		return deliver.Record{}, false, fmt.Errorf("sqlite: journal read %s: %w", k, err)
	}
	r.State = deliver.State(state)
	r.Updated = time.UnixMilli(ms).UTC()
	return r, true, nil
}

// Get implements deliver.Journal.
func (j *Journal) Get(ctx context.Context, k deliver.Key) (deliver.Record, bool, error) {
	return j.get(ctx, k)
}

// Open implements deliver.Journal.
func (j *Journal) Open(ctx context.Context, k deliver.Key, at time.Time) (deliver.Record, error) {
	if r, ok, err := j.get(ctx, k); err != nil || ok {
		return r, err
	}
	if err := ctx.Err(); err != nil {
		return deliver.Record{}, err
	}
	_, err := j.write(func(tx *sql.Tx) (int64, error) {
		_, err := tx.Stmt(j.insert).Exec(k.Edition, k.Recipient, at.UnixMilli())
		return 0, err
	})
	if err != nil {
		return deliver.Record{}, fmt.Errorf("sqlite: journal insert %s: %w", k, err)
	}
	r, ok, err := j.get(ctx, k)
	if err == nil && !ok {
		err = fmt.Errorf("sqlite: journal insert %s: row vanished", k)
	}
	return r, err
}

// OpenAll implements deliver.Opener: the records of keys, read with one
// statement for up to 32 keys, those missing created in StatePending in
// one commit.
func (j *Journal) OpenAll(ctx context.Context, keys []deliver.Key, at time.Time) ([]deliver.Record, error) {
	recs := make([]deliver.Record, len(keys))
	found := make([]bool, len(keys))
	if err := j.readAll(ctx, nil, keys, recs, found); err != nil {
		return nil, fmt.Errorf("sqlite: journal read: %w", err)
	}
	var missing []int
	var newKeys []deliver.Key
	for i, ok := range found {
		if !ok {
			missing = append(missing, i)
			newKeys = append(newKeys, keys[i])
		}
	}
	if len(missing) == 0 {
		return recs, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	_, err := j.write(func(tx *sql.Tx) (int64, error) {
		ctx := context.Background() // a queued write is not interrupted
		if err := j.insertAll(ctx, tx, newKeys, at); err != nil {
			return 0, err
		}
		created, ok := make([]deliver.Record, len(newKeys)), make([]bool, len(newKeys))
		if err := j.readAll(ctx, tx, newKeys, created, ok); err != nil {
			return 0, err
		}
		for n, i := range missing {
			if !ok[n] {
				return 0, fmt.Errorf("sqlite: journal insert %s: row vanished", keys[i])
			}
			recs[i] = created[n]
		}
		return 0, nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: journal insert: %w", err)
	}
	return recs, nil
}

// Transition implements deliver.Journal. As a deliver.SentJournal, it
// records u.Sent in the store's sent_editions table in the same
// transaction.
func (j *Journal) Transition(ctx context.Context, k deliver.Key, from, to deliver.State, u deliver.Update) error {
	return j.TransitionAll(ctx, []deliver.Move{{Key: k, From: from, To: to, Update: u}})[0]
}

// TransitionAll implements deliver.Batcher: the moves are committed
// together, with the writes of concurrent callers.
func (j *Journal) TransitionAll(ctx context.Context, moves []deliver.Move) []error {
	errs := make([]error, len(moves))
	ops := make([]*writeOp, len(moves))
	queued := make([]*writeOp, 0, len(moves))
	for i, mv := range moves {
		if !mv.To.Valid() {
			errs[i] = fmt.Errorf("sqlite: journal %s: invalid state %q", mv.Key, mv.To)
			continue
		}
		if err := ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if sent := loggedSent(mv); sent != nil {
			if err := sent.Check(); err != nil {
				errs[i] = &deliver.LogError{Key: mv.Key, Err: err}
				continue
			}
		}
		ops[i] = &writeOp{mv: &mv}
		queued = append(queued, ops[i])
	}
	j.gc.Do(queued...)
	for i, op := range ops {
		if op != nil {
			errs[i] = j.moved(ctx, moves[i], op)
		}
	}
	return errs
}

// moved is the error of a move whose write op committed (or not).
func (j *Journal) moved(ctx context.Context, mv deliver.Move, op *writeOp) error {
	k := mv.Key
	var le *deliver.LogError
	if errors.As(op.err, &le) {
		return le
	}
	if op.err != nil {
		return fmt.Errorf("sqlite: journal %s %s→%s: %w", k, mv.From, mv.To, op.err)
	}
	if op.n == 1 {
		return nil
	}
	r, ok, err := j.get(ctx, k)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s", deliver.ErrNoRecord, k)
	}
	return &deliver.ConflictError{Key: k, Want: mv.From, Got: r.State, Wanted: mv.To}
}

const insertRecord = `INSERT INTO deliver_journal (edition, recipient, state, updated_ms) VALUES (?, ?, 'pending', ?) ON CONFLICT (edition, recipient) DO NOTHING`

// KeepsLog implements deliver.SentJournal: the journal keeps l's sent log
// when l is a *Store on the journal's database.
func (j *Journal) KeepsLog(l deliver.SentMarker) bool {
	s, ok := l.(*Store)
	return ok && s.db == j.db
}

var (
	_ deliver.SentJournal = (*Journal)(nil)
	_ deliver.Batcher     = (*Journal)(nil)
)

// Count implements deliver.Journal.
func (j *Journal) Count(ctx context.Context, edition string) (map[deliver.State]int, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM deliver_journal WHERE edition = ? GROUP BY state`, edition)
	if err != nil {
		return nil, fmt.Errorf("sqlite: journal count %s: %w", edition, err)
	}
	defer rows.Close()
	c := make(map[deliver.State]int)
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("sqlite: journal count %s: %w", edition, err)
		}
		c[deliver.State(s)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: journal count %s: %w", edition, err)
	}
	return c, nil
}

// Records calls fn for each record of an edition in recipient order, stopping
// at the first error fn returns.
func (j *Journal) Records(ctx context.Context, edition string, fn func(deliver.Record) error) error {
	rows, err := j.db.QueryContext(ctx,
		`SELECT recipient, state, attempts, message_id, detail, updated_ms FROM deliver_journal WHERE edition = ? ORDER BY recipient`, edition)
	if err != nil {
		return fmt.Errorf("sqlite: journal records %s: %w", edition, err)
	}
	defer rows.Close()
	for rows.Next() {
		r := deliver.Record{Key: deliver.Key{Edition: edition}}
		var s string
		var ms int64
		if err := rows.Scan(&r.Recipient, &s, &r.Attempts, &r.MessageID, &r.Detail, &ms); err != nil {
			return fmt.Errorf("sqlite: journal records %s: %w", edition, err)
		}
		r.State = deliver.State(s)
		r.Updated = time.UnixMilli(ms).UTC()
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: journal records %s: %w", edition, err)
	}
	return nil
}

// Prune deletes the records of deliveries that reached a terminal state
// before t and returns how many it deleted; pending and sending records are
// kept whatever their age. Run it now and then (say with t a month back) so
// that the table does not grow by one row per subscriber per day forever.
// Once a record is pruned, running its edition again would send it again:
// prune only editions that will not be run again.
func (j *Journal) Prune(ctx context.Context, t time.Time) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n, err := j.write(func(tx *sql.Tx) (int64, error) {
		res, err := tx.Exec(`DELETE FROM deliver_journal WHERE updated_ms < ? AND state IN ('sent','failed','unknown','skipped')`, t.UnixMilli())
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: journal prune: %w", err)
	}
	return n, nil
}

var (
	_ deliver.DigestStore = (*Store)(nil)
	_ deliver.SentMarker  = (*Store)(nil)
)
