package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/khabar/khabar/internal/migrate"
)

// DB is a connection pool to one PostgreSQL database, with khabar's
// tables migrated to the versions this program knows.
type DB struct {
	pool *pgxpool.Pool
}

// components are the schema histories Open applies, in order.
var components = []migrate.Component{
	storeSchema,   // store.go
	journalSchema, // journal.go
}

// Open connects to the database at url (a postgres:// URL or a libpq
// key=value string, see pgxpool.ParseConfig) and migrates it. Close it
// when done.
func Open(ctx context.Context, url string) (*DB, error) {
	if url == "" {
		return nil, errors.New("postgres: empty database URL")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig is Open with a pool configuration made by the caller (from
// pgxpool.ParseConfig), for a tracer, a pool size or a connection hook of
// its own.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	db := &DB{pool: pool}
	for _, c := range components {
		err := db.migrate(ctx, c)
		if err == nil && c.Name == storeSchema.Name {
			err = db.rekey(ctx) // rekey.go
		}
		if err != nil {
			pool.Close()
			return nil, err
		}
	}
	return db, nil
}

// Pool returns the connection pool, for callers that keep tables of their
// own in the same database.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close closes every connection of the pool.
func (db *DB) Close() { db.pool.Close() }

// migrationLock is the key of the advisory lock held while migrating.
const migrationLock = 0x6b686162 // "khab"

// migrate brings component c up to date in one transaction that holds an
// advisory lock, so that processes opening the database together apply
// each step once (PostgreSQL's DDL is transactional).
func (db *DB) migrate(ctx context.Context, c migrate.Component) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("postgres: migrate %s: lock: %w", c.Name, err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+migrate.Table+` (
			component  text PRIMARY KEY,
			version    integer NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return fmt.Errorf("postgres: migrations table: %w", err)
		}
		var current int
		err := tx.QueryRow(ctx, `SELECT version FROM `+migrate.Table+` WHERE component = $1`, c.Name).Scan(&current)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: migrate %s: %w", c.Name, err)
		}
		steps, err := c.Pending(current)
		if err != nil {
			return err
		}
		for _, s := range steps {
			if _, err := tx.Exec(ctx, s.SQL); err != nil {
				return fmt.Errorf("postgres: migrate %s to version %d: %w", c.Name, s.Version, err)
			}
		}
		if len(steps) == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO `+migrate.Table+` (component, version) VALUES ($1, $2)
			ON CONFLICT (component) DO UPDATE SET version = excluded.version, applied_at = now()`, c.Name, c.Latest())
		if err != nil {
			return fmt.Errorf("postgres: migrate %s: %w", c.Name, err)
		}
		return nil
	})
}
