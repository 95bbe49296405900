package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"

	"github.com/khabar/khabar/internal/migrate"
)

// openFile opens the database file at path (creating it when missing)
// with the settings every store here uses: WAL, synchronous=FULL,
// busy_timeout 10 s, foreign keys on, BEGIN IMMEDIATE for transactions;
// then it migrates the components given.
func openFile(ctx context.Context, path string, cs ...migrate.Component) (*sql.DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	q := url.Values{}
	// busy_timeout first: the pragmas run in order on each new
	// connection, and switching a new file to WAL waits for other openers.
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	for _, c := range cs {
		if err := migrateDB(ctx, db, c); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
	}
	return db, nil
}
