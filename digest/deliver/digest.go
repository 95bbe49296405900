package deliver

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/khabar/khabar/digest"
)

// Digest connects package digest to the Sender and the Scheduler: it turns
// built digest messages into Jobs, and is the Scheduler's Audience over the
// digest's subscriber store. Journal keys are
// Key{Edition: Edition.ID(), Recipient: Subscriber.Key()}, e.g.
// {"daily-2026-11-24", "reader@example.org"}.
//
// When a message is sent, Digest records it in the SentLog with MarkSent so
// the subscriber's next window starts where this one ended. That record is
// written after the journal says sent; if the process dies in between, the
// next window simply starts Window (24 h) back, as it would by default.
//
// For the daily schedule, set the Builder's Config.Cutoff to the send time
// (7h for 07:00), so that each edition covers the 24 hours before it is
// sent rather than the calendar day.
//
// A Digest is safe for concurrent use if its Builder and Store are.
type Digest struct {
	// Builder composes the messages. Required.
	Builder *digest.Builder
	// Store lists subscribers (for the Scheduler) and records sends
	// (MarkSent). Required for Recipients and Job; optional for Jobs,
	// which uses the Builder's own subscriber store.
	Store DigestStore
	// List is the edition's list; empty means digest.DefaultList.
	List string
	// OnSkip, when set, is called by Jobs for each subscriber who gets no
	// message, with the *digest.SkipError or *digest.BuildError.
	OnSkip func(sub string, err error)
}

// DigestStore is what Digest needs from the subscriber store; *digest.Store
// implements it.
type DigestStore interface {
	digest.SubscriberStore
	MarkSent(ctx context.Context, r digest.Sent) error
}

var (
	_ Audience    = (*Digest)(nil)
	_ DigestStore = (*digest.Store)(nil)
)

// Edition returns the digest edition of a local date.
func (d *Digest) Edition(date string) digest.Edition {
	return digest.Edition{Date: date, List: d.List}
}

// EditionID implements Audience.
func (d *Digest) EditionID(date string) string { return d.Edition(date).ID() }

// MessageJob returns the job that sends m.
func (d *Digest) MessageJob(m *digest.Message) Job {
	return Job{
		Key:     Key{Edition: m.Edition.ID(), Recipient: m.Subscriber.Key()},
		Compose: m.Msg,
		Sent: func(ctx context.Context, at time.Time) error {
			if d.Store == nil {
				return nil
			}
			return d.Store.MarkSent(ctx, m.Sent(at))
		},
	}
}

// Jobs builds the edition for every subscriber of the Builder's store, one
// at a time, and yields a job for each message. Subscribers who get none
// (unsubscribed, bounced, nothing new, already sent) or whose message
// cannot be built are reported to OnSkip and not yielded. A store error
// ends the sequence with that error.
func (d *Digest) Jobs(ctx context.Context, ed digest.Edition) iter.Seq2[Job, error] {
	return func(yield func(Job, error) bool) {
		stopped := errors.New("stopped")
		err := d.Builder.Each(ctx, ed, func(m *digest.Message, err error) error {
			if err != nil {
				var se *digest.SkipError
				var be *digest.BuildError
				if errors.As(err, &se) || errors.As(err, &be) {
					if d.OnSkip != nil {
						who := ""
						if se != nil {
							who = se.Email
						} else {
							who = be.Email
						}
						d.OnSkip(who, err)
					}
					return nil
				}
				return err
			}
			if !yield(d.MessageJob(m), nil) {
				return stopped
			}
			return nil
		})
		if err != nil && !errors.Is(err, stopped) {
			yield(Job{}, err)
		}
	}
}

// Recipients implements Audience: the active subscribers of Store, with
// their time zones (nil for the Builder's default, which the Scheduler
// should then be given as its Location).
func (d *Digest) Recipients(ctx context.Context) iter.Seq2[Recipient, error] {
	return func(yield func(Recipient, error) bool) {
		if d.Store == nil {
			yield(Recipient{}, errors.New("deliver: Digest.Store is required for scheduling"))
			return
		}
		stopped := errors.New("stopped")
		err := d.Store.EachSubscriber(ctx, func(s *digest.Subscriber) error {
			if !s.Active() {
				return nil
			}
			loc := s.TimeZone
			if loc == nil {
				loc = d.Builder.Location()
			}
			if !yield(Recipient{Key: s.Key(), Location: loc}, nil) {
				return stopped
			}
			return nil
		})
		if err != nil && !errors.Is(err, stopped) {
			yield(Recipient{}, err)
		}
	}
}

// Job implements Audience: it builds the subscriber's edition of the date.
// A digest skip (nothing new, unsubscribed meanwhile, already sent) wraps
// ErrSkip.
func (d *Digest) Job(ctx context.Context, r Recipient, date string) (Job, error) {
	if d.Store == nil {
		return Job{}, errors.New("deliver: Digest.Store is required for scheduling")
	}
	sub, err := d.Store.Subscriber(ctx, r.Key)
	if err != nil {
		return Job{}, err
	}
	ed := d.Edition(date)
	m, err := d.Builder.Build(ctx, ed, sub)
	if errors.Is(err, digest.ErrSkipped) {
		return Job{}, fmt.Errorf("%w: %w", ErrSkip, err)
	}
	if err != nil {
		return Job{}, err
	}
	return d.MessageJob(m), nil
}
