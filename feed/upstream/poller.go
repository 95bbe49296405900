package upstream

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/khabar/khabar"
)

// Defaults of the Poller's limits.
const (
	DefaultConcurrency = 8
	DefaultPerHost     = 2
)

// Poller polls many upstream feeds and upserts their articles into a
// Catalog. Articles are only ever added or updated, never removed: an item
// that drops off its feed stays in the catalog.
//
// Set the fields, Add subscriptions, then call PollDue (one round) or Run
// (rounds until the context ends). A Poller is safe for concurrent use;
// the fields must not change after the first poll.
//
// Several Pollers, in one process or on many machines, split their feeds
// when they share a Store that is a Leaser: each round a Poller claims
// due feeds (at most ClaimBatch) for Lease, polls them and finishes each
// claim with the new state, so that every feed is polled by one Poller at
// a time, on schedule, with shared conditional-GET state and backoff. A
// Poller that dies holding claims leaves them to the others when the
// lease ends.
type Poller struct {
	// Catalog receives the articles. Required. It is also what the
	// Poller knows of the articles already stored: the IDs of items that
	// share a GUID depend on it (see DedupeKey), so Pollers that share
	// feeds want catalogs that follow one article store.
	Catalog *khabar.Catalog
	// Fetcher fetches; nil means a Fetcher with default settings (and so
	// the SSRF guard on).
	Fetcher *Fetcher
	// Parser parses; nil means a zero Parser.
	Parser *Parser
	// Store keeps the per-feed state; nil means a MemoryStore. A Store
	// that is a Leaser is shared with other Pollers (see above).
	Store Store
	// Articles, when set, receives the valid articles of every poll as
	// well as Catalog: an article store that other processes follow
	// (khabar.Follower), say. Its errors are reported like the catalog's.
	Articles ArticleWriter
	// Owner names this Poller in a Leaser's claims; empty means the host
	// name, the process ID and a random part.
	Owner string
	// Lease is how long a claimed feed stays this Poller's; 0 means
	// DefaultLease. It must exceed the time a poll may take, queueing
	// behind Concurrency and PerHost included.
	Lease time.Duration
	// ClaimBatch bounds the feeds claimed in one round, leaving the rest
	// to other Pollers; 0 means 4 × Concurrency.
	ClaimBatch int
	// Concurrency bounds the polls in flight; 0 means 8.
	Concurrency int
	// PerHost bounds the polls in flight to one host; 0 means 2.
	PerHost int
	// OnPoll, when set, is called after each poll with its report (from
	// the polling goroutine: it must be safe for concurrent use).
	OnPoll func(Report)
	// UndatedFirstSeen lets items without a usable date into the catalog,
	// dated when the Poller first saw them: the fetch time (in the
	// Parser's Location, to the second) the first time, and the stored
	// article's date on every later poll, so re-polling never moves it.
	// The item's *ItemError (ErrMissingDate or ErrBadDate) is still in the
	// Report. False, the default, leaves such items out: khabar's Validate
	// requires a publication date, and the Parser never invents one.
	UndatedFirstSeen bool

	initOnce sync.Once
	fetcher  *Fetcher
	parser   *Parser
	store    Store
	leaser   Leaser // store, when it is one
	owner    string
	global   chan struct{}

	mu    sync.Mutex
	subs  []Subscription
	hosts map[string]chan struct{}
}

// Report is the outcome of polling one feed.
type Report struct {
	// URL is the feed's address.
	URL string
	// NotModified is true when the server answered 304.
	NotModified bool
	// MovedTo is where redirects led, when the feed was served from
	// another address; the subscription keeps its URL (and so its
	// articles' IDs), but its owner may want to update it.
	MovedTo string
	// Articles is how many articles were read; Stored how many of them
	// were valid and upserted (new, changed or unchanged).
	Articles int
	Stored   int
	// Err is why the poll failed, or, when it succeeded, the *ParseError
	// and *ValidationError values of what could not be stored (nil when
	// everything was).
	Err error
	// Failed is true when the poll failed as a whole (fetch error or an
	// unreadable document).
	Failed bool
	// NextPoll is when the feed is due again.
	NextPoll time.Time
}

func (p *Poller) init() {
	p.fetcher = p.Fetcher
	if p.fetcher == nil {
		p.fetcher = &Fetcher{}
	}
	p.parser = p.Parser
	if p.parser == nil {
		p.parser = &Parser{}
	}
	p.store = p.Store
	if p.store == nil {
		p.store = &MemoryStore{}
	}
	n := p.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	p.global = make(chan struct{}, n)
	p.leaser, _ = p.store.(Leaser)
	p.owner = p.Owner
	if p.owner == "" {
		p.owner = newOwner()
	}
}

