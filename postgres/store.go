package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/internal/migrate"
	"github.com/khabar/khabar/internal/subrow"
)

// storeSchema is the digest store's history. Keys sort bytewise (COLLATE
// "C"), as in Go; times are Unix nanoseconds, as in package sqlite, so
// that they come back exactly as they went in.
var storeSchema = migrate.Component{Name: "digest-store", Steps: []migrate.Step{
	{Version: 1, SQL: `
CREATE TABLE IF NOT EXISTS subscribers (
	key        text COLLATE "C" PRIMARY KEY,
	email      text NOT NULL,
	name       text NOT NULL DEFAULT '',
	language   text NOT NULL DEFAULT '',
	time_zone  text NOT NULL DEFAULT '',
	follows    text NOT NULL DEFAULT '{}',
	status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'unsubscribed', 'bounced')),
	updated_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS sent_editions (
	key     text COLLATE "C" NOT NULL,
	edition text NOT NULL,
	until   bigint NOT NULL,
	sent_at bigint NOT NULL,
	PRIMARY KEY (key, edition)
);
CREATE INDEX IF NOT EXISTS sent_editions_until ON sent_editions (key, until);
CREATE TABLE IF NOT EXISTS digest_meta (
	name  text PRIMARY KEY,
	value text NOT NULL
);
`},
	{Version: 2, SQL: storeV2}, // lifecycle.go
	{Version: 3, SQL: storeV3}, // rekey.go
	{Version: 4, SQL: storeV4}, // rekey.go
}}

// Store is the digest's subscriber store and sent log in PostgreSQL
// (tables subscribers, subscriber_events, sent_editions and digest_meta),
// with the consent histories (digest.Lifecycle), shared by every
// process that opens the database. It implements what sqlite.Store does.
// Every write is committed before its method returns. Store is safe for
// concurrent use, also from several processes.
type Store struct {
	db *DB
}

var (
	_ digest.SubscriberStore = (*Store)(nil)
	_ digest.SentLog         = (*Store)(nil)
	_ digest.SentLogBatch    = (*Store)(nil)
	_ digest.StatusStore     = (*Store)(nil)
	_ digest.Suppressor      = (*Store)(nil)
	_ deliver.DigestStore    = (*Store)(nil)
	_ deliver.SentMarker     = (*Store)(nil)
)

// NewStore returns the digest store in db.
func NewStore(db *DB) *Store { return &Store{db: db} }

const upsertSubscriber = `INSERT INTO subscribers AS s (` + subrow.InsertColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
	ON CONFLICT (key) DO UPDATE SET email = excluded.email, name = excluded.name, language = excluded.language,
		time_zone = excluded.time_zone, follows = excluded.follows, paused_until = excluded.paused_until,
		updated_at = excluded.updated_at, status = `

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
	if _, err := s.db.pool.Exec(ctx, upsertSubscriber+`excluded.status`, row.Args()...); err != nil {
		return fmt.Errorf("postgres: store subscriber %s: %w", sub.Email, err)
	}
	return nil
}

// Import adds or updates subs in one transaction, holding the advisory
// locks of their addresses (see Change): it reads the stored rows in one
// query and writes in one batch. It never turns an unsubscribed, bounced,
// complained or pending subscriber back to active (a re-imported list
// must not undo an unsubscribe, and a pending address needs its
// confirmation) and keeps a stored pause when the imported record has
// none. Each address added or changed gets a digest.ImportEvent in its
// history. Invalid subscribers are refused before anything is written,
// with an error naming each.
// A stored subscriber's name, language, time zone and follows become
// the imported ones (see digest.NewOnly for a list imported repeatedly).
func (s *Store) Import(ctx context.Context, subs []*digest.Subscriber) (digest.ImportResult, error) {
	var res digest.ImportResult
	var errs []error
	rows := make([]subrow.Row, len(subs))
	keys := make([]string, len(subs))
	for i, sub := range subs {
		err := sub.Validate()
		if err == nil {
			rows[i], err = encodeSubscriber(sub)
			keys[i] = rows[i].Key
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("subscriber %d (%s): %w", i+1, sub.Email, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	err := s.write(ctx, keys, func(tx pgx.Tx) error {
		q, err := tx.Query(ctx, `SELECT key, `+subscriberColumns+` FROM subscribers WHERE key = ANY($1)`, keys)
		if err != nil {
			return err
		}
		old := make(map[string]subrow.Row, len(rows))
		var r subrow.Row
		_, err = pgx.ForEachRow(q, append([]any{&r.Key}, r.Dest()...), func() error {
			old[r.Key] = r
			return nil
		})
		if err != nil {
			return err
		}
		writes, n, err := subrow.Import(old, rows, time.Now())
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		for _, w := range writes {
			b.Queue(upsertSubscriber+`excluded.status`, w.Row.Args()...)
			b.Queue(appendEvent, append([]any{w.Row.Key}, w.Event.Args()...)...)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		res = n
		return nil
	})
	if err != nil {
		return digest.ImportResult{}, fmt.Errorf("postgres: import: %w", err)
	}
	return res, nil
}

// encodeSubscriber returns the row of sub.
func encodeSubscriber(sub *digest.Subscriber) (subrow.Row, error) {
	r, err := subrow.Encode(sub)
	if err != nil {
		return subrow.Row{}, fmt.Errorf("postgres: %w", err)
	}
	return r, nil
}

const subscriberColumns = subrow.Columns

func scanSubscriber(row pgx.Row) (*digest.Subscriber, error) { return subrow.Scan(row, "postgres") }

// Subscriber returns the subscriber with the given address.
func (s *Store) Subscriber(ctx context.Context, email string) (*digest.Subscriber, error) {
	sub, err := scanSubscriber(s.db.pool.QueryRow(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE key = $1`, digest.EmailKey(email)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", digest.ErrUnknownSubscriber, email)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: read subscriber %s: %w", email, err)
	}
	return sub, nil
}

