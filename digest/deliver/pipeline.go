package deliver

// transactPipelined runs m's transaction on a session whose server offers
// PIPELINING (RFC 2920): MAIL FROM, RCPT TO and DATA go out in one write
// and their replies are read in order; only when the server has answered
// DATA with 354 is "sending" committed (with the worker's held outcome,
// if any), and then the message goes out. So the journal's rule is the
// one without PIPELINING, a little tighter: "sending" is on disk before
// the first byte of the message, and a refusal of any of the three
// commands is recorded from pending with its reply (failed on a 5xx,
// pending on a 4xx), the attempt counted, exactly as a refused envelope
// is. A reused session that had died is retried on a new one, uncounted.
func (w *worker) transactPipelined(m *message) attempt {
	wc, _, err := w.pipe.Begin(w.c, m.from, m.to)
	if err != nil {
		return w.refusedBeforeData(m, err)
	}
	// The server waits for the message now; if "sending" cannot be
	// recorded, the session is dropped, which abandons the transaction
	// (ending DATA with a dot would deliver an empty message).
	inFlight := &w.r.s.inFlight
	inFlight.Store(m.job.Key, struct{}{})
	if a, ok := w.markSending(m); !ok {
		w.drop()
		inFlight.Delete(m.job.Key)
		return a
	}
	return w.finish(m, w.body(m, wc))
}
