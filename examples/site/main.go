// Command site is the whole newsletter site in one process: the feeds and
// their index (as examples/feed-server), the signup form at /subscribe,
// the confirmation link at /confirm, the preferences page at
// /preferences, the digests' unsubscribe link at /digest/unsubscribe and
// the web version of editions under /digest/. It keeps subscribers in the
// same store as examples/digest-sender, so that a confirmed subscriber is
// in the next edition. Addresses whose confirmation link expired
// unconfirmed are forgotten at start and daily.
//
//	go run ./examples/site                  # http://127.0.0.1:8080/subscribe
//	go run ./examples/digest-sender -site http://127.0.0.1:8080
//
// Without -smtp every message it sends (the signup confirmations) is
// written as an .eml file to -out and its path printed; open it, follow
// the link, press the button. Links in messages point at -site, by
// default the address it listens on.
//
// Flags:
//
//	-addr HOST:PORT    where to listen (127.0.0.1:8080)
//	-data FILE         articles, JSON Lines (testdata/articles.jsonl)
//	-db FILE|URL       the subscriber store: a SQLite file (default -state's) or a postgres:// URL
//	-state FILE        the SQLite store (khabar-state.db), shared with digest-sender
//	-out DIR           where outgoing messages go without -smtp (out)
//	-smtp HOST:PORT    send them through this SMTP server instead (no TLS)
//	-site URL          the site's address in links (http://<-addr>)
//	-from "N <a@d>"    the sender of the confirmations
//	-dkim-key FILE     sign the messages with this DKIM key (PEM, RSA or Ed25519)
//	-dkim-selector S   the DKIM selector (the domain is -from's)
//	-idhost NAME       the domain name in the feeds' item ids (-site's host)
//	-wording V         the version of the consent text, recorded with each signup
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/digest/signup"
	"github.com/khabar/khabar/examples/internal/corpus"
	"github.com/khabar/khabar/examples/internal/dkimflag"
	"github.com/khabar/khabar/examples/internal/indexpage"
	"github.com/khabar/khabar/examples/internal/serve"
	"github.com/khabar/khabar/examples/internal/storeflag"
	"github.com/khabar/khabar/feed"
	gomail "github.com/wneessen/go-mail"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "site:", err)
		os.Exit(1)
	}
}

// options are the flags.
type options struct {
	addr, data, db, state, out, smtp, site, from, wording string
	dkimKey, dkimSelector                                 string
	idHost                                                string // -idhost: the domain name in item ids
}

func parse(args []string, w io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("site", flag.ContinueOnError)
	fs.SetOutput(w)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&o.data, "data", corpus.Default, "articles, JSON Lines")
	fs.StringVar(&o.db, "db", "", "subscriber store: a SQLite file (default -state's) or a postgres:// URL")
	fs.StringVar(&o.state, "state", "khabar-state.db", "the SQLite store, shared with digest-sender")
	fs.StringVar(&o.out, "out", "out", "folder for outgoing messages without -smtp")
	fs.StringVar(&o.smtp, "smtp", "", "send outgoing messages through this SMTP server, host:port")
	fs.StringVar(&o.site, "site", "", "the site's address in links (default http://<-addr>)")
	fs.StringVar(&o.from, "from", "ख़बर <digest@khabar.example>", `sender, "Name <addr@domain>"`)
	fs.StringVar(&o.dkimKey, "dkim-key", "", "DKIM private key, PEM (RSA or Ed25519), signing what -smtp sends or the .eml files; the domain is -from's")
	fs.StringVar(&o.dkimSelector, "dkim-selector", "", "DKIM selector")
	fs.StringVar(&o.idHost, "idhost", "", "domain name in the feeds' item ids (default -site's host; needed when that is no domain name, such as feed_server)")
	fs.StringVar(&o.wording, "wording", "2026-01", "version of the consent text, recorded with each signup")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.db == "" {
		o.db = o.state
	}
	return o, nil
}

// run serves until ctx is done; ready, when set, gets the site's address
// once it listens.
func run(ctx context.Context, args []string, logw io.Writer, ready func(site string)) error {
	o, err := parse(args, logw)
	if err != nil {
		return err
	}
	path, err := corpus.Find(o.data, o.data == corpus.Default)
	if err != nil {
		return err
	}
	cat, err := corpus.Load(path, logw)
	if err != nil {
		return err
	}
	store, secrets, closeStore, err := storeflag.OpenSubscribers(ctx, o.db)
	if err != nil {
		return err
	}
	defer closeStore()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if o.site == "" {
		o.site = serve.Home(ln.Addr())
	}
	o.site = strings.TrimSuffix(o.site, "/")
	if o.idHost == "" {
		o.idHost = serve.IDHost(o.site)
	}
	h, err := newHandler(ctx, o, cat, store, secrets, logw)
	if err != nil {
		return err
	}
	fmt.Fprintf(logw, "serving %d articles and the newsletter at %s/ (signup: %s/subscribe)\n", cat.Len(), o.site, o.site)
	if ready != nil {
		ready(o.site)
	}
	return serve.Until(ctx, ln, h, logw)
}

