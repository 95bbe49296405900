package deliver

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
)

// BenchmarkEndToEnd sends one digest edition to 10,000 and to 100,000
// subscribers: subscribers in the digest's SQLite store, each digest built
// by digest.Builder from a 1,000-story synthetic corpus, DKIM-signed
// (Ed25519), sent by 4 pooled workers into the in-process SMTP server, with
// the journal in the store's database (synchronous=FULL). Each size runs in
// a fresh child process so that its peak resident memory (VmHWM) is its
// own; the benchmark reports it ("peak-RSS-MiB") with messages per second.
// Flat memory means the two peaks are close although the second run sends
// ten times as much.
//
//	go test ./digest/deliver -run '^$' -bench EndToEnd -benchtime 1x -timeout 30m
func BenchmarkEndToEnd(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			for b.Loop() {
				dir := b.TempDir()
				cmd := exec.Command(os.Args[0], "-test.run=^TestHelperEndToEnd$", "-test.count=1", "-test.timeout=0")
				cmd.Env = append(os.Environ(), "DELIVER_E2E_N="+strconv.Itoa(n), "DELIVER_E2E_DIR="+dir)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					b.Fatalf("child: %v\n%s\n%s", err, out, stderr.Bytes())
				}
				res := map[string]float64{}
				sc := bufio.NewScanner(bytes.NewReader(out))
				for sc.Scan() {
					if rest, ok := strings.CutPrefix(sc.Text(), "E2E "); ok {
						for _, kv := range strings.Fields(rest) {
							k, v, _ := strings.Cut(kv, "=")
							f, _ := strconv.ParseFloat(v, 64)
							res[k] = f
						}
					}
				}
				if int(res["sent"]) != n {
					b.Fatalf("child sent %v of %d:\n%s", res["sent"], n, out)
				}
				b.ReportMetric(res["hwm_kib"]/1024, "peak-RSS-MiB")
				b.ReportMetric(res["import_hwm_kib"]/1024, "RSS-after-import-MiB")
				b.ReportMetric(res["sent"]/res["send_s"], "msg/s")
			}
		})
	}
}

// TestHelperEndToEnd is the child process of BenchmarkEndToEnd.
func TestHelperEndToEnd(t *testing.T) {
	nStr := os.Getenv("DELIVER_E2E_N")
	if nStr == "" {
		t.Skip("child process of BenchmarkEndToEnd")
	}
	n, _ := strconv.Atoi(nStr)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 7, 0, 0, 0, ist)
	store, j, b := digestSetup(t, nil, 1000, now)

	// Import in chunks, as a real import of a large list would, so that
	// the subscriber list itself is never in memory.
	const chunk = 2000
	subs := make([]*digest.Subscriber, 0, chunk)
	for i := range n {
		subs = append(subs, &digest.Subscriber{Email: rcptAddr(i), Name: "पाठक " + strconv.Itoa(i), Language: "hi"})
		if len(subs) == chunk || i == n-1 {
			if _, err := store.Import(ctx, subs); err != nil {
				t.Fatal(err)
			}
			subs = subs[:0]
		}
	}
	importHWM := vmHWM(t)

	_, ek := testKeys(t)
	srv := startServer(t, withoutBodies())
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 4, DKIM: &DKIM{Domain: b.Domain(), Selector: "k", Key: ek}})
	d := &Digest{Builder: b, Store: store}
	start := time.Now()
	c, err := s.Run(ctx, d.Jobs(ctx, digest.Edition{Date: "2026-11-25"}))
	el := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if srv.total() != c.Sent {
		t.Fatalf("server received %d, sender says %d", srv.total(), c.Sent)
	}
	fmt.Printf("E2E n=%d sent=%d failed=%d send_s=%.3f hwm_kib=%d import_hwm_kib=%d\n", n, c.Sent, c.Failed, el.Seconds(), vmHWM(t), importHWM)
}

// vmHWM returns the process's peak resident set size in KiB.
func vmHWM(t testing.TB) int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			v, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return v
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}
