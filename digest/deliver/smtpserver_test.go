package deliver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	gomail "github.com/wneessen/go-mail"
)

// fault is what the test server does to one SMTP transaction.
type fault int

const (
	faultNone          fault = iota
	faultRcpt451             // 451 to RCPT TO
	faultRcpt550             // 550 to RCPT TO
	faultData451             // read the message, then reply 451
	faultData550             // read the message, then reply 554
	faultDropMidData         // read part of the message, then close the connection
	faultDropAfterData       // read the whole message (it counts as received), close without a reply
	faultSlowReply           // read the message, accept it, but reply after srv.slow
	faultSlowOK              // reply after 300 ms: slow, but within the client's timeout
)

// received is one message the server accepted (or swallowed, for
// faultDropAfterData).
type received struct {
	From, To string
	Data     []byte
}

// testServer is a go-smtp server on 127.0.0.1:0 that records every
// message and injects faults chosen per recipient and attempt.
type testServer struct {
	t        testing.TB
	srv      *smtp.Server
	ln       net.Listener
	host     string
	port     int
	slow     time.Duration // delay for faultSlowReply
	perMsg   time.Duration // delay before every DATA reply (throughput shaping)
	latency  time.Duration // delay before every write to the client (simulated RTT)
	faults   func(rcpt string, attempt int) fault
	user     string // when set, AUTH PLAIN with user/pass is required
	pass     string
	keep     bool            // keep message bytes (false: count only, for benchmarks)
	noUTF8   bool            // do not offer SMTPUTF8
	mailErr  *smtp.SMTPError // when set, the reply to every MAIL FROM
	hangUp   bool            // close a session at its second MAIL FROM, without a reply
	idle421  bool            // answer a session's second MAIL FROM with 421
	mu       sync.Mutex
	msgs     []received
	count    map[string]int // messages received per recipient
	attempts map[string]int // transactions that reached RCPT per recipient
	sessions int
	n        int // messages received
	tlsConf  *tls.Config
	onData   func(n int) // called with the number of messages received so far
}

type serverOption func(*testServer)

func withFaults(f func(rcpt string, attempt int) fault) serverOption {
	return func(s *testServer) { s.faults = f }
}

func withTLSAuth(user, pass string) serverOption {
	return func(s *testServer) { s.user, s.pass = user, pass; s.tlsConf = selfSignedTLS(s.t) }
}

func withLatency(d time.Duration) serverOption { return func(s *testServer) { s.latency = d } }

// withPerMsg delays every DATA reply by d; withSlow sets the delay of
// faultSlowReply.
func withPerMsg(d time.Duration) serverOption { return func(s *testServer) { s.perMsg = d } }

func withSlow(d time.Duration) serverOption { return func(s *testServer) { s.slow = d } }

// withMailRefusal makes the server refuse every MAIL FROM with err.
func withMailRefusal(err *smtp.SMTPError) serverOption {
	return func(s *testServer) { s.mailErr = err }
}

// withHangUp makes the server close each session when a second
// transaction begins on it, as a session that timed out while idle.
func withHangUp() serverOption { return func(s *testServer) { s.hangUp = true } }

// withIdle421 makes the server answer the MAIL FROM of each session's
// second transaction with "421 4.4.2 idle timeout", as a server that
// closes sessions left idle.
func withIdle421() serverOption { return func(s *testServer) { s.idle421 = true } }

func withoutBodies() serverOption { return func(s *testServer) { s.keep = false } }

// withoutSMTPUTF8 makes the server not offer SMTPUTF8.
func withoutSMTPUTF8() serverOption { return func(s *testServer) { s.noUTF8 = true } }

