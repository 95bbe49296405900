package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/khabar/khabar/feed/upstream"
)

// PollState is an upstream.Leaser in SQLite: the poll state of the
// aggregators' feeds (validators, schedule, backoff), shared by the
// Pollers of every process on this machine, each due feed claimed by one
// of them at a time. It is safe for concurrent use, also from several
// processes on one file.
type PollState struct {
	db    *sql.DB
	owned bool
}

var _ upstream.Leaser = (*PollState)(nil)

// NewPollState returns the poll-state store in db (opened with this
// package's driver), creating its table when missing. Closing it does not
// close db.
func NewPollState(ctx context.Context, db *sql.DB) (*PollState, error) {
	if db == nil {
		return nil, errors.New("sqlite: nil *sql.DB for the poll state")
	}
	if err := migrateDB(ctx, db, pollStateSchema); err != nil {
		return nil, err
	}
	return &PollState{db: db}, nil
}

// OpenPollState opens (creating when missing) the database file at path
// and returns the poll-state store in it. Close closes the file.
func OpenPollState(ctx context.Context, path string) (*PollState, error) {
	db, err := openFile(ctx, path, pollStateSchema)
	if err != nil {
		return nil, err
	}
	return &PollState{db: db, owned: true}, nil
}

// Close closes the database if OpenPollState opened it.
func (s *PollState) Close() error {
	if s.owned {
		return s.db.Close()
	}
	return nil
}

// Load implements upstream.Store.
func (s *PollState) Load(ctx context.Context, feedURL string) (upstream.State, error) {
	var doc sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT state FROM poll_state WHERE url = ?`, feedURL).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !doc.Valid) {
		return upstream.State{URL: feedURL}, fmt.Errorf("%w: %s", upstream.ErrUnknownFeed, feedURL)
	}
	if err != nil {
		return upstream.State{URL: feedURL}, fmt.Errorf("sqlite: load poll state: %w", err)
	}
	return decodeState(feedURL, doc.String)
}

func decodeState(url, doc string) (upstream.State, error) {
	st := upstream.State{URL: url}
	if doc == "" {
		return st, nil
	}
	if err := json.Unmarshal([]byte(doc), &st); err != nil {
		return upstream.State{URL: url}, fmt.Errorf("sqlite: poll state of %s: %w", url, err)
	}
	return st, nil
}

// Save implements upstream.Store.
func (s *PollState) Save(ctx context.Context, st upstream.State) error {
	return s.save(ctx, st, "", false)
}

// Finish implements upstream.Leaser.
func (s *PollState) Finish(ctx context.Context, owner string, st upstream.State) error {
	return s.save(ctx, st, owner, true)
}

func (s *PollState) save(ctx context.Context, st upstream.State, owner string, release bool) error {
	doc, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("sqlite: save poll state: %w", err)
	}
	var next any
	if !st.NextPoll.IsZero() {
		next = st.NextPoll.UnixMilli()
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO poll_state (url, state, next_poll) VALUES (?, ?, ?)
		ON CONFLICT (url) DO UPDATE SET state = excluded.state, next_poll = excluded.next_poll,
			lease_owner = CASE WHEN ? AND lease_owner = ? THEN NULL ELSE lease_owner END,
			lease_until = CASE WHEN ? AND lease_owner = ? THEN NULL ELSE lease_until END`,
		st.URL, string(doc), next, release, owner, release, owner)
	if err != nil {
		return fmt.Errorf("sqlite: save poll state: %w", err)
	}
	return nil
}

// Claim implements upstream.Leaser, in one write transaction.
func (s *PollState) Claim(ctx context.Context, r upstream.ClaimRequest) ([]upstream.State, error) {
	urls, err := json.Marshal(r.URLs)
	if err != nil {
		return nil, err
	}
	limit := r.Limit
	if limit <= 0 {
		limit = -1
	}
	now := r.Now.UnixMilli()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim feeds: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO poll_state (url) SELECT value FROM json_each(?)`, string(urls)); err != nil {
		return nil, fmt.Errorf("sqlite: claim feeds: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT url, state FROM poll_state
		WHERE url IN (SELECT value FROM json_each(?))
			AND (? OR next_poll IS NULL OR next_poll <= ?)
			AND (lease_until IS NULL OR lease_until <= ?)
		ORDER BY next_poll IS NOT NULL, next_poll, url
		LIMIT ?`, string(urls), r.All, now, now, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim feeds: %w", err)
	}
	var out []upstream.State
	for rows.Next() {
		var url string
		var doc sql.NullString
		if err := rows.Scan(&url, &doc); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: claim feeds: %w", err)
		}
		st, err := decodeState(url, doc.String)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim feeds: %w", err)
	}
	until := r.Until.UnixMilli()
	for _, st := range out {
		if _, err := tx.ExecContext(ctx, `UPDATE poll_state SET lease_owner = ?, lease_until = ? WHERE url = ?`, r.Owner, until, st.URL); err != nil {
			return nil, fmt.Errorf("sqlite: claim feeds: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: claim feeds: %w", err)
	}
	return out, nil
}
