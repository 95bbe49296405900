package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	gomail "github.com/wneessen/go-mail"

	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/internal/pgtest"
	"github.com/khabar/khabar/internal/smtpsink"
	"github.com/khabar/khabar/sqlite"
)

func rcpt(i int) string { return fmt.Sprintf("reader%05d@example.org", i) }

// jobs yields a job for recipients 0..n-1 of an edition.
func jobs(edition string, n int) iter.Seq2[deliver.Job, error] {
	return func(yield func(deliver.Job, error) bool) {
		for i := range n {
			to := rcpt(i)
			compose := func() (*gomail.Msg, error) {
				m := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8))
				if err := m.From("ख़बर <digest@khabar.example>"); err != nil {
					return nil, err
				}
				if err := m.To(to); err != nil {
					return nil, err
				}
				m.Subject("आज की ख़बरें " + edition)
				m.SetMessageIDWithValue(edition + "." + strconv.Itoa(i) + "@khabar.example")
				m.SetBodyString(gomail.TypeTextPlain, "नमस्ते,\r\nआज की प्रमुख ख़बरें\r\n")
				return m, nil
			}
			if !yield(deliver.Job{Key: deliver.Key{Edition: edition, Recipient: to}, Compose: compose}, nil) {
				return
			}
		}
	}
}

// roundTrips counts the round trips a pool makes: a query, or a whole
// batch.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// TestHelperSender is not a test: the crash test and the benchmarks run
// the test binary again with KHABAR_SENDER_HELPER=1 to get sender
// processes. It sends edition KHABAR_SENDER_EDITION to KHABAR_SENDER_N
// recipients through the SMTP server at KHABAR_SENDER_SMTP, with the
// journal in PostgreSQL at KHABAR_SENDER_DB or, for "sqlite:PATH", in a
// SQLite file; it prints its counts and round trips.
func TestHelperSender(t *testing.T) {
	if os.Getenv("KHABAR_SENDER_HELPER") != "1" {
		t.Skip("helper process for the crash test and the benchmarks")
	}
	ctx := context.Background()
	env := func(k string) string { return os.Getenv("KHABAR_SENDER_" + k) }
	n, _ := strconv.Atoi(env("N"))
	workers, _ := strconv.Atoi(env("WORKERS"))
	lease, _ := time.ParseDuration(env("LEASE"))
	host, port, _ := net.SplitHostPort(env("SMTP"))
	p, _ := strconv.Atoi(port)
	c, err := gomail.NewClient(host, gomail.WithPort(p), gomail.WithTLSPolicy(gomail.NoTLS))
	if err != nil {
		t.Fatal(err)
	}
	var rt roundTrips
	var j deliver.Journal
	if path, ok := strings.CutPrefix(env("DB"), "sqlite:"); ok {
		sj, err := sqlite.OpenJournal(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer sj.Close()
		j = sj
	} else {
		cfg, err := pgxpool.ParseConfig(env("DB"))
		if err != nil {
			t.Fatal(err)
		}
		cfg.ConnConfig.Tracer = &rt
		db, err := OpenConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		j = NewJournal(db)
	}
	s, err := deliver.NewSender(deliver.Config{Client: c, Journal: j, Workers: workers, Lease: lease, Owner: env("OWNER")})
	if err != nil {
		t.Fatal(err)
	}
	setup := rt.n.Load()
	counts, err := s.Run(ctx, jobs(env("EDITION"), n))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("HELPER sent=%d unknown=%d failed=%d done=%d deferred=%d roundtrips=%d\n",
		counts.Sent, counts.Unknown, counts.Failed, counts.Done, counts.Deferred, rt.n.Load()-setup)
}

// helper returns the command that runs a sender process.
func helper(db, smtp, edition, owner string, n, workers int, lease time.Duration) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSender$", "-test.count=1", "-test.timeout=0")
	cmd.Env = append(os.Environ(), "KHABAR_SENDER_HELPER=1", "KHABAR_SENDER_DB="+db, "KHABAR_SENDER_SMTP="+smtp,
		"KHABAR_SENDER_EDITION="+edition, "KHABAR_SENDER_OWNER="+owner, "KHABAR_SENDER_N="+strconv.Itoa(n),
		"KHABAR_SENDER_WORKERS="+strconv.Itoa(workers), "KHABAR_SENDER_LEASE="+lease.String())
	return cmd
}

