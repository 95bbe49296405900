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
// migrations excluded). It does so with 4 SMTP sessions a process (the
// default) and then with 1 (metrics ending in "-1sess"), where a process
// is bound by the sink's reply and its commits rather than by CPU. It also
// sends the edition with one process on a SQLite journal, and reports the
// CPU time the sender processes used per message, and PostgreSQL's when it
// runs on this machine (all its processes, read from /proc): on a machine
// with fewer free cores than processes, the speedup is bounded by CPU, not
// by the database or the claims. To tell the two apart it also runs three
// processes that share nothing but the machine, the database server and
// the sink: each sends its own edition of a third of the recipients
// ("-apart"), so no record is claimed by more than one. speedup-x-apart
// is the most three processes reach on this machine; speedup-x below it
// is what sharing one edition costs. The documented figure is 20,000 subscribers; set
// KHABAR_BENCH_SUBSCRIBERS for another count and KHABAR_BENCH_WORKERS for
// one number of SMTP sessions per process instead of both.
//
//	go test ./postgres -run '^$' -bench Senders -benchtime 1x
func BenchmarkSenders(b *testing.B) {
	n := envInt("KHABAR_BENCH_SUBSCRIBERS", 20_000)
	sessions := []int{4, 1} // the default first
	if w := envInt("KHABAR_BENCH_WORKERS", 0); w > 0 {
		sessions = []int{w}
	}
	delay, err := time.ParseDuration(os.Getenv("KHABAR_BENCH_SMTP_DELAY"))
	if err != nil {
		delay = time.Millisecond
	}
	url := pgtest.URL(b)
	pm := postmaster(b, openDB(b, url)) // migrate once
	dir := b.TempDir()
	one, three, apart := make([]sendRun, len(sessions)), make([]sendRun, len(sessions)), make([]sendRun, len(sessions))
	var lite sendRun
	i := 0
	for b.Loop() {
		i++
		for k, w := range sessions {
			one[k] = runSenders(b, url, pm, fmt.Sprintf("one-%d-%d", w, i), 1, n, w, delay, false)
			three[k] = runSenders(b, url, pm, fmt.Sprintf("three-%d-%d", w, i), 3, n, w, delay, false)
			apart[k] = runSenders(b, url, pm, fmt.Sprintf("apart-%d-%d", w, i), 3, n, w, delay, true)
		}
		lite = runSenders(b, "sqlite:"+filepath.Join(dir, fmt.Sprintf("journal-%d.db", i)), 0, "lite", 1, n, sessions[0], delay, false)
	}
	for k, w := range sessions {
		sfx := ""
		if k > 0 {
			sfx = fmt.Sprintf("-%dsess", w)
		}
		b.ReportMetric(one[k].rate(), "msg/s-1proc"+sfx)
		b.ReportMetric(three[k].rate(), "msg/s-3proc"+sfx)
		b.ReportMetric(three[k].rate()/one[k].rate(), "speedup-x"+sfx)
		b.ReportMetric(apart[k].rate(), "msg/s-3proc-apart"+sfx)
		b.ReportMetric(apart[k].rate()/one[k].rate(), "speedup-x-apart"+sfx)
		b.ReportMetric(one[k].perMessage(), "roundtrips/msg-1proc"+sfx)
		b.ReportMetric(three[k].perMessage(), "roundtrips/msg-3proc"+sfx)
		b.ReportMetric(one[k].cpuPerMessage(), "sender-cpu-µs/msg-1proc"+sfx)
		b.ReportMetric(three[k].cpuPerMessage(), "sender-cpu-µs/msg-3proc"+sfx)
		if pm != 0 {
			b.ReportMetric(one[k].serverCPUPerMessage(), "pg-cpu-µs/msg-1proc"+sfx)
			b.ReportMetric(three[k].serverCPUPerMessage(), "pg-cpu-µs/msg-3proc"+sfx)
		}
	}
	b.ReportMetric(lite.rate(), "msg/s-sqlite-1proc")
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
	serverCPU        time.Duration // PostgreSQL's, when it runs on this machine
}

func (r sendRun) rate() float64       { return float64(r.sent) / r.took.Seconds() }
func (r sendRun) perMessage() float64 { return float64(r.roundTrips) / float64(r.sent) }
func (r sendRun) cpuPerMessage() float64 {
	return float64(r.cpu.Microseconds()) / float64(r.sent)
}
func (r sendRun) serverCPUPerMessage() float64 {
	return float64(r.serverCPU.Microseconds()) / float64(r.sent)
}

// runSenders runs procs sender processes on db for an edition of n
// recipients, into a sink that replies after delay, and waits for all.
// With apart, each process sends an edition of its own instead, of its
// share of the n recipients. pm is the postmaster's process ID, for the
// server's CPU time (0: none).
func runSenders(b *testing.B, db string, pm int, edition string, procs, n, workers int, delay time.Duration, apart bool) sendRun {
	b.Helper()
	sink := startSink(b, delay)
	outs := make([]*bytes.Buffer, procs)
	serverStart := serverCPU(pm)
	start := time.Now()
	cmds := make([]chan error, procs)
	procCmds := make([]*exec.Cmd, procs)
	for p := range procs {
		ed, np := edition, n
		if apart {
			ed, np = fmt.Sprintf("%s-%d", edition, p), n/procs
			if p == 0 {
				np += n % procs
			}
		}
		cmd := helper(db, sink.Addr(), ed, fmt.Sprintf("bench-%d", p), np, workers, 10*time.Second)
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
	if pm != 0 {
		time.Sleep(300 * time.Millisecond) // for the backends of the processes to exit
		r.serverCPU = serverCPU(pm) - serverStart
	}
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
