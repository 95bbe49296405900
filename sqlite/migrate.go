package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/khabar/khabar/internal/migrate"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// migrateDB brings component c of db up to date: it reads the version
// recorded in khabar_migrations and applies the steps after it, each in
// one write transaction (BEGIN IMMEDIATE: concurrent openers queue, and
// SQLite's DDL is transactional, so a step is applied entirely or not at
// all).
func migrateDB(ctx context.Context, db *sql.DB, c migrate.Component) error {
	// A new connection to a file another opener is switching to WAL can
	// get SQLITE_BUSY without the busy timeout being applied (the journal
	// mode change takes its lock without the busy handler): try again a
	// while, as the timeout would have waited.
	wait := 2 * time.Millisecond
	for deadline := time.Now().Add(10 * time.Second); ; {
		err := createMigrations(ctx, db)
		if err == nil {
			break
		}
		if !isBusy(err) || time.Now().After(deadline) {
			return fmt.Errorf("sqlite: migrations table: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sqlite: migrations table: %w", err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
	for {
		done, err := migrateStep(ctx, db, c)
		if err != nil || done {
			return err
		}
	}
}

// migrateStep applies the next pending step of c, if any, and reports
// whether there was none.
func migrateStep(ctx context.Context, db *sql.DB, c migrate.Component) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("sqlite: migrate %s: %w", c.Name, err)
	}
	defer tx.Rollback()
	var current int
	err = tx.QueryRowContext(ctx, `SELECT version FROM `+migrate.Table+` WHERE component = ?`, c.Name).Scan(&current)
	if err != nil && err != sql.ErrNoRows {
		return false, fmt.Errorf("sqlite: migrate %s: %w", c.Name, err)
	}
	steps, err := c.Pending(current)
	if err != nil || len(steps) == 0 {
		return true, err
	}
	s := steps[0]
	if _, err := tx.ExecContext(ctx, s.SQL); err != nil {
		return false, fmt.Errorf("sqlite: migrate %s to version %d: %w", c.Name, s.Version, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+migrate.Table+` (component, version, applied_ms) VALUES (?, ?, ?)
		ON CONFLICT (component) DO UPDATE SET version = excluded.version, applied_ms = excluded.applied_ms`,
		c.Name, s.Version, time.Now().UnixMilli()); err != nil {
		return false, fmt.Errorf("sqlite: migrate %s to version %d: %w", c.Name, s.Version, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: migrate %s to version %d: %w", c.Name, s.Version, err)
	}
	return false, nil
}

// createMigrations creates the migrations table if it is missing, in a
// write transaction taken at BEGIN (BEGIN IMMEDIATE): as a statement on
// its own it read the schema and then asked for the write lock, which in
// WAL mode SQLite refuses at once, without the busy timeout, when another
// opener wrote in between (several processes opening a new file
// together).
func createMigrations(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+migrate.Table+` (
		component  TEXT PRIMARY KEY,
		version    INTEGER NOT NULL,
		applied_ms INTEGER NOT NULL
	) WITHOUT ROWID`); err != nil {
		return err
	}
	return tx.Commit()
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (any extended code).
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
