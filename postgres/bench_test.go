package postgres

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar/internal/pgtest"
)

// BenchmarkSenders sends one edition with one sender process and with
// three on one PostgreSQL database, side by side, into a loopback SMTP
// sink that replies 1 ms after each message, and reports messages per
// second of each, the ratio ("speedup-x"), and the PostgreSQL round trips
// per delivered message (claims, transitions, lease renewals; setup and
// migrations excluded). It also sends the edition with one process on a
// SQLite journal, and reports the CPU time the sender processes used per
// message: on a machine with fewer free cores than processes, the
// speedup is bounded by CPU, not by the database or the claims. The documented figure is 20,000 subscribers; set
// KHABAR_BENCH_SUBSCRIBERS for another count and KHABAR_BENCH_WORKERS for
// the SMTP sessions per process (default 4).
//
//	go test ./postgres -run '^$' -bench Senders -benchtime 1x
func BenchmarkSenders(b *testing.B) {
	n := envInt("KHABAR_BENCH_SUBSCRIBERS", 20_000)
	workers := envInt("KHABAR_BENCH_WORKERS", 4)
	delay, err := time.ParseDuration(os.Getenv("KHABAR_BENCH_SMTP_DELAY"))
	if err != nil {
		delay = time.Millisecond
	}
	url := pgtest.URL(b)
	openDB(b, url) // migrate once
	dir := b.TempDir()
	var one, three, lite sendRun
	i := 0
	for b.Loop() {
		i++
		one = runSenders(b, url, fmt.Sprintf("one-%d", i), 1, n, workers, delay)
		three = runSenders(b, url, fmt.Sprintf("three-%d", i), 3, n, workers, delay)
		lite = runSenders(b, "sqlite:"+filepath.Join(dir, fmt.Sprintf("journal-%d.db", i)), "lite", 1, n, workers, delay)
	}
	b.ReportMetric(one.rate(), "msg/s-1proc")
	b.ReportMetric(three.rate(), "msg/s-3proc")
	b.ReportMetric(three.rate()/one.rate(), "speedup-x")
	b.ReportMetric(one.perMessage(), "roundtrips/msg-1proc")
	b.ReportMetric(three.perMessage(), "roundtrips/msg-3proc")
	b.ReportMetric(lite.rate(), "msg/s-sqlite-1proc")
	b.ReportMetric(one.cpuPerMessage(), "sender-cpu-µs/msg-1proc")
	b.ReportMetric(three.cpuPerMessage(), "sender-cpu-µs/msg-3proc")
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// sendRun is what the sender processes of one run did together.
type sendRun struct {
	sent, roundTrips int
	took             time.Duration
	cpu              time.Duration // user and system time of the sender processes
}

func (r sendRun) rate() float64       { return float64(r.sent) / r.took.Seconds() }
func (r sendRun) perMessage() float64 { return float64(r.roundTrips) / float64(r.sent) }
func (r sendRun) cpuPerMessage() float64 {
	return float64(r.cpu.Microseconds()) / float64(r.sent)
}

// runSenders runs procs sender processes on db for an edition of n
// recipients, into a sink that replies after delay, and waits for all.
func runSenders(b *testing.B, db, edition string, procs, n, workers int, delay time.Duration) sendRun {
	b.Helper()
	sink := startSink(b, delay)
	outs := make([]*bytes.Buffer, procs)
	start := time.Now()
	cmds := make([]chan error, procs)
	procCmds := make([]*exec.Cmd, procs)
	for p := range procs {
		cmd := helper(db, sink.Addr(), edition, fmt.Sprintf("bench-%d", p), n, workers, 10*time.Second)
		outs[p] = &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = outs[p], outs[p]
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		procCmds[p] = cmd
		cmds[p] = make(chan error, 1)
		go func() { cmds[p] <- cmd.Wait() }()
	}
	var r sendRun
	for p := range procs {
		if err := <-cmds[p]; err != nil {
			b.Fatalf("sender %d: %v\n%s", p, err, outs[p])
		}
	}
	r.took = time.Since(start)
	for p := range procs {
		r.cpu += procCmds[p].ProcessState.UserTime() + procCmds[p].ProcessState.SystemTime()
		sc := bufio.NewScanner(outs[p])
		for sc.Scan() {
			rest, ok := strings.CutPrefix(sc.Text(), "HELPER ")
			if !ok {
				continue
			}
			for _, kv := range strings.Fields(rest) {
				k, v, _ := strings.Cut(kv, "=")
				x, _ := strconv.Atoi(v)
				switch k {
				case "sent":
					r.sent += x
				case "roundtrips":
					r.roundTrips += x
				}
			}
		}
	}
	if r.sent != n || sink.Total() != n {
		b.Fatalf("%s: %d processes sent %d, the sink received %d; want %d", edition, procs, r.sent, sink.Total(), n)
	}
	return r
}
