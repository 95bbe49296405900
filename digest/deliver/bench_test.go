package deliver

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// BenchmarkPooledVsPerMessage compares this package's Sender (4 workers,
// each keeping one SMTP session for many messages) with the usual go-mail
// loop that dials one connection per message (Client.DialAndSend), sending
// the same messages to the in-process server, one at a time ("per-msg") and
// four at a time ("per-msg-x4"). The Sender uses an in-memory journal so
// that only the SMTP side differs. It reports messages per second for each
// and the ratios ("x-pooled/per-msg", "x-pooled/per-msg-x4").
//
// Scenarios: plain loopback; STARTTLS + AUTH PLAIN on loopback (what a real
// submission server requires); and 1 ms added before every server reply,
// a nearby relay's round trip.
func BenchmarkPooledVsPerMessage(b *testing.B) {
	const batch = 100
	for _, sc := range []struct {
		name string
		opts []serverOption
	}{
		{"loopback", nil},
		{"starttls-auth", []serverOption{withTLSAuth("khabar", "s3cret")}},
		{"rtt-1ms", []serverOption{withLatency(time.Millisecond)}},
	} {
		b.Run(sc.name, func(b *testing.B) {
			srv := startServer(b, append(sc.opts, withoutBodies())...)
			cl := srv.client(b)
			s := newSender(b, Config{Client: cl, Journal: &MemJournal{}, Workers: 4})
			par := make([]*gomail.Client, 4)
			for i := range par {
				par[i] = srv.client(b)
			}
			var pooled, single, single4 time.Duration
			var sent int
			round := 0
			b.ReportAllocs()
			for b.Loop() {
				round++
				ed := fmt.Sprintf("e%d", round)
				start := time.Now()
				c, err := s.Run(context.Background(), jobsFor(ed, batch))
				if err != nil || c.Sent != batch {
					b.Fatalf("pooled: %+v, %v", c, err)
				}
				pooled += time.Since(start)

				start = time.Now()
				for i := range batch {
					m, err := testMsg(ed+"x", rcptAddr(i))
					if err != nil {
						b.Fatal(err)
					}
					if err := cl.DialAndSendWithContext(context.Background(), m); err != nil {
						b.Fatalf("per-message send: %v", err)
					}
				}
				single += time.Since(start)

				// One connection per message again, but four at a time.
				start = time.Now()
				var wg sync.WaitGroup
				for g, c := range par {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := g; i < batch; i += len(par) {
							m, err := testMsg(ed+"y", rcptAddr(i))
							if err != nil {
								b.Error(err)
								return
							}
							if err := c.DialAndSendWithContext(context.Background(), m); err != nil {
								b.Errorf("per-message send: %v", err)
								return
							}
						}
					}()
				}
				wg.Wait()
				single4 += time.Since(start)
				sent += batch
			}
			pps := float64(sent) / pooled.Seconds()
			sps := float64(sent) / single.Seconds()
			b.ReportMetric(pps, "pooled-msg/s")
			b.ReportMetric(sps, "per-msg-msg/s")
			s4 := float64(sent) / single4.Seconds()
			b.ReportMetric(s4, "per-msg-x4-msg/s")
			b.ReportMetric(pps/sps, "x-pooled/per-msg")
			b.ReportMetric(pps/s4, "x-pooled/per-msg-x4")
		})
	}
}
