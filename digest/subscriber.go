package digest

import (
	"context"
	"errors"
	"fmt"
	"golang.org/x/net/idna"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/khabar/khabar"
	"golang.org/x/text/unicode/norm"
)

// Errors about subscribers.
var (
	// ErrUnknownSubscriber is returned for an address the store does not hold.
	ErrUnknownSubscriber = errors.New("digest: unknown subscriber")
	// ErrInvalidSubscriber wraps every problem Subscriber.Validate finds.
	ErrInvalidSubscriber = errors.New("digest: invalid subscriber")
)

// Status says whether a subscriber gets mail.
type Status string

// The statuses. Only StatusActive subscribers ever get mail.
const (
	StatusActive       Status = "active"
	StatusUnsubscribed Status = "unsubscribed"
	StatusBounced      Status = "bounced"
	// StatusPending is an address that signed up and has not confirmed:
	// it gets nothing but the confirmation message.
	StatusPending Status = "pending"
	// StatusComplained is an address whose owner reported a digest as
	// spam: suppressed, as unsubscribed, and only a fresh confirmed
	// signup makes it active again.
	StatusComplained Status = "complained"
)

// statusNames lists the statuses for error messages.
const statusNames = "active, unsubscribed, bounced, pending or complained"

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusUnsubscribed, StatusBounced, StatusPending, StatusComplained:
		return true
	}
	return false
}

// ParseStatus reads a status name, case-insensitively; "" is StatusActive.
func ParseStatus(v string) (Status, error) {
	s := Status(strings.ToLower(strings.TrimSpace(v)))
	if s == "" {
		return StatusActive, nil
	}
	if !s.Valid() {
		return "", fmt.Errorf("%w: status %q (want %s)", ErrInvalidSubscriber, v, statusNames)
	}
	return s, nil
}

// Follows are the sections a subscriber asked for. A story matches when it
// is filed under one of Categories or any of their descendants, carries one
// of Tags, or is by one of Authors.
type Follows struct {
	// Categories are category paths as Category.SlugPath gives them
	// ("उत्तर-प्रदेश/कानपुर"); a path includes its descendants.
	Categories []string `json:"categories,omitempty"`
	// Tags are tag slugs (Tag.EffectiveSlug).
	Tags []string `json:"tags,omitempty"`
	// Authors are author slugs (Author.EffectiveSlug).
	Authors []string `json:"authors,omitempty"`
}

// Clone returns a copy of f that shares no slice with it.
func (f Follows) Clone() Follows {
	return Follows{Categories: slices.Clone(f.Categories), Tags: slices.Clone(f.Tags), Authors: slices.Clone(f.Authors)}
}

// Empty reports whether f follows nothing.
func (f Follows) Empty() bool {
	return len(f.Categories) == 0 && len(f.Tags) == 0 && len(f.Authors) == 0
}

// Subscriber is one recipient of the digest.
type Subscriber struct {
	// Email is the address mail goes to. Addresses are compared without
	// regard to case (see Key).
	Email string
	// Name is how the digest greets the subscriber; it may be empty.
	Name string
	// Language is "hi", "en" or "ur" (any language the templates have
	// strings for); empty means the Builder's default language.
	Language string
	// TimeZone is the subscriber's zone: an edition's date is a date there.
	// Nil means the Builder's Location (Asia/Kolkata by default).
	TimeZone *time.Location
	// Follows are the sections shown first.
	Follows Follows
	// Status says whether the subscriber gets mail; "" counts as active.
	Status Status
	// PausedUntil, when set, is the instant before which an active
	// subscriber gets no edition (the preferences page's pause).
	PausedUntil time.Time
}

// Key returns the address in the form stores and journals key it by
// (EmailKey).
func (s *Subscriber) Key() string { return EmailKey(s.Email) }