func startSink(t testing.TB, delay time.Duration) *smtpsink.Sink {
	t.Helper()
	s, err := smtpsink.Start(delay)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestKillOneOfThreeSenders runs three sender processes on one database,
// each into its own SMTP sink, and kills one with SIGKILL while its sink
// holds a whole message it has not replied to. The other two finish the
// edition, the dead one's work included once its lease runs out: every
// recipient is mailed once, or recorded unknown (at most once) or failed
// (never); nothing is left pending. A rerun sends nothing.
func TestKillOneOfThreeSenders(t *testing.T) {
	if os.Getenv("KHABAR_SENDER_HELPER") == "1" {
		t.Skip("in helper process")
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skipf("needs SIGKILL and subprocesses; %s lacks them", runtime.GOOS)
	}
	url := pgtest.URL(t)
	openDB(t, url) // migrate once, before the processes start
	const n, edition, lease = 600, "crash", time.Second
	sinks := []*smtpsink.Sink{startSink(t, time.Millisecond), startSink(t, time.Millisecond), startSink(t, time.Millisecond)}
	cmds := make([]*exec.Cmd, len(sinks))
	var mu sync.Mutex // guards cmds[0].Process against the kill
	for i, s := range sinks {
		cmds[i] = helper(url, s.Addr(), edition, fmt.Sprintf("p%d", i), n, 4, lease)
		cmds[i].Stdout = os.Stderr
	}
	var once sync.Once
	sinks[0].OnData(func(got int) {
		if got >= 60 {
			once.Do(func() {
				mu.Lock()
				defer mu.Unlock()
				_ = cmds[0].Process.Kill() // SIGKILL: the message stays without a reply
			})
		}
	})
	mu.Lock()
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	mu.Unlock()
	for i, cmd := range cmds {
		err := cmd.Wait()
		var ee *exec.ExitError
		switch {
		case i == 0 && (!errors.As(err, &ee) || ee.ExitCode() != -1):
			t.Fatalf("sender 0 exited with %v; want it killed (its sink had %d)", err, sinks[0].Total())
		case i > 0 && err != nil:
			t.Fatalf("sender %d: %v", i, err)
		}
	}
	sinks[0].OnData(nil)

	j := NewJournal(openDB(t, url))
	unknown := 0
	seen := 0
	err := j.Records(context.Background(), edition, func(r deliver.Record) error {
		seen++
		got := 0
		for _, s := range sinks {
			got += s.Count(r.Recipient)
		}
		switch {
		case got > 1:
			t.Errorf("%s received %d copies", r.Recipient, got)
		case r.State == deliver.StateSent && got == 1,
			r.State == deliver.StateUnknown && got <= 1,
			r.State == deliver.StateFailed && got == 0:
		default:
			t.Errorf("%s: state %s with %d received (detail %q)", r.Recipient, r.State, got, r.Detail)
		}
		if r.State == deliver.StateUnknown {
			unknown++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sinks received %d, %d, %d; %d unknown", sinks[0].Total(), sinks[1].Total(), sinks[2].Total(), unknown)
	if seen != n {
		t.Errorf("%d records, want %d", seen, n)
	}
	// The kill came while a whole message waited for its reply; at most
	// one message per worker of the dead sender can be in that state.
	if unknown < 1 || unknown > 4 {
		t.Errorf("%d unknown after killing a sender of 4 workers; want 1 to 4", unknown)
	}
	rerun := startSink(t, 0)
	c, err := gomail.NewClient("127.0.0.1", gomail.WithPort(portOf(t, rerun.Addr())), gomail.WithTLSPolicy(gomail.NoTLS))
	if err != nil {
		t.Fatal(err)
	}
	s, err := deliver.NewSender(deliver.Config{Client: c, Journal: j, Lease: lease})
	if err != nil {
		t.Fatal(err)
	}
	counts, err := s.Run(context.Background(), jobs(edition, n))
	if err != nil || counts.Done != n || rerun.Total() != 0 {
		t.Errorf("rerun: %+v, %v, %d received; want all %d done, nothing sent", counts, err, rerun.Total(), n)
	}
}

func portOf(t testing.TB, addr string) int {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return p
}
