package subrow

import (
	"encoding/json"
	"fmt"

	"github.com/khabar/khabar/digest"
)

// EventRow is a digest.Event's columns; the address's key and the
// sequence number that orders a history are the engine's.
type EventRow struct {
	Kind                                      string
	At                                        int64 // Unix nanoseconds
	Source, IP, Wording, Ref, Edition, Detail string
	// Choices is the event's Choices as JSON, nil for none.
	Choices *string
}

// EventColumns are the columns Args and Dest list, in their order.
const EventColumns = `kind, at, source, ip, wording, ref, edition, detail, choices`

// EncodeEvent returns the row of ev, which it checks first
// (digest.Event.Check).
func EncodeEvent(ev digest.Event) (EventRow, error) {
	if err := ev.Check(); err != nil {
		return EventRow{}, err
	}
	r := EventRow{Kind: string(ev.Kind), At: ev.At.UnixNano(), Source: ev.Source, IP: ev.IP, Wording: ev.Wording,
		Ref: ev.Ref, Edition: ev.Edition, Detail: ev.Detail}
	if ev.Choices != nil {
		b, err := json.Marshal(ev.Choices)
		if err != nil {
			return EventRow{}, fmt.Errorf("encode choices of a %s event: %w", ev.Kind, err)
		}
		s := string(b)
		r.Choices = &s
	}
	return r, nil
}

// Args returns the row's values in EventColumns order.
func (r *EventRow) Args() []any {
	return []any{r.Kind, r.At, r.Source, r.IP, r.Wording, r.Ref, r.Edition, r.Detail, r.Choices}
}

// Dest returns pointers to the row's fields in EventColumns order, for a
// Scan.
func (r *EventRow) Dest() []any {
	return []any{&r.Kind, &r.At, &r.Source, &r.IP, &r.Wording, &r.Ref, &r.Edition, &r.Detail, &r.Choices}
}

// Decode returns the event of a row read through Dest.
func (r *EventRow) Decode() (digest.Event, error) {
	ev := digest.Event{Kind: digest.EventKind(r.Kind), At: unnanos(r.At), Source: r.Source, IP: r.IP, Wording: r.Wording,
		Ref: r.Ref, Edition: r.Edition, Detail: r.Detail}
	if r.Choices != nil {
		ev.Choices = new(digest.Choices)
		if err := json.Unmarshal([]byte(*r.Choices), ev.Choices); err != nil {
			return digest.Event{}, fmt.Errorf("%s event: choices: %w", r.Kind, err)
		}
	}
	return ev, nil
}
