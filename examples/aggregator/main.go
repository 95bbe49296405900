// Command aggregator polls the upstream feeds listed in an OPML file and
// serves everything it has fetched as one site's feeds (RSS, Atom and JSON
// Feed, per category, tag and author) with package feed's handler.
//
//	go run ./examples/aggregator                      # bundled fixtures
//	go run ./examples/aggregator -opml feeds.opml     # your feeds
//
// With no -opml it serves testdata/upstream itself on a loopback port and
// aggregates the feeds listed in testdata/upstream/feeds.opml (their
// xmlUrl values are relative to that server); only that one loopback
// address is let through the fetcher's SSRF guard.
//
// Flags:
//
//	-opml FILE        feed list (OPML); relative xmlUrl values are refused
//	-addr HOST:PORT   where to serve the feeds (default 127.0.0.1:8081)
//	-allow-private    let the fetcher reach loopback and private addresses
//	-db URL|FILE      keep the poll state and the articles in a store: a
//	                  postgres:// URL (any number of aggregators share the
//	                  feeds, each polled by one at a time, and serve every
//	                  article any of them fetched) or an SQLite file (the
//	                  same, for processes on one machine); replaces -state
//	                  and -archive (default: none)
//	-state FILE       keep per-feed state (validators, schedule, errors)
//	                  in FILE across restarts (default: in memory)
//	-archive FILE     keep the fetched articles in FILE (JSON Lines)
//	                  across restarts (default: in memory)
//	-undated          keep items without a usable date, dated when first
//	                  seen (default true; -undated=false leaves them out)
//	-max-age DURATION drop articles published longer ago than this after
//	                  each round (default 0: keep every article fetched)
//	-once             poll every feed once, print a summary and exit (with
//	                  -db: every feed due, in rounds, leaving to the other
//	                  aggregators the feeds they claimed)
//	-fixtures DIR     the fixture folder served without -opml
//	-fixtures-addr A  where to serve it (default 127.0.0.1:0, a free port;
//	                  article IDs include the feed URL, so keep it fixed
//	                  across restarts when using -archive)
//
// GET / lists the feeds being polled and their state; the feeds are at
// /feed/, /feed/atom/, /feed/json/, /category/{path}/feed/ and so on.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/examples/internal/indexpage"
	exserve "github.com/khabar/khabar/examples/internal/serve"
	"github.com/khabar/khabar/feed"
	"github.com/khabar/khabar/feed/upstream"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, nil); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}

// options are the command-line flags.
type options struct {
	opml, addr, state, archive, fixtures string
	db                                   string
	fixturesAddr                         string
	allowPrivate, once, undated          bool
	maxAge                               time.Duration
}

func parseFlags(args []string, out io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("aggregator", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.opml, "opml", "", "OPML `file` listing the feeds to poll (default: the bundled fixtures)")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8081", "`address` to serve the merged feeds on")
	fs.BoolVar(&o.allowPrivate, "allow-private", false, "allow fetching from loopback and private addresses")
	fs.StringVar(&o.db, "db", "", "store for poll state and articles: a postgres:// `URL` or an SQLite file (replaces -state and -archive)")
	fs.StringVar(&o.state, "state", "", "JSON `file` keeping per-feed state across restarts")
	fs.StringVar(&o.archive, "archive", "", "JSON Lines `file` keeping the fetched articles across restarts")
	fs.BoolVar(&o.undated, "undated", true, "keep items without a usable date, dated when first seen")
	fs.DurationVar(&o.maxAge, "max-age", 0, "drop articles published longer ago than this (0 keeps all)")
	fs.BoolVar(&o.once, "once", false, "poll every feed once, print a summary and exit")
	fs.StringVar(&o.fixtures, "fixtures", "", "fixture `folder` served when no -opml is given (default: testdata/upstream)")
	fs.StringVar(&o.fixturesAddr, "fixtures-addr", "127.0.0.1:0", "loopback `address` the fixtures are served on (article IDs depend on it: keep it fixed across restarts when using -archive)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.db != "" && (o.state != "" || o.archive != "") {
		return o, errors.New("-db replaces -state and -archive: give one or the other")
	}
	return o, nil
}

// fixtureDir finds testdata/upstream from the working directory or from
// this source file.
func fixtureDir() (string, error) {
	cands := []string{"testdata/upstream"}
	if _, file, _, ok := runtime.Caller(0); ok {
		cands = append(cands, filepath.Join(filepath.Dir(file), "..", "..", "testdata", "upstream"))
	}
	for _, c := range cands {
		if _, err := os.Stat(filepath.Join(c, "feeds.opml")); err == nil {
			return c, nil
		}
	}
	return "", errors.New("cannot find testdata/upstream/feeds.opml: run from the repository root or pass -fixtures")
}