// EmailKey returns the key of an address: trimmed, the local part
// lower-cased, and the domain as IDNA reads it for lookup, written in
// Unicode, lower case: every spelling of one domain that mail is
// delivered to ("XN--BCHER-KVA.example", "bücher.example",
// "BÜCHER.example") gives one key, so that a list imported with punycode
// domains and a signup from the same mailbox are one subscriber. An ASCII
// domain without punycode labels is only lower-cased, as is a domain IDNA
// cannot read (underscores and other host names mail accepts are kept).
func EmailKey(email string) string {
	email = strings.TrimSpace(email)
	at := strings.LastIndexByte(email, '@')
	if at < 0 || isASCII(email[at+1:]) && !punycode(email[at+1:]) {
		// Most addresses: no allocation when already in lower case.
		return strings.ToLower(email)
	}
	local, domain := strings.ToLower(email[:at]), email[at+1:]
	if u, ok := unicodeDomain(domain); ok {
		return local + "@" + u
	}
	return local + "@" + strings.ToLower(domain)
}

// unicodeDomain returns domain as keyIDNA reads it, in Unicode, when that
// reading is stable: read again, it gives itself. A punycode label that
// decodes to what IDNA maps further ("xn--bcher-2pa", an upper-case Ü)
// is not, and its key would name another domain when keyed again (as a
// token's address is): such a domain keeps its own spelling.
func unicodeDomain(domain string) (string, bool) {
	a, err := keyIDNA.ToASCII(domain)
	if err != nil {
		return "", false
	}
	u, err := keyIDNA.ToUnicode(a)
	if err != nil {
		return "", false
	}
	if a2, err := keyIDNA.ToASCII(u); err != nil || a2 != a {
		return "", false
	}
	return u, true
}

// LegacyEmailKey is the key versions of khabar before EmailKey read
// domains as IDNA does gave an address: the whole address lower-cased.
// Return paths of messages sent then carry AddressHash over it.
func LegacyEmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// punycode reports whether the ASCII domain d holds "xn--" in any case.
func punycode(d string) bool {
	for i := 0; i+4 <= len(d); i++ {
		if d[i]|0x20 == 'x' && d[i+1]|0x20 == 'n' && d[i+2] == '-' && d[i+3] == '-' {
			return true
		}
	}
	return false
}

// keyIDNA is IDNA's lookup mapping without the rules mail does not apply
// to host names (STD3's letters, digits and hyphens; hyphens in the third
// and fourth place).
var keyIDNA = idna.New(idna.MapForLookup(), idna.StrictDomainName(false), idna.ValidateLabels(false))

// Active reports whether the subscriber gets mail.
func (s *Subscriber) Active() bool { return s.Status == StatusActive || s.Status == "" }

// Withheld returns why the subscriber gets no edition sent at t:
// SkipUnsubscribed, SkipBounced, SkipComplained, SkipPending or, for an
// active subscriber paused past t, SkipPaused; 0 when Receives(t).
func (s *Subscriber) Withheld(t time.Time) SkipReason {
	switch s.Status {
	case StatusActive, "":
		if t.Before(s.PausedUntil) {
			return SkipPaused
		}
		return 0
	case StatusBounced:
		return SkipBounced
	case StatusComplained:
		return SkipComplained
	case StatusPending:
		return SkipPending
	}
	return SkipUnsubscribed
}

// Validate reports every problem with s at once, joined, each wrapping
// ErrInvalidSubscriber.
func (s *Subscriber) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidSubscriber}, args...)...))
	}
	if err := checkEmail(s.Email); err != nil {
		bad("email %q: %v", s.Email, err)
	}
	if s.Status != "" && !s.Status.Valid() {
		bad("status %q (want %s)", s.Status, statusNames)
	}
	if s.Language != "" && !validLanguage(s.Language) {
		bad("language %q is not a BCP 47 tag", s.Language)
	}
	if strings.ContainsAny(s.Name, "\r\n") {
		bad("name %q contains a line break", s.Name)
	}
	for _, list := range [][]string{s.Follows.Categories, s.Follows.Tags, s.Follows.Authors} {
		for _, v := range list {
			if strings.TrimSpace(v) == "" || strings.ContainsAny(v, "\r\n\t") {
				bad("follow %q is empty or contains white space other than spaces", v)
			}
		}
	}
	return errors.Join(errs...)
}

