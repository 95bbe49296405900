package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/internal/migrate"
	"github.com/khabar/khabar/internal/subrow"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is the embedded default digest.SubscriberStore and digest.SentLog:
// one SQLite database file (through modernc.org/sqlite, pure Go) that
// survives restarts.
//
// The database runs in WAL mode with synchronous=FULL, so every committed
// write is on disk before the call that made it returns, even across a
// power loss; busy_timeout is 10 s, and write transactions take the write
// lock when they begin (BEGIN IMMEDIATE), so concurrent writers queue
// instead of failing. Other packages may keep their own tables in the same
// file through DB (the delivery journal does); the tables Store owns are
// subscribers, subscriber_events (the consent histories), sent_editions
// and digest_meta.
//
// A Store is safe for concurrent use, also from several processes.
type Store struct {
	db   *sql.DB
	wmu  sync.Mutex // serializes this Store's transactions that write (see write)
	sent sentStmts  // the sent log's reads, prepared (sentlog.go)
}

var (
	_ digest.SubscriberStore = (*Store)(nil)
	_ digest.SentLog         = (*Store)(nil)
	_ digest.SentLogBatch    = (*Store)(nil)
	_ digest.StatusStore     = (*Store)(nil)
	_ digest.Suppressor      = (*Store)(nil)
)

// storeSchema is the digest store's history: OpenStore applies the steps
// a database lacks. Version 1 is the layout from before migrations were
// recorded, idempotent, so such a file upgrades in place.
var storeSchema = migrate.Component{Name: "digest-store", Steps: []migrate.Step{
	{Version: 1, SQL: storeV1},
	{Version: 2, SQL: storeV2}, // lifecycle.go
	{Version: 3, SQL: storeV3}, // rekey.go
	{Version: 4, SQL: storeV4}, // rekey.go
}}

const storeV1 = `
CREATE TABLE IF NOT EXISTS subscribers (
	key        TEXT PRIMARY KEY,
	email      TEXT NOT NULL,
	name       TEXT NOT NULL DEFAULT '',
	language   TEXT NOT NULL DEFAULT '',
	time_zone  TEXT NOT NULL DEFAULT '',
	follows    TEXT NOT NULL DEFAULT '{}',
	status     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'unsubscribed', 'bounced')),
	updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sent_editions (
	key     TEXT NOT NULL,
	edition TEXT NOT NULL,
	until   INTEGER NOT NULL,
	sent_at INTEGER NOT NULL,
	PRIMARY KEY (key, edition)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sent_editions_until ON sent_editions (key, until);
CREATE TABLE IF NOT EXISTS digest_meta (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO digest_meta (name, value) VALUES ('schema', '1');
`

