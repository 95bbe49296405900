package deliver

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
)

// BenchmarkJournal measures one delivery's journal writes (open, pending→
// sending, sending→sent): three commits, on one goroutine ("serial") and
// on 8 at once ("parallel", where group commit shares fsyncs).
func BenchmarkJournal(b *testing.B) {
	ctx := context.Background()
	for name, mk := range map[string]func(b *testing.B) Journal{
		"mem":         func(*testing.B) Journal { return &MemJournal{} },
		"sqlite-full": func(b *testing.B) Journal { return sqliteJournal(b, "") },
	} {
		b.Run(name, func(b *testing.B) {
			j := mk(b)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := Key{"e", fmt.Sprintf("r%d@example.org", i)}
				i++
				now := time.Now()
				if _, err := j.Open(ctx, k, now); err != nil {
					b.Fatal(err)
				}
				if err := j.Transition(ctx, k, StatePending, StateSending, Update{Attempt: true, At: now}); err != nil {
					b.Fatal(err)
				}
				if err := j.Transition(ctx, k, StateSending, StateSent, Update{Detail: "250 ok", At: now}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"-parallel", func(b *testing.B) {
			j := mk(b)
			var next atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(4) // 8 goroutines on 2 CPUs
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					k := Key{"e", fmt.Sprintf("r%d@example.org", next.Add(1))}
					now := time.Now()
					if _, err := j.Open(ctx, k, now); err != nil {
						b.Error(err)
						return
					}
					if err := j.Transition(ctx, k, StatePending, StateSending, Update{Attempt: true, At: now}); err != nil {
						b.Error(err)
						return
					}
					if err := j.Transition(ctx, k, StateSending, StateSent, Update{Detail: "250 ok", At: now}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkJournalWorkers records deliveries as a Sender's workers do on
// the SQLite journal in the store's database (synchronous=FULL): each of
// 4 goroutines records its previous message's outcome (sending→sent, with
// its sent log entry) together with its next message's "sending", in one
// TransitionAll, while group commit shares the commits. The records are
// opened beforehand, 128 at a time, as the producer does. Besides the
// time, it reports the process's CPU time (user and system) a message,
// steadier than the time on a shared machine.
func BenchmarkJournalWorkers(b *testing.B) {
	ctx := context.Background()
	_, j := sqliteStore(b)
	bt, op := j.(Batcher), j.(Opener)
	keys := make([]Key, b.N+8)
	for i := range keys {
		keys[i] = Key{"daily-2026-11-25", fmt.Sprintf("r%07d@example.org", i)}
	}
	at := time.Now()
	for i := 0; i < len(keys); i += 128 {
		if _, err := op.OpenAll(ctx, keys[i:min(i+128, len(keys))], at); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(2) // 4 goroutines on 2 CPUs
	cpu0 := cpuTime(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var prev *Key
		for pb.Next() {
			k := &keys[next.Add(1)-1]
			moves := []Move{{Key: *k, From: StatePending, To: StateSending, Update: Update{Detail: "DATA started", Attempt: true, MessageID: "<" + k.Recipient + ">", At: at}}}
			if prev != nil {
				sent := &digest.Sent{Edition: prev.Edition, Email: prev.Recipient, Until: at, At: at}
				moves = append([]Move{{Key: *prev, From: StateSending, To: StateSent, Update: Update{Detail: "250 ok", At: at, Sent: sent}}}, moves...)
			}
			for _, err := range bt.TransitionAll(ctx, moves) {
				if err != nil {
					b.Error(err)
					return
				}
			}
			prev = k
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
}

// cpuTime is the process's CPU time so far, user and system.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkJournalOpenAll opens records 128 at a time on the SQLite
// journal, as the Sender's producer does: new ones ("new", one commit a
// page) and ones already there ("existing", as when a run resumes).
func BenchmarkJournalOpenAll(b *testing.B) {
	ctx := context.Background()
	_, j := sqliteStore(b)
	op := j.(Opener)
	at := time.Now()
	page := func(p int) []Key {
		keys := make([]Key, 128)
		for i := range keys {
			keys[i] = Key{"daily-2026-11-25", fmt.Sprintf("r%07d@example.org", p*128+i)}
		}
		return keys
	}
	for _, name := range []string{"new", "existing"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			p := 0
			for b.Loop() {
				if _, err := op.OpenAll(ctx, page(p), at); err != nil {
					b.Fatal(err)
				}
				p++
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(128*b.N), "µs/record")
		})
	}
}
