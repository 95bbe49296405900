package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
)

// BenchmarkJournalSend moves records as a Sender's SMTP workers do, on
// the store's database (synchronous=FULL): each worker commits a
// message's "sending" with the previous message's outcome and its sent
// log entry (one TransitionAll of two moves), then spends 1-3 ms on the
// SMTP exchange (a sleep) before its next message. It reports the
// process's CPU and the journal's commits a message.
func BenchmarkJournalSend(b *testing.B) {
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			benchmarkJournalSend(b, workers)
		})
	}
}

func benchmarkJournalSend(b *testing.B, workers int) {
	ctx := context.Background()
	s, err := OpenStore(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	j, err := NewJournal(ctx, s.DB())
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	var commits atomic.Int64
	commit := j.gc.Commit
	j.gc.Commit = func(batch []*writeOp) { commits.Add(1); commit(batch) }

	keys := make([]deliver.Key, b.N+workers)
	for i := range keys {
		keys[i] = deliver.Key{Edition: "daily-2026-11-25", Recipient: fmt.Sprintf("r%07d@example.org", i)}
	}
	at := time.Now()
	for i := 0; i < len(keys); i += 128 {
		if _, err := j.OpenAll(ctx, keys[i:min(i+128, len(keys))], at); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	commits.Store(0)
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for range workers {
		wg.Go(func() {
			var prev *deliver.Key
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				k := &keys[i]
				moves := []deliver.Move{{Key: *k, From: deliver.StatePending, To: deliver.StateSending,
					Update: deliver.Update{Detail: "DATA started", Attempt: true, MessageID: "<" + k.Recipient + ">", At: at}}}
				if prev != nil {
					sent := &digest.Sent{Edition: prev.Edition, Email: prev.Recipient, Until: at, At: at}
					moves = append([]deliver.Move{{Key: *prev, From: deliver.StateSending, To: deliver.StateSent,
						Update: deliver.Update{Detail: "250 ok", At: at, Sent: sent}}}, moves...)
				}
				for _, err := range j.TransitionAll(ctx, moves) {
					if err != nil {
						b.Error(err)
						return
					}
				}
				prev = k
				time.Sleep(time.Millisecond + rand.N(2*time.Millisecond))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
	b.ReportMetric(float64(commits.Load())/float64(b.N), "commits/msg")
}

// cpuTime is the process's CPU time so far, user and system.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