// ist is the time zone of the aggregated site's feeds and of undated
// upstream dates.
var ist = time.FixedZone("IST", 5*3600+1800)

// run is the program; ready, when not nil, receives the address served on.
func run(ctx context.Context, args []string, out io.Writer, ready chan<- string) error {
	o, err := parseFlags(args, out)
	if err != nil {
		return err
	}
	fetcher := &upstream.Fetcher{AllowPrivate: o.allowPrivate}
	subs, closeFixtures, err := subscriptions(o, fetcher, out)
	if err != nil {
		return err
	}
	defer closeFixtures()
	if len(subs) == 0 {
		return errors.New("no feeds to poll")
	}
	cat := khabar.NewCatalog()
	var store upstream.Store = &upstream.MemoryStore{}
	var sh *shared
	if o.db != "" {
		if sh, err = openShared(ctx, o.db, cat, out); err != nil {
			return err
		}
		defer sh.close()
		store = sh.stores.PollState
	} else {
		if err := loadArchive(o.archive, cat, out); err != nil {
			return err
		}
		if o.state != "" {
			fs, err := upstream.OpenFileStore(o.state)
			if err != nil {
				return err
			}
			store = fs
		}
	}
	st := &status{}
	poller := &upstream.Poller{
		Catalog:  cat,
		Articles: sh.articles(),
		Fetcher:  fetcher,
		Parser:   &upstream.Parser{Location: ist},
		Store:    store,
		OnPoll:   st.record,
		// Keep every item fetched: an undated one is dated when first
		// seen (its missing date is still reported).
		UndatedFirstSeen: o.undated,
	}
	poller.Add(subs...)

	if o.once {
		reports := sh.pollOnce(ctx, poller)
		for _, r := range reports {
			fmt.Fprintln(out, summary(r))
		}
		sh.catchUp(ctx)
		err := endRound(ctx, o, cat, sh)
		fmt.Fprintf(out, "%d feeds, %d articles in the catalog\n", len(reports), cat.Len())
		return err
	}
	stopServing, err := serve(o.addr, cat, poller, st, out, ready)
	if err != nil {
		return err
	}
	defer stopServing()
	return pollForever(ctx, o, cat, poller, sh, out)
}

// subscriptions reads the feed list: -opml, or the bundled fixtures served
// on a loopback port that only the fetcher's guard is opened to. The
// returned function stops the fixture server.
func subscriptions(o options, fetcher *upstream.Fetcher, out io.Writer) ([]upstream.Subscription, func(), error) {
	noop := func() {}
	if o.opml != "" {
		data, err := os.ReadFile(o.opml)
		if err != nil {
			return nil, noop, err
		}
		subs, err := upstream.ReadOPML(bytes.NewReader(data), nil)
		if err != nil {
			if len(subs) == 0 {
				return nil, noop, err
			}
			fmt.Fprintf(out, "warning: %v\n", err)
		}
		return subs, noop, nil
	}
	dir := o.fixtures
	if dir == "" {
		var err error
		if dir, err = fixtureDir(); err != nil {
			return nil, noop, err
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "feeds.opml"))
	if err != nil {
		return nil, noop, err
	}
	base, closeFixtures, err := serveFixtures(dir, o.fixturesAddr)
	if err != nil {
		return nil, noop, err
	}
	subs, err := upstream.ReadOPML(bytes.NewReader(data), base)
	if err != nil {
		closeFixtures()
		return nil, noop, err
	}
	// Let the guard through to the fixture server only.
	ap, _ := netip.ParseAddrPort(base.Host)
	fetcher.AllowNets = []netip.Prefix{netip.PrefixFrom(ap.Addr(), ap.Addr().BitLen())}
	fmt.Fprintf(out, "serving %s at %s\n", dir, base)
	return subs, closeFixtures, nil
}

// loadArchive reads the -archive file into cat, if there is one.
func loadArchive(archive string, cat *khabar.Catalog, out io.Writer) error {
	if archive == "" {
		return nil
	}
	f, err := os.Open(archive)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	n, rerr := cat.ReadJSONL(f)
	if rerr != nil {
		fmt.Fprintf(out, "warning: archive: %v\n", rerr)
	}
	fmt.Fprintf(out, "loaded %d articles from %s\n", n, archive)
	return nil
}

