package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/articledoc"
	"github.com/khabar/khabar/internal/notify"
)

// DefaultPollInterval is how often Articles.Wait looks for changes made
// by other processes when Articles.PollInterval is zero.
const DefaultPollInterval = 500 * time.Millisecond

// Articles is a khabar.ArticleStore in SQLite: the articles as their JSON
// Lines form, one row per ID, and a change sequence that a khabar.Follower
// reads to rebuild a catalog at start and keep it in step. Writes are
// transactions that take the write lock when they begin, so sequence
// numbers are committed in order. Wait is woken at once by writes of this
// process and polls for those of others (one machine: an SQLite file is
// not shared over a network).
//
// It is safe for concurrent use, also from several processes on one file.
type Articles struct {
	// PollInterval is how often Wait returns to let the caller look for
	// other processes' changes; 0 means DefaultPollInterval.
	PollInterval time.Duration

	db    *sql.DB
	owned bool
	note  notify.Seq
}

var _ khabar.ArticleStore = (*Articles)(nil)

// NewArticles returns the article store in db (opened with this package's
// driver, e.g. Store.DB), creating its tables when missing. Closing it
// does not close db.
func NewArticles(ctx context.Context, db *sql.DB) (*Articles, error) {
	if db == nil {
		return nil, errors.New("sqlite: nil *sql.DB for the articles")
	}
	if err := migrateDB(ctx, db, articlesSchema); err != nil {
		return nil, err
	}
	return &Articles{db: db}, nil
}

// OpenArticles opens (creating when missing) the database file at path
// and returns the article store in it. Close closes the file.
func OpenArticles(ctx context.Context, path string) (*Articles, error) {
	db, err := openFile(ctx, path, articlesSchema)
	if err != nil {
		return nil, err
	}
	return &Articles{db: db, owned: true}, nil
}

// Close closes the database if OpenArticles opened it.
func (s *Articles) Close() error {
	if s.owned {
		return s.db.Close()
	}
	return nil
}

// Put implements khabar.ArticleStore, in one transaction.
func (s *Articles) Put(ctx context.Context, as ...*khabar.Article) error {
	docs, verr := articledoc.Prepare(as)
	if len(docs) == 0 {
		return verr
	}
	now := time.Now().UnixMilli()
	last, err := s.write(ctx, `INSERT INTO articles (id, seq, doc, published, updated, changed_ms)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, doc = excluded.doc, published = excluded.published,
			updated = excluded.updated, changed_ms = excluded.changed_ms
		WHERE articles.doc IS NOT excluded.doc`, len(docs), func(i int, next int64) []any {
		d := docs[i]
		return []any{d.A.ID, next, string(d.JSON), d.A.Published.UnixMilli(), nullTime(d.A.Updated), now}
	})
	if err != nil {
		return errors.Join(verr, fmt.Errorf("sqlite: put articles: %w", err))
	}
	s.note.Advance(last)
	return verr
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// Delete implements khabar.ArticleStore, in one transaction.
func (s *Articles) Delete(ctx context.Context, ids ...string) error {
	ids = articledoc.UniqueIDs(ids)
	if len(ids) == 0 {
		return nil
	}
	now := time.Now().UnixMilli()
	last, err := s.write(ctx, `UPDATE articles SET seq = ?, doc = NULL, published = NULL, updated = NULL, changed_ms = ?
		WHERE id = ? AND doc IS NOT NULL`, len(ids), func(i int, next int64) []any {
		return []any{next, now, ids[i]}
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete articles: %w", err)
	}
	s.note.Advance(last)
	return nil
}

// write runs query n times in one write transaction, the i-th time with
// args(i, next), next being the next sequence number (used up when the
// statement changes a row), and records the last number used.
func (s *Articles) write(ctx context.Context, query string, n int, args func(i int, next int64) []any) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT seq FROM article_seq WHERE one = 1`).Scan(&seq); err != nil {
		return 0, err
	}
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	first := seq
	for i := range n {
		res, err := st.ExecContext(ctx, args(i, seq+1)...)
		if err != nil {
			return 0, err
		}
		if changed, _ := res.RowsAffected(); changed > 0 {
			seq++
		}
	}
	if seq == first {
		return seq, nil // nothing changed: the rollback releases the lock
	}
	if _, err := tx.ExecContext(ctx, `UPDATE article_seq SET seq = ? WHERE one = 1`, seq); err != nil {
		return 0, err
	}
	return seq, tx.Commit()
}

// Changes implements khabar.ChangeLog.
func (s *Articles) Changes(ctx context.Context, after int64, limit int) ([]khabar.ArticleChange, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, id, doc FROM articles WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: article changes: %w", err)
	}
	defer rows.Close()
	var out []khabar.ArticleChange
	for rows.Next() {
		var ch khabar.ArticleChange
		var doc sql.RawBytes
		if err := rows.Scan(&ch.Seq, &ch.ID, &doc); err != nil {
			return nil, fmt.Errorf("sqlite: article changes: %w", err)
		}
		if doc != nil {
			if ch.Article, err = articledoc.Decode(ch.ID, doc); err != nil {
				return nil, fmt.Errorf("sqlite: %w", err)
			}
		}
		out = append(out, ch)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: article changes: %w", err)
	}
	return out, nil
}

// Wait implements khabar.ChangeLog: it returns at once when this process
// has written a change after after, else on its next write or after
// PollInterval.
func (s *Articles) Wait(ctx context.Context, after int64) error {
	d := s.PollInterval
	if d <= 0 {
		d = DefaultPollInterval
	}
	return s.note.Wait(ctx, after, d)
}
