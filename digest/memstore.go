package digest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemStore is a SubscriberStore and SentLog kept in memory, for tests,
// examples and one-shot runs that need nothing to survive the process. It
// behaves as the SQLite store does: Put and Import keep what Stored
// returns, and Import never turns an unsubscribed or bounced subscriber
// back to active. The zero value is ready to use; it is safe for
// concurrent use.
type MemStore struct {
	mu   sync.Mutex
	subs map[string]*Subscriber          // by Key
	sent map[string]map[string]time.Time // by Key, then edition: the window end
	// history is each address's consent history, by Key (see Lifecycle).
	history map[string][]Event
}

var (
	_ SubscriberStore = (*MemStore)(nil)
	_ SentLog         = (*MemStore)(nil)
	_ SentLogBatch    = (*MemStore)(nil)
	_ StatusStore     = (*MemStore)(nil)
	_ Suppressor      = (*MemStore)(nil)
)

// ImportResult counts what Import did.
type ImportResult struct {
	// Added counts new subscribers, Updated those already stored.
	Added, Updated int
	// Kept counts subscribers whose stored status (unsubscribed, bounced,
	// complained or pending) was kept although the import said active.
	Kept int
}

// Put stores sub, replacing any subscriber with the same Key, status
// included.
func (m *MemStore) Put(ctx context.Context, sub *Subscriber) error {
	if err := sub.Validate(); err != nil {
		return err
	}
	c, err := sub.Stored()
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(c)
	return nil
}

func (m *MemStore) put(c *Subscriber) {
	if m.subs == nil {
		m.subs = make(map[string]*Subscriber)
	}
	m.subs[c.Key()] = c
}

// Import adds or updates subs at once. It never turns an unsubscribed,
// bounced, complained or pending subscriber back to active (a pending one
// needs its confirmation), and keeps a stored pause when the imported
// record has none. A stored subscriber's name, language, time zone and
// follows become the imported ones, even those the person chose on a
// preferences page: a program that imports the same list again and again
// passes it through NewOnly first. Each address added or changed gets an ImportEvent in
// its history. Invalid subscribers are refused before anything is
// stored, with an error naming each.
func (m *MemStore) Import(ctx context.Context, subs []*Subscriber) (ImportResult, error) {
	var res ImportResult
	var errs []error
	stored := make([]*Subscriber, len(subs))
	for i, sub := range subs {
		err := sub.Validate()
		if err == nil {
			stored[i], err = sub.Stored()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("subscriber %d (%s): %w", i+1, sub.Email, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range stored {
		old, ok := m.subs[c.Key()]
		if !ok {
			res.Added++
		} else {
			res.Updated++
			if old.Status != StatusActive && c.Status == StatusActive {
				c.Status = old.Status
				res.Kept++
			}
			if c.PausedUntil.IsZero() {
				c.PausedUntil = old.PausedUntil
			}
			if sameRecord(old, c) {
				continue
			}
		}
		m.put(c)
		m.appendEvent(c.Key(), ImportEvent(c, !ok, now))
	}
	return res, nil
}

// sameRecord reports whether two stored subscribers are the same record.
func sameRecord(a, b *Subscriber) bool {
	return a.Email == b.Email && a.Name == b.Name && a.Language == b.Language && a.Status == b.Status &&
		a.PausedUntil.Equal(b.PausedUntil) && ChoicesOf(a).TimeZone == ChoicesOf(b).TimeZone &&
		slices.Equal(a.Follows.Categories, b.Follows.Categories) && slices.Equal(a.Follows.Tags, b.Follows.Tags) &&
		slices.Equal(a.Follows.Authors, b.Follows.Authors)
}

// appendEvent adds ev to the history of key; m.mu is held.
func (m *MemStore) appendEvent(key string, ev Event) {
	if m.history == nil {
		m.history = make(map[string][]Event)
	}
	m.history[key] = append(m.history[key], cloneEvent(ev))
}

// Subscriber returns the subscriber with the given address.
func (m *MemStore) Subscriber(ctx context.Context, email string) (*Subscriber, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.subs[EmailKey(email)]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownSubscriber, email)
	}
	return s.Clone(), nil
}

// EachSubscriber calls fn with every subscriber ordered by key; fn may
// write to the store.
func (m *MemStore) EachSubscriber(ctx context.Context, fn func(*Subscriber) error) error {
	m.mu.Lock()
	all := make([]*Subscriber, 0, len(m.subs))
	for _, s := range m.subs {
		all = append(all, s.Clone())
	}
	m.mu.Unlock()
	slices.SortFunc(all, func(a, b *Subscriber) int { return strings.Compare(a.Key(), b.Key()) })
	for _, s := range all {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

// Count returns the number of subscribers with the given status, or of
// all subscribers when status is "".
func (m *MemStore) Count(ctx context.Context, status Status) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, s := range m.subs {
		if status == "" || s.Status == status {
			n++
		}
	}
	return n, nil
}

// SetStatus changes a subscriber's status, appending StatusEvent to its
// history when the status changes.
func (m *MemStore) SetStatus(ctx context.Context, email string, status Status) error {
	if !status.Valid() {
		return fmt.Errorf("%w: status %q", ErrInvalidSubscriber, status)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.subs[EmailKey(email)]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownSubscriber, email)
	}
	m.setStatus(s.Clone(), status)
	return nil
}

// setStatus stores c with status, appending StatusEvent when that changes
// c's; m.mu is held.
func (m *MemStore) setStatus(c *Subscriber, status Status) {
	if c.Status == status {
		return
	}
	c.Status = status
	m.put(c)
	m.appendEvent(c.Key(), StatusEvent(status, time.Now()))
}

// Status returns the status of the subscriber with the given address.
func (m *MemStore) Status(ctx context.Context, email string) (Status, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.subs[EmailKey(email)]
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrUnknownSubscriber, email)
	}
	return s.Status, nil
}