func startServer(t testing.TB, opts ...serverOption) *testServer {
	t.Helper()
	s := &testServer{t: t, keep: true, slow: 2 * time.Second, count: map[string]int{}, attempts: map[string]int{}}
	for _, o := range opts {
		o(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.latency > 0 {
		ln = &slowListener{Listener: ln, d: s.latency}
	}
	s.ln = ln
	s.host = "127.0.0.1"
	s.port = ln.Addr().(*net.TCPAddr).Port
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = s.tlsConf == nil
	srv.TLSConfig = s.tlsConf
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.EnableSMTPUTF8 = !s.noUTF8
	srv.ErrorLog = log.New(io.Discard, "", 0) // dropped connections are the point of these tests
	s.srv = srv
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *testServer) addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// client returns a go-mail client configured for the server.
func (s *testServer) client(t testing.TB) *gomail.Client {
	t.Helper()
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(10 * time.Second), gomail.WithHELO("sender.test")}
	if s.tlsConf != nil {
		pool := x509.NewCertPool()
		pool.AddCert(s.tlsConf.Certificates[0].Leaf)
		opts = append(opts,
			gomail.WithTLSPolicy(gomail.TLSMandatory),
			gomail.WithTLSConfig(&tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12}),
			gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.user), gomail.WithPassword(s.pass))
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// setOnData sets the hook called after each received message.
func (s *testServer) setOnData(f func(n int)) {
	s.mu.Lock()
	s.onData = f
	s.mu.Unlock()
}

func (s *testServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *testServer) countFor(rcpt string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count[rcpt]
}

func (s *testServer) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func (s *testServer) sessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// NewSession implements smtp.Backend.
func (s *testServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	return &session{s: s, conn: c}, nil
}

type session struct {
	s      *testServer
	conn   *smtp.Conn
	from   string
	to     string
	fault  fault
	authed bool
	mails  int // MAIL FROM commands on this session
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.user || pass != ss.s.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && !ss.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	if ss.mails++; ss.s.hangUp && ss.mails > 1 {
		_ = ss.conn.Conn().Close()
		return errors.New("session closed by test")
	}
	if ss.s.idle421 && ss.mails > 1 {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "idle timeout, closing"}
	}
	if ss.s.mailErr != nil {
		return ss.s.mailErr
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s := ss.s
	s.mu.Lock()
	n := 1
	if s.keep {
		s.attempts[to]++
		n = s.attempts[to]
	}
	s.mu.Unlock()
	ss.to = to
	ss.fault = faultNone
	if s.faults != nil {
		ss.fault = s.faults(to, n)
	}
	switch ss.fault {
	case faultRcpt451:
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "greylisted, try again later"}
	case faultRcpt550:
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	return nil
}

func (ss *session) Data(r io.Reader) error {
	s := ss.s
	switch ss.fault {
	case faultDropMidData:
		buf := make([]byte, 64)
		_, _ = io.ReadFull(r, buf)
		_ = ss.conn.Conn().Close()
		return errors.New("connection dropped by test")
	}
	var data []byte
	var err error
	if s.keep {
		data, err = io.ReadAll(r)
	} else {
		_, err = io.Copy(io.Discard, r)
	}
	if err != nil {
		return err
	}
	switch ss.fault {
	case faultData451:
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "local error, try later"}
	case faultData550:
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "rejected as spam"}
	}
	s.mu.Lock()
	if s.keep {
		s.msgs = append(s.msgs, received{From: ss.from, To: ss.to, Data: data})
		s.count[ss.to]++
	}
	s.n++
	n := s.n
	onData := s.onData
	s.mu.Unlock()
	if onData != nil {
		onData(n)
	}
	switch ss.fault {
	case faultDropAfterData:
		_ = ss.conn.Conn().Close()
		return errors.New("connection dropped by test after DATA")
	case faultSlowReply:
		time.Sleep(s.slow)
	case faultSlowOK:
		time.Sleep(300 * time.Millisecond)
	}
	if s.perMsg > 0 {
		time.Sleep(s.perMsg)
	}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to, ss.fault = "", "", faultNone }
func (ss *session) Logout() error { return nil }

// slowListener delays every write to a client by d, simulating network
// round-trip time: each SMTP reply arrives d later. The server does not
// wait for it (a reply is in flight, as on a network), so replies to
// pipelined commands travel together.
type slowListener struct {
	net.Listener
	d time.Duration
}

func (l *slowListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	sc := &slowConn{Conn: c, d: l.d, q: make(chan delayed, 64), done: make(chan struct{})}
	go sc.deliver()
	return sc, nil
}

type slowConn struct {
	net.Conn
	d    time.Duration
	q    chan delayed
	done chan struct{} // closed when deliver has written everything queued
	mu   sync.Mutex
	shut bool // q is closed
}

// delayed is a write due at a time.
type delayed struct {
	at time.Time
	b  []byte
}

func (c *slowConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shut {
		return 0, net.ErrClosed
	}
	c.q <- delayed{at: time.Now().Add(c.d), b: append([]byte(nil), p...)}
	return len(p), nil
}

// deliver makes the queued writes, each at its time, in order.
func (c *slowConn) deliver() {
	defer close(c.done)
	for w := range c.q {
		time.Sleep(time.Until(w.at))
		_, _ = c.Conn.Write(w.b)
	}
}

// Close closes the connection once the writes in flight are made.
func (c *slowConn) Close() error {
	c.mu.Lock()
	if !c.shut {
		c.shut = true
		close(c.q)
	}
	c.mu.Unlock()
	<-c.done
	return c.Conn.Close()
}

var (
	tlsOnce sync.Once
	tlsConf *tls.Config
)

// selfSignedTLS returns a TLS config with a fresh ECDSA certificate for
// "localhost", made once per test binary.
func selfSignedTLS(t testing.TB) *tls.Config {
	tlsOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "localhost"},
			DNSNames:     []string{"localhost"},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}}, MinVersion: tls.VersionTLS12}
	})
	return tlsConf
}
