package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
	"github.com/rivo/uniseg"
)

type options struct {
	data, subscribers, out, state, from, date, site string
	db                                              string           // -db: a SQLite file or a postgres:// URL ("": -state)
	cpuProfile, memProfile                          string           // -cpuprofile, -memprofile: pprof files to write
	bounces                                         string           // -bounces: a folder of returned mail to process instead of sending
	trustRecipients                                 bool             // -trust-recipients: believe bounces without a signed return path
	updateSubscribers                               bool             // -update-subscribers: the CSV replaces stored subscribers' choices
	stateSet                                        bool             // -state was given
	send                                            sendOptions      // -smtp and friends, see send.go
	now                                             func() time.Time // the clock of messages and tokens; nil: time.Now
}

func main() {
	// -h says "Usage of digest-sender" under go run too (whose binary
	// lives in the build cache), as the other examples' flag sets do.
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "Usage of digest-sender:")
		flag.PrintDefaults()
	}
	var o options
	flag.StringVar(&o.data, "data", "testdata/articles.jsonl", "articles, JSON Lines")
	flag.StringVar(&o.subscribers, "subscribers", "testdata/subscribers.csv", `subscribers, CSV ("" uses the store's)`)
	flag.BoolVar(&o.updateSubscribers, "update-subscribers", false, "let -subscribers replace the name, language, time zone and sections of the subscribers the store holds (by default only new addresses are added: a subscriber's own choices on the site stand)")
	flag.StringVar(&o.out, "out", "out", "folder for the .eml and .html files")
	flag.StringVar(&o.state, "state", "khabar-state.db", "the embedded store (SQLite file); -db's older name")
	flag.StringVar(&o.db, "db", "", "the store: a SQLite file (default -state's) or a postgres:// URL, shared by any number of senders")
	flag.StringVar(&o.from, "from", "ख़बर <digest@khabar.example>", `sender, "Name <addr@domain>"`)
	flag.StringVar(&o.date, "date", "", "edition date YYYY-MM-DD (default: the day of the newest article)")
	flag.StringVar(&o.site, "site", "https://khabar.example", "site address for the unsubscribe and web-version links")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) of the run to this file")
	flag.StringVar(&o.memProfile, "memprofile", "", "write a heap profile (pprof) at the end of the run to this file")
	flag.BoolVar(&o.trustRecipients, "trust-recipients", false, "with -bounces: believe the recipients a bounce or complaint names even without a signed return path (only for a folder nothing but your own mail servers can write to)")
	flag.StringVar(&o.bounces, "bounces", "", "process the returned mail in `DIR` (a Maildir or a folder of .eml files: bounces, complaints, mailto unsubscribes) instead of sending")
	registerSendFlags(flag.CommandLine, &o.send)
	flag.Parse()
	flag.Visit(func(f *flag.Flag) { o.stateSet = o.stateSet || f.Name == "state" })
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "digest-sender: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := profiled(o, func() error { return run(ctx, o, os.Stdout, os.Stderr) })
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "digest-sender:", err)
		os.Exit(1)
	}
}

// profiled runs fn with a CPU profile written to -cpuprofile and a heap
// profile to -memprofile, when given.
func profiled(o options, fn func() error) error {
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	err := fn()
	if o.memProfile != "" {
		f, ferr := os.Create(o.memProfile)
		if ferr != nil {
			return errors.Join(err, ferr)
		}
		runtime.GC() // up-to-date statistics
		ferr = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); ferr == nil {
			ferr = cerr
		}
		err = errors.Join(err, ferr)
	}
	return err
}

// deliverFunc hands one finished message over: writes it to files here,
// sends it elsewhere. buildAll calls it from one goroutine, in subscriber
// order, when given one worker, and from as many goroutines at once as it
// is given workers otherwise (writeFiles is safe for that).
type deliverFunc func(ctx context.Context, m *digest.Message) (detail string, err error)

