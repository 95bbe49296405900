package storetest

import (
	"bytes"
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/articledoc"
	"github.com/khabar/khabar/internal/notify"
)

// MemoryArticles is a khabar.ArticleStore in memory, for tests: the
// reference the database stores are compared with. Articles are kept as
// their JSON, as the databases keep them. The zero value is ready to use;
// it is safe for concurrent use.
type MemoryArticles struct {
	mu   sync.Mutex
	seq  int64
	rows map[string]memRow
	note notify.Seq
}

type memRow struct {
	seq int64
	doc []byte // nil: deleted
}

var _ khabar.ArticleStore = (*MemoryArticles)(nil)

// Put implements khabar.ArticleStore.
func (m *MemoryArticles) Put(_ context.Context, as ...*khabar.Article) error {
	docs, err := articledoc.Prepare(as)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rows == nil {
		m.rows = make(map[string]memRow)
	}
	for _, d := range docs {
		if old, ok := m.rows[d.A.ID]; ok && bytes.Equal(old.doc, d.JSON) {
			continue
		}
		m.seq++
		m.rows[d.A.ID] = memRow{seq: m.seq, doc: d.JSON}
	}
	m.note.Advance(m.seq)
	return err
}

// Delete implements khabar.ArticleStore.
func (m *MemoryArticles) Delete(_ context.Context, ids ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range articledoc.UniqueIDs(ids) {
		if old, ok := m.rows[id]; ok && old.doc != nil {
			m.seq++
			m.rows[id] = memRow{seq: m.seq}
		}
	}
	m.note.Advance(m.seq)
	return nil
}

// Changes implements khabar.ChangeLog.
func (m *MemoryArticles) Changes(_ context.Context, after int64, limit int) ([]khabar.ArticleChange, error) {
	m.mu.Lock()
	var out []khabar.ArticleChange
	var docs [][]byte
	for id, r := range m.rows {
		if r.seq > after {
			out = append(out, khabar.ArticleChange{Seq: r.seq, ID: id})
			docs = append(docs, r.doc)
		}
	}
	m.mu.Unlock()
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(out[a].Seq, out[b].Seq) })
	if limit > 0 && len(idx) > limit {
		idx = idx[:limit]
	}
	sorted := make([]khabar.ArticleChange, len(idx))
	for i, j := range idx {
		sorted[i] = out[j]
		if docs[j] != nil {
			a, err := articledoc.Decode(out[j].ID, docs[j])
			if err != nil {
				return nil, err
			}
			sorted[i].Article = a
		}
	}
	return sorted, nil
}

// Wait implements khabar.ChangeLog: it returns as soon as a Put or Delete
// records a change after after.
func (m *MemoryArticles) Wait(ctx context.Context, after int64) error {
	return m.note.Wait(ctx, after, time.Second)
}
