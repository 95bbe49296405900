package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/khabar/khabar/digest/deliver"
)

// Claim implements deliver.Claimer in one round trip, two statements in
// one transaction, which rides with the next batch of this process's
// journal moves when one comes soon (see groupCommit). Keys are handled
// in sorted order, so that claims inserting the same new keys lock them
// in one order.
func (j *Journal) Claim(ctx context.Context, owner string, keys []deliver.Key, lease time.Duration, at time.Time) ([]deliver.Claimed, error) {
	if owner == "" || lease <= 0 {
		return nil, fmt.Errorf("postgres: claim: want an owner and a positive lease, got %q and %v", owner, lease)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, func(a, b deliver.Key) int {
		if c := compare(a.Edition, b.Edition); c != 0 {
			return c
		}
		return compare(a.Recipient, b.Recipient)
	})
	sorted = slices.Compact(sorted)
	eds := make([]string, len(sorted))
	rcpts := make([]string, len(sorted))
	for i, k := range sorted {
		eds[i], rcpts[i] = k.Edition, k.Recipient
	}
	ms := lease.Milliseconds()
	found := make(map[deliver.Key]*deliver.Claimed, len(sorted))
	taken := make(map[deliver.Key]string, len(sorted)) // new state of the records the claim changed or holds
	ops := []*gcOp{
		{sql: claimInsertSQL, args: []any{eds, rcpts, at, owner, ms}, rows: func(pgx.Rows) error { return nil }},
		{sql: claimTakeSQL, args: []any{eds, rcpts, owner, ms, deliver.InterruptedDetail, at}, rows: func(rows pgx.Rows) error {
			clear(found)
			clear(taken)
			for rows.Next() {
				c := &deliver.Claimed{}
				var until *time.Time
				var took *string
				if err := scanRecord(prefixRow{prefixRow{rows, &c.Edition}, &c.Recipient}, &c.Record, &c.Owner, &until, &took); err != nil {
					return err
				}
				if until != nil {
					c.Until = *until
				}
				if took != nil {
					taken[c.Key] = *took
				}
				found[c.Key] = c
			}
			return rows.Err()
		}}}
	j.gc.ride(ops)
	for _, op := range ops {
		if op.err != nil {
			return nil, fmt.Errorf("postgres: claim %d keys: %w", len(keys), op.err)
		}
	}
	return claimed(keys, found, taken)
}

// claimInsertSQL is Claim's first statement: it creates the missing
// records, already leased to owner (only those missing: it never waits
// for the rows other senders are moving).
const claimInsertSQL = `INSERT INTO deliver_journal (edition, recipient, state, updated_at, owner, lease_until)
	SELECT e, r, 'pending', $3, $4, now() + $5 * interval '1 millisecond' FROM unnest($1::text[], $2::text[]) AS k(e, r)
	WHERE NOT EXISTS (SELECT 1 FROM deliver_journal j WHERE j.edition = k.e AND j.recipient = k.r)
	ORDER BY e, r
	ON CONFLICT (edition, recipient) DO NOTHING`

