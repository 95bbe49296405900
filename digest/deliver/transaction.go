package deliver

import (
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/internal/smtpdata"
)

// reply is a server's SMTP reply as it came off the wire.
type reply struct {
	Code   int    // the reply code (550), 0 when there was no reply
	Status string // the enhanced status code ("5.1.1", RFC 3463), if the server gave one
	Line   string // the reply as one line, code first: "550 5.1.1 no such user"
}

// newReply returns the reply with a code and the text after it, whose
// first word is the enhanced status code when the server sends one.
func newReply(code int, line, text string) reply {
	return reply{Code: code, Status: enhancedStatus(code, text), Line: line}
}

// smtpCode is the code as a Result reports it: 0 for no reply or a code
// outside 200-599, which no SMTP server sends.
func (r reply) smtpCode() int {
	if r.Code < 200 || r.Code > 599 {
		return 0
	}
	return r.Code
}

// enhancedStatus returns the enhanced status code (RFC 3463) that starts
// the text of a reply with the given code, or "" if it does not start with
// one of the code's class.
func enhancedStatus(code int, text string) string {
	if code < 200 || code > 599 {
		return ""
	}
	st, _, _ := strings.Cut(strings.TrimSpace(text), " ")
	parts := strings.Split(st, ".")
	if len(parts) != 3 || parts[0] != strconv.Itoa(code/100) {
		return ""
	}
	for _, p := range parts[1:] {
		if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 999 || len(p) > 3 {
			return ""
		}
	}
	return st
}

// replyOf returns the reply err carries, if err is a server reply rather
// than a network error or a timeout.
func replyOf(err error) (reply, bool) {
	var te *textproto.Error
	if !errors.As(err, &te) || te.Code == 0 {
		return reply{}, false
	}
	text := strings.ReplaceAll(te.Msg, "\n", " ")
	return newReply(te.Code, strconv.Itoa(te.Code)+" "+text, text), true
}

// outcome is what one SMTP transaction did to a message.
type outcome int

const (
	outSent     outcome = iota
	outTemp             // not delivered; may retry (4xx, or connection lost before the end of DATA)
	outPerm             // not delivered; never retry (5xx)
	outUnknown          // the end of DATA was sent and no reply came
	outConflict         // the journal record was claimed by someone else
	outLost             // the run's lease on the pending record ran out: claim it again (regain)
	outStale            // a reused session had died before DATA; retry at once on a new one
	outFatal            // the run must stop (journal error, unreachable server)
)

// state is the journal state an outcome leaves the record in.
func (o outcome) state() State {
	switch o {
	case outSent:
		return StateSent
	case outPerm:
		return StateFailed
	case outUnknown:
		return StateUnknown
	}
	return StatePending
}

// attempt is the result of one SMTP transaction: its outcome and the
// server reply that decided it, or a note saying what happened instead.
type attempt struct {
	out   outcome
	reply reply  // zero when no reply decided the outcome
	note  string // the detail when reply is zero
	// logErr is the error of the sent log, when a sent message could not
	// be recorded there.
	logErr error
	// held is true when the outcome is not recorded yet: the worker holds
	// it for its next journal move.
	held bool
}

// detail is the attempt as the journal and the Result record it.
func (a attempt) detail() string {
	if a.reply.Code != 0 {
		return a.reply.Line
	}
	return a.note
}

// refused maps an error of a step before the end of DATA to an attempt: a
// 5xx reply is permanent; a 4xx reply, any other reply or a lost connection
// is temporary (the message was certainly not accepted). ok is false when
// err is not a reply.
func refused(err error) (a attempt, ok bool) {
	r, ok := replyOf(err)
	if !ok {
		return attempt{out: outTemp, note: err.Error()}, false
	}
	if r.Code >= 500 {
		return attempt{out: outPerm, reply: r}, true
	}
	return attempt{out: outTemp, reply: r}, true
}

