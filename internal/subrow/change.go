package subrow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/khabar/khabar/digest"
)

// Tx is an engine's write transaction as Change, SetStatus and Import use
// it. The engine has serialized it against every other writer of the
// addresses it touches (SQLite's write lock, PostgreSQL's advisory locks)
// before handing it over.
type Tx interface {
	// Row returns the stored row of key, or ok false when there is none.
	Row(ctx context.Context, key string) (r Row, ok bool, err error)
	// History returns the events of key, oldest first.
	History(ctx context.Context, key string) ([]digest.Event, error)
	// Put inserts r or replaces the row with its key.
	Put(ctx context.Context, r Row) error
	// Append adds ev to the history of key.
	Append(ctx context.Context, key string, ev EventRow) error
}

// Change is digest.Lifecycle.Change on tx: the same decisions in every
// engine. The engine commits when it returns true with no error and rolls
// back otherwise.
func Change(ctx context.Context, tx Tx, email string, ev digest.Event, fn digest.ChangeFunc) (bool, error) {
	er, err := EncodeEvent(ev)
	if err != nil {
		return false, err
	}
	key := digest.EmailKey(email)
	hist, err := tx.History(ctx, key)
	if err != nil {
		return false, err
	}
	if ev.Ref != "" && digest.HasEvent(hist, ev.Kind, ev.Ref) {
		return false, nil
	}
	var cur *digest.Subscriber
	if r, ok, err := tx.Row(ctx, key); err != nil {
		return false, err
	} else if ok {
		if cur, err = r.Decode(); err != nil {
			return false, err
		}
	}
	next, err := fn(cur, hist)
	if errors.Is(err, digest.ErrNoChange) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if next != nil {
		if next.Key() != key {
			return false, fmt.Errorf("%w: change of %s returned %s", digest.ErrInvalidSubscriber, email, next.Email)
		}
		if err := next.Validate(); err != nil {
			return false, err
		}
		r, err := Encode(next)
		if err != nil {
			return false, err
		}
		if err := tx.Put(ctx, r); err != nil {
			return false, err
		}
	}
	if err := tx.Append(ctx, key, er); err != nil {
		return false, err
	}
	return true, nil
}

// SetStatus sets the status of the row of key to st in tx, appending
// digest.StatusEvent when it changes. With add, an address the store does
// not hold is added with only the address (email) and st (Suppress);
// without, it gives digest.ErrUnknownSubscriber.
func SetStatus(ctx context.Context, tx Tx, email string, st digest.Status, add bool) error {
	if !st.Valid() {
		return fmt.Errorf("%w: status %q", digest.ErrInvalidSubscriber, st)
	}
	if add {
		if err := digest.CheckAddress(email); err != nil {
			return err
		}
	}
	key := digest.EmailKey(email)
	r, ok, err := tx.Row(ctx, key)
	switch {
	case err != nil:
		return err
	case !ok && !add:
		return fmt.Errorf("%w: %s", digest.ErrUnknownSubscriber, email)
	case !ok:
		if r, err = Encode(&digest.Subscriber{Email: email}); err != nil {
			return err
		}
		r.Status = ""
	}
	if r.Status == string(st) {
		return nil
	}
	r.Status = string(st)
	if err := tx.Put(ctx, r); err != nil {
		return err
	}
	er, err := EncodeEvent(digest.StatusEvent(st, time.Now()))
	if err != nil {
		return err
	}
	return tx.Append(ctx, key, er)
}

// Import is digest's Import rule on the rows of an import (encoded, in
// order) over the stored rows old, by key (Import updates old as it goes,
// so an address listed twice counts as updated the second time): it never
// turns an unsubscribed, bounced, complained or pending row into an
// active one (counted in Kept) and keeps a stored pause when the imported
// row has none. It returns the rows to write, each with its
// digest.ImportEvent; rows the store already holds unchanged are counted
// but not returned.
func Import(old map[string]Row, rows []Row, now time.Time) ([]Write, digest.ImportResult, error) {
	var res digest.ImportResult
	var out []Write
	for _, r := range rows {
		prev, ok := old[r.Key]
		if ok {
			res.Updated++
			if prev.Status != string(digest.StatusActive) && r.Status == string(digest.StatusActive) {
				r.Status = prev.Status
				res.Kept++
			}
			if r.PausedUntil == 0 {
				r.PausedUntil = prev.PausedUntil
			}
			if r == prev {
				continue
			}
		} else {
			res.Added++
		}
		old[r.Key] = r
		sub, err := r.Decode()
		if err != nil {
			return nil, digest.ImportResult{}, err
		}
		ev, err := EncodeEvent(digest.ImportEvent(sub, !ok, now))
		if err != nil {
			return nil, digest.ImportResult{}, err
		}
		out = append(out, Write{Row: r, Event: ev})
	}
	return out, res, nil
}

// Write is a row Import writes and the event appended with it.
type Write struct {
	Row   Row
	Event EventRow
}
