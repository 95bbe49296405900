// Command feed-server serves a JSON Lines file of articles as RSS, Atom and
// JSON feeds under WordPress's URL scheme, with an HTML index at / that
// links every feed: the site's, and each category's, tag's and author's,
// in all three formats, and the Google News sitemaps of the site and of
// each top-level category. A news sitemap lists only the stories on the
// host of -home (feed.Renderer.RenderNewsSitemap): the bundled articles
// are on https://khabar.example/, so on the default loopback address the
// sitemaps are empty; -home https://khabar.example/ fills them (and makes
// every link point there).
//
//	go run ./examples/feed-server                 # testdata/articles.jsonl on 127.0.0.1:8080
//	go run ./examples/feed-server -addr :9000 -data my.jsonl -hub https://hub.example/
//
// -allow-origin "*" lets feed readers that run in a web page on any other
// origin read the feeds (CORS; feed.Config.AllowOrigin).
//
// When -data is left at its default and the file is not in the current
// directory, the parent directories are searched, so the command works from
// anywhere inside the repository.
//
// With -db the articles live in a store instead of memory alone: a
// postgres:// URL (PostgreSQL, for several replicas) or the path of an
// SQLite file. The server imports -data into it at start (upsert; -data ""
// imports nothing), serves what it holds and follows its changes, so an
// article imported by any process is served within a second or two:
//
//	feed-server -db postgres://db/khabar -data "" -home https://news.example/ -addr :8080
//	feed-server -db postgres://db/khabar -import new.jsonl   # import and exit
//
// -import exits with status 1, the bad lines on stderr, when some lines are
// bad (the good ones are imported). Replicas behind one address must be
// given the same -home (and -idhost, if any) to serve identical bytes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/examples/internal/corpus"
	"github.com/khabar/khabar/examples/internal/indexpage"
	"github.com/khabar/khabar/examples/internal/serve"
	"github.com/khabar/khabar/examples/internal/storeflag"
	"github.com/khabar/khabar/feed"
)

const defaultData = corpus.Default

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "feed-server:", err)
		os.Exit(1)
	}
}

// run parses args, loads the data and serves until ctx is done.
func run(ctx context.Context, args []string, logw io.Writer) error {
	fs := flag.NewFlagSet("feed-server", flag.ContinueOnError)
	fs.SetOutput(logw)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	data := fs.String("data", defaultData, "JSON Lines file of articles")
	home := fs.String("home", "", "the site's home URL (default http://<addr>/)")
	title := fs.String("title", "ख़बर", "the site's title")
	hub := fs.String("hub", "", "WebSub hub URL to advertise and ping (default none)")
	allowOrigin := fs.String("allow-origin", "", `let web pages on this origin read the feeds (CORS): "*" for any (default none)`)
	idHost := fs.String("idhost", "", "domain name in item ids and Atom feed ids (default the host of the newest article's URL, or of -home with -db)")
	db := fs.String("db", "", "article store: a postgres:// URL or an SQLite file (default none: -data in memory)")
	imp := fs.String("import", "", "with -db: import this JSON Lines `file` into the store and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *imp != "" && *db == "":
		return errors.New("-import needs -db")
	case *imp != "":
		return importOnly(ctx, *db, *imp, logw) // reads no -data
	}
	path := *data
	if path != "" {
		var err error
		if path, err = corpus.Find(*data, *data == defaultData); err != nil {
			return err
		}
	}
	var c *khabar.Catalog
	switch {
	case *db != "":
		stores, err := storeflag.Open(ctx, *db)
		if err != nil {
			return err
		}
		defer stores.Close()
		if c, err = follow(ctx, stores.Articles, path, logw); err != nil {
			return err
		}
		path = "the -db store"
	default:
		var err error
		if c, err = corpus.Load(path, logw); err != nil {
			return err
		}
	}
	if *idHost == "" && (*db == "" || *home == "") {
		*idHost = articleHost(c)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	listen := serve.Home(ln.Addr())
	if *home == "" {
		*home = listen
	}
	if *idHost == "" {
		*idHost = serve.IDHost(*home)
	}
	h, err := newServer(c, feed.Config{HomeURL: *home, IDHost: *idHost, Title: *title, Description: "ताज़ा ख़बरें", Hub: *hub, AllowOrigin: *allowOrigin,
		Location: time.FixedZone("IST", 5*3600+1800), // dates as Indian readers see them
		ErrorLog: func(err error) { fmt.Fprintln(logw, err) }})
	if err != nil {
		ln.Close()
		return err
	}
	defer h.Close()
	fmt.Fprintf(logw, "serving %d articles from %s at %s (home %s)\n", c.Len(), path, listen, *home)
	return serve.Until(ctx, ln, h, logw)
}

// articleHost returns the host of the newest article's URL: the site the
// articles belong to, whose name item ids should carry rather than the
// loopback address the example listens on.
func articleHost(c *khabar.Catalog) string {
	if as, _ := c.Newest(khabar.SiteKey(), 0, 1); len(as) > 0 {
		if u, err := url.Parse(khabar.URI(as[0].URL)); err == nil && net.ParseIP(u.Hostname()) == nil {
			return u.Hostname()
		}
	}
	return ""
}

// server is the feed handler plus the index page.
type server struct {
	*feed.Handler
	site *indexpage.Site
}

func newServer(c *khabar.Catalog, cfg feed.Config) (*server, error) {
	h, err := feed.NewHandler(c, cfg)
	if err != nil {
		return nil, err
	}
	title := cfg.Title
	if title == "" {
		title = "khabar"
	}
	return &server{Handler: h, site: &indexpage.Site{Feeds: h, Catalog: c, Title: title, Location: cfg.Location}}, nil
}

// ServeHTTP serves the feeds, the home page and the archive pages.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.site.ServeHTTP(w, r) }