// storePage is how many subscribers EachSubscriber reads per query.
const storePage = 256

// EachSubscriber calls fn with every subscriber ordered by key, reading
// them a page at a time (keyset paging): no transaction stays open while
// fn runs, so fn may write to the store.
func (s *Store) EachSubscriber(ctx context.Context, fn func(*digest.Subscriber) error) error {
	after := ""
	for {
		rows, err := s.db.pool.Query(ctx, `SELECT key, `+subscriberColumns+` FROM subscribers WHERE key > $1 ORDER BY key LIMIT $2`, after, storePage)
		if err != nil {
			return fmt.Errorf("postgres: list subscribers: %w", err)
		}
		page, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*digest.Subscriber, error) {
			return scanSubscriber(prefixRow{row, &after})
		})
		if err != nil {
			return fmt.Errorf("postgres: list subscribers: %w", err)
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
	}
}

// Count returns the number of subscribers with the given status, or of
// all subscribers when status is "".
func (s *Store) Count(ctx context.Context, status digest.Status) (int, error) {
	var n int
	err := s.db.pool.QueryRow(ctx, `SELECT count(*) FROM subscribers WHERE $1 = '' OR status = $1`, string(status)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: count subscribers: %w", err)
	}
	return n, nil
}

// SetStatus changes a subscriber's status, appending digest.StatusEvent
// to its history when the status changes, under the address's advisory
// lock (see Change); it returns once the change is committed.
func (s *Store) SetStatus(ctx context.Context, email string, status digest.Status) error {
	return s.setStatus(ctx, "set status of", email, status, false)
}

func (s *Store) setStatus(ctx context.Context, what, email string, status digest.Status, add bool) error {
	err := s.write(ctx, []string{digest.EmailKey(email)}, func(tx pgx.Tx) error {
		return subrow.SetStatus(ctx, pgTx{tx}, email, status, add)
	})
	if err != nil && !errors.Is(err, digest.ErrInvalidSubscriber) && !errors.Is(err, digest.ErrUnknownSubscriber) {
		return fmt.Errorf("postgres: %s %s: %w", what, email, err)
	}
	return err
}

// Status returns the status of the subscriber with the given address.
func (s *Store) Status(ctx context.Context, email string) (digest.Status, error) {
	var st string
	err := s.db.pool.QueryRow(ctx, `SELECT status FROM subscribers WHERE key = $1`, digest.EmailKey(email)).Scan(&st)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("%w: %s", digest.ErrUnknownSubscriber, email)
	}
	if err != nil {
		return "", fmt.Errorf("postgres: status of %s: %w", email, err)
	}
	return digest.Status(st), nil
}

