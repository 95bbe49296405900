package postgres

import (
	"context"
	"errors"

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
type groupCommit struct {
	pool *pgxpool.Pool
	g    groupcommit.Group[*gcOp]
}

func newGroupCommit(pool *pgxpool.Pool) *groupCommit {
	g := &groupCommit{pool: pool}
	g.g.Commit = g.send
	return g
}

// gcOp is one queued statement and its result.
type gcOp struct {
	sql  string
	args []any
	scan func(pgx.Row) error
	err  error
}

// do runs ops, in order and in one batch, with the queued statements of
// other callers, and returns once they are committed; each op's scan reads
// its one row and its err is set. Queued statements are not interrupted
// by their callers' contexts.
func (g *groupCommit) do(ops []*gcOp) { g.g.Do(ops...) }

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
		}
		return
	}
	for _, op := range batch {
		op.err = err
	}
}