// ArticleWriter is where a Poller also writes the articles it fetched
// (Poller.Articles); khabar.ArticleStore implementations are ones.
type ArticleWriter interface {
	Put(ctx context.Context, as ...*khabar.Article) error
}

// Add subscribes to feeds; a URL already subscribed is updated in place.
func (p *Poller) Add(subs ...Subscription) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range subs {
		if i := slices.IndexFunc(p.subs, func(x Subscription) bool { return x.URL == s.URL }); i >= 0 {
			p.subs[i] = s
			continue
		}
		p.subs = append(p.subs, s)
	}
}

// Remove unsubscribes from feedURL; its articles stay in the catalog.
func (p *Poller) Remove(feedURL string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.subs = slices.DeleteFunc(p.subs, func(x Subscription) bool { return x.URL == feedURL })
}

// Subscriptions returns the feeds subscribed to, in the order added.
func (p *Poller) Subscriptions() []Subscription {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.subs)
}

func (p *Poller) hostSem(feedURL string) chan struct{} {
	host := feedURL
	if u, err := url.Parse(feedURL); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	n := p.PerHost
	if n <= 0 {
		n = DefaultPerHost
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hosts == nil {
		p.hosts = make(map[string]chan struct{})
	}
	sem := p.hosts[host]
	if sem == nil {
		sem = make(chan struct{}, n)
		p.hosts[host] = sem
	}
	return sem
}

// PollDue polls, concurrently within the limits, every subscribed feed
// whose next poll time has come (feeds never polled are due), waits for
// them, and returns their reports in subscription order. A store error
// is returned in the affected report's Err. With a Leaser, only the feeds
// this Poller claimed are polled, and a failed claim is one failed report
// with an empty URL.
func (p *Poller) PollDue(ctx context.Context) []Report {
	return p.poll(ctx, false)
}

// PollAll polls every subscribed feed now, whatever its schedule.
func (p *Poller) PollAll(ctx context.Context) []Report {
	return p.poll(ctx, true)
}

func (p *Poller) poll(ctx context.Context, all bool) []Report {
	p.initOnce.Do(p.init)
	if p.leaser != nil {
		return p.pollClaimed(ctx, all)
	}
	subs := p.Subscriptions()
	now := p.fetcher.now()
	reports := make([]Report, len(subs))
	due := make([]bool, len(subs))
	var wg sync.WaitGroup
	for i, s := range subs {
		st, err := p.store.Load(ctx, s.URL)
		if err != nil && !errors.Is(err, ErrUnknownFeed) {
			reports[i] = Report{URL: s.URL, Err: err, Failed: true}
			due[i] = true
			continue
		}
		if !all && st.NextPoll.After(now) {
			continue
		}
		due[i] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i] = p.pollOne(ctx, s, st)
			if p.OnPoll != nil {
				p.OnPoll(reports[i])
			}
		}()
	}
	wg.Wait()
	out := reports[:0]
	for i, r := range reports {
		if due[i] {
			out = append(out, r)
		}
	}
	return out
}

// pollOne fetches, parses and stores one feed within the limits.
func (p *Poller) pollOne(ctx context.Context, s Subscription, st State) Report {
	rep := Report{URL: s.URL}
	if p.Catalog == nil {
		rep.Err, rep.Failed = ErrNoCatalog, true
		return rep
	}
	release, err := p.acquire(ctx, s.URL)
	if err != nil {
		rep.Err, rep.Failed = err, true
		return rep
	}
	defer release()

	st.URL = s.URL
	res, err := p.fetcher.Fetch(ctx, s.URL, &st)
	if err != nil && ctx.Err() != nil {
		// Shutting down is not the feed's failure: leave its state alone.
		rep.Err, rep.Failed = err, true
		return rep
	}
	var feed *Feed
	var partial error
	switch {
	case err != nil:
	case res.NotModified:
		rep.NotModified = true
	default:
		if res.URL != s.URL {
			rep.MovedTo = res.URL
		}
		feed, partial = p.parser.parseResult(res, s.URL, p.storedLink)
		if feed == nil {
			err, partial = partial, nil
		}
	}
	if err != nil {
		rep.Err, rep.Failed = err, true
		p.fetcher.Update(&st, nil, nil, err)
	} else {
		p.fetcher.Update(&st, res, feed, nil)
	}
	var errs []error
	if partial != nil {
		errs = append(errs, partial)
		st.LastError = partial.Error()
		var pe *ParseError
		if errors.As(partial, &pe) && pe.Err != nil {
			// A cut or broken document must be fetched whole next time,
			// not answered with 304; a whole one over MaxItems (its only
			// problem a *LimitError) would read the same again.
			if _, whole := pe.Err.(*LimitError); !whole {
				st.ETag, st.LastModified = "", ""
			}
		}
	}
	if feed != nil {
		rep.Articles = len(feed.Articles)
		var stored int
		stored, errs = p.keep(ctx, s, feed, errs)
		rep.Stored = stored
	}
	if serr := p.save(ctx, st); serr != nil {
		errs = append(errs, serr)
	}
	if rep.Err == nil {
		rep.Err = errors.Join(errs...)
	} else {
		rep.Err = errors.Join(append([]error{rep.Err}, errs...)...)
	}
	rep.NextPoll = st.NextPoll
	return rep
}

