package deliver

// transactPipelined runs m's transaction on a session whose server offers
// PIPELINING (RFC 2920): "sending" is committed first (with the worker's
// held outcome, if any), then MAIL FROM, RCPT TO and DATA go out in one
// write and their replies are read in order, then the message. A refusal
// of any of the three is recorded from "sending" as it would be from
// pending without PIPELINING (failed on a 5xx, pending on a 4xx), with
// the same reply, so the record and the Result end the same; the attempt
// is counted with the outcome, so that one a dead pooled session never
// began is not counted, as without PIPELINING.
func (w *worker) transactPipelined(m *message) attempt {
	inFlight := &w.r.s.inFlight
	inFlight.Store(m.job.Key, struct{}{})
	if a, ok := w.markSending(m, false); !ok {
		inFlight.Delete(m.job.Key)
		return a
	}
	wc, answered, err := w.pipe.Begin(w.c, m.from, m.to)
	if err == nil {
		a := w.body(m, wc)
		a.count = true
		return w.finish(m, a)
	}
	a, isReply := refused(err)
	switch {
	case isReply:
		w.reset()
	case !answered && !w.fresh:
		// A reused session that had died: retry on a new one, not counted.
		w.drop()
		a = w.settle(m, attempt{out: outStale, note: a.note}) // back to pending
		inFlight.Delete(m.job.Key)
		return a
	default:
		w.drop()
	}
	a.count = true
	return w.finish(m, a)
}
