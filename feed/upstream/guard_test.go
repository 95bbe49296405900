package upstream

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func TestSSRFGuard(t *testing.T) {
	var hits atomic.Int32
	inside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("<rss>secret</rss>"))
	}))
	defer inside.Close()

	t.Run("loopback refused by default", func(t *testing.T) {
		f := &Fetcher{}
		_, err := f.Fetch(context.Background(), inside.URL, nil)
		var ae *AddressError
		if !errors.As(err, &ae) || ae.Reason != "loopback" || !errors.Is(err, ErrForbiddenAddress) {
			t.Fatalf("err = %v, want an *AddressError for loopback", err)
		}
	})
	t.Run("name resolving to loopback refused", func(t *testing.T) {
		f := &Fetcher{}
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(inside.URL, "http://"))
		_, err := f.Fetch(context.Background(), "http://localhost:"+port+"/", nil)
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Fatalf("err = %v, want ErrForbiddenAddress", err)
		}
	})
	t.Run("redirect to 127.0.0.1 refused", func(t *testing.T) {
		// The "public" server listens on 127.0.0.2, which AllowNets lets
		// through; it redirects to the server on 127.0.0.1.
		ln, err := net.Listen("tcp", "127.0.0.2:0")
		if err != nil {
			t.Skipf("cannot listen on 127.0.0.2: %v", err)
		}
		outside := httptest.NewUnstartedServer(http.RedirectHandler(inside.URL+"/metadata", http.StatusFound))
		outside.Listener.Close()
		outside.Listener = ln
		outside.Start()
		defer outside.Close()
		f := &Fetcher{AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}
		before := hits.Load()
		_, err = f.Fetch(context.Background(), outside.URL+"/feed", nil)
		var ae *AddressError
		if !errors.As(err, &ae) || ae.Addr != netip.MustParseAddr("127.0.0.1") {
			t.Fatalf("err = %v, want an *AddressError for 127.0.0.1", err)
		}
		if hits.Load() != before {
			t.Errorf("the private server was reached")
		}
	})
	t.Run("AllowPrivate", func(t *testing.T) {
		res, err := testFetcher().Fetch(context.Background(), inside.URL, nil)
		if err != nil || string(res.Body) != "<rss>secret</rss>" {
			t.Fatalf("Fetch = %v, %v; want the body", res, err)
		}
	})
}

