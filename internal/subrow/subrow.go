// Package subrow is the row form the SQL engines (sqlite, postgres) store
// digest subscribers and their consent histories in: text columns, the
// follows and an event's choices as JSON, the time zone by name, times as
// Unix nanoseconds (0 for none). It also holds what the engines'
// Lifecycle.Change and Import decide alike (Change, Import), so that the
// two differ only in their SQL.
package subrow

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/khabar/khabar/digest"
)

// Row is a subscriber's columns.
type Row struct {
	Key, Email, Name, Language, TimeZone, Follows, Status string
	// PausedUntil is Subscriber.PausedUntil in Unix nanoseconds, 0 for
	// none.
	PausedUntil int64
}

// Encode returns the row of sub as stored (digest.Subscriber.Stored).
func Encode(sub *digest.Subscriber) (Row, error) {
	c, err := sub.Stored()
	if err != nil {
		return Row{}, err
	}
	f, err := json.Marshal(c.Follows)
	if err != nil {
		return Row{}, fmt.Errorf("encode follows of %s: %w", sub.Email, err)
	}
	tz := ""
	if c.TimeZone != nil {
		tz = c.TimeZone.String()
	}
	return Row{Key: c.Key(), Email: c.Email, Name: c.Name, Language: c.Language, TimeZone: tz, Follows: string(f),
		Status: string(c.Status), PausedUntil: nanos(c.PausedUntil)}, nil
}

// Args returns the row's values in the order of InsertColumns, followed
// by the time of the change (updated_at).
func (r *Row) Args() []any {
	return []any{r.Key, r.Email, r.Name, r.Language, r.TimeZone, r.Follows, r.Status, r.PausedUntil, time.Now().UnixNano()}
}

// InsertColumns are the columns Args gives values for, in its order.
const InsertColumns = `key, email, name, language, time_zone, follows, status, paused_until, updated_at`

// Dest returns pointers to the columns a query selects as Columns lists
// them, for a Scan.
func (r *Row) Dest() []any {
	return []any{&r.Email, &r.Name, &r.Language, &r.TimeZone, &r.Follows, &r.Status, &r.PausedUntil}
}

// Columns are the columns Dest scans, in its order.
const Columns = `email, name, language, time_zone, follows, status, paused_until`

// Decode returns the subscriber of a row read through Dest.
func (r *Row) Decode() (*digest.Subscriber, error) {
	sub := &digest.Subscriber{Email: r.Email, Name: r.Name, Language: r.Language, Status: digest.Status(r.Status), PausedUntil: unnanos(r.PausedUntil)}
	if err := json.Unmarshal([]byte(r.Follows), &sub.Follows); err != nil {
		return nil, fmt.Errorf("subscriber %s: follows: %w", sub.Email, err)
	}
	// A zone stored as "Local" (time.Local, which stores took before they
	// refused it) named whichever machine read it: it reads as none, the
	// Builder's default zone, so that the record can be written again.
	if r.TimeZone != "" && r.TimeZone != "Local" {
		loc, err := digest.LoadLocation(r.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("subscriber %s: %w", sub.Email, err)
		}
		sub.TimeZone = loc
	}
	return sub, nil
}

// nanos is t in Unix nanoseconds, 0 for the zero time.
// Scanner is a row of either engine's driver.
type Scanner interface{ Scan(dest ...any) error }

// Scan reads a subscriber from row; a driver's error (no rows included)
// is returned as it is, a row that does not decode is an error prefixed
// with engine.
func Scan(row Scanner, engine string) (*digest.Subscriber, error) {
	var r Row
	if err := row.Scan(r.Dest()...); err != nil {
		return nil, err
	}
	sub, err := r.Decode()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", engine, err)
	}
	return sub, nil
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// unnanos is the inverse of nanos.
func unnanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}
