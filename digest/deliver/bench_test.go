package deliver

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkPooledVsPerMessage compares this package's Sender (4 workers,
// each keeping one SMTP session for many messages) with the usual go-mail
// loop that dials one connection per message (Client.DialAndSend), sending
// the same messages to the in-process server. Both use an in-memory journal
// so that only the SMTP side differs. It reports messages per second for
// each and their ratio ("x-pooled/per-msg").
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
			var pooled, single time.Duration
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
				sent += batch
			}
			pps := float64(sent) / pooled.Seconds()
			sps := float64(sent) / single.Seconds()
			b.ReportMetric(pps, "pooled-msg/s")
			b.ReportMetric(sps, "per-msg-msg/s")
			b.ReportMetric(pps/sps, "x-pooled/per-msg")
		})
	}
}
