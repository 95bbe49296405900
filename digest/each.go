package digest

import (
	"context"
	"errors"
	"runtime"
	"sync"
)

// Each builds the edition for every subscriber of the store and calls fn
// with each, in the store's order: with the message, or with a nil
// message and a *SkipError (unsubscribed, bounced, nothing new, already
// sent) or a *BuildError. Messages are built on one goroutine per core
// (runtime.GOMAXPROCS), a few ahead of fn, and fn is called from the
// goroutine that called Each, one message at a time, so memory does not
// grow with the number of subscribers. When Config.Sent is a SentLogBatch,
// the subscribers' LastSent is read a page (eachPage) at a time. A non-nil
// error from fn stops the walk and is returned; so is the context's error
// when it is cancelled.
func (b *Builder) Each(ctx context.Context, ed Edition, fn func(*Message, error) error) error {
	if b == nil || b.tmpl == nil {
		return ErrZeroBuilder
	}
	if b.cfg.Subscribers == nil {
		return errors.New("digest: Each needs Config.Subscribers")
	}
	if err := ed.Validate(); err != nil {
		return err
	}
	local := &poolCache{}
	builders := runtime.GOMAXPROCS(0)
	if builders == 1 {
		return b.walk(ctx, b.cfg.Subscribers, func(p Pending) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			m, err := b.build(ctx, ed, p.Subscriber, local, p.sent)
			if err != nil && ctx.Err() != nil {
				return ctx.Err()
			}
			return fn(m, err)
		})
	}
	return b.eachParallel(ctx, ed, local, builders, fn)
}

// eachPage is how many subscribers walk reads the sent log for at once.
const eachPage = 128

// Pending is a subscriber on their way to a build, as EachPending yields
// them: with their LastSent when it was read ahead with their page, so
// that BuildPending does not ask the sent log again. The zero sent part
// (a Pending made by hand) makes BuildPending ask LastSent, as Build does.
type Pending struct {
	// Subscriber is the store's subscriber.
	Subscriber *Subscriber

	sent *lastSent // nil: not read ahead
}

// EachPending calls fn with every subscriber of subs (Config.Subscribers
// when nil), in the store's order, for a caller that builds them
// elsewhere (BuildPending; deliver.Digest.Jobs hands them to a Sender's
// build stage). When Config.Sent is a SentLogBatch, their LastSent is read
// a page (eachPage) at a time, before fn is called with any of the page:
// a page's entries are as old as the page. A non-nil error from fn stops
// the walk and is returned.
func (b *Builder) EachPending(ctx context.Context, subs SubscriberStore, fn func(Pending) error) error {
	if b == nil || b.tmpl == nil {
		return ErrZeroBuilder
	}
	if subs == nil {
		subs = b.cfg.Subscribers
	}
	if subs == nil {
		return errors.New("digest: EachPending needs a SubscriberStore")
	}
	return b.walk(ctx, subs, fn)
}

// BuildPending is Build for a subscriber EachPending yielded, with the
// LastSent read with their page.
func (b *Builder) BuildPending(ctx context.Context, ed Edition, p Pending) (*Message, error) {
	return b.build(ctx, ed, p.Subscriber, nil, p.sent)
}

// walk calls fn with every subscriber of subs, in its order, and with
// their LastSent when Config.Sent is a SentLogBatch: the store's
// subscribers are taken a page of eachPage at a time, whose LastSent is
// one LastSentAll. When that fails, sent is nil and the build asks
// LastSent itself (and reports its error as the subscriber's).
func (b *Builder) walk(ctx context.Context, subs SubscriberStore, fn func(Pending) error) error {
	batch, ok := b.cfg.Sent.(SentLogBatch)
	if !ok {
		return subs.EachSubscriber(ctx, func(sub *Subscriber) error { return fn(Pending{Subscriber: sub}) })
	}
	page := make([]*Subscriber, 0, eachPage)
	emails := make([]string, 0, eachPage)
	flush := func() error {
		last, err := batch.LastSentAll(ctx, emails)
		for _, sub := range page {
			p := Pending{Subscriber: sub}
			if err == nil {
				until, ok := last[sub.Email]
				p.sent = &lastSent{until, ok}
			}
			if err := fn(p); err != nil {
				return err
			}
		}
		page, emails = page[:0], emails[:0]
		return nil
	}
	err := subs.EachSubscriber(ctx, func(sub *Subscriber) error {
		page, emails = append(page, sub), append(emails, sub.Email)
		if len(page) < eachPage {
			return nil
		}
		return flush()
	})
	if err != nil || len(page) == 0 {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return flush()
}

// built is one subscriber's digest, built by one of eachParallel's
// goroutines; done is closed once m and err are set.
type built struct {
	Pending
	m    *Message
	err  error
	done chan struct{}
}

// eachParallel is Each on builders goroutines: the subscribers are read
// on one, built on the others, and handed to fn in the store's order.
func (b *Builder) eachParallel(ctx context.Context, ed Edition, local *poolCache, builders int, fn func(*Message, error) error) error {
	walk, stop := context.WithCancel(ctx)
	defer stop()
	order := make(chan *built, 4*builders) // in the store's order, for fn
	work := make(chan *built, builders)    // to the builders
	var storeErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(order)
		defer close(work)
		storeErr = b.walk(walk, b.cfg.Subscribers, func(p Pending) error {
			r := &built{Pending: p, done: make(chan struct{})}
			select {
			case order <- r:
			case <-walk.Done():
				return walk.Err()
			}
			work <- r // the builders take every one until work is closed
			return nil
		})
	})
	for range builders {
		wg.Go(func() {
			for r := range work {
				if walk.Err() == nil {
					r.m, r.err = b.build(walk, ed, r.Subscriber, local, r.sent)
				}
				close(r.done)
			}
		})
	}
	var err error
	for r := range order {
		<-r.done
		if err != nil {
			continue // draining after a stop
		}
		if err = ctx.Err(); err != nil {
			stop()
			continue
		}
		if err = fn(r.m, r.err); err != nil {
			stop()
		}
	}
	wg.Wait()
	switch {
	case err != nil:
		return err
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return storeErr
}
