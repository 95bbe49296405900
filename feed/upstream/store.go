package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// Store keeps the per-feed State of a Poller. Implementations must be safe
// for concurrent use.
type Store interface {
	// Load returns the state saved for feedURL, or an error wrapping
	// ErrUnknownFeed when there is none.
	Load(ctx context.Context, feedURL string) (State, error)
	// Save stores st under st.URL, replacing what was there.
	Save(ctx context.Context, st State) error
}

var (
	_ Store = (*MemoryStore)(nil)
	_ Store = (*FileStore)(nil)
)

// MemoryStore is a Store that forgets everything when the process exits.
// It is also a Leaser, for several Pollers in one process. The zero value
// is ready to use; it is safe for concurrent use.
type MemoryStore struct {
	mu     sync.Mutex
	states map[string]State
	leases map[string]memLease // Leaser's claims, by URL
}

// Load implements Store.
func (m *MemoryStore) Load(_ context.Context, feedURL string) (State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.states[feedURL]
	if !ok {
		return State{URL: feedURL}, fmt.Errorf("%w: %s", ErrUnknownFeed, feedURL)
	}
	return st, nil
}

// Save implements Store.
func (m *MemoryStore) Save(_ context.Context, st State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.states == nil {
		m.states = make(map[string]State)
	}
	m.states[st.URL] = st
	return nil
}

// FileStore is a Store kept in one JSON file, rewritten atomically (a
// temporary file in the same directory, synced, then renamed over the old
// one), so that a crash leaves either the old or the new state and a
// restart picks up where the last run stopped. Save returns once the file
// holds its state; Saves that arrive while the file is being written are
// written together by the next write (group commit), so a poller saving
// hundreds of feeds at once does not rewrite the file hundreds of times.
//
// It is safe for concurrent use within one process; two processes must not
// share a file.
type FileStore struct {
	path    string
	mu      sync.Mutex
	cond    *sync.Cond
	states  map[string]State
	gen     uint64 // bumped by every Save
	written uint64 // the gen the file holds
	writing bool
}

// fileStoreDoc is the file's format.
type fileStoreDoc struct {
	Version int     `json:"version"`
	Feeds   []State `json:"feeds"`
}

// OpenFileStore opens the store at path, reading it when it exists.
func OpenFileStore(path string) (*FileStore, error) {
	s := &FileStore{path: path, states: make(map[string]State)}
	s.cond = sync.NewCond(&s.mu)
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("upstream: open state file: %w", err)
	}
	var doc fileStoreDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("upstream: state file %s: %w", path, err)
	}
	for _, st := range doc.Feeds {
		s.states[st.URL] = st
	}
	return s, nil
}

// Load implements Store.
func (s *FileStore) Load(_ context.Context, feedURL string) (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[feedURL]
	if !ok {
		return State{URL: feedURL}, fmt.Errorf("%w: %s", ErrUnknownFeed, feedURL)
	}
	return st, nil
}

// Save implements Store: it returns once the file holds st (or the write
// failed; st is then kept in memory and written by the next Save).
func (s *FileStore) Save(_ context.Context, st State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.states[st.URL] = st
	s.gen++
	mine := s.gen
	for s.written < mine {
		if s.writing {
			s.cond.Wait()
			continue
		}
		s.writing = true
		gen := s.gen
		data, err := s.encode()
		if err == nil {
			s.mu.Unlock()
			err = s.write(data)
			s.mu.Lock()
		}
		s.writing = false
		if err == nil {
			s.written = gen
		}
		s.cond.Broadcast()
		if err != nil {
			return err
		}
	}
	return nil
}

// encode returns the file's content; s.mu is held.
func (s *FileStore) encode() ([]byte, error) {
	doc := fileStoreDoc{Version: 1, Feeds: make([]State, 0, len(s.states))}
	for _, st := range s.states {
		doc.Feeds = append(doc.Feeds, st)
	}
	sort.Slice(doc.Feeds, func(i, j int) bool { return doc.Feeds[i].URL < doc.Feeds[j].URL })
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("upstream: encode state: %w", err)
	}
	return data, nil
}

// write replaces the file with data; s.mu is not held (s.writing is set).
func (s *FileStore) write(data []byte) error {
	dir := filepath.Dir(s.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(s.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("upstream: save state: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("upstream: save state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("upstream: save state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("upstream: save state: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("upstream: save state: %w", err)
	}
	return nil
}
