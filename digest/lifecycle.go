package digest

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// EventKind names one step in a subscriber's consent history.
type EventKind string

// The kinds of event a History holds.
const (
	// EventRequested is a signup form submitted: Choices holds what was
	// asked for, Ref the request's ID (the confirmation link names it).
	EventRequested EventKind = "requested"
	// EventConfirmed is a signup confirmed through its link: the
	// subscriber became active with the request's Choices.
	EventConfirmed EventKind = "confirmed"
	// EventPreferences is a change of follows, language, time zone or
	// name; Choices holds the new ones.
	EventPreferences EventKind = "preferences"
	// EventPaused is a pause; Detail says until when (RFC 3339), an empty
	// Detail ends a pause.
	EventPaused EventKind = "paused"
	// EventUnsubscribed is a withdrawal of consent: a link, a mailto
	// request, an administrator.
	EventUnsubscribed EventKind = "unsubscribed"
	// EventSoftBounce is a temporary delivery failure; enough of them in
	// a window make an EventBounced.
	EventSoftBounce EventKind = "soft-bounce"
	// EventBounced is a permanent delivery failure: the address gets no
	// more mail.
	EventBounced EventKind = "bounced"
	// EventComplained is an abuse report (a "this is spam" click fed back
	// by the mailbox provider): the address is unsubscribed and suppressed.
	EventComplained EventKind = "complained"
	// EventImported is a record added or changed by an import.
	EventImported EventKind = "imported"
)

// Valid reports whether k is one of the kinds above.
func (k EventKind) Valid() bool {
	switch k {
	case EventRequested, EventConfirmed, EventPreferences, EventPaused, EventUnsubscribed,
		EventSoftBounce, EventBounced, EventComplained, EventImported:
		return true
	}
	return false
}

// Choices are what a subscriber chose on a form: what a signup asked for
// and what a preferences change set.
type Choices struct {
	// Name is how the digest greets them; may be empty.
	Name string `json:"name,omitempty"`
	// Language is the digest's language ("hi", "en", "ur"); empty keeps
	// the Builder's default.
	Language string `json:"language,omitempty"`
	// TimeZone is an IANA zone name; empty means the Builder's Location.
	TimeZone string `json:"time_zone,omitempty"`
	// Follows are the sections they follow.
	Follows Follows `json:"follows,omitzero"`
}

// Apply returns a copy of s with c's choices.
func (c Choices) Apply(s *Subscriber) (*Subscriber, error) {
	out := s.Clone()
	out.Name, out.Language = c.Name, c.Language
	out.Follows = c.Follows.Clone()
	out.TimeZone = nil
	if c.TimeZone != "" {
		loc, err := subscriberZone(c.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("%w: time zone %q: %v", ErrInvalidSubscriber, c.TimeZone, err)
		}
		out.TimeZone = loc
	}
	return out, nil
}

// ChoicesOf returns the choices s holds.
func ChoicesOf(s *Subscriber) Choices {
	c := Choices{Name: s.Name, Language: s.Language, Follows: s.Follows.Clone()}
	if s.TimeZone != nil {
		c.TimeZone = s.TimeZone.String()
	}
	return c
}

// Event is one entry of a subscriber's consent history: what happened,
// when, where it came from and, for a consent given, which wording the
// subscriber saw. Histories are append-only: stores never change or
// delete an event.
type Event struct {
	// Kind is what happened (required).
	Kind EventKind `json:"kind"`
	// At is when (required).
	At time.Time `json:"at"`
	// Source is where it came from: the form's name or path for a signup
	// ("/subscribe"), "preferences", "list-unsubscribe", "mailto", "dsn",
	// "arf", "import", "admin"… (required).
	Source string `json:"source"`
	// IP is the client's address for events from the web; empty otherwise.
	IP string `json:"ip,omitempty"`
	// Wording is the version of the consent text shown (for
	// EventRequested and EventConfirmed), as the publisher names it.
	Wording string `json:"wording,omitempty"`
	// Ref identifies the event's cause, unique per address and kind: a
	// signup request's ID, a bounce's Message-ID. Change does nothing for
	// an event whose Kind and Ref are already in the history, which makes
	// processing the same message twice a no-op. Empty means no such
	// check.
	Ref string `json:"ref,omitempty"`
	// Edition is the Edition.ID the event concerns (a bounce of one
	// edition's message, an unsubscribe from its link); may be empty.
	Edition string `json:"edition,omitempty"`
	// Detail is free text: a DSN's status and diagnostic, a pause's end.
	Detail string `json:"detail,omitempty"`
	// Choices are the subscriber's choices for EventRequested and
	// EventPreferences; nil otherwise.
	Choices *Choices `json:"choices,omitempty"`
}