func checkEmail(addr string) error {
	if addr == "" {
		return errors.New("empty")
	}
	if strings.ContainsAny(addr, "\r\n<>,\"") || strings.TrimSpace(addr) != addr {
		return errors.New("not a bare address")
	}
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return err
	}
	if a.Address != addr {
		return errors.New("not a bare address")
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 1 || at == len(addr)-1 || !strings.Contains(addr[at+1:], ".") && addr[at+1:] != "localhost" {
		return errors.New("no domain")
	}
	if _, err := asciiDomain(addr); err != nil {
		return fmt.Errorf("domain: %w", err)
	}
	return nil
}

func validLanguage(tag string) bool {
	if len(tag) > 35 {
		return false
	}
	for i, part := range strings.Split(tag, "-") {
		if len(part) == 0 || len(part) > 8 || (i == 0 && len(part) < 2) {
			return false
		}
		for _, r := range part {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
				return false
			}
		}
	}
	return true
}

// Clone returns a deep copy of s.
func (s *Subscriber) Clone() *Subscriber {
	c := *s
	c.Follows = s.Follows.Clone()
	return &c
}

// Stored returns the copy of s that a store keeps: follows normalized to
// catalog keys (categories and tags given as names are slugified, duplicates
// dropped) and an empty status made StatusActive. A time zone without an
// IANA name (a fixed zone such as "IST" or +05:30, or time.Local, whose
// name "Local" means another zone on each machine) is refused with an error
// wrapping ErrInvalidSubscriber: stores keep zones by name. Stored does not
// run Validate; stores call both.
func (s *Subscriber) Stored() (*Subscriber, error) {
	c := s.Clone()
	c.Follows = normalizeFollows(s.Follows)
	if c.TimeZone != nil {
		if _, err := subscriberZone(c.TimeZone.String()); err != nil {
			return nil, fmt.Errorf("%w: %s: time zone %q has no IANA name (use time.LoadLocation)", ErrInvalidSubscriber, s.Email, c.TimeZone)
		}
	}
	if c.Status == "" {
		c.Status = StatusActive
	}
	return c, nil
}

// CheckAddress reports whether email is a bare address a store can keep
// for Suppress, with an error wrapping ErrInvalidSubscriber if not.
func CheckAddress(email string) error {
	if err := checkEmail(email); err != nil {
		return fmt.Errorf("%w: address %q: %w", ErrInvalidSubscriber, email, err)
	}
	return nil
}

// normalizeFollows cleans follow keys the way the catalog keys them:
// categories and tags given as names are slugified segment by segment,
// duplicates dropped, order kept.
func normalizeFollows(f Follows) Follows {
	return Follows{
		Categories: normList(f.Categories, func(v string) string {
			segs := strings.Split(strings.Trim(v, "/ "), "/")
			for i, s := range segs {
				segs[i] = slugKey(s)
			}
			return strings.Join(segs, "/")
		}),
		Tags:    normList(f.Tags, slugKey),
		Authors: normList(f.Authors, slugKey),
	}
}

// slugKey turns a slug or a display name into a catalog key. A value that
// is already a slug is returned unchanged.
func slugKey(v string) string {
	v = norm.NFC.String(strings.TrimSpace(v))
	if v == strings.ToLower(v) && !strings.ContainsFunc(v, unicode.IsSpace) {
		return v // already a slug; keep it verbatim (custom slugs may hold "_")
	}
	if s := khabar.Slugify(v); s != "" {
		return s
	}
	return v
}

