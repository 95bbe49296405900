package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/khabar/khabar/digest"
)

// sentStmts are the sent log's reads, prepared on first use.
type sentStmts struct {
	mu        sync.Mutex
	last, all *sql.Stmt
}

// prepared returns the statements, preparing them the first time (again
// after a failure).
func (s *Store) prepared(ctx context.Context) (*sentStmts, error) {
	st := &s.sent
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.all != nil {
		return st, nil
	}
	last, err := s.db.PrepareContext(ctx, `SELECT max(until) FROM sent_editions WHERE key = ?`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare the sent log's reads: %w", err)
	}
	// One statement for any number of addresses: the keys go in as one
	// JSON array, each looked up in the (key, until) index.
	all, err := s.db.PrepareContext(ctx, `SELECT key, max(until) FROM sent_editions
		WHERE key IN (SELECT value FROM json_each(?)) GROUP BY key`)
	if err != nil {
		_ = last.Close()
		return nil, fmt.Errorf("sqlite: prepare the sent log's reads: %w", err)
	}
	st.last, st.all = last, all
	return st, nil
}

// LastSent returns the window end of the newest edition MarkSent recorded
// for the address.
func (s *Store) LastSent(ctx context.Context, email string) (time.Time, bool, error) {
	st, err := s.prepared(ctx)
	if err != nil {
		return time.Time{}, false, err
	}
	var until sql.NullInt64
	if err := st.last.QueryRowContext(ctx, digest.EmailKey(email)).Scan(&until); err != nil {
		return time.Time{}, false, fmt.Errorf("sqlite: last sent to %s: %w", email, err)
	}
	if !until.Valid {
		return time.Time{}, false, nil
	}
	return time.Unix(0, until.Int64), true, nil
}

// LastSentAll returns LastSent's answer for each of the addresses that was
// sent an edition, in one query.
func (s *Store) LastSentAll(ctx context.Context, emails []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time)
	if len(emails) == 0 {
		return out, nil
	}
	st, err := s.prepared(ctx)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(emails))
	for i, e := range emails {
		keys[i] = digest.EmailKey(e)
	}
	arg, err := json.Marshal(keys)
	if err != nil {
		return nil, fmt.Errorf("sqlite: last sent: %w", err)
	}
	rows, err := st.all.QueryContext(ctx, string(arg))
	if err != nil {
		return nil, fmt.Errorf("sqlite: last sent to %d addresses: %w", len(emails), err)
	}
	defer rows.Close()
	byKey := make(map[string]time.Time)
	for rows.Next() {
		var key string
		var until sql.NullInt64
		if err := rows.Scan(&key, &until); err != nil {
			return nil, fmt.Errorf("sqlite: last sent: %w", err)
		}
		if until.Valid {
			byKey[key] = time.Unix(0, until.Int64)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: last sent to %d addresses: %w", len(emails), err)
	}
	for i, e := range emails {
		if until, ok := byKey[keys[i]]; ok {
			out[e] = until
		}
	}
	return out, nil
}
