package feedback

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/khabar/khabar/digest"
)

// errStale says the history changed between reading it and changing it
// so that a soft bounce's count is different: read it again.
var errStale = errors.New("feedback: history changed, count again")

func (p *Processor) softBounces() int {
	if p.SoftBounces > 0 {
		return p.SoftBounces
	}
	return 3
}

func (p *Processor) softWindow() time.Duration {
	if p.SoftWindow > 0 {
		return p.SoftWindow
	}
	return 14 * 24 * time.Hour
}

// change applies one report to one address.
func (p *Processor) change(ctx context.Context, rep *Report, t target) (Action, error) {
	act := Action{Email: t.email, Kind: t.r.Kind, Edition: t.edition}
	at := p.now()
	if !rep.Date.IsZero() && !rep.Date.After(at) {
		at = rep.Date
	}
	ref := rep.Ref()
	ev := digest.Event{At: at, Source: source(rep), Ref: ref, Edition: t.edition, Detail: detail(t.r)}
	var to digest.Status
	switch t.r.Kind {
	case HardBounce:
		ev.Kind, to = digest.EventBounced, digest.StatusBounced
	case Complaint:
		ev.Kind, to = digest.EventComplained, digest.StatusComplained
	case Unsubscribe:
		ev.Kind, to = digest.EventUnsubscribed, digest.StatusUnsubscribed
	case SoftBounce:
		return p.soft(ctx, act, ev)
	default:
		return act, fmt.Errorf("feedback: no rule for kind %q", t.r.Kind)
	}
	old := false
	ok, err := p.Store.Change(ctx, t.email, ev, func(cur *digest.Subscriber, h []digest.Event) (*digest.Subscriber, error) {
		if processed(h, ref) {
			return nil, digest.ErrNoChange
		}
		if old = beforeConfirmed(h, t.edition); old {
			return nil, digest.ErrNoChange
		}
		var next *digest.Subscriber
		next, act.Did = suppress(cur, t.email, to)
		return next, nil
	})
	act, err = done(act, ok, err)
	if old {
		act.Did = notAfterConfirmed
	}
	return act, err
}

// notAfterConfirmed is what a report about an edition sent before the
// address last confirmed its subscription does: nothing.
const notAfterConfirmed = "not applied: the edition went out before the address last confirmed its subscription"

// beforeConfirmed reports whether edition (an Edition ID, from a signed
// return path) went out before the last confirmation in h: a report about
// it is a replay from before the address subscribed again, or news about
// mail it has asked for anew since, and changes nothing. Its date is a
// day in the edition's zone, so only a confirmation two days after it is
// surely later.
func beforeConfirmed(h []digest.Event, edition string) bool {
	if len(edition) < len(time.DateOnly) {
		return false
	}
	d, err := time.Parse(time.DateOnly, edition[len(edition)-len(time.DateOnly):]) // list "-" date
	if err != nil {
		return false
	}
	for _, e := range h {
		if e.Kind == digest.EventConfirmed && !e.At.Before(d.Add(48*time.Hour)) {
			return true
		}
	}
	return false
}

// soft records a soft bounce, and marks the address bounced when it is
// the SoftBounces-th within SoftWindow. The count is read before Change
// and checked again inside it, so the event's kind says what happened.
func (p *Processor) soft(ctx context.Context, act Action, ev digest.Event) (Action, error) {
	n, window := p.softBounces(), p.softWindow()
	days := fmt.Sprintf("%g days", window.Hours()/24)
	// count counts soft bounces within the window, one an edition: the
	// same edition's bounce sent again (under another Message-ID) is one.
	count := func(h []digest.Event) int {
		c := 1 // this one
		seen := map[string]bool{ev.Edition: ev.Edition != ""}
		for _, e := range h {
			if e.Kind == digest.EventSoftBounce && e.At.After(ev.At.Add(-window)) && !e.At.After(ev.At) {
				if e.Edition != "" {
					if seen[e.Edition] {
						continue
					}
					seen[e.Edition] = true
				}
				c++
			}
		}
		return c
	}
	detail := ev.Detail
	for range 5 {
		h, err := p.Store.History(ctx, act.Email)
		if err != nil {
			return act, err
		}
		if processed(h, ev.Ref) {
			act.Did = "already processed"
			return act, nil
		}
		if beforeConfirmed(h, ev.Edition) {
			act.Did = notAfterConfirmed
			return act, nil
		}
		c := count(h)
		ev.Kind, ev.Detail = digest.EventSoftBounce, detail
		if c >= n {
			ev.Kind = digest.EventBounced
			ev.Detail = oneLine(fmt.Sprintf("%d temporary failures within %s; last: %s", c, days, detail), 1500)
		}
		ok, err := p.Store.Change(ctx, act.Email, ev, func(cur *digest.Subscriber, h []digest.Event) (*digest.Subscriber, error) {
			if processed(h, ev.Ref) {
				return nil, digest.ErrNoChange
			}
			if (count(h) >= n) != (ev.Kind == digest.EventBounced) {
				return nil, errStale
			}
			if ev.Kind == digest.EventSoftBounce {
				act.Did = fmt.Sprintf("soft bounce %d of %d within %s", c, n, days)
				return nil, nil
			}
			var next *digest.Subscriber
			next, act.Did = suppress(cur, act.Email, digest.StatusBounced)
			act.Did = fmt.Sprintf("%d soft bounces within %s: %s", c, days, act.Did)
			return next, nil
		})
		if errors.Is(err, errStale) {
			continue
		}
		return done(act, ok, err)
	}
	return act, errors.New("feedback: soft bounce count kept changing")
}

func done(act Action, ok bool, err error) (Action, error) {
	if err != nil {
		return act, err
	}
	act.Changed = ok
	if !ok {
		act.Did = "already processed"
	}
	return act, nil
}

// processed reports whether the history holds an event of this report:
// of any kind a report can cause, since a soft bounce may have been
// recorded as bounced.
func processed(h []digest.Event, ref string) bool {
	for _, k := range []digest.EventKind{digest.EventBounced, digest.EventSoftBounce, digest.EventComplained, digest.EventUnsubscribed} {
		if digest.HasEvent(h, k, ref) {
			return true
		}
	}
	return false
}

// suppress returns the record with status to, or nil to keep cur, and
// what was done. Only active and pending subscribers change, except that
// a complaint suppresses any; an address the store does not hold gets a
// record of itself and the status.
func suppress(cur *digest.Subscriber, email string, to digest.Status) (*digest.Subscriber, string) {
	switch {
	case cur == nil:
		return &digest.Subscriber{Email: email, Status: to}, fmt.Sprintf("suppressed as %s (not in the store)", to)
	case cur.Status == to:
		return nil, fmt.Sprintf("recorded; already %s", to)
	case to == digest.StatusComplained || cur.Active() || cur.Status == digest.StatusPending:
		next := cur.Clone()
		next.Status = to
		return next, fmt.Sprintf("marked %s", to)
	}
	return nil, fmt.Sprintf("recorded; stays %s", cur.Status)
}

// source names where an event came from, for digest.Event.Source.
func source(rep *Report) string {
	switch rep.Format {
	case "dsn", "arf", "mailto":
		return rep.Format
	}
	return "bounce-" + rep.Format
}

// detail is an event's Detail: the status and the server's words.
func detail(r Recipient) string {
	s := r.Status
	if r.Diagnostic != "" {
		if s != "" {
			s += ": "
		}
		s += r.Diagnostic
	}
	return oneLine(s, 1500)
}
