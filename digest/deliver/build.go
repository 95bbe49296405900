package deliver

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
)

// The build stage sits between the producer, which opens (or claims)
// each job's journal record, and the SMTP workers: Config.Builders
// goroutines compose each message, write it and sign it, so that a worker
// only moves the record and writes bytes, and never leaves its session
// idle while a message is built. The stage holds at most Builders
// messages in hand and Workers+Builders ready ones, so memory does not
// grow with the number of jobs.

// task is a job handed from the producer to the build stage and from
// there to a worker: the job, its journal record as the producer has just
// read it (opened, or claimed under a lease; nil: the worker reads it),
// and, once built, its message or why there is none.
type task struct {
	job Job
	rec *Record

	built bool    // m, res and ok are set
	m     message // the message to send, when ok
	res   Result  // the Result so far; why there is nothing to send, when not ok
	ok    bool
}

// startBuilders starts the build stage, reading r.jobs and writing
// r.ready; the returned function waits for it to drain r.jobs (closed by
// the producer) and closes r.ready.
func (r *run) startBuilders() (wait func()) {
	var wg sync.WaitGroup
	for range r.s.cfg.Builders {
		wg.Go(func() {
			var buf bytes.Buffer // each message is written here, then copied out
			for t := range r.jobs {
				// A stopped run builds nothing more: the worker reports
				// the task pending.
				if r.ctx.Err() == nil {
					t.m, t.res, t.ok = r.prepareIn(t.job, &buf)
					t.built = true
				}
				r.ready <- t
			}
		})
	}
	return func() {
		wg.Wait()
		close(r.ready)
	}
}

// prepare composes job's message, reads its envelope, writes it and signs
// it. When there is nothing to send, ok is false and the Result says why:
// skipped (Compose said so) or failed.
func (r *run) prepare(job Job) (m message, res Result, ok bool) {
	var buf bytes.Buffer
	return r.prepareIn(job, &buf)
}

// prepareIn is prepare with go-mail writing into buf, which a builder
// reuses from message to message (so that it stops growing after the
// first ones); the message keeps a copy of what was written (the signed
// copy, with DKIM), never buf's bytes.
func (r *run) prepareIn(job Job, buf *bytes.Buffer) (m message, res Result, ok bool) {
	res = Result{Key: job.Key}
	failed := func(detail string) (message, Result, bool) {
		res.State, res.Detail = StateFailed, detail
		return message{}, res, false
	}
	skipped := func(err error) (message, Result, bool) {
		if errors.Is(err, ErrSkip) {
			res.State, res.Detail = StateSkipped, err.Error()
			return message{}, res, false
		}
		return failed("compose: " + err.Error())
	}
	if job.composeRaw != nil {
		c, err := job.composeRaw()
		if err != nil {
			return skipped(err)
		}
		res.MessageID = c.id
		raw, buf, err := r.writeSigned(c.write)
		if err != nil {
			return failed(err.Error())
		}
		return message{job: job, id: c.id, from: c.from, to: c.to, raw: raw, buf: buf}, res, true
	}
	msg, err := job.Compose()
	if err != nil {
		return skipped(err)
	}
	res.MessageID = msg.GetMessageID()
	from, err := msg.GetSender(false)
	if err != nil {
		return failed("envelope sender: " + err.Error())
	}
	rcpts, err := msg.GetRecipients()
	if err != nil || len(rcpts) != 1 {
		return failed(fmt.Sprintf("envelope recipients: want exactly one, got %d (%v)", len(rcpts), err))
	}
	buf.Reset()
	if _, err := msg.WriteTo(buf); err != nil {
		return failed("write message: " + err.Error())
	}
	written := buf.Bytes()
	raw := written
	if dk := r.s.cfg.DKIM; dk != nil {
		// Sign the exact bytes go-mail wrote; raw is sent unchanged from here
		// on, on every attempt (see the DKIM type for why go-mail's own
		// signer is not used).
		if raw, err = dk.Sign(written); err != nil {
			return failed(err.Error())
		}
	}
	if sameArray(raw, written) { // buf is written over by the next message
		raw = bytes.Clone(raw)
	}
	return message{job: job, id: res.MessageID, from: from, to: rcpts[0], raw: raw}, res, true
}

// dkimRoom is the room writeSigned keeps in front of a message for its
// DKIM-Signature field: an Ed25519 or RSA-2048 signature over
// DefaultSignedHeaders takes 400-700 bytes.
const dkimRoom = 1024

// rawBuffers holds the arrays writeSigned writes messages into, each
// back from its worker once the message is sent: a new array of some
// 45 KB a message cost more to allocate and clear than to fill.
var rawBuffers = sync.Pool{New: func() any { return new([]byte) }}

// writeSigned returns the message write appends, in an array from
// rawBuffers (buf, for message.release), with its DKIM-Signature field in
// front when the Sender signs: the field goes into room kept in front of
// the message, so that the message is written once and never copied (a
// field longer than the room is the exception).
func (r *run) writeSigned(write func([]byte) ([]byte, error)) (raw []byte, buf *[]byte, err error) {
	dk := r.s.cfg.DKIM
	room := 0
	if dk != nil {
		room = dkimRoom
	}
	buf = rawBuffers.Get().(*[]byte)
	b := *buf
	if cap(b) < room {
		b = make([]byte, room)
	}
	out, err := write(b[:room])
	*buf = out
	if err != nil {
		rawBuffers.Put(buf)
		return nil, nil, fmt.Errorf("write message: %w", err)
	}
	if dk == nil {
		return out, buf, nil
	}
	sig, err := dk.signature(out[room:])
	if err != nil {
		rawBuffers.Put(buf)
		return nil, nil, err
	}
	if len(sig) > room {
		raw = append([]byte(sig), out[room:]...)
		rawBuffers.Put(buf)
		return raw, nil, nil
	}
	raw = out[room-len(sig):]
	copy(raw, sig)
	return raw, buf, nil
}

// release gives m's array back to rawBuffers, when it came from there:
// the worker is done with m's bytes (a held settle keeps none).
func (m *message) release() {
	if m.buf != nil {
		rawBuffers.Put(m.buf)
		m.buf, m.raw = nil, nil
	}
}

// sameArray reports whether a and b are slices of one array (both
// reach the same last element of their capacity).
func sameArray(a, b []byte) bool {
	if cap(a) == 0 || cap(b) == 0 {
		return false
	}
	return &a[:cap(a)][cap(a)-1] == &b[:cap(b)][cap(b)-1]
}
