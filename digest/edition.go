package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ErrInvalidEdition is returned for a malformed edition date or list.
var ErrInvalidEdition = errors.New("digest: invalid edition")

// DefaultList is the list name of an Edition whose List is empty.
const DefaultList = "daily"

// Edition names one issue of a list: a calendar date ("2026-11-24"),
// which each subscriber reads in their own time zone. The edition of a
// date covers the day up to the Builder's Cutoff (midnight at the end of
// the date by default) in the subscriber's zone.
//
// Edition is a small comparable value; its zero value is invalid.
type Edition struct {
	// Date is a civil date, YYYY-MM-DD.
	Date string
	// List names the mailing list; empty means DefaultList. It appears in
	// IDs, Message-IDs and unsubscribe tokens, so two lists never collide.
	List string
}

// The years an edition's date may fall in: the range of publish dates
// khabar.Article.Validate accepts. Outside it a day's window (which ends
// after the date, in any time zone) could not be computed.
const (
	MinEditionYear = 1900
	MaxEditionYear = 2200
)

// ParseEdition returns the edition of the default list for a date written
// YYYY-MM-DD.
func ParseEdition(date string) (Edition, error) {
	e := Edition{Date: date}
	return e, e.Validate()
}

// EditionOf returns the edition of the default list whose date is t's
// date in loc (UTC when nil).
func EditionOf(t time.Time, loc *time.Location) Edition {
	if loc == nil {
		loc = time.UTC
	}
	return Edition{Date: t.In(loc).Format(time.DateOnly)}
}

// Validate reports whether the date is a real date between the years
// MinEditionYear and MaxEditionYear and the list a valid
// name (letters, digits, '-' and '_').
func (e Edition) Validate() error {
	d, err := time.Parse(time.DateOnly, e.Date)
	if err != nil {
		return fmt.Errorf("%w: date %q is not YYYY-MM-DD", ErrInvalidEdition, e.Date)
	}
	if y := d.Year(); y < MinEditionYear || y > MaxEditionYear {
		return fmt.Errorf("%w: date %q is outside the years %d–%d", ErrInvalidEdition, e.Date, MinEditionYear, MaxEditionYear)
	}
	if !validListName(e.list()) {
		return fmt.Errorf("%w: list %q (letters, digits, '-' and '_' only)", ErrInvalidEdition, e.List)
	}
	return nil
}

func validListName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (e Edition) list() string {
	if e.List == "" {
		return DefaultList
	}
	return e.List
}

// ListName returns List, or DefaultList when it is empty.
func (e Edition) ListName() string { return e.list() }

// ID returns "daily-2026-11-24": the list and the date. It is the
// edition's key in journals and the left part of Message-IDs.
func (e Edition) ID() string { return e.list() + "-" + e.Date }

// String returns ID.
func (e Edition) String() string { return e.ID() }

// Start returns midnight at the start of the date in loc (UTC when nil).
// On a day that starts with a daylight-saving gap it is the first instant
// of the day.
func (e Edition) Start(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	d, err := time.Parse(time.DateOnly, e.Date)
	if err != nil {
		return time.Time{}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// Day returns the date as a time at midnight UTC, for formatting.
func (e Edition) Day() time.Time {
	d, _ := time.Parse(time.DateOnly, e.Date)
	return d
}

// Next returns the edition of the following date on the same list.
func (e Edition) Next() Edition {
	return Edition{Date: e.Day().AddDate(0, 0, 1).Format(time.DateOnly), List: e.List}
}

// RecipientKey returns the deterministic identity of the edition for one
// address: "daily-2026-11-24." followed by 32 hex digits of SHA-256 over
// the list and the address key. It is the left part of the Message-ID,
// the same on every run, so a journal can key sends by it and a resend
// after a crash carries the same Message-ID. The address cannot be read
// back from it.
func (e Edition) RecipientKey(email string) string {
	h := sha256.New()
	h.Write([]byte("khabar-digest\x00"))
	h.Write([]byte(e.list()))
	h.Write([]byte{0})
	h.Write([]byte(EmailKey(email)))
	var sum [sha256.Size]byte
	return e.ID() + "." + hex.EncodeToString(h.Sum(sum[:0])[:16])
}

// MessageID returns the Message-ID (without angle brackets) of the edition
// for one address at the given domain: RecipientKey@domain.
func (e Edition) MessageID(email, domain string) string {
	return e.RecipientKey(email) + "@" + strings.ToLower(domain)
}

var locations sync.Map // name → *time.Location

// loadLocation is time.LoadLocation with a cache: loading reads the zone
// database every time.
func loadLocation(name string) (*time.Location, error) {
	if v, ok := locations.Load(name); ok {
		return v.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", name, err)
	}
	locations.Store(name, loc)
	return loc, nil
}

// subscriberZone loads a subscriber's time zone by its IANA name.
// "Local", which Go reads as the zone of the machine that reads it, is
// not one: a list written on an IST laptop would be sent in a UTC
// server's zone.
func subscriberZone(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, fmt.Errorf("time zone %q is the zone of whichever machine reads it, not an IANA name such as Asia/Kolkata", name)
	}
	return loadLocation(name)
}

// LoadLocation returns the time zone with the given IANA name, caching
// what it loads. "" and "UTC" give UTC; "Local" gives time.Local, as
// time.LoadLocation does (Subscriber.Stored, ReadCSV and Choices.Apply
// refuse it for a subscriber).
func LoadLocation(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := loadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	return loc, nil
}
