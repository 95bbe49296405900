package feedback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/khabar/khabar/digest"
)

// Processor applies reports to a subscriber store, through
// digest.Lifecycle.Change with the report's Ref, so that processing the
// same message twice changes nothing:
//
//   - a hard bounce marks the address bounced;
//   - a soft bounce is recorded (digest.EventSoftBounce); soft bounces
//     about SoftBounces editions within SoftWindow mark it bounced (a mail
//     server's notices about one edition, "delayed 4 hours" then "delayed
//     a day", count once);
//   - a complaint marks it complained (suppressed);
//   - an unsubscribe request with a valid token marks it unsubscribed;
//   - an Unknown report changes nothing.
//
// Only active and pending subscribers become bounced or unsubscribed; a
// complaint suppresses whatever the status. A report about an edition
// that went out before the address last confirmed its subscription
// changes nothing: it is a replay from before the address subscribed
// again (whoever saw one of its return paths could send it), or news about
// mail it has since asked for anew.
//
// Anyone can mail the bounce address a report that names any address, so
// a report is believed only for an address it proves was sent mail: the
// one a signed return path names, when the report carries one that
// Tokens verifies and the store holds its address (a bounce comes back
// to the return path; an ARF report quotes it). The recipients a report
// names without such a return path change nothing: their actions say
// "nothing: not credible", unless TrustRecipients is set. A return path
// carries a hash of the address, not the address: the Processor finds it
// by hashing the store's addresses (EachSubscriber), once, and again at
// most once a minute when a hash is missing.
//
// With TrustRecipients, an address the store does not hold still gets
// its event, and a hard bounce or complaint a record of the address and
// the status (as digest.Suppressor does), so that an address imported
// later stays suppressed; a soft bounce of such an address adds only the
// event. An unsubscribe request's token names its address, so such a
// request may suppress an address the store does not hold.
//
// A Processor is safe for concurrent use; do not change its fields while
// it is in use.
type Processor struct {
	// Store is the subscriber store (required).
	Store digest.Lifecycle
	// Tokens verifies return paths and mailto: tokens; nil means neither
	// is trusted: return paths are ignored and mailto: requests change
	// nothing.
	Tokens *digest.Tokens
	// Lists are the lists whose mailto: unsubscribe tokens are accepted,
	// as digest.UnsubscribeHandler's Lists [digest.DefaultList].
	Lists []string
	// TrustRecipients believes the recipients a bounce or complaint
	// names when no signed return path in it maps to a subscriber. Set it
	// only when nothing but your own mail servers and provider can put
	// mail in the folder processed; false, the default, means such a
	// report changes nothing (see above).
	TrustRecipients bool
	// Parser reads the messages [the zero Parser's limits].
	Parser Parser
	// SoftBounces is how many editions soft-bounced within SoftWindow
	// mark an address bounced [3].
	SoftBounces int
	// SoftWindow is the window SoftBounces are counted in [14 days].
	SoftWindow time.Duration
	// Now is the clock [time.Now]; an event's time is the report's Date
	// when it has one that is not in the future, else Now.
	Now func() time.Time

	mu      sync.Mutex
	byHash  map[string]string // digest.AddressHash → address
	indexed time.Time
}

// Result is what became of one message.
type Result struct {
	// File is the message's path (ProcessDir) or "".
	File string
	// Report is the parsed report; nil when Err is a parse error.
	Report *Report
	// Actions are what was done per address; none for an Unknown report.
	Actions []Action
	// Err is why the message could not be read or applied.
	Err error
}

// Action is what was done for one address.
type Action struct {
	// Email is the address.
	Email string
	// Kind is the report's kind for it.
	Kind Kind
	// Edition is the edition a return path named, or "".
	Edition string
	// Changed reports whether the store changed (false when the message
	// was processed before).
	Changed bool
	// Did says what was done, for people: "marked bounced", "already
	// processed", "soft bounce 2 of 3 within 14 days"…
	Did string
}

// ErrNoStore is returned by a Processor without a Store.
var ErrNoStore = errors.New("feedback: processor without a store")

// Process reads one message and applies it. The error is Result.Err.
func (p *Processor) Process(ctx context.Context, r io.Reader) (Result, error) {
	res := p.process(ctx, r)
	return res, res.Err
}

func (p *Processor) process(ctx context.Context, r io.Reader) Result {
	if p.Store == nil {
		return Result{Err: ErrNoStore}
	}
	rep, err := p.Parser.Parse(r)
	if err != nil {
		return Result{Err: err}
	}
	res := Result{Report: rep}
	res.Actions, res.Err = p.apply(ctx, rep)
	return res
}