// transact runs one SMTP transaction for m on the worker's session and
// records its outcome in the journal: the envelope (MAIL, RCPT), then
// "sending" in the journal, then DATA, then the outcome. On a session
// whose server offers PIPELINING (RFC 2920), MAIL, RCPT and DATA go out in
// one write and their replies are read in order; "sending" is then
// recorded between DATA's 354 and the message, so the journal's rule is
// the same, a little tighter. Either way a refused envelope (or pipelined
// DATA) is recorded from pending with its reply, the attempt counted, and
// a reused session that had died is retried on a new one, uncounted.
func (w *worker) transact(m *message) attempt {
	if err := w.c.UpdateDeadline(w.r.s.cfg.Timeout); err != nil {
		w.drop()
		return attempt{out: outStale, note: err.Error()}
	}
	if w.forcedUTF8 && !digest.NeedsSMTPUTF8(m.to) && !digest.NeedsSMTPUTF8(m.from) {
		restoreUTF8(w.c) // the Client's own WithoutSMTPUTF8 again
		w.forcedUTF8 = false
	}
	if a, ok := w.needsUTF8(m); !ok {
		return a
	}
	var wc *smtpdata.DataWriter // the pipelined DATA, accepted
	var err error
	if w.pipelining {
		wc, _, err = w.pipe.Begin(w.c, m.from, m.to)
	} else {
		err = w.envelope(m)
	}
	if err != nil {
		return w.refusedBeforeData(m, err)
	}
	// Record "sending" durably before the message starts: if the process
	// dies from here on, the next run finds "sending" and marks it unknown
	// instead of resending.
	// The key stays in flight until its outcome is recorded, so that a
	// concurrent Run of this Sender does not take "sending" for a crash's
	// leftover.
	inFlight := &w.r.s.inFlight
	inFlight.Store(m.job.Key, struct{}{})
	if a, ok := w.markSending(m); !ok {
		if wc != nil {
			// The server waits for the message: dropping the session
			// abandons the transaction (a dot would deliver an empty
			// message).
			w.drop()
		} else {
			w.reset()
		}
		inFlight.Delete(m.job.Key)
		return a
	}
	if wc != nil {
		return w.finish(m, w.body(m, wc))
	}
	return w.finish(m, w.data(m))
}

// finish records the outcome a of m's transaction, whose record says
// "sending" and whose key is in flight: now, or held for the worker's next
// journal move.
func (w *worker) finish(m *message, a attempt) attempt {
	if w.holds() {
		w.hold(m, a) // finishHeld ends the key's flight
		a.held = true
		return a
	}
	a = w.settle(m, a)
	w.r.s.inFlight.Delete(m.job.Key)
	return a
}

// needsUTF8 checks that the server can take m's envelope: an address
// whose local part is not ASCII can only go to a server that offers
// SMTPUTF8 (RFC 6531; go-mail then adds the SMTPUTF8 parameter to MAIL
// FROM). When it cannot, the delivery is failed for that recipient alone,
// with the reason, and ok is false; nothing is sent.
func (w *worker) needsUTF8(m *message) (a attempt, ok bool) {
	if !digest.NeedsSMTPUTF8(m.to) && !digest.NeedsSMTPUTF8(m.from) {
		return attempt{}, true
	}
	if offered, _ := w.c.Extension("SMTPUTF8"); offered {
		if needUTF8(w.c) {
			w.forcedUTF8 = true
		}
		return attempt{}, true
	}
	a = attempt{out: outPerm, note: fmt.Sprintf("not sent: the address %s has a non-ASCII local part and the server does not offer SMTPUTF8", strings.TrimSpace(m.to))}
	cfg := &w.r.s.cfg
	u := Update{Detail: a.note, At: cfg.Now(), Owner: w.r.owner}
	if err := w.record(Move{Key: m.job.Key, From: StatePending, To: StateFailed, Update: u}); err != nil {
		if w.lostLease(err) {
			return attempt{out: outLost, note: err.Error()}, false
		}
		if w.r.owner != "" && errors.Is(err, ErrConflict) {
			return attempt{out: outConflict, note: err.Error()}, false
		}
		return w.fatal(err), false
	}
	return a, false
}

