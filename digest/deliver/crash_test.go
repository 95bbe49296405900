package deliver

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TestHelperSender is not a test: TestKillResume runs the test binary again
// with DELIVER_HELPER=1 to get a sender process it can SIGKILL.
func TestHelperSender(t *testing.T) {
	if os.Getenv("DELIVER_HELPER") != "1" {
		t.Skip("helper process for TestKillResume")
	}
	host, port, err := net.SplitHostPort(os.Getenv("DELIVER_ADDR"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	n, _ := strconv.Atoi(os.Getenv("DELIVER_N"))
	c, err := gomail.NewClient(host, gomail.WithPort(p), gomail.WithTLSPolicy(gomail.NoTLS))
	if err != nil {
		t.Fatal(err)
	}
	j, err := OpenSQLiteJournal(context.Background(), os.Getenv("DELIVER_DB"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSender(Config{Client: c, Journal: j, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Run(context.Background(), jobsFor("crash", n)); err != nil {
		t.Fatal(err)
	}
}

// TestKillResume kills a sending process with SIGKILL twice, at moments when
// the server has just received a message and not yet replied, then finishes
// the edition in this process. Every recipient must end up with exactly one
// message, or none and a failed/unknown record, or one and an unknown record
// (the kill came between the end of DATA and the reply): never two.
func TestKillResume(t *testing.T) {
	if os.Getenv("DELIVER_HELPER") == "1" {
		t.Skip("in helper process")
	}
	const n = 240
	srv := startServer(t, withPerMsg(time.Millisecond))
	db := filepath.Join(t.TempDir(), "journal.db")

	for _, killAt := range []int{50, 140} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSender$", "-test.count=1")
		cmd.Env = append(os.Environ(), "DELIVER_HELPER=1", "DELIVER_ADDR="+srv.addr(), "DELIVER_DB="+db, "DELIVER_N="+strconv.Itoa(n))
		var once sync.Once
		var mu sync.Mutex
		srv.setOnData(func(got int) {
			if got >= killAt {
				once.Do(func() {
					mu.Lock()
					defer mu.Unlock()
					_ = cmd.Process.Kill() // SIGKILL: no deferred code, no clean shutdown
				})
			}
		})
		mu.Lock()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		mu.Unlock()
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != -1 {
			t.Fatalf("helper exited with %v; want it killed (received %d so far)", err, srv.total())
		}
		t.Logf("killed at %d received", srv.total())
	}
	srv.setOnData(nil)

	j := sqliteJournal(t, db)
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 4})
	counts, err := s.Run(context.Background(), jobsFor("crash", n))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("resume: %+v", counts)
	recs := recordsByRecipient(t, j, "crash")
	var unknown int
	for i := range n {
		to := rcptAddr(i)
		r, got := recs[to], srv.countFor(to)
		switch {
		case got > 1:
			t.Errorf("%s received %d copies", to, got)
		case r.State == StateSent && got == 1,
			r.State == StateUnknown && got <= 1,
			r.State == StateFailed && got == 0:
		default:
			t.Errorf("%s: state %s with %d received (detail %q)", to, r.State, got, r.Detail)
		}
		if r.State == StateUnknown {
			unknown++
		}
	}
	// At most one message per worker can be between "sending" and its
	// outcome when the process dies.
	// The kill comes while the server holds a complete message and has not
	// replied, so each kill leaves at least that one unknown.
	if unknown < 2 || unknown > 2*4 {
		t.Errorf("%d unknown after 2 kills with 4 workers; want 2 to 8", unknown)
	}
	if counts.Sent+counts.Unknown+counts.Done != n || counts.Done == 0 {
		t.Errorf("resume counts %+v do not cover %d recipients", counts, n)
	}
	if again, err := s.Run(context.Background(), jobsFor("crash", n)); err != nil || again.Done != n {
		t.Errorf("running the finished edition again: %+v, %v; want all %d done", again, err, n)
	}
}
