// Package serve runs an example program's HTTP server until the program
// is asked to stop.
package serve

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Until serves h on ln until ctx ends, then shuts the server down,
// letting requests in flight finish for up to 5 seconds. It returns the
// error that stopped serving, or Shutdown's. Server errors are logged to
// logw.
func Until(ctx context.Context, ln net.Listener, h http.Handler, logw io.Writer) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(logw, "", 0)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// Home returns the home URL, "http://host:port/", of an example that
// listens on addr: "localhost" for an unspecified or loopback IPv6 address
// ("[::]" for -addr :8080 on a dual-stack machine, "[::1]"), else the
// address it listens on.
func Home(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	addr0, zone, _ := strings.Cut(host, "%")
	if ip := net.ParseIP(addr0); ip != nil && ip.To4() == nil && (ip.IsUnspecified() || ip.IsLoopback()) {
		host = "localhost"
	} else if zone != "" {
		host = addr0 + "%25" + zone // RFC 6874: the zone's "%" escaped in a URL
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// IDHost returns the feed.Config.IDHost for a home URL whose host cannot
// stand in item ids (tag: URIs, RFC 4151): "localhost" for an IPv6
// address, else "" (the home URL's host).
func IDHost(home string) string {
	u, err := url.Parse(home)
	if err != nil || !strings.Contains(u.Hostname(), ":") {
		return ""
	}
	return "localhost"
}