func normList(in []string, norm func(string) string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, 0, len(in))
	for _, v := range in {
		v = norm(v)
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// SubscriberStore keeps subscribers. Implementations must be safe for
// concurrent use. *sqlite.Store is the embedded default, *MemStore the
// in-memory one.
type SubscriberStore interface {
	// Subscriber returns the subscriber with the given address (compared
	// with EmailKey), or an error wrapping ErrUnknownSubscriber.
	Subscriber(ctx context.Context, email string) (*Subscriber, error)
	// EachSubscriber calls fn with every subscriber, active or not, ordered
	// by Key, until fn returns an error, which it returns. Implementations
	// must not hold all subscribers in memory at once, nor a transaction
	// open across calls to fn for longer than a page of them.
	EachSubscriber(ctx context.Context, fn func(*Subscriber) error) error
	// SetStatus changes the status of the subscriber with the given
	// address and returns only once the change is durable. An unknown
	// address gives an error wrapping ErrUnknownSubscriber.
	SetStatus(ctx context.Context, email string, status Status) error
}

// StatusStore is a SubscriberStore that can read one subscriber's status
// without the rest of the record. *MemStore and *sqlite.Store implement it.
type StatusStore interface {
	// Status returns the status of the subscriber with the given address,
	// or an error wrapping ErrUnknownSubscriber.
	Status(ctx context.Context, email string) (Status, error)
}

// NewOnly returns the subscribers of subs that store does not hold, and
// how many it does: a list imported again and again (each run of a
// sender, say) through NewOnly adds the addresses new to it and leaves
// the stored ones as they are, with the choices their owners made since
// (Import would put the list's back). An address the store knows only by
// its status (a Suppressor's) counts as held.
func NewOnly(ctx context.Context, store StatusStore, subs []*Subscriber) (fresh []*Subscriber, held int, err error) {
	for _, sub := range subs {
		_, err := store.Status(ctx, sub.Email)
		switch {
		case err == nil:
			held++
		case errors.Is(err, ErrUnknownSubscriber):
			fresh = append(fresh, sub)
		default:
			return nil, 0, err
		}
	}
	return fresh, held, nil
}

// Suppressor is a SubscriberStore that can record a status for an address
// it does not hold, so that an unsubscribe from a removed subscriber is
// not lost: when the address is imported again it stays unsubscribed
// (a store's Import never turns unsubscribed or bounced back to active). The
// UnsubscribeHandler uses it when the store has it. *MemStore and
// *sqlite.Store implement it.
type Suppressor interface {
	// Suppress sets the status of the address, adding a record of only
	// the address and the status when the store does not hold it. It
	// returns only once the change is durable.
	Suppress(ctx context.Context, email string, status Status) error
}

// SentLog tells which editions a subscriber was sent; the Builder asks it
// where a subscriber's window starts. Implementations must be safe for
// concurrent use. *sqlite.Store is the embedded default, *MemStore the
// in-memory one; a nil SentLog means nothing was ever sent.
type SentLog interface {
	// LastSent returns the end of the window (Message.Until) of the newest
	// edition sent to the address, and false when none was.
	LastSent(ctx context.Context, email string) (until time.Time, ok bool, err error)
}

// SentLogBatch is a SentLog that answers for many addresses in one read.
// Builder.Each asks it once for each page of subscribers it walks, when
// Config.Sent has it, instead of asking LastSent for each subscriber.
// *MemStore, *sqlite.Store and *postgres.Store implement it.
type SentLogBatch interface {
	SentLog
	// LastSentAll returns what LastSent returns for each of the addresses
	// (keyed as given) that was sent an edition; the others are absent.
	LastSentAll(ctx context.Context, emails []string) (map[string]time.Time, error)
}

// Sent records that one edition went to one subscriber.
type Sent struct {
	// Edition is the Edition.ID of the message.
	Edition string
	// Email is the recipient's address.
	Email string
	// Until is the end of the message's window (Message.Until): the next
	// edition for this subscriber starts there.
	Until time.Time
	// At is when the message was accepted for delivery.
	At time.Time
}

// Check reports whether r has what a sent log needs: an edition, an
// address and the window end.
func (r Sent) Check() error {
	if r.Edition == "" || r.Email == "" || r.Until.IsZero() {
		return errors.New("digest: mark sent: edition, email and until are required")
	}
	return nil
}