// storedLink is a storedLink on the Catalog: the link of the article
// stored under id.
func (p *Poller) storedLink(id string) (string, bool) {
	if a, ok := p.Catalog.Get(id); ok {
		return a.URL, true
	}
	return "", false
}

// acquire takes a place under the global limit and one under the feed's
// host's, waiting for them; release gives both back.
func (p *Poller) acquire(ctx context.Context, feedURL string) (release func(), err error) {
	host := p.hostSem(feedURL)
	select {
	case p.global <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case host <- struct{}{}:
	case <-ctx.Done():
		<-p.global
		return nil, ctx.Err()
	}
	return func() { <-host; <-p.global }, nil
}

// keep dates the feed's undated articles when UndatedFirstSeen says so
// (keeping the date an article already has in the catalog), and writes
// the valid ones to the article store, when there is one, and the
// catalog. It returns how many it stored and errs with the problems
// added.
func (p *Poller) keep(ctx context.Context, s Subscription, feed *Feed, errs []error) (int, []error) {
	valid := make([]*khabar.Article, 0, len(feed.Articles))
	seen := p.fetcher.now().In(p.parser.loc()).Truncate(time.Second)
	for _, a := range feed.Articles {
		if a.Source != nil && a.Source.Title == "" {
			a.Source.Title = s.Title
		}
		if a.Published.IsZero() && p.UndatedFirstSeen {
			a.Published = seen
			if old, ok := p.Catalog.Get(a.ID); ok && !old.Published.IsZero() {
				a.Published = old.Published
			}
		}
		if verr := a.Validate(); verr != nil {
			errs = append(errs, verr)
			continue
		}
		valid = append(valid, a)
	}
	if p.Articles != nil && len(valid) > 0 {
		if perr := p.Articles.Put(ctx, valid...); perr != nil {
			errs = append(errs, perr)
		}
	}
	if uerr := p.Catalog.UpsertAll(valid); uerr != nil {
		errs = append(errs, uerr)
	}
	return len(valid), errs
}

// Run polls due feeds in rounds until ctx ends, sleeping until the next
// feed is due: at most maxSleep (0 means one minute), so that feeds added
// meanwhile are picked up, and at least a second (or maxSleep, if
// shorter). It returns ctx's error.
func (p *Poller) Run(ctx context.Context, maxSleep time.Duration) error {
	if maxSleep <= 0 {
		maxSleep = time.Minute
	}
	for {
		p.PollDue(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		now := p.fetcher.now()
		wait := maxSleep
		for _, s := range p.Subscriptions() {
			st, err := p.store.Load(ctx, s.URL)
			if err != nil {
				wait = 0
				break
			}
			wait = min(wait, max(st.NextPoll.Sub(now), 0))
		}
		// Never spin: a store that keeps failing, or a clock that jumps
		// back, would otherwise make every round start at once.
		wait = max(wait, min(time.Second, maxSleep))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// save stores st, ending this Poller's claim on it with a Leaser.
func (p *Poller) save(ctx context.Context, st State) error {
	if p.leaser != nil {
		return p.leaser.Finish(ctx, p.owner, st)
	}
	return p.store.Save(ctx, st)
}

// pollClaimed is poll with a Leaser: it claims due feeds (all: any
// feed), polls them and returns their reports in subscription order.
func (p *Poller) pollClaimed(ctx context.Context, all bool) []Report {
	subs := p.Subscriptions()
	urls := make([]string, len(subs))
	order := make(map[string]int, len(subs))
	for i, s := range subs {
		urls[i] = s.URL
		order[s.URL] = i
	}
	lease := p.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	limit := p.ClaimBatch
	if limit <= 0 {
		limit = 4 * cap(p.global)
	}
	now := p.fetcher.now()
	states, err := p.leaser.Claim(ctx, ClaimRequest{Owner: p.owner, URLs: urls, Now: now, Until: now.Add(lease), All: all, Limit: limit})
	if err != nil {
		return []Report{{Err: err, Failed: true}}
	}
	slices.SortFunc(states, func(a, b State) int { return order[a.URL] - order[b.URL] })
	reports := make([]Report, len(states))
	var wg sync.WaitGroup
	for i, st := range states {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i] = p.pollOne(ctx, subs[order[st.URL]], st)
			if p.OnPoll != nil {
				p.OnPoll(reports[i])
			}
		}()
	}
	wg.Wait()
	return reports
}
