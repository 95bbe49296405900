package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/articledoc"
	"github.com/khabar/khabar/internal/notify"
)

// ArticlesChannel is the LISTEN/NOTIFY channel on which article writes
// announce their last sequence number.
const ArticlesChannel = "khabar_articles"

// DefaultPollInterval is how often Articles.Wait returns without a
// notification when Articles.PollInterval is zero: the fallback for a
// notification lost while the listening connection was down.
const DefaultPollInterval = time.Second

// putChunk is the number of articles written per statement.
const putChunk = 1000

// Articles is a khabar.ArticleStore in PostgreSQL, for feed servers and
// aggregators on several machines: the articles as JSON (jsonb), one row
// per ID, and a change sequence that khabar.Followers read. Every write
// commits in sequence order and notifies ArticlesChannel; Wait listens on
// its own connection (opened on first use) and polls every PollInterval
// as a fallback. Call Close to stop listening.
//
// It is safe for concurrent use, from any number of processes.
type Articles struct {
	// PollInterval bounds how long Wait waits without a notification; 0
	// means DefaultPollInterval.
	PollInterval time.Duration

	db   *DB
	note notify.Seq

	listenOnce sync.Once
	stop       context.CancelFunc
	done       chan struct{}
}

var _ khabar.ArticleStore = (*Articles)(nil)

// Articles returns the article store of db. Each call returns a new value
// with its own listener.
func (db *DB) Articles() *Articles { return &Articles{db: db} }

// Close stops the listener, if Wait started one. It does not close the
// DB.
func (s *Articles) Close() error {
	s.listenOnce.Do(func() {}) // no listener may start after Close
	if s.stop != nil {
		s.stop()
		<-s.done
	}
	return nil
}

// Put implements khabar.ArticleStore: one statement per 1000 articles,
// each its own transaction.
func (s *Articles) Put(ctx context.Context, as ...*khabar.Article) error {
	docs, verr := articledoc.Prepare(as)
	for len(docs) > 0 {
		n := min(len(docs), putChunk)
		if err := s.put(ctx, docs[:n]); err != nil {
			return errors.Join(verr, err)
		}
		docs = docs[n:]
	}
	return verr
}

// putSQL takes len(ids) numbers from the counter (holding its row lock
// until commit), upserts the rows whose JSON differs and notifies the
// last number used.
const putSQL = `WITH base AS (
	UPDATE khabar_article_seq SET seq = seq + $1 WHERE one RETURNING seq - $1 AS b
), ins AS (
	INSERT INTO khabar_articles (id, seq, doc, published, updated)
	SELECT t.id, base.b + t.ord, t.doc, t.published, t.updated
	FROM base, unnest($2::text[], $3::jsonb[], $4::timestamptz[], $5::timestamptz[]) WITH ORDINALITY AS t(id, doc, published, updated, ord)
	ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, doc = excluded.doc, published = excluded.published,
		updated = excluded.updated, changed_at = now()
	WHERE khabar_articles.doc IS DISTINCT FROM excluded.doc
	RETURNING seq
)
SELECT count(*), coalesce(max(seq), 0),
	CASE WHEN count(*) > 0 THEN pg_notify('` + ArticlesChannel + `', max(seq)::text) END
FROM ins`

func (s *Articles) put(ctx context.Context, docs []articledoc.Doc) error {
	ids := make([]string, len(docs))
	jsons := make([]string, len(docs))
	pub := make([]time.Time, len(docs))
	upd := make([]*time.Time, len(docs))
	for i, d := range docs {
		ids[i], jsons[i], pub[i] = d.A.ID, string(d.JSON), d.A.Published
		if !d.A.Updated.IsZero() {
			upd[i] = &d.A.Updated
		}
	}
	var n, last int64
	var notified *string
	if err := s.db.pool.QueryRow(ctx, putSQL, len(ids), ids, jsons, pub, upd).Scan(&n, &last, &notified); err != nil {
		return fmt.Errorf("postgres: put articles: %w", err)
	}
	s.note.Advance(last)
	return nil
}

const deleteSQL = `WITH base AS (
	UPDATE khabar_article_seq SET seq = seq + $1 WHERE one RETURNING seq - $1 AS b
), del AS (
	UPDATE khabar_articles a SET seq = base.b + t.ord, doc = NULL, published = NULL, updated = NULL, changed_at = now()
	FROM base, unnest($2::text[]) WITH ORDINALITY AS t(id, ord)
	WHERE a.id = t.id AND a.doc IS NOT NULL
	RETURNING a.seq
)
SELECT count(*), coalesce(max(seq), 0),
	CASE WHEN count(*) > 0 THEN pg_notify('` + ArticlesChannel + `', max(seq)::text) END
FROM del`

// Delete implements khabar.ArticleStore, in one statement.
func (s *Articles) Delete(ctx context.Context, ids ...string) error {
	ids = articledoc.UniqueIDs(ids)
	if len(ids) == 0 {
		return nil
	}
	var n, last int64
	var notified *string
	if err := s.db.pool.QueryRow(ctx, deleteSQL, len(ids), ids).Scan(&n, &last, &notified); err != nil {
		return fmt.Errorf("postgres: delete articles: %w", err)
	}
	s.note.Advance(last)
	return nil
}

// Changes implements khabar.ChangeLog.
func (s *Articles) Changes(ctx context.Context, after int64, limit int) ([]khabar.ArticleChange, error) {
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := s.db.pool.Query(ctx, `SELECT seq, id, doc FROM khabar_articles WHERE seq > $1 ORDER BY seq LIMIT $2`, after, lim)
	if err != nil {
		return nil, fmt.Errorf("postgres: article changes: %w", err)
	}
	defer rows.Close()
	var out []khabar.ArticleChange
	for rows.Next() {
		var ch khabar.ArticleChange
		var doc []byte
		if err := rows.Scan(&ch.Seq, &ch.ID, &doc); err != nil {
			return nil, fmt.Errorf("postgres: article changes: %w", err)
		}
		if doc != nil {
			if ch.Article, err = articledoc.Decode(ch.ID, doc); err != nil {
				return nil, fmt.Errorf("postgres: %w", err)
			}
		}
		out = append(out, ch)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: article changes: %w", err)
	}
	return out, nil
}

// Wait implements khabar.ChangeLog: it returns when a notification (of
// any process) or a write of this one carries a number after after, or
// after PollInterval.
func (s *Articles) Wait(ctx context.Context, after int64) error {
	s.listenOnce.Do(s.startListener)
	d := s.PollInterval
	if d <= 0 {
		d = DefaultPollInterval
	}
	return s.note.Wait(ctx, after, d)
}

func (s *Articles) startListener() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stop, s.done = cancel, make(chan struct{})
	go s.listen(ctx)
}

// listen keeps a connection listening on ArticlesChannel until ctx ends,
// reconnecting after failures; each (re)connection pokes the waiters,
// since notifications sent while it was down are lost.
func (s *Articles) listen(ctx context.Context) {
	defer close(s.done)
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenConn(ctx)
		if ctx.Err() != nil {
			return
		}
		_ = err // the poll fallback covers the gap; try again
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		pause = min(2*pause, 5*time.Second)
	}
}

func (s *Articles) listenConn(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, s.db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+ArticlesChannel); err != nil {
		return err
	}
	s.note.Poke()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if seq, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
			s.note.Advance(seq)
		} else {
			s.note.Poke()
		}
	}
}