func TestForbiddenReason(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1", "loopback"},
		{"127.8.9.10", "loopback"},
		{"::1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"100.64.0.1", "shared (CGNAT)"},
		{"100.127.255.254", "shared (CGNAT)"},
		{"169.254.169.254", "link-local"},     // AWS, GCP, Azure metadata
		{"fd00:ec2::254", "unique-local"},     // AWS metadata over IPv6
		{"100.100.100.200", "shared (CGNAT)"}, // Alibaba Cloud metadata
		{"192.0.0.192", "reserved"},           // Oracle Cloud metadata
		{"fe80::1", "link-local"},
		{"fd00::1", "unique-local"},
		{"fc00::1", "unique-local"},
		{"224.0.0.1", "multicast"},
		{"ff02::1", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:169.254.169.254", "link-local"},
		{"::ffff:10.0.0.1", "private"},
		{"64:ff9b::a9fe:a9fe", "link-local"},
		{"2002:7f00:1::", "loopback"},
		{"::7f00:1", "loopback"},
		{"0.1.2.3", "reserved"},
		{"240.0.0.1", "reserved"},
		{"255.255.255.255", "reserved"},
		{"8.8.8.8", ""},
		{"100.63.255.255", ""},
		{"172.32.0.1", ""},
		{"2606:4700::1111", ""},
		{"::ffff:8.8.8.8", ""},
		{"fec0::1", "site-local"},
		{"feff:ffff::1", "site-local"},
		{"::ffff:0:7f00:1", "loopback"},                      // SIIT, IPv4-translated
		{"::ffff:0:a9fe:a9fe", "link-local"},                 // SIIT
		{"::ffff:0:808:808", ""},                             // SIIT of a public address
		{"2002:a9fe:a9fe::", "link-local"},                   // 6to4
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"}, // Teredo, client 127.0.0.1
		{"2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"},  // Teredo, client 10.0.0.1
		{"2001:0:a00:1:8000:63bf:f7f7:f7f7", "private"},      // Teredo, server 10.0.0.1
		{"2001:0:4136:e378:8000:63bf:f7f7:f7f7", ""},         // Teredo, both public
		{"2001:db8::1", ""},                                  // not Teredo (2001::/32 only)
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := ForbiddenReason(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("ForbiddenReason(%s) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}

// TestRedirectToForbiddenAddresses: a "public" server (127.0.0.2, let
// through with AllowNets) redirects to addresses the guard refuses; no
// connection is made and the error names the address.
func TestRedirectToForbiddenAddresses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	var target atomic.Value
	outside := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.Load().(string), http.StatusFound)
	}))
	outside.Listener.Close()
	outside.Listener = ln
	outside.Start()
	defer outside.Close()
	f := &Fetcher{AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, Timeout: 5 * time.Second}
	tests := []struct{ to, addr, reason string }{
		{"http://127.0.0.1:9/", "127.0.0.1", "loopback"},
		{"http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"},
		{"http://[::1]:9/", "::1", "loopback"},
		{"http://10.0.0.1/", "10.0.0.1", "private"},
		{"http://0.0.0.0:9/", "0.0.0.0", "unspecified"},
	}
	for _, tt := range tests {
		t.Run(tt.to, func(t *testing.T) {
			target.Store(tt.to)
			_, err := f.Fetch(context.Background(), outside.URL+"/feed", nil)
			var ae *AddressError
			if !errors.As(err, &ae) || ae.Addr != netip.MustParseAddr(tt.addr) || ae.Reason != tt.reason {
				t.Fatalf("err = %v, want an *AddressError for %s (%s)", err, tt.addr, tt.reason)
			}
			if msg := err.Error(); !strings.Contains(msg, "refusing to connect to "+tt.addr) || !strings.Contains(msg, "AllowPrivate") {
				t.Errorf("error %q does not say which address was refused and how to allow it", msg)
			}
		})
	}
	t.Run("non-http scheme", func(t *testing.T) {
		target.Store("file:///etc/passwd")
		_, err := f.Fetch(context.Background(), outside.URL+"/feed", nil)
		if err == nil || !strings.Contains(err.Error(), "unsupported scheme") {
			t.Fatalf("err = %v, want the redirect to file: refused", err)
		}
	})
}

// TestGuardJudgesResolvedAddress: the host name resolves (through an
// injected resolver talking to a DNS server the test runs) to a loopback
// address; the guard refuses the connection because it judges the address
// about to be dialed, not the name, so DNS rebinding cannot slip past it.
func TestGuardJudgesResolvedAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the guard let a connection to the loopback server through")
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	dns := startDNS(t, netip.MustParseAddr("127.0.0.1"))
	f := &Fetcher{Resolver: &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", dns)
	}}}
	_, err := f.Fetch(context.Background(), "http://feeds.rebind.example:"+port+"/feed.xml", nil)
	var ae *AddressError
	if !errors.As(err, &ae) || ae.Reason != "loopback" {
		t.Fatalf("Fetch through a name resolving to 127.0.0.1: err %v, want an *AddressError (loopback)", err)
	}
}

// startDNS answers every A query with addr, on a loopback UDP port, until
// the test ends; it returns the port's address.
func startDNS(t *testing.T, addr netip.Addr) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
			b.EnableCompression()
			b.StartQuestions()
			b.Question(q)
			b.StartAnswers()
			if q.Type == dnsmessage.TypeA {
				b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 1}, dnsmessage.AResource{A: addr.As4()})
			}
			msg, err := b.Finish()
			if err == nil {
				pc.WriteTo(msg, from)
			}
		}
	}()
	return pc.LocalAddr().String()
}