// newHandler puts the site's handlers on one mux.
func newHandler(ctx context.Context, o options, cat *khabar.Catalog, store digest.Lifecycle, secrets storeflag.SubscriberStore, logw io.Writer) (http.Handler, error) {
	secret, err := secrets.Secret(ctx, "unsubscribe-key-1", 32) // digest-sender's key
	if err != nil {
		return nil, err
	}
	tokens := &digest.Tokens{Keys: []digest.TokenKey{{ID: "k1", Secret: secret}}}
	publisher := digest.Publisher{
		Name:    "ख़बर",
		Address: "ख़बर मीडिया प्राइवेट लिमिटेड\n12, माल रोड, कानपुर 208001, उत्तर प्रदेश, भारत",
		URL:     o.site + "/",
	}
	fh, err := feed.NewHandler(cat, feed.Config{HomeURL: o.site + "/", IDHost: o.idHost, Title: publisher.Name, Description: "ताज़ा ख़बरें",
		Location: khabar.DefaultLocation(), ErrorLog: func(err error) { fmt.Fprintln(logw, err) }})
	if err != nil {
		return nil, err
	}
	b, err := digest.NewBuilder(digest.Config{
		Source: cat, From: o.from, Publisher: publisher, Tokens: tokens,
		UnsubscribeURL: o.site + "/digest/unsubscribe", BrowserURL: o.site + "/digest",
		PreferencesURL: o.site + "/preferences",
	})
	if err != nil {
		// An http -site that is not loopback has no one-click unsubscribe
		// URL (RFC 8058 wants https): serve the rest.
		fmt.Fprintln(logw, "no web version of editions:", err)
	}
	mailer, err := newMailer(o, logw)
	if err != nil {
		return nil, err
	}
	s := &signup.Signup{Store: store, Tokens: tokens, Mailer: mailer, From: o.from, Publisher: publisher,
		Catalog: cat, SiteURL: o.site, Wording: o.wording}
	go purgeUnconfirmed(ctx, s, logw)
	mux := http.NewServeMux()
	mux.Handle("/subscribe", s.Subscribe())
	mux.Handle("/confirm", s.Confirm())
	mux.Handle("/preferences", s.Preferences())
	mux.Handle("/digest/unsubscribe", &digest.UnsubscribeHandler{Tokens: tokens, Store: store, Publisher: publisher})
	if b != nil {
		mux.Handle("/digest/", digest.NewBrowserHandler(b))
	}
	mux.Handle("/", &indexpage.Site{Feeds: fh, Catalog: cat, Title: publisher.Name, Location: khabar.DefaultLocation()})
	return mux, nil
}

// purgeUnconfirmed forgets the signups whose confirmation links expired
// unconfirmed (Signup.PurgeUnconfirmed), at once and then daily, until ctx
// is done.
func purgeUnconfirmed(ctx context.Context, s *signup.Signup, logw io.Writer) {
	for {
		n, err := s.PurgeUnconfirmed(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			fmt.Fprintln(logw, "purging unconfirmed signups:", err)
		case n > 0:
			fmt.Fprintf(logw, "forgot %d unconfirmed signups (their links expired)\n", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(24 * time.Hour):
		}
	}
}

// newMailer returns the -smtp sender, or one that writes .eml files to
// -out and prints their paths.
func newMailer(o options, logw io.Writer) (signup.Mailer, error) {
	// -dkim-key signs the .eml files too: what they hold is what -smtp
	// would send.
	dk, err := dkimflag.Load(o.dkimKey, o.dkimSelector, o.from)
	if err != nil {
		return nil, err
	}
	if o.smtp == "" {
		return &deliver.FileMailer{Dir: o.out, DKIM: dk, Written: func(p string) { fmt.Fprintln(logw, "wrote", p) }}, nil
	}
	host, portStr, err := net.SplitHostPort(o.smtp)
	if err != nil {
		return nil, fmt.Errorf("-smtp %q: %w", o.smtp, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("-smtp %q: port: %w", o.smtp, err)
	}
	c, err := gomail.NewClient(host, gomail.WithPort(port), gomail.WithTLSPolicy(gomail.NoTLS))
	if err != nil {
		return nil, fmt.Errorf("-smtp %q: %w", o.smtp, err)
	}
	return &deliver.SMTPMailer{Client: c, DKIM: dk}, nil
}
