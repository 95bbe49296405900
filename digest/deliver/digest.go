package deliver

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"mime"
	"sync"
	"time"

	"github.com/khabar/khabar/digest"
	gomail "github.com/wneessen/go-mail"
)

// Digest connects package digest to the Sender and the Scheduler: it turns
// subscribers into Jobs whose Compose builds their digest (so that digests
// are built by the Sender's build stage, in parallel), and is the Scheduler's
// Audience over the digest's subscriber store. Journal keys are
// Key{Edition: Edition.ID(), Recipient: Subscriber.Key()}, e.g.
// {"daily-2026-11-24", "reader@example.org"}.
//
// When a message is sent, Digest records it in the store's sent log
// (Job.Sent) so that the subscriber's next window starts where this one
// ended; with a journal that keeps the store's sent log (a SentJournal:
// sqlite.Journal on the sqlite.Store's database) that record is committed
// in the same transaction as the journal's "sent".
//
// For the daily schedule, set the Builder's Config.Cutoff to the send time
// (7h for 07:00), so that each edition covers the 24 hours before it is
// sent rather than the calendar day.
//
// A Digest is safe for concurrent use if its Builder and Store are.
type Digest struct {
	// Builder composes the messages. Required.
	Builder *digest.Builder
	// Store lists subscribers and records sends. Required.
	Store DigestStore
	// List is the edition's list; empty means digest.DefaultList.
	List string
	// MarkBounced, when set, marks a subscriber bounced in the Store when
	// the server refuses the address for good: enhanced status 5.1.1 (no
	// such mailbox), 5.1.2 (no such domain), 5.1.3 (bad address syntax),
	// 5.1.6 (mailbox moved), 5.1.10 (null MX) or 5.2.1 (mailbox disabled).
	// Other refusals (5.7.1 policy, spam) leave the subscriber active.
	MarkBounced bool
	// OnSkip, when set, is called for each subscriber who gets no message
	// (inactive, paused, nothing new, already sent) with the reason, and for each
	// whose message cannot be built with the *digest.BuildError. It may be
	// called from the Sender's goroutines, one call at a time.
	OnSkip func(email string, err error)

	mu sync.Mutex // serializes OnSkip
}

// DigestStore is what Digest needs from the subscriber store;
// *digest.MemStore and *sqlite.Store implement it.
type DigestStore interface {
	digest.SubscriberStore
	SentMarker
}

var (
	_ Audience    = (*Digest)(nil)
	_ DigestStore = (*digest.MemStore)(nil)
)

// Edition returns the digest edition of a local date.
func (d *Digest) Edition(date string) digest.Edition {
	return digest.Edition{Date: date, List: d.List}
}

// EditionID implements Audience.
func (d *Digest) EditionID(date string) string { return d.Edition(date).ID() }

func (d *Digest) skip(email string, err error) {
	if d.OnSkip != nil {
		d.mu.Lock()
		d.OnSkip(email, err)
		d.mu.Unlock()
	}
}

// job returns the job that builds and sends ed to p's subscriber.
func (d *Digest) job(ctx context.Context, ed digest.Edition, p digest.Pending) Job {
	sub := p.Subscriber
	var m *digest.Message
	build := func() (err error) {
		m, err = d.Builder.BuildPending(ctx, ed, p)
		if err != nil {
			d.skip(sub.Email, err)
			if errors.Is(err, digest.ErrSkipped) {
				return fmt.Errorf("%w: %w", ErrSkip, err)
			}
		}
		return err
	}
	return Job{
		Key: Key{Edition: ed.ID(), Recipient: sub.Key()},
		Compose: func() (*gomail.Msg, error) {
			if err := build(); err != nil {
				return nil, err
			}
			return m.Msg()
		},
		composeRaw: func() (composed, error) {
			if err := build(); err != nil {
				return composed{}, err
			}
			from, to, err := m.Envelope()
			if err != nil {
				return composed{}, err
			}
			// The Message-ID as go-mail's GetMessageID gives it: the
			// field's value, which it B-encodes when not printable ASCII.
			id := mime.BEncoding.Encode(string(gomail.CharsetUTF8), "<"+m.MessageID+">")
			return composed{id: id, from: from, to: to, write: m.AppendTo}, nil
		},
		Sent: &SentRecord{Log: d.Store, Entry: func(at time.Time) digest.Sent {
			return m.Sent(at)
		}},
		Failed: d.failed(sub),
	}
}

