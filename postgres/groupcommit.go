package postgres

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/khabar/khabar/internal/groupcommit"
)

// groupCommit sends the statements of concurrent callers together
// (internal/groupcommit): whoever is not waiting for a batch already
// takes the whole queue and sends it as one pgx.Batch, one round trip and
// one commit (a batch runs in one implicit transaction), while the next
// callers queue behind it. Each caller returns once its batch committed.
//
// Claims and lease renewals ride: they wait, for at most rideWait, to go
// with the next batch that journal moves send, rather than take a round
// trip of their own, while such moves come often (one did in the last
// rideWait). A sender claims its next jobs while its workers still have
// a queue of messages, so the wait costs no sending time.
type groupCommit struct {
	pool *pgxpool.Pool
	g    groupcommit.Group[*gcOp]

	mu     sync.Mutex   // guards riders
	riders []*rider     // waiting for the next batch
	moved  atomic.Int64 // when the last batch with moves was sent, in Unix nanoseconds
}

// rideWait is how long riding statements wait for a batch of moves, and
// how recent the last one must be for them to wait at all: more than the
// time between two moves of a sender with one SMTP session (about the
// server's reply to DATA), less than the time its workers take to send
// the messages queued ahead of the claim.
const rideWait = 25 * time.Millisecond

func newGroupCommit(pool *pgxpool.Pool) *groupCommit {
	g := &groupCommit{pool: pool}
	g.g.Commit = g.send
	return g
}

// gcOp is one queued statement and its result.
type gcOp struct {
	sql  string
	args []any
	// scan reads the statement's one row; rows, when set instead, reads
	// all of them (pgx closes them). Either may be called again, when the
	// statement is run again alone, and must then forget the first call.
	scan func(pgx.Row) error
	rows func(pgx.Rows) error
	err  error
}

// rider is the statements of one riding caller.
type rider struct {
	ops  []*gcOp
	done chan struct{}
}

// do runs ops, in order and in one batch, with the queued statements of
// other callers, and returns once they are committed; each op's scan reads
// its one row and its err is set. Queued statements are not interrupted
// by their callers' contexts.
func (g *groupCommit) do(ops []*gcOp) { g.g.Do(ops...) }

// ride is do for statements that need not go at once: they go with the
// next batch another caller sends, when one sent moves in the last
// rideWait and another comes within rideWait; else on their own.
func (g *groupCommit) ride(ops []*gcOp) {
	if time.Since(time.Unix(0, g.moved.Load())) > rideWait {
		g.do(ops)
		return
	}
	r := &rider{ops: ops, done: make(chan struct{})}
	g.mu.Lock()
	g.riders = append(g.riders, r)
	g.mu.Unlock()
	t := time.NewTimer(rideWait)
	defer t.Stop()
	select {
	case <-r.done:
		return
	case <-t.C:
	}
	g.mu.Lock()
	i := slices.Index(g.riders, r)
	if i >= 0 {
		g.riders = slices.Delete(g.riders, i, i+1)
	}
	g.mu.Unlock()
	if i < 0 { // a batch took them meanwhile
		<-r.done
		return
	}
	g.do(ops)
}

// send runs a batch, with the riders waiting at the end. When the batch
// fails on a statement's error (the server rolled the whole batch back),
// each statement is run again alone, so that one bad statement fails only
// its own caller.
func (g *groupCommit) send(batch []*gcOp) {
	if slices.ContainsFunc(batch, func(op *gcOp) bool { return op.scan != nil }) {
		g.moved.Store(time.Now().UnixNano())
	}
	g.mu.Lock()
	riders := g.riders
	g.riders = nil
	g.mu.Unlock()
	if len(riders) > 0 {
		batch = slices.Clip(batch)
		for _, r := range riders {
			batch = append(batch, r.ops...)
		}
		defer func() {
			for _, r := range riders {
				close(r.done)
			}
		}()
	}
	ctx := context.Background()
	b := &pgx.Batch{}
	for _, op := range batch {
		q := b.Queue(op.sql, op.args...)
		if op.rows != nil {
			q.Query(op.rows)
		} else {
			q.QueryRow(op.scan)
		}
	}
	err := g.pool.SendBatch(ctx, b).Close()
	var pgErr *pgconn.PgError
	if err != nil && len(batch) > 1 && errors.As(err, &pgErr) {
		for _, op := range batch {
			op.err = op.alone(ctx, g.pool)
		}
		return
	}
	for _, op := range batch {
		op.err = err
	}
}

// alone runs op in a round trip of its own.
func (op *gcOp) alone(ctx context.Context, pool *pgxpool.Pool) error {
	if op.rows == nil {
		return op.scan(pool.QueryRow(ctx, op.sql, op.args...))
	}
	rows, err := pool.Query(ctx, op.sql, op.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := op.rows(rows); err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}