// envelope sends MAIL FROM and RCPT TO.
func (w *worker) envelope(m *message) error {
	if err := w.c.Mail(m.from); err != nil {
		return err
	}
	return w.c.Rcpt(m.to)
}

// refusedBeforeData handles an envelope error, before the journal says
// "sending": the attempt is counted and the record stays pending (failed
// on a 5xx). A reused session that died without a reply, or that the
// server closes with a 421 (RFC 5321 3.8; most often an idle session's
// timeout), is stale: the message is retried on a new one without
// counting the attempt. A 421 on a new session counts as any 4xx does.
func (w *worker) refusedBeforeData(m *message, err error) attempt {
	a, isReply := refused(err)
	closing := isReply && a.reply.Code == 421
	switch {
	case !isReply || closing:
		w.drop()
		if !w.fresh {
			return attempt{out: outStale, note: a.detail()}
		}
	default:
		w.reset()
	}
	cfg := &w.r.s.cfg
	u := Update{Detail: a.detail(), Attempt: true, MessageID: m.id, At: cfg.Now(), Owner: w.r.owner}
	if err := w.record(Move{Key: m.job.Key, From: StatePending, To: a.out.state(), Update: u}); err != nil {
		if w.lostLease(err) {
			return attempt{out: outLost, note: err.Error()}
		}
		if w.r.owner != "" && errors.Is(err, ErrConflict) {
			return attempt{out: outConflict, note: err.Error()}
		}
		return w.fatal(err)
	}
	return a
}

// markSending moves the record from pending to sending, counting the
// attempt; ok is false when the transaction must end here (another sender
// has it, or the journal failed): the caller then ends the session's
// transaction without sending the message.
func (w *worker) markSending(m *message) (a attempt, ok bool) {
	cfg := &w.r.s.cfg
	u := Update{Detail: "DATA started", Attempt: true, MessageID: m.id, At: cfg.Now(), Owner: w.r.owner}
	err := w.record(Move{Key: m.job.Key, From: StatePending, To: StateSending, Update: u})
	if err == nil {
		return attempt{}, true
	}
	if w.lostLease(err) {
		return attempt{out: outLost, note: err.Error()}, false
	}
	if errors.Is(err, ErrConflict) {
		return attempt{out: outConflict, note: err.Error()}, false
	}
	return w.fatal(err), false
}

// data sends DATA, the message and the end of DATA, and returns what the
// server made of it; the journal is not touched.
func (w *worker) data(m *message) attempt {
	wc, err := w.c.Data()
	if err != nil {
		a, isReply := refused(err)
		if isReply {
			w.reset()
		} else {
			w.drop()
		}
		return a
	}
	return w.body(m, wc)
}

// body sends the message and the end of DATA on wc, the writer of a DATA
// command the server accepted, and returns what the server made of it.
func (w *worker) body(m *message, wc io.WriteCloser) attempt {
	// Write the whole message and flush it before the terminating dot: an
	// error here means the server cannot have accepted the message.
	err := smtpdata.Write(w.c, wc, m.raw)
	if err == nil {
		err = w.c.Text.W.Flush()
	}
	if err != nil {
		w.drop()
		return attempt{out: outTemp, note: "connection lost during DATA: " + err.Error()}
	}
	err = wc.Close() // sends CRLF.CRLF and reads the reply
	if err == nil {
		r := reply{Code: 250, Line: "250"}
		if dc, ok := wc.(interface{ ServerResponse() string }); ok && dc.ServerResponse() != "" {
			r = newReply(250, "250 "+dc.ServerResponse(), dc.ServerResponse())
		}
		return attempt{out: outSent, reply: r}
	}
	if r, ok := replyOf(err); ok && r.Code >= 400 {
		if r.Code >= 500 {
			return attempt{out: outPerm, reply: r}
		}
		return attempt{out: outTemp, reply: r}
	}
	// No reply after the end of DATA: the server may have accepted it.
	w.drop()
	return attempt{out: outUnknown, note: "no reply after the end of DATA: " + err.Error()}
}