// ProcessDir processes every message of a folder: a Maildir's new/ and
// cur/ (when dir has either), else the files of dir itself (.eml or any
// other regular file, dot files excepted), in name order. A message that
// cannot be read or applied gives its Result.Err and does not stop the
// others; the error is about the folder, or the context's.
func (p *Processor) ProcessDir(ctx context.Context, dir string) ([]Result, error) {
	dirs := []string{dir}
	if isDir(filepath.Join(dir, "new")) || isDir(filepath.Join(dir, "cur")) {
		dirs = []string{filepath.Join(dir, "new"), filepath.Join(dir, "cur")}
	}
	var files []string
	for _, d := range dirs {
		entries, err := os.ReadDir(d)
		if errors.Is(err, os.ErrNotExist) && d != dir {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				files = append(files, filepath.Join(d, e.Name()))
			}
		}
	}
	var out []Result
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		fh, err := os.Open(f)
		var res Result
		if err != nil {
			res.Err = err
		} else {
			res = p.process(ctx, fh)
			fh.Close()
		}
		res.File = f
		out = append(out, res)
	}
	return out, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// target is one address to apply a report to; when ignore is set, only
// to report, with that reason.
type target struct {
	email, edition string
	r              Recipient
	ignore         string
}

// apply maps the report to addresses and changes each.
func (p *Processor) apply(ctx context.Context, rep *Report) ([]Action, error) {
	if rep.Kind == Unknown {
		return nil, nil
	}
	targets, why, err := p.targets(ctx, rep)
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return []Action{{Kind: rep.Kind, Did: "nothing: " + why}}, nil
	}
	var acts []Action
	var errs []error
	for _, t := range targets {
		if t.ignore != "" {
			acts = append(acts, Action{Email: t.email, Kind: t.r.Kind, Did: "nothing: " + t.ignore})
			continue
		}
		a, err := p.change(ctx, rep, t)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", t.email, err))
			a = Action{Email: t.email, Kind: t.r.Kind, Edition: t.edition, Did: "failed: " + err.Error()}
		}
		acts = append(acts, a)
	}
	return acts, errors.Join(errs...)
}

// targets returns the addresses a report is about.
func (p *Processor) targets(ctx context.Context, rep *Report) ([]target, string, error) {
	if rep.Kind == Unsubscribe {
		if p.Tokens == nil {
			return nil, "no Tokens to verify the request's token", nil
		}
		c, err := p.Tokens.Verify(rep.Token)
		if err != nil && !(errors.Is(err, digest.ErrTokenExpired) && c.Email != "") {
			// An expired token is genuine: withdrawing consent stays easy.
			return nil, "token refused: " + err.Error(), nil
		}
		if lists := p.Lists; !slices.Contains(lists, c.List) && (len(lists) > 0 || c.List != digest.DefaultList) {
			return nil, fmt.Sprintf("token refused: list %q is not one this processor accepts", c.List), nil
		}
		return []target{{email: c.Email, r: Recipient{Email: c.Email, Kind: Unsubscribe, Diagnostic: "list " + c.List}}}, "", nil
	}
	if p.Tokens != nil {
		for _, rp := range rep.ReturnPaths {
			c, err := p.Tokens.VerifyReturnPath(rp)
			if err != nil {
				continue
			}
			email, err := p.lookup(ctx, c.AddressHash)
			if err != nil {
				return nil, "", err
			}
			if email == "" {
				continue
			}
			t := target{email: email, edition: c.Edition}
			for _, r := range rep.Recipients {
				if strings.EqualFold(r.Email, email) || r.Final != "" && strings.EqualFold(r.Final, email) {
					t.r = r
				}
			}
			if t.r.Kind == "" { // the worst of what the report says
				t.r = Recipient{Email: email, Kind: rep.Kind, Status: map[Kind]string{HardBounce: "5.0.0", SoftBounce: "4.0.0"}[rep.Kind]}
				for _, r := range rep.Recipients {
					if r.Kind == rep.Kind {
						t.r = r
						break
					}
				}
				t.r.Email = email
			}
			return []target{t}, "", nil
		}
	}
	var out []target
	for _, r := range rep.Recipients {
		if !slices.ContainsFunc(out, func(t target) bool { return strings.EqualFold(t.email, r.Email) }) {
			out = append(out, target{email: r.Email, r: r, ignore: untrusted})
		}
	}
	if p.TrustRecipients {
		for i := range out {
			out[i].ignore = ""
		}
	}
	if len(out) == 0 {
		return nil, "no recipient in the report and no signed return path that maps to a subscriber", nil
	}
	return out, "", nil
}

// untrusted is why a recipient named without a return path that maps
// changes nothing (Processor.TrustRecipients).
const untrusted = "not credible: no signed return path names the address, and anyone can mail a bounce naming any address"

// lookup finds the stored address with the given AddressHash, reading
// the store's addresses once and again when one is missing (at most once
// a minute).
func (p *Processor) lookup(ctx context.Context, hash string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.byHash[hash]; ok {
		return e, nil
	}
	now := p.now()
	if p.byHash != nil && now.Sub(p.indexed) < time.Minute {
		return "", nil
	}
	idx := map[string]string{}
	err := p.Store.EachSubscriber(ctx, func(s *digest.Subscriber) error {
		idx[digest.AddressHash(s.Email)] = s.Email
		// A message sent before EmailKey read domains as IDNA does
		// carries the hash of the address lower-cased.
		if old := digest.LegacyEmailKey(s.Email); old != digest.EmailKey(s.Email) {
			sum := digest.AddressHashOfKey(old)
			if _, taken := idx[sum]; !taken {
				idx[sum] = s.Email
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	p.byHash, p.indexed = idx, now
	return idx[hash], nil
}

func (p *Processor) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}