// Suppress sets the status of the address like SetStatus, adding a
// subscriber with only the address and the status when the store does
// not hold it. A change of status appends StatusEvent to the history.
func (m *MemStore) Suppress(ctx context.Context, email string, status Status) error {
	if !status.Valid() {
		return fmt.Errorf("%w: status %q", ErrInvalidSubscriber, status)
	}
	if err := CheckAddress(email); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c := &Subscriber{Email: strings.TrimSpace(email)}
	if s, ok := m.subs[EmailKey(email)]; ok {
		c = s.Clone()
	}
	m.setStatus(c, status)
	return nil
}

// LastSent returns the window end of the newest edition MarkSent recorded
// for the address.
func (m *MemStore) LastSent(ctx context.Context, email string) (time.Time, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	last, ok := m.lastSent(email)
	return last, ok, nil
}

// LastSentAll returns LastSent's answer for each address that was sent an
// edition, under one lock.
func (m *MemStore) LastSentAll(ctx context.Context, emails []string) (map[string]time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]time.Time)
	for _, e := range emails {
		if last, ok := m.lastSent(e); ok {
			out[e] = last
		}
	}
	return out, nil
}

func (m *MemStore) lastSent(email string) (time.Time, bool) {
	var last time.Time
	ok := false
	for _, until := range m.sent[EmailKey(email)] {
		if !ok || until.After(last) {
			last, ok = until, true
		}
	}
	return last, ok
}

// MarkSent records that an edition went to a subscriber. Recording the
// same (edition, address) again keeps the first record.
func (m *MemStore) MarkSent(ctx context.Context, r Sent) error {
	if err := r.Check(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sent == nil {
		m.sent = make(map[string]map[string]time.Time)
	}
	k := EmailKey(r.Email)
	if m.sent[k] == nil {
		m.sent[k] = make(map[string]time.Time)
	}
	if _, ok := m.sent[k][r.Edition]; !ok {
		m.sent[k][r.Edition] = r.Until
	}
	return nil
}
