// Package subrow is the row a digest.Subscriber is stored as by the SQL
// engines (sqlite, postgres): text columns, the follows as JSON and the
// time zone by name.
package subrow

import (
	"encoding/json"
	"fmt"

	"github.com/khabar/khabar/digest"
)

// Row is a subscriber's columns.
type Row struct {
	Key, Email, Name, Language, TimeZone, Follows, Status string
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
	return Row{Key: c.Key(), Email: c.Email, Name: c.Name, Language: c.Language, TimeZone: tz, Follows: string(f), Status: string(c.Status)}, nil
}

// Dest returns pointers to the columns a query selects as Columns lists
// them, for a Scan.
func (r *Row) Dest() []any {
	return []any{&r.Email, &r.Name, &r.Language, &r.TimeZone, &r.Follows, &r.Status}
}

// Columns are the columns Dest scans, in its order.
const Columns = `email, name, language, time_zone, follows, status`

// Decode returns the subscriber of a row read through Dest.
func (r *Row) Decode() (*digest.Subscriber, error) {
	sub := &digest.Subscriber{Email: r.Email, Name: r.Name, Language: r.Language, Status: digest.Status(r.Status)}
	if err := json.Unmarshal([]byte(r.Follows), &sub.Follows); err != nil {
		return nil, fmt.Errorf("subscriber %s: follows: %w", sub.Email, err)
	}
	if r.TimeZone != "" {
		loc, err := digest.LoadLocation(r.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("subscriber %s: %w", sub.Email, err)
		}
		sub.TimeZone = loc
	}
	return sub, nil
}
