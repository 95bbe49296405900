package postgres

import (
	"context"
	"errors"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// groupCommit sends the statements of concurrent callers together: a
// caller queues its statement; whoever is not waiting for a batch already
// takes the whole queue and sends it as one pgx.Batch, one round trip and
// one commit (a batch runs in one implicit transaction), while the next
// callers queue behind it. Each caller returns once its batch committed.
type groupCommit struct {
	pool  *pgxpool.Pool
	wmu   sync.Mutex // held by the caller sending a batch
	qmu   sync.Mutex // guards queue
	queue []*gcOp
}

// gcOp is one queued statement and its result.
type gcOp struct {
	sql  string
	args []any
	scan func(pgx.Row) error
	err  error
	done chan struct{}
}

// do runs ops, in order and in one batch, with the queued statements of
// other callers, and returns once they are committed; each op's scan reads
// its one row and its err is set. Queued statements are not interrupted
// by their callers' contexts.
func (g *groupCommit) do(ops []*gcOp) {
	if len(ops) == 0 {
		return
	}
	for _, op := range ops {
		op.done = make(chan struct{})
	}
	g.qmu.Lock()
	g.queue = append(g.queue, ops...)
	g.qmu.Unlock()

	last := ops[len(ops)-1]
	g.wmu.Lock()
	select {
	case <-last.done: // an earlier batch carried them
		g.wmu.Unlock()
		return
	default:
	}
	g.qmu.Lock()
	batch := g.queue
	g.queue = nil
	g.qmu.Unlock()
	g.send(batch)
	g.wmu.Unlock()
	<-last.done
}

// send runs a batch. When the batch fails on a statement's error (the
// server rolled the whole batch back), each statement is run again alone,
// so that one bad statement fails only its own caller.
func (g *groupCommit) send(batch []*gcOp) {
	ctx := context.Background()
	b := &pgx.Batch{}
	for _, op := range batch {
		b.Queue(op.sql, op.args...).QueryRow(op.scan)
	}
	err := g.pool.SendBatch(ctx, b).Close()
	var pgErr *pgconn.PgError
	if err != nil && len(batch) > 1 && errors.As(err, &pgErr) {
		for _, op := range batch {
			op.err = op.scan(g.pool.QueryRow(ctx, op.sql, op.args...))
			close(op.done)
		}
		return
	}
	for _, op := range batch {
		op.err = err
		close(op.done)
	}
}