// row is one line of the summary table.
type row struct {
	email, lang, result, detail string
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	if o.bounces != "" {
		return runBounces(ctx, o, stdout)
	}
	cat := khabar.NewCatalog()
	f, err := os.Open(o.data)
	if err != nil {
		return err
	}
	n, err := cat.ReadJSONL(f)
	f.Close()
	if err != nil {
		// Bad lines are reported; the good articles are loaded all the same.
		fmt.Fprintf(stderr, "warning: %s: %v\n", o.data, err)
	}
	if cat.Len() == 0 {
		return fmt.Errorf("%s: no articles", o.data)
	}
	fmt.Fprintf(stdout, "articles: %d read, %d in the catalog\n", n, cat.Len())

	st, err := openState(ctx, o)
	if err != nil {
		return err
	}
	defer st.close()
	store := st.store
	if o.subscribers != "" {
		if err := importSubscribers(ctx, store, o.subscribers, o.updateSubscribers, stdout, stderr); err != nil {
			return err
		}
	}

	secret, err := store.Secret(ctx, "unsubscribe-key-1", 32)
	if err != nil {
		return err
	}
	b, err := newBuilder(o, cat, store, secret)
	if err != nil {
		return err
	}
	if o.send.enabled() {
		return runSend(ctx, o, cat, b, st, stdout, stderr)
	}

	ed, err := edition(o.date, cat, b.Location())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "edition: %s\n\n", ed.ID())
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	rows, err := buildAll(ctx, b, ed, writeFiles(o.out), writeWorkers())
	printSummary(stdout, rows, o.out)
	return err
}

// newBuilder configures the digest for the example site.
func newBuilder(o options, cat *khabar.Catalog, store stateStore, secret []byte) (*digest.Builder, error) {
	if cat == nil || store == nil {
		return nil, errors.New("newBuilder needs a catalog and a store")
	}
	site := strings.TrimSuffix(o.site, "/")
	return digest.NewBuilder(digest.Config{
		Source:      cat,
		Subscribers: store,
		Sent:        store,
		From:        o.from,
		Publisher: digest.Publisher{
			Name:    "ख़बर",
			Address: "ख़बर मीडिया प्राइवेट लिमिटेड\n12, माल रोड, कानपुर 208001, उत्तर प्रदेश, भारत",
			URL:     site + "/",
		},
		UnsubscribeURL:    site + "/digest/unsubscribe",
		UnsubscribeMailto: "unsubscribe@" + domainOf(o.from),
		ReturnPath:        "bounces@" + domainOf(o.from),
		BrowserURL:        site + "/digest",
		PreferencesURL:    site + "/preferences",
		Tokens:            &digest.Tokens{Keys: []digest.TokenKey{{ID: "k1", Secret: secret}}, Now: o.now},
		Cutoff:            o.send.cutoff(),
		Now:               o.now,
	})
}

// importSubscribers imports the CSV at path: its new addresses only,
// unless update, since the list is read again on every run and a
// subscriber may have changed their language or sections on the site
// (examples/site, sharing the store) since it was written.
func importSubscribers(ctx context.Context, store stateStore, path string, update bool, stdout, stderr io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	subs, rerr := digest.ReadCSV(f)
	f.Close()
	if rerr != nil {
		// Bad rows are reported and left out; the good ones are imported.
		fmt.Fprintf(stderr, "warning: %s: %v\n", path, rerr)
	}
	read, held := len(subs), 0
	if !update {
		if subs, held, err = digest.NewOnly(ctx, store, subs); err != nil {
			return err
		}
	}
	res, err := store.Import(ctx, subs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "subscribers: %d read (%d new, %d updated", read, res.Added, res.Updated)
	if held > 0 {
		fmt.Fprintf(stdout, ", %d already stored, left as they are", held)
	}
	if res.Kept > 0 {
		fmt.Fprintf(stdout, ", %d kept unsubscribed or bounced", res.Kept)
	}
	fmt.Fprintln(stdout, ")")
	return nil
}

// edition returns the edition for -date, or for the day of the newest
// article in loc.
func edition(date string, cat *khabar.Catalog, loc *time.Location) (digest.Edition, error) {
	if date != "" {
		return digest.ParseEdition(date)
	}
	newest, _ := cat.Newest(khabar.SiteKey(), 0, 1)
	if len(newest) == 0 {
		return digest.Edition{}, errors.New("no articles to date the edition by")
	}
	return digest.EditionOf(newest[0].Published, loc), nil
}