// bounceStatus lists the enhanced status codes that say an address will
// never accept mail.
var bounceStatus = map[string]bool{"5.1.1": true, "5.1.2": true, "5.1.3": true, "5.1.6": true, "5.1.10": true, "5.2.1": true}

// failed returns the Job.Failed hook that marks sub bounced when the
// server says the address does not exist, if MarkBounced is set.
func (d *Digest) failed(sub *digest.Subscriber) func(context.Context, Result) error {
	if !d.MarkBounced {
		return nil
	}
	return func(ctx context.Context, r Result) error {
		if !bounceStatus[r.Status] {
			return nil
		}
		return d.Store.SetStatus(ctx, sub.Email, digest.StatusBounced)
	}
}

// Jobs yields a job for every subscriber of the store who receives an
// edition now (Subscriber.Withheld at the Builder's Now), in the store's
// order, reading them a page at a time (Builder.EachPending: with their
// LastSent, when the Builder's sent log is a digest.SentLogBatch, in one
// read a page, before any of the page's journal records is opened). The
// others (inactive, pending, paused) are reported to OnSkip (with a
// *digest.SkipError) and not yielded. Each job's Compose builds the
// subscriber's digest; nothing new gives ErrSkip (recorded skipped), a
// build failure fails the delivery. A store error ends the sequence with
// that error.
func (d *Digest) Jobs(ctx context.Context, ed digest.Edition) iter.Seq2[Job, error] {
	return func(yield func(Job, error) bool) {
		if err := d.check(); err != nil {
			yield(Job{}, err)
			return
		}
		if err := ed.Validate(); err != nil {
			yield(Job{}, err)
			return
		}
		stopped := errors.New("stopped")
		now := d.Builder.Now()
		err := d.Builder.EachPending(ctx, d.Store, func(p digest.Pending) error {
			sub := p.Subscriber
			if reason := sub.Withheld(now); reason != 0 {
				d.skip(sub.Email, &digest.SkipError{Edition: ed, Email: sub.Email, Reason: reason})
				return nil
			}
			if !yield(d.job(ctx, ed, p), nil) {
				return stopped
			}
			return nil
		})
		if err != nil && !errors.Is(err, stopped) {
			yield(Job{}, err)
		}
	}
}

func (d *Digest) check() error {
	if d.Builder == nil || d.Store == nil {
		return errors.New("deliver: Digest needs a Builder and a Store")
	}
	return nil
}

// Recipients implements Audience: the active subscribers of Store, with
// their time zones (nil for the Builder's default, which the Scheduler
// should then be given as its Location).
func (d *Digest) Recipients(ctx context.Context) iter.Seq2[Recipient, error] {
	return func(yield func(Recipient, error) bool) {
		if err := d.check(); err != nil {
			yield(Recipient{}, err)
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

// Job implements Audience: the job for the subscriber's edition of the
// date. The digest is built by the job's Compose, in the Sender's build
// stage, so that a pass builds digests in parallel; nothing new there is
// recorded as skipped by the Sender (Pass.Sent.Skipped).
func (d *Digest) Job(ctx context.Context, r Recipient, date string) (Job, error) {
	if err := d.check(); err != nil {
		return Job{}, err
	}
	sub, err := d.Store.Subscriber(ctx, r.Key)
	if err != nil {
		return Job{}, err
	}
	if r := sub.Withheld(d.Builder.Now()); r != 0 {
		return Job{}, fmt.Errorf("%w: %s is %s", ErrSkip, sub.Email, r)
	}
	return d.job(ctx, d.Edition(date), digest.Pending{Subscriber: sub}), nil
}
