package deliver

import (
	"context"
	"errors"
	"time"

	"github.com/khabar/khabar/digest"
)

// Move is one Journal.Transition, as a value.
type Move struct {
	Key      Key
	From, To State
	Update   Update
}

// Batcher is a Journal that applies several moves in one commit (one
// round trip to a database server). A Sender whose journal is a Batcher
// records a message's outcome together with the next message's
// "sending", in one commit per message.
type Batcher interface {
	Journal
	// TransitionAll applies each move as Transition would, in order, and
	// returns once all are committed, with one error per move (nil when
	// it was applied).
	TransitionAll(ctx context.Context, moves []Move) []error
}

// Opener is a Journal that opens several records in one commit. A
// Sender whose journal is an Opener (and not a Claimer) opens the jobs it
// reads in batches of Config.ClaimBatch, so that opening costs a message
// a fraction of a commit.
type Opener interface {
	Journal
	// OpenAll returns the records of keys, in order, creating those
	// missing in StatePending, as Open would, in one commit.
	OpenAll(ctx context.Context, keys []Key, at time.Time) ([]Record, error)
}

var (
	_ Batcher = (*MemJournal)(nil)
	_ Opener  = (*MemJournal)(nil)
)

// OpenAll implements Opener.
func (j *MemJournal) OpenAll(ctx context.Context, keys []Key, at time.Time) ([]Record, error) {
	recs := make([]Record, len(keys))
	for i, k := range keys {
		r, err := j.Open(ctx, k, at)
		if err != nil {
			return nil, err
		}
		recs[i] = r
	}
	return recs, nil
}

// TransitionAll implements Batcher.
func (j *MemJournal) TransitionAll(ctx context.Context, moves []Move) []error {
	errs := make([]error, len(moves))
	for i, mv := range moves {
		errs[i] = j.Transition(ctx, mv.Key, mv.From, mv.To, mv.Update)
	}
	return errs
}

// heldSettle is the outcome of a message whose DATA was answered, not yet
// recorded: the worker records it with its next journal move, in one
// commit, usually the next message's "sending". Until then the record says
// "sending": a crash in between leaves it unknown, never resent.
type heldSettle struct {
	m     message // without its bytes
	a     attempt
	res   Result
	final bool // report res once recorded (false: a 4xx the worker retries)
	mv    Move
	after *digest.Sent
}

// holds reports whether the worker may hold a settle back: the journal
// commits moves together. (A concurrent Run of this Sender does not read
// the held "sending" as a crash's: the key stays in the Sender's
// inFlight until the settle is recorded.)
func (w *worker) holds() bool {
	_, ok := w.r.s.cfg.Journal.(Batcher)
	return ok
}

// hold keeps the settle of m's attempt a for the next journal move.
func (w *worker) hold(m *message, a attempt) {
	h := &heldSettle{m: *m, a: a}
	h.m.raw, h.m.buf = nil, nil // the worker releases the bytes once send returns
	h.mv, h.after = w.settleMove(m, a)
	w.held = h
}

// record applies mv, together with the held settle, if any, in one commit.
func (w *worker) record(mv Move) error {
	h := w.held
	if h == nil {
		return w.apply(mv)
	}
	w.held = nil
	errs := w.r.s.cfg.Journal.(Batcher).TransitionAll(w.jctx(), []Move{h.mv, mv})
	if len(errs) != 2 {
		errs = []error{errors.New("deliver: journal answered a batch of 2 with another count"), nil}
		errs[1] = errs[0]
	}
	w.finishHeld(h, errs[0])
	return errs[1]
}

// flush records the held settle, if any, on its own: before the worker
// waits for anything but the next message's envelope.
func (w *worker) flush() {
	if h := w.held; h != nil {
		w.held = nil
		w.finishHeld(h, w.apply(h.mv))
	}
}

// finishHeld completes a held settle the journal answered with err.
func (w *worker) finishHeld(h *heldSettle, err error) {
	a := w.settleDone(&h.m, h.a, h.mv, h.after, err)
	w.r.s.inFlight.Delete(h.m.job.Key)
	if h.final {
		w.report(&h.m, h.res, a)
	}
}

// sleepHeld sleeps like sleep, after recording the held settle.
func (w *worker) sleepHeld(ctx context.Context, d time.Duration) bool {
	w.flush()
	return sleep(ctx, d)
}