// claimTakeSQL is Claim's second statement, which reads each key's
// record once (cur). Of those, it takes with FOR UPDATE SKIP LOCKED (so
// that concurrent claims never wait for each other) the pending records
// whose lease is free, lapsed or owner's own, and turns into unknown
// those in sending whose lease has lapsed; it answers with each record
// after the claim and, in the last column, the new state of those it
// changed. The records owner already holds for at least the new lease,
// those the first statement created in the same transaction (now() is
// the transaction's start) among them, are answered as held ('pending')
// without being written again.
const claimTakeSQL = `WITH cur AS MATERIALIZED (
	SELECT j.edition, j.recipient, ` + recordColumns + `, j.owner, j.lease_until,
		j.state = 'pending' AND j.owner = $3 AND j.lease_until >= now() + $4 * interval '1 millisecond' AS held
	FROM deliver_journal j JOIN unnest($1::text[], $2::text[]) AS k(e, r) ON j.edition = k.e AND j.recipient = k.r
), pick AS (
	SELECT j.edition, j.recipient FROM deliver_journal j JOIN cur c ON j.edition = c.edition AND j.recipient = c.recipient
	WHERE NOT c.held AND (c.state = 'pending' OR c.state = 'sending')
		AND ((j.state = 'pending' AND (j.owner = '' OR j.owner = $3 OR j.lease_until <= now()))
			OR (j.state = 'sending' AND (j.owner = '' OR j.lease_until IS NULL OR j.lease_until <= now())))
	ORDER BY j.edition, j.recipient
	FOR UPDATE OF j SKIP LOCKED
), upd AS (
	UPDATE deliver_journal j SET
		owner = CASE WHEN j.state = 'pending' THEN $3 ELSE '' END,
		lease_until = CASE WHEN j.state = 'pending' THEN now() + $4 * interval '1 millisecond' END,
		detail = CASE WHEN j.state = 'sending' THEN $5 ELSE j.detail END,
		updated_at = CASE WHEN j.state = 'sending' THEN $6 ELSE j.updated_at END,
		state = CASE WHEN j.state = 'sending' THEN 'unknown' ELSE j.state END
	FROM pick WHERE j.edition = pick.edition AND j.recipient = pick.recipient
	RETURNING j.edition, j.recipient, j.state, j.attempts, j.message_id, j.detail, j.updated_at, j.owner, j.lease_until
)
SELECT u.*, u.state FROM upd u
UNION ALL
SELECT c.edition, c.recipient, c.state, c.attempts, c.message_id, c.detail, c.updated_at, c.owner, c.lease_until,
	CASE WHEN c.held THEN 'pending' END
FROM cur c WHERE NOT EXISTS (SELECT 1 FROM upd u WHERE u.edition = c.edition AND u.recipient = c.recipient)`

// claimed is Claim's answer: the records read (found) in the order of
// keys, marked with what the claim did to them (taken: the new state of
// the records it changed).
func claimed(keys []deliver.Key, found map[deliver.Key]*deliver.Claimed, taken map[deliver.Key]string) ([]deliver.Claimed, error) {
	out := make([]deliver.Claimed, len(keys))
	for i, k := range keys {
		c, ok := found[k]
		if !ok {
			return nil, fmt.Errorf("postgres: claim: no record for %s after creating it", k)
		}
		out[i] = *c
		switch state, ok := taken[k]; {
		case ok && state == string(deliver.StatePending):
			out[i].Held = true
		case ok && state == string(deliver.StateUnknown):
			out[i].Interrupted = true
		}
		if out[i].Held || out[i].Interrupted || out[i].State.Terminal() {
			out[i].Owner, out[i].Until = "", time.Time{}
		}
	}
	return out, nil
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Renew implements deliver.Claimer, riding with the next batch of
// journal moves like Claim. Rows locked at that moment by other
// transactions are skipped rather than waited for; the next renewal, a
// third of a lease later, gets them.
func (j *Journal) Renew(ctx context.Context, owner string, lease time.Duration, _ time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	op := &gcOp{sql: `WITH mine AS (
		SELECT edition, recipient FROM deliver_journal WHERE owner = $1 AND state IN ('pending', 'sending')
		FOR UPDATE SKIP LOCKED)
	UPDATE deliver_journal j SET lease_until = now() + $2 * interval '1 millisecond'
	FROM mine WHERE j.edition = mine.edition AND j.recipient = mine.recipient`,
		args: []any{owner, lease.Milliseconds()}, rows: func(pgx.Rows) error { return nil }}
	j.gc.ride([]*gcOp{op})
	if op.err != nil {
		return fmt.Errorf("postgres: renew leases of %s: %w", owner, op.err)
	}
	return nil
}

// Release implements deliver.Claimer.
func (j *Journal) Release(ctx context.Context, owner string) error {
	_, err := j.db.pool.Exec(ctx, `UPDATE deliver_journal SET owner = '', lease_until = NULL
		WHERE owner = $1 AND state IN ('pending', 'sending')`, owner)
	if err != nil {
		return fmt.Errorf("postgres: release leases of %s: %w", owner, err)
	}
	return nil
}