// settle records the outcome of a transaction whose DATA began: the
// record moves from sending to the outcome's state.
func (w *worker) settle(m *message, a attempt) attempt {
	mv, after := w.settleMove(m, a)
	return w.settleDone(m, a, mv, after, w.apply(mv))
}

// settleMove is the journal move that records a's outcome; after is the
// sent log entry to write once it is applied, when the journal does not
// keep the log itself.
func (w *worker) settleMove(m *message, a attempt) (mv Move, after *digest.Sent) {
	return w.move(m, StateSending, a.out.state(), Update{Detail: a.detail(), At: w.r.s.cfg.Now()})
}

// settleDone finishes a settle whose move returned err. If another
// process took our "sending" for a crash's leftover and wrote unknown, the
// outcome is recorded over it: we know it.
func (w *worker) settleDone(m *message, a attempt, mv Move, after *digest.Sent, err error) attempt {
	logErr, err := w.moved(m, mv, after, err)
	var ce *ConflictError
	if errors.As(err, &ce) && ce.Got == StateUnknown {
		u := mv.Update
		u.Sent = nil
		logErr, err = w.transition(m, StateUnknown, mv.To, u)
	}
	if err != nil {
		return w.fatal(err)
	}
	a.logErr = logErr
	return a
}

// transition moves m's record from one state to another. A move to sent
// also records the send in the job's sent log: in the same commit when the
// journal keeps that log (SentJournal), else right after. A failing sent
// log never stops the message being recorded as sent; its error is
// returned as logErr.
func (w *worker) transition(m *message, from, to State, u Update) (logErr, err error) {
	mv, after := w.move(m, from, to, u)
	return w.moved(m, mv, after, w.apply(mv))
}

// move is the journal move of m's record from one state to another. A
// move to sent carries the job's sent log entry when the journal keeps
// that log; otherwise after is the entry, to write once the move is
// applied.
func (w *worker) move(m *message, from, to State, u Update) (mv Move, after *digest.Sent) {
	mv = Move{Key: m.job.Key, From: from, To: to, Update: u}
	rec := m.job.Sent
	if to != StateSent || rec == nil {
		return mv, nil
	}
	entry := rec.Entry(u.At)
	if sj, ok := w.r.s.cfg.Journal.(SentJournal); ok && sj.KeepsLog(rec.Log) {
		mv.Update.Sent = &entry
		return mv, nil
	}
	return mv, &entry
}

// moved finishes a move the journal answered with err: when the sent log
// entry inside the journal's commit failed (nothing was committed), the
// move is made again without it and the log's error returned as logErr;
// an entry for a log the journal does not keep is written now.
func (w *worker) moved(m *message, mv Move, after *digest.Sent, err error) (logErr, _ error) {
	var le *LogError
	if mv.Update.Sent != nil && errors.As(err, &le) {
		plain := mv.Update
		plain.Sent = nil
		return le, w.r.s.cfg.Journal.Transition(w.jctx(), mv.Key, mv.From, mv.To, plain)
	}
	if err != nil || after == nil {
		return nil, err
	}
	if err := m.job.Sent.Log.MarkSent(w.jctx(), *after); err != nil {
		return fmt.Errorf("after-send hook: %w", err), nil
	}
	return nil, nil
}

// apply makes one journal move.
func (w *worker) apply(mv Move) error {
	return w.r.s.cfg.Journal.Transition(w.jctx(), mv.Key, mv.From, mv.To, mv.Update)
}

// fatal stops the run on a journal error.
func (w *worker) fatal(err error) attempt {
	w.r.fail(err)
	return attempt{out: outFatal, note: err.Error()}
}

// reset ends the transaction on a session that is still fine, dropping
// the session if even that fails.
func (w *worker) reset() {
	if err := w.c.Reset(); err != nil {
		w.drop()
	}
}
