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

// do runs sql with args in the next batch and scans its one row with scan.
// A queued statement is not interrupted by its caller's context.
func (g *groupCommit) do(sql string, args []any, scan func(pgx.Row) error) error {
	op := &gcOp{sql: sql, args: args, scan: scan, done: make(chan struct{})}
	g.qmu.Lock()
	g.queue = append(g.queue, op)
	g.qmu.Unlock()

	g.wmu.Lock()
	select {
	case <-op.done: // an earlier batch carried it
		g.wmu.Unlock()
		return op.err
	default:
	}
	g.qmu.Lock()
	batch := g.queue
	g.queue = nil
	g.qmu.Unlock()
	g.send(batch)
	g.wmu.Unlock()
	<-op.done
	return op.err
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