// serve serves cat's feeds and the status page on addr, in the background
// until the returned function is called.
func serve(addr string, cat *khabar.Catalog, poller *upstream.Poller, st *status, out io.Writer, ready chan<- string) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	home := exserve.Home(ln.Addr())
	h, err := feed.NewHandler(cat, feed.Config{
		HomeURL:     home,
		IDHost:      exserve.IDHost(home),
		Title:       "khabar aggregator",
		Description: "Articles merged from upstream feeds",
		Language:    "hi",
		Location:    ist,
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	site := &indexpage.Site{Feeds: h, Catalog: cat, Title: "khabar aggregator", Location: ist,
		Upstream: func() []indexpage.Upstream { return st.upstream(poller.Subscriptions()) }}
	srv := &http.Server{Handler: site, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintf(out, "serving the merged feeds at %sfeed/ (and /feed/atom/, /feed/json/); status at %s\n", home, home)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	return func() { srv.Close(); h.Close() }, nil
}

// pollForever polls the feeds that are due every minute, prunes and saves
// the archive, until ctx ends.
func pollForever(ctx context.Context, o options, cat *khabar.Catalog, poller *upstream.Poller, sh *shared, out io.Writer) error {
	for {
		for _, r := range poller.PollDue(ctx) {
			fmt.Fprintln(out, summary(r))
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := endRound(ctx, o, cat, sh); err != nil {
			fmt.Fprintf(out, "warning: %v\n", err)
		}
		t := time.NewTimer(time.Minute)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// endRound is what follows each round of polls, -once's too: articles
// older than -max-age are dropped (from the store as well, with -db), and
// the -archive is saved.
func endRound(ctx context.Context, o options, cat *khabar.Catalog, sh *shared) error {
	var errs []error
	if o.maxAge > 0 {
		errs = append(errs, sh.prune(ctx, cat, time.Now().Add(-o.maxAge)))
	}
	errs = append(errs, saveArchive(o.archive, cat))
	return errors.Join(errs...)
}

// serveFixtures serves dir on a loopback port and returns its base URL.
func serveFixtures(dir, addr string) (*url.URL, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	base, _ := url.Parse("http://" + ln.Addr().String() + "/")
	return base, func() { srv.Close() }, nil
}

func summary(r upstream.Report) string {
	var b strings.Builder
	switch {
	case r.Failed:
		fmt.Fprintf(&b, "FAIL %s: %v", r.URL, r.Err)
		if errors.Is(r.Err, upstream.ErrForbiddenAddress) {
			b.WriteString(" (-allow-private lets the aggregator fetch it)")
		}
	case r.NotModified:
		fmt.Fprintf(&b, "304  %s", r.URL)
	default:
		fmt.Fprintf(&b, "ok   %s: %d read, %d stored", r.URL, r.Articles, r.Stored)
		if r.Err != nil {
			fmt.Fprintf(&b, " (%s)", firstLine(r.Err))
		}
		if r.MovedTo != "" {
			fmt.Fprintf(&b, "; redirected to %s: update the OPML", r.MovedTo)
		}
	}
	if !r.NextPoll.IsZero() {
		fmt.Fprintf(&b, "; next poll %s", r.NextPoll.Format(time.TimeOnly))
	}
	return b.String()
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// saveArchive writes the catalog to path atomically; "" does nothing.
func saveArchive(path string, cat *khabar.Catalog) error {
	if path == "" {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := cat.WriteJSONL(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// status remembers the last report of each feed for the index page.
type status struct {
	mu   sync.Mutex
	last map[string]upstream.Report
}

func (s *status) record(r upstream.Report) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		s.last = make(map[string]upstream.Report)
	}
	s.last[r.URL] = r
}

// upstream is what the home page shows of each polled feed.
func (s *status) upstream(subs []upstream.Subscription) []indexpage.Upstream {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]indexpage.Upstream, 0, len(subs))
	for _, sub := range subs {
		u := indexpage.Upstream{URL: sub.URL, Title: sub.Title}
		if rep, ok := s.last[sub.URL]; ok {
			switch {
			case rep.Failed:
				u.Status, u.Error = "failed", firstLine(rep.Err)
			case rep.NotModified:
				u.Status = "not-modified"
			case rep.Err != nil:
				u.Status, u.Error = "partial", firstLine(rep.Err)
			default:
				u.Status = "ok"
			}
			u.Stored, u.Next = rep.Stored, rep.NextPoll
		}
		out = append(out, u)
	}
	return out
}