// OpenStore opens the database file at path, creating it and its tables
// when missing. Close it when done.
func OpenStore(path string) (*Store, error) {
	ctx := context.Background()
	db, err := openFile(ctx, path, storeSchema)
	if err != nil {
		return nil, err
	}
	if err := rekey(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DB returns the underlying database, for packages that keep their own
// tables in the same file. Use BEGIN IMMEDIATE semantics (the default of
// db.BeginTx here) for transactions that write.
func (s *Store) DB() *sql.DB { return s.db }

// Put stores sub, replacing any subscriber with the same Key, status
// included. The follows are normalized to catalog keys first.
func (s *Store) Put(ctx context.Context, sub *digest.Subscriber) error {
	if err := sub.Validate(); err != nil {
		return err
	}
	row, err := encodeSubscriber(sub)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO subscribers (`+subrow.InsertColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET email = excluded.email, name = excluded.name, language = excluded.language,
			time_zone = excluded.time_zone, follows = excluded.follows, status = excluded.status,
			paused_until = excluded.paused_until, updated_at = excluded.updated_at`,
		row.Args()...)
	if err != nil {
		return fmt.Errorf("sqlite: store subscriber %s: %w", sub.Email, err)
	}
	return nil
}

// Import adds or updates subs in one transaction. It never turns an
// unsubscribed, bounced, complained or pending subscriber back to active
// (a re-imported list must not undo an unsubscribe, and a pending address
// needs its confirmation) and keeps a stored pause when the imported
// record has none. Each address added or changed gets a
// digest.ImportEvent in its history. Invalid subscribers are refused
// before anything is written, with an error naming each.
// A stored subscriber's name, language, time zone and follows become
// the imported ones (see digest.NewOnly for a list imported repeatedly).
func (s *Store) Import(ctx context.Context, subs []*digest.Subscriber) (digest.ImportResult, error) {
	var res digest.ImportResult
	var errs []error
	rows := make([]subrow.Row, len(subs))
	for i, sub := range subs {
		err := sub.Validate()
		if err == nil {
			rows[i], err = encodeSubscriber(sub)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("subscriber %d (%s): %w", i+1, sub.Email, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	err := s.write(ctx, func(tx subrow.Tx) error {
		old := make(map[string]subrow.Row, len(rows))
		for _, r := range rows {
			prev, ok, err := tx.Row(ctx, r.Key)
			if err != nil {
				return err
			}
			if ok {
				old[r.Key] = prev
			}
		}
		writes, n, err := subrow.Import(old, rows, time.Now())
		if err != nil {
			return err
		}
		for _, w := range writes {
			if err := tx.Put(ctx, w.Row); err != nil {
				return fmt.Errorf("%s: %w", w.Row.Email, err)
			}
			if err := tx.Append(ctx, w.Row.Key, w.Event); err != nil {
				return fmt.Errorf("%s: %w", w.Row.Email, err)
			}
		}
		res = n
		return nil
	})
	if err != nil {
		return digest.ImportResult{}, fmt.Errorf("sqlite: import: %w", err)
	}
	return res, nil
}

// encodeSubscriber returns the row of sub.
func encodeSubscriber(sub *digest.Subscriber) (subrow.Row, error) {
	r, err := subrow.Encode(sub)
	if err != nil {
		return subrow.Row{}, fmt.Errorf("sqlite: %w", err)
	}
	return r, nil
}

const subscriberColumns = subrow.Columns

func scanSubscriber(row subrow.Scanner) (*digest.Subscriber, error) {
	return subrow.Scan(row, "sqlite")
}

// Subscriber returns the subscriber with the given address.
func (s *Store) Subscriber(ctx context.Context, email string) (*digest.Subscriber, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE key = ?`, digest.EmailKey(email))
	sub, err := scanSubscriber(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", digest.ErrUnknownSubscriber, email)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: read subscriber %s: %w", email, err)
	}
	return sub, nil
}

// storePage is how many subscribers EachSubscriber reads per query.
const storePage = 256

// EachSubscriber calls fn with every subscriber ordered by key, reading
// them a page at a time: no read transaction stays open while fn runs, so
// fn may write to the store.
func (s *Store) EachSubscriber(ctx context.Context, fn func(*digest.Subscriber) error) error {
	after := ""
	first := true
	for {
		page, last, err := s.page(ctx, after, first)
		if err != nil {
			return err
		}
		for _, sub := range page {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(sub); err != nil {
				return err
			}
		}
		if len(page) < storePage {
			return nil
		}
		after, first = last, false
	}
}

func (s *Store) page(ctx context.Context, after string, first bool) ([]*digest.Subscriber, string, error) {
	// Keyset paging: "key > ?" walks the primary key from where the last
	// page ended, so each page costs the same however far the walk is.
	q := `SELECT key, ` + subscriberColumns + ` FROM subscribers WHERE key > ? ORDER BY key LIMIT ?`
	args := []any{after, storePage}
	if first {
		q = `SELECT key, ` + subscriberColumns + ` FROM subscribers ORDER BY key LIMIT ?`
		args = args[1:]
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list subscribers: %w", err)
	}
	defer rows.Close()
	var out []*digest.Subscriber
	var last string
	for rows.Next() {
		var key string
		sub, err := scanSubscriber(scanPrefix{rows, &key})
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: list subscribers: %w", err)
		}
		last = key
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: list subscribers: %w", err)
	}
	return out, last, nil
}

// scanPrefix scans one leading column into key before the subscriber's.
type scanPrefix struct {
	rows *sql.Rows
	key  *string
}

func (p scanPrefix) Scan(dest ...any) error { return p.rows.Scan(append([]any{p.key}, dest...)...) }

// Count returns the number of subscribers with the given status, or of
// all subscribers when status is "".
func (s *Store) Count(ctx context.Context, status digest.Status) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM subscribers WHERE ? = '' OR status = ?`, string(status), string(status)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count subscribers: %w", err)
	}
	return n, nil
}

// SetStatus changes a subscriber's status, appending digest.StatusEvent
// to its history when the status changes; it returns once the change is
// committed to disk.
func (s *Store) SetStatus(ctx context.Context, email string, status digest.Status) error {
	return s.setStatus(ctx, "set status of", email, status, false)
}

func (s *Store) setStatus(ctx context.Context, what, email string, status digest.Status, add bool) error {
	err := s.write(ctx, func(tx subrow.Tx) error { return subrow.SetStatus(ctx, tx, email, status, add) })
	if err != nil && !errors.Is(err, digest.ErrInvalidSubscriber) && !errors.Is(err, digest.ErrUnknownSubscriber) {
		return fmt.Errorf("sqlite: %s %s: %w", what, email, err)
	}
	return err
}

// Status returns the status of the subscriber with the given address: one
// primary-key lookup, cheap enough to call just before each message is
// sent (Message.Recheck).
func (s *Store) Status(ctx context.Context, email string) (digest.Status, error) {
	var st string
	err := s.db.QueryRowContext(ctx, `SELECT status FROM subscribers WHERE key = ?`, digest.EmailKey(email)).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w: %s", digest.ErrUnknownSubscriber, email)
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: status of %s: %w", email, err)
	}
	return digest.Status(st), nil
}

// Suppress sets the status of the address like SetStatus, and when the
// store does not hold it, adds a subscriber with only the address and the
// status, so that a later Import of the address keeps it unsubscribed or
// bounced. A change of status appends digest.StatusEvent to the history.
// It returns once the change is committed to disk.
func (s *Store) Suppress(ctx context.Context, email string, status digest.Status) error {
	return s.setStatus(ctx, "suppress", email, status, true)
}

// MarkSent records that an edition went to a subscriber. Recording the
// same (edition, address) again keeps the first record.
func (s *Store) MarkSent(ctx context.Context, r digest.Sent) error {
	return markSent(ctx, s.db, r)
}

// markSent writes r's sent_editions row through db, the store's database
// or a journal's transaction on it.
func markSent(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, r digest.Sent) error {
	if err := r.Check(); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, `INSERT OR IGNORE INTO sent_editions (key, edition, until, sent_at) VALUES (?, ?, ?, ?)`,
		digest.EmailKey(r.Email), r.Edition, r.Until.UnixNano(), r.At.UnixNano())
	if err != nil {
		return fmt.Errorf("sqlite: mark %s sent to %s: %w", r.Edition, r.Email, err)
	}
	return nil
}

// Secret returns the random secret of n bytes stored under name, creating
// it on first use: a persistent key (an unsubscribe token key, say) for
// deployments that keep no key elsewhere. Every process sharing the file
// gets the same bytes.
func (s *Store) Secret(ctx context.Context, name string, n int) ([]byte, error) {
	if name == "" || n < 16 {
		return nil, fmt.Errorf("sqlite: secret %q of %d bytes: want a name and at least 16 bytes", name, n)
	}
	key := "secret:" + name
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		return nil, fmt.Errorf("sqlite: secret %s: %w", name, err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO digest_meta (name, value) VALUES (?, ?)`,
		key, hex.EncodeToString(buf)); err != nil {
		return nil, fmt.Errorf("sqlite: secret %s: %w", name, err)
	}
	var v string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM digest_meta WHERE name = ?`, key).Scan(&v); err != nil {
		return nil, fmt.Errorf("sqlite: secret %s: %w", name, err)
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) != n {
		return nil, fmt.Errorf("sqlite: secret %s: stored value is not %d hex bytes", name, n)
	}
	return b, nil
}