// Suppress sets the status of the address like SetStatus, and when the
// store does not hold it, adds a subscriber with only the address and the
// status, so that a later Import of the address keeps it unsubscribed or
// bounced. A change of status appends digest.StatusEvent to the history.
func (s *Store) Suppress(ctx context.Context, email string, status digest.Status) error {
	return s.setStatus(ctx, "suppress", email, status, true)
}

// LastSent returns the window end of the newest edition MarkSent recorded
// for the address.
func (s *Store) LastSent(ctx context.Context, email string) (time.Time, bool, error) {
	var until *int64
	err := s.db.pool.QueryRow(ctx, `SELECT max(until) FROM sent_editions WHERE key = $1`, digest.EmailKey(email)).Scan(&until)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("postgres: last sent to %s: %w", email, err)
	}
	if until == nil {
		return time.Time{}, false, nil
	}
	return time.Unix(0, *until), true, nil
}

// LastSentAll returns LastSent's answer for each of the addresses that was
// sent an edition, in one query.
func (s *Store) LastSentAll(ctx context.Context, emails []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time)
	if len(emails) == 0 {
		return out, nil
	}
	keys := make([]string, len(emails))
	for i, e := range emails {
		keys[i] = digest.EmailKey(e)
	}
	rows, err := s.db.pool.Query(ctx, `SELECT key, max(until) FROM sent_editions WHERE key = ANY($1) GROUP BY key`, keys)
	if err != nil {
		return nil, fmt.Errorf("postgres: last sent to %d addresses: %w", len(emails), err)
	}
	defer rows.Close()
	byKey := make(map[string]time.Time)
	for rows.Next() {
		var key string
		var until *int64
		if err := rows.Scan(&key, &until); err != nil {
			return nil, fmt.Errorf("postgres: last sent: %w", err)
		}
		if until != nil {
			byKey[key] = time.Unix(0, *until)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: last sent to %d addresses: %w", len(emails), err)
	}
	for i, e := range emails {
		if until, ok := byKey[keys[i]]; ok {
			out[e] = until
		}
	}
	return out, nil
}

// MarkSent records that an edition went to a subscriber. Recording the
// same (edition, address) again keeps the first record.
func (s *Store) MarkSent(ctx context.Context, r digest.Sent) error {
	if err := r.Check(); err != nil {
		return err
	}
	key, edition, until, at := sentRow(r)
	_, err := s.db.pool.Exec(ctx, `INSERT INTO sent_editions (key, edition, until, sent_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key, edition) DO NOTHING`, key, edition, until, at)
	if err != nil {
		return fmt.Errorf("postgres: mark %s sent to %s: %w", r.Edition, r.Email, err)
	}
	return nil
}

// sentRow is r as a sent_editions row.
func sentRow(r digest.Sent) (key, edition string, until, at int64) {
	return digest.EmailKey(r.Email), r.Edition, r.Until.UnixNano(), r.At.UnixNano()
}

// Secret returns the random secret of n bytes stored under name, creating
// it on first use: a persistent key (an unsubscribe token key, say) that
// every process sharing the database gets the same.
func (s *Store) Secret(ctx context.Context, name string, n int) ([]byte, error) {
	if name == "" || n < 16 {
		return nil, fmt.Errorf("postgres: secret %q of %d bytes: want a name and at least 16 bytes", name, n)
	}
	key := "secret:" + name
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		return nil, fmt.Errorf("postgres: secret %s: %w", name, err)
	}
	var v string
	err := s.db.pool.QueryRow(ctx, `WITH ins AS (
		INSERT INTO digest_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value)
		SELECT value FROM ins UNION ALL SELECT value FROM digest_meta WHERE name = $1`, key, hex.EncodeToString(buf)).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) { // another process was inserting it: read what it committed
		err = s.db.pool.QueryRow(ctx, `SELECT value FROM digest_meta WHERE name = $1`, key).Scan(&v)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: secret %s: %w", name, err)
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) != n {
		return nil, fmt.Errorf("postgres: secret %s: stored value is not %d hex bytes", name, n)
	}
	return b, nil
}
