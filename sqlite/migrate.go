package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/khabar/khabar/internal/migrate"
)

// migrateDB brings component c of db up to date: it reads the version
// recorded in khabar_migrations and applies the steps after it, each in
// one write transaction (BEGIN IMMEDIATE: concurrent openers queue, and
// SQLite's DDL is transactional, so a step is applied entirely or not at
// all).
func migrateDB(ctx context.Context, db *sql.DB, c migrate.Component) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+migrate.Table+` (
		component  TEXT PRIMARY KEY,
		version    INTEGER NOT NULL,
		applied_ms INTEGER NOT NULL
	) WITHOUT ROWID`); err != nil {
		return fmt.Errorf("sqlite: migrations table: %w", err)
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
