package deliver

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkJournal measures one delivery's journal writes (open, pending→
// sending, sending→sent): three commits.
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
	}
}
