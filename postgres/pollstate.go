package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/khabar/khabar/feed/upstream"
)

// PollState is an upstream.Leaser in PostgreSQL: the poll state of the
// aggregators' feeds (validators, schedule, backoff), shared by Pollers on
// any number of machines. Claims lock the due rows with FOR UPDATE SKIP
// LOCKED, so concurrent claimants take different feeds without waiting on
// each other. It is safe for concurrent use.
type PollState struct {
	db *DB
}

var _ upstream.Leaser = (*PollState)(nil)

// PollState returns the poll-state store of db.
func (db *DB) PollState() *PollState { return &PollState{db: db} }

// Load implements upstream.Store.
func (s *PollState) Load(ctx context.Context, feedURL string) (upstream.State, error) {
	var doc []byte
	err := s.db.pool.QueryRow(ctx, `SELECT state FROM khabar_poll_state WHERE url = $1`, feedURL).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && doc == nil) {
		return upstream.State{URL: feedURL}, fmt.Errorf("%w: %s", upstream.ErrUnknownFeed, feedURL)
	}
	if err != nil {
		return upstream.State{URL: feedURL}, fmt.Errorf("postgres: load poll state: %w", err)
	}
	return decodeState(feedURL, doc)
}

func decodeState(url string, doc []byte) (upstream.State, error) {
	st := upstream.State{URL: url}
	if doc == nil {
		return st, nil
	}
	if err := json.Unmarshal(doc, &st); err != nil {
		return upstream.State{URL: url}, fmt.Errorf("postgres: poll state of %s: %w", url, err)
	}
	return st, nil
}

// Save implements upstream.Store.
func (s *PollState) Save(ctx context.Context, st upstream.State) error {
	return s.save(ctx, st, nil)
}

// Finish implements upstream.Leaser.
func (s *PollState) Finish(ctx context.Context, owner string, st upstream.State) error {
	return s.save(ctx, st, &owner)
}

// save upserts st; with owner, it also ends owner's lease on st.URL.
func (s *PollState) save(ctx context.Context, st upstream.State, owner *string) error {
	doc, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("postgres: save poll state: %w", err)
	}
	var next *time.Time
	if !st.NextPoll.IsZero() {
		next = &st.NextPoll
	}
	_, err = s.db.pool.Exec(ctx, `INSERT INTO khabar_poll_state (url, state, next_poll) VALUES ($1, $2, $3)
		ON CONFLICT (url) DO UPDATE SET state = excluded.state, next_poll = excluded.next_poll,
			lease_owner = CASE WHEN khabar_poll_state.lease_owner = $4 THEN NULL ELSE khabar_poll_state.lease_owner END,
			lease_until = CASE WHEN khabar_poll_state.lease_owner = $4 THEN NULL ELSE khabar_poll_state.lease_until END`,
		st.URL, string(doc), next, owner)
	if err != nil {
		return fmt.Errorf("postgres: save poll state: %w", err)
	}
	return nil
}

// claimSQL leases the due, unleased rows among $1, skipping rows another
// claim has locked; rows for feeds never seen are made first.
const claimSQL = `WITH c AS (
	SELECT url FROM khabar_poll_state
	WHERE url = ANY($1) AND ($2 OR next_poll IS NULL OR next_poll <= $3)
		AND (lease_until IS NULL OR lease_until <= $3)
	ORDER BY next_poll NULLS FIRST, url
	LIMIT $4
	FOR UPDATE SKIP LOCKED
)
UPDATE khabar_poll_state p SET lease_owner = $5, lease_until = $6
FROM c WHERE p.url = c.url
RETURNING p.url, p.state, p.next_poll`

// Claim implements upstream.Leaser.
func (s *PollState) Claim(ctx context.Context, r upstream.ClaimRequest) ([]upstream.State, error) {
	var limit *int
	if r.Limit > 0 {
		limit = &r.Limit
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO khabar_poll_state (url) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, r.URLs)
	b.Queue(claimSQL, r.URLs, r.All, r.Now, limit, r.Owner, r.Until)
	br := s.db.pool.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, fmt.Errorf("postgres: claim feeds: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("postgres: claim feeds: %w", err)
	}
	defer rows.Close()
	type claimed struct {
		st   upstream.State
		next *time.Time
	}
	var got []claimed
	for rows.Next() {
		var url string
		var doc []byte
		var next *time.Time
		if err := rows.Scan(&url, &doc, &next); err != nil {
			return nil, fmt.Errorf("postgres: claim feeds: %w", err)
		}
		st, err := decodeState(url, doc)
		if err != nil {
			return nil, err
		}
		got = append(got, claimed{st, next})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: claim feeds: %w", err)
	}
	// UPDATE ... RETURNING does not keep the CTE's order.
	slices.SortFunc(got, func(a, b claimed) int {
		switch {
		case a.next == nil && b.next == nil:
			return strings.Compare(a.st.URL, b.st.URL)
		case a.next == nil:
			return -1
		case b.next == nil:
			return 1
		}
		return cmp.Or(a.next.Compare(*b.next), strings.Compare(a.st.URL, b.st.URL))
	})
	out := make([]upstream.State, len(got))
	for i, c := range got {
		out[i] = c.st
	}
	return out, nil
}