// buildAll builds the edition for every subscriber and hands each message
// to deliver, collecting the summary in subscriber order. With workers > 1,
// deliver runs on that many goroutines, in parallel with the building
// (Builder.Each calls its function in order, one message at a time; here
// that function only queues the message): at most 2×workers messages wait
// or are being delivered, so memory does not grow with the subscribers.
// A failure for one subscriber is reported in its row and does not stop
// the others.
func buildAll(ctx context.Context, b *digest.Builder, ed digest.Edition, deliver deliverFunc, workers int) ([]row, error) {
	type handed struct {
		r *row
		m *digest.Message
	}
	var rows []*row // each written by the one goroutine that delivers it
	one := func(h handed) {
		detail, err := deliver(ctx, h.m)
		if err != nil {
			h.r.result, h.r.detail = "failed", err.Error()
		} else {
			h.r.result, h.r.detail = "written", detail
		}
	}
	var work chan handed
	var wg sync.WaitGroup
	if workers > 1 {
		work = make(chan handed, workers)
		for range workers {
			wg.Go(func() {
				for h := range work {
					one(h)
				}
			})
		}
	}
	err := b.Each(ctx, ed, func(m *digest.Message, err error) error {
		var skip *digest.SkipError
		var berr *digest.BuildError
		switch {
		case errors.As(err, &skip):
			rows = append(rows, &row{email: skip.Email, result: "skipped", detail: skip.Reason.String()})
		case errors.As(err, &berr):
			rows = append(rows, &row{email: berr.Email, result: "failed", detail: berr.Err.Error()})
		case err != nil:
			return err
		default:
			h := handed{&row{email: m.Subscriber.Email, lang: m.Language}, m}
			rows = append(rows, h.r)
			if work == nil {
				one(h)
			} else {
				work <- h
			}
		}
		return nil
	})
	if work != nil {
		close(work)
		wg.Wait()
	}
	out := make([]row, len(rows))
	for i, r := range rows {
		out[i] = *r
	}
	return out, err
}

// writeWorkers is how many goroutines write the dry run's files: two a
// core, since creating a file mostly waits on the kernel.
func writeWorkers() int { return 2 * runtime.GOMAXPROCS(0) }

// writeFiles returns the deliver step that writes NAME.eml and NAME.html
// into dir, NAME being the address made safe for a file name.
func writeFiles(dir string) deliverFunc {
	bufs := sync.Pool{New: func() any { return new(bytes.Buffer) }} // the .eml, written with one call
	return func(_ context.Context, m *digest.Message) (string, error) {
		name := fileName(m.Subscriber.Email)
		emlPath := filepath.Join(dir, name+".eml")
		buf := bufs.Get().(*bytes.Buffer)
		defer bufs.Put(buf)
		buf.Reset()
		size, err := m.WriteTo(buf)
		if err == nil {
			err = os.WriteFile(emlPath, buf.Bytes(), 0o644)
		}
		if err != nil {
			return "", fmt.Errorf("write %s: %w", emlPath, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".html"), m.HTML, 0o644); err != nil {
			return "", err
		}
		detail := fmt.Sprintf("%d stories (%d followed), %s .eml, %s HTML",
			m.Stories(), len(m.Followed), kb(size), kb(int64(len(m.HTML))))
		if m.Trimmed > 0 {
			detail += fmt.Sprintf(", %d trimmed to fit", m.Trimmed)
		}
		return detail, nil
	}
}

func kb(n int64) string { return fmt.Sprintf("%.1f KB", float64(n)/1000) }

// fileName keeps letters, digits and ".-_@+" of an address.
func fileName(email string) string {
	var b strings.Builder
	for _, r := range digest.EmailKey(email) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', strings.ContainsRune(".-_@+", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// domainOf returns the domain of the -from address, in punycode when it
// is internationalized (the return path's must be ASCII), or "localhost".
func domainOf(from string) string {
	if d, err := deliver.DomainOf(from); err == nil {
		return d
	}
	return "localhost"
}

func printSummary(w io.Writer, rows []row, out string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SUBSCRIBER\tLANG\tRESULT\tDETAIL")
	counts := map[string]int{}
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.email, pad(r.lang), r.result, r.detail)
		counts[r.result]++
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d written to %s, %d skipped, %d failed\n", counts["written"], out, counts["skipped"], counts["failed"])
}

// pad keeps an empty cell visible.
func pad(s string) string {
	if uniseg.StringWidth(s) == 0 {
		return "-"
	}
	return s
}
