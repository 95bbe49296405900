package deliver

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
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