// Limits of an event's fields, so that a history stays small whatever a
// form or a bounce carries.
const (
	maxEventSource = 200
	maxEventRef    = 998 // a header line
	maxEventDetail = 2000
)

// Check reports what makes ev unfit for a history.
func (ev *Event) Check() error {
	var errs []error
	if !ev.Kind.Valid() {
		errs = append(errs, fmt.Errorf("kind %q", ev.Kind))
	}
	if ev.At.IsZero() {
		errs = append(errs, errors.New("no time"))
	}
	if ev.Source == "" || len(ev.Source) > maxEventSource {
		errs = append(errs, fmt.Errorf("source %q: empty or over %d bytes", ev.Source, maxEventSource))
	}
	if ev.IP != "" {
		if _, err := netip.ParseAddr(ev.IP); err != nil {
			errs = append(errs, fmt.Errorf("ip %q", ev.IP))
		}
	}
	if len(ev.Ref) > maxEventRef || len(ev.Wording) > maxEventSource || len(ev.Edition) > maxEventSource {
		errs = append(errs, errors.New("ref, wording or edition too long"))
	}
	if len(ev.Detail) > maxEventDetail {
		errs = append(errs, fmt.Errorf("detail over %d bytes", maxEventDetail))
	}
	if strings.ContainsAny(ev.Source+ev.Ref+ev.Wording+ev.Edition, "\r\n\x00") {
		errs = append(errs, errors.New("line break or NUL in source, ref, wording or edition"))
	}
	if all := ev.Source + ev.Ref + ev.Wording + ev.Edition + ev.Detail; !utf8.ValidString(all) || strings.IndexByte(all, 0) >= 0 {
		errs = append(errs, errors.New("invalid UTF-8 or NUL (stores refuse both)"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: event: %w", ErrInvalidSubscriber, err)
	}
	return nil
}

// ErrNoChange may be returned by a Change function to store nothing,
// not even the event; Change then returns (false, nil).
var ErrNoChange = errors.New("digest: no change")

// ChangeFunc decides a subscriber's new record from the stored one (nil
// when the store holds none) and the address's history, oldest first. It
// returns the record to store, or nil to keep the stored one (the event
// is still appended), or ErrNoChange to store nothing at all. It may be
// called more than once (a store may retry a transaction) and must have
// no side effects.
type ChangeFunc func(cur *Subscriber, history []Event) (*Subscriber, error)

// Lifecycle is a SubscriberStore that keeps each subscriber's consent
// history and changes a subscriber together with its history, atomically:
// what the signup form, the preferences page, the unsubscribe link and the
// bounce processor use. *MemStore, *sqlite.Store and *postgres.Store
// implement it.
type Lifecycle interface {
	SubscriberStore
	// Change applies fn to the address's record and appends ev to its
	// history in one transaction, durable when Change returns. The record
	// fn returns is checked with Validate and kept as Stored returns it;
	// its Email must have the same Key. When ev.Ref is not empty and the
	// history already holds an event of the same Kind and Ref, Change
	// calls nothing, stores nothing and returns false. Otherwise it
	// returns true once stored, or false with a nil error when fn
	// returned ErrNoChange.
	Change(ctx context.Context, email string, ev Event, fn ChangeFunc) (bool, error)
	// History returns the address's events, oldest first (an empty slice
	// for an address with none).
	History(ctx context.Context, email string) ([]Event, error)
}

// PendingPurger is a Lifecycle that can forget the addresses that asked to
// subscribe and never confirmed: a list keeps no address of a stranger's
// longer than its confirmation link works (the signup form records one
// for each request, also for addresses typed in by someone else). Run it
// daily, with before at most the time the last such link expired:
// Signup.PurgeUnconfirmed does. *MemStore, *sqlite.Store and
// *postgres.Store implement it.
type PendingPurger interface {
	// PurgePending removes every subscriber who is pending and whose
	// history holds only signup requests (EventRequested), all made
	// before before, together with that history, and returns how many it
	// removed. An address with any other event (confirmed once, imported,
	// unsubscribed, bounced) is kept, history and all: its history is the
	// record of its consent.
	PurgePending(ctx context.Context, before time.Time) (int, error)
}

// Unconfirmed reports whether sub, with history h, is what PurgePending
// removes: pending, with only signup requests, all made before before.
func Unconfirmed(sub *Subscriber, h []Event, before time.Time) bool {
	if sub == nil || sub.Status != StatusPending || len(h) == 0 {
		return false
	}
	for _, e := range h {
		if e.Kind != EventRequested || !e.At.Before(before) {
			return false
		}
	}
	return true
}

// SourceStatus is the Source of the events stores append when a status
// is set through SetStatus or Suppress; SourceImport that of the events
// Import appends.
const (
	SourceStatus = "status"
	SourceImport = "import"
)

// StatusEvent returns the event a store appends to the history when
// SetStatus or Suppress changes an address's status to st:
// EventUnsubscribed, EventBounced or EventComplained for those statuses,
// and EventImported (an administrator's change, as an import is) for
// active and pending. Source is SourceStatus and Detail names the status.
func StatusEvent(st Status, at time.Time) Event {
	kind := EventImported
	switch st {
	case StatusUnsubscribed:
		kind = EventUnsubscribed
	case StatusBounced:
		kind = EventBounced
	case StatusComplained:
		kind = EventComplained
	}
	return Event{Kind: kind, At: at, Source: SourceStatus, Detail: "status " + string(st)}
}

// ImportEvent returns the event Import appends for a subscriber it added
// (added true) or changed, as stored: EventImported from SourceImport
// with the subscriber's choices, Detail saying which and the status.
func ImportEvent(stored *Subscriber, added bool, at time.Time) Event {
	d := "updated"
	if added {
		d = "added"
	}
	c := ChoicesOf(stored)
	return Event{Kind: EventImported, At: at, Source: SourceImport, Detail: d + ", status " + string(stored.Status), Choices: &c}
}

// HasEvent reports whether history holds an event of kind with ref.
func HasEvent(history []Event, kind EventKind, ref string) bool {
	return slices.ContainsFunc(history, func(e Event) bool { return e.Kind == kind && e.Ref == ref })
}

// Receives reports whether the subscriber gets an edition sent at t:
// active and not paused at t.
func (s *Subscriber) Receives(t time.Time) bool {
	return s.Active() && !t.Before(s.PausedUntil)
}

var _ Lifecycle = (*MemStore)(nil)

// Change applies fn and appends ev, under the store's lock.
func (m *MemStore) Change(ctx context.Context, email string, ev Event, fn ChangeFunc) (bool, error) {
	if err := ev.Check(); err != nil {
		return false, err
	}
	key := EmailKey(email)
	m.mu.Lock()
	defer m.mu.Unlock()
	hist := m.history[key]
	if ev.Ref != "" && HasEvent(hist, ev.Kind, ev.Ref) {
		return false, nil
	}
	var cur *Subscriber
	if s, ok := m.subs[key]; ok {
		cur = s.Clone()
	}
	next, err := fn(cur, cloneEvents(hist))
	if errors.Is(err, ErrNoChange) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if next != nil {
		if next.Key() != key {
			return false, fmt.Errorf("%w: change of %s returned %s", ErrInvalidSubscriber, email, next.Email)
		}
		if err := next.Validate(); err != nil {
			return false, err
		}
		c, err := next.Stored()
		if err != nil {
			return false, err
		}
		m.put(c)
	}
	if m.history == nil {
		m.history = make(map[string][]Event)
	}
	m.history[key] = append(hist, cloneEvent(ev))
	return true, nil
}

var _ PendingPurger = (*MemStore)(nil)

// PurgePending implements PendingPurger.
func (m *MemStore) PurgePending(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for key, s := range m.subs {
		if Unconfirmed(s, m.history[key], before) {
			delete(m.subs, key)
			delete(m.history, key)
			n++
		}
	}
	return n, nil
}

// History returns the address's events, oldest first.
func (m *MemStore) History(ctx context.Context, email string) ([]Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return cloneEvents(m.history[EmailKey(email)]), nil
}

func cloneEvents(in []Event) []Event {
	out := make([]Event, len(in))
	for i, e := range in {
		out[i] = cloneEvent(e)
	}
	return out
}

func cloneEvent(e Event) Event {
	if e.Choices != nil {
		c := *e.Choices
		c.Follows = c.Follows.Clone()
		e.Choices = &c
	}
	return e
}
