package deliver

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
	j := sqliteJournal(t, os.Getenv("DELIVER_DB"))
	s, err := NewSender(Config{Client: c, Journal: j, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Run(context.Background(), jobsFor("crash", n)); err != nil {
		t.Fatal(err)
	}
}

// TestKillResume kills a sending process with SIGKILL three times, twice
// when the server has just received a message and not yet replied and once
// at a random moment, then finishes the edition in this process. Every recipient must end up with exactly one
// message, or none and a failed/unknown record, or one and an unknown record
// (the kill came between the end of DATA and the reply): never two.
func TestKillResume(t *testing.T) {
	if os.Getenv("DELIVER_HELPER") == "1" {
		t.Skip("in helper process")
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skipf("needs SIGKILL and subprocesses; %s lacks them", runtime.GOOS)
	}
	const n = 240
	srv := startServer(t, withPerMsg(time.Millisecond))
	db := filepath.Join(t.TempDir(), "journal.db")

	// Three kills: two just after the server has a whole message and before
	// it replies (the worst moment), one at an arbitrary moment in between.
	for i, killAt := range []int{50, -1, 170} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSender$", "-test.count=1")
		cmd.Env = append(os.Environ(), "DELIVER_HELPER=1", "DELIVER_ADDR="+srv.addr(), "DELIVER_DB="+db, "DELIVER_N="+strconv.Itoa(n))
		var once sync.Once
		var mu sync.Mutex
		kill := func() {
			once.Do(func() {
				mu.Lock()
				defer mu.Unlock()
				_ = cmd.Process.Kill() // SIGKILL: no deferred code, no clean shutdown
			})
		}
		before := srv.total()
		if killAt > 0 {
			srv.setOnData(func(got int) {
				if got >= killAt {
					kill()
				}
			})
		} else {
			// Once the child is sending, kill it 10-60 ms later.
			srv.setOnData(func(got int) {
				if got == before+1 {
					time.AfterFunc(time.Duration(10+rand.IntN(50))*time.Millisecond, kill)
				}
			})
		}
		mu.Lock()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		mu.Unlock()
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != -1 {
			t.Fatalf("kill %d: helper exited with %v; want it killed (received %d so far)", i, err, srv.total())
		}
		t.Logf("kill %d at %d received", i, srv.total())
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
	// Two kills come while the server holds a complete message and has not
	// replied, so each leaves at least that one unknown; no kill can leave
	// more than one per worker.
	if unknown < 2 || unknown > 3*4 {
		t.Errorf("%d unknown after 3 kills with 4 workers; want 2 to 12", unknown)
	}
	if counts.Sent+counts.Unknown+counts.Done != n || counts.Done == 0 {
		t.Errorf("resume counts %+v do not cover %d recipients", counts, n)
	}
	if again, err := s.Run(context.Background(), jobsFor("crash", n)); err != nil || again.Done != n {
		t.Errorf("running the finished edition again: %+v, %v; want all %d done", again, err, n)
	}
}
