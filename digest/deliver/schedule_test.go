package deliver

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone database: %v", err)
	}
	return loc
}

// fakeClock is a clock that only moves when the scheduler sleeps.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	end    time.Time
	cancel context.CancelFunc
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	over := !c.end.IsZero() && c.t.After(c.end)
	c.mu.Unlock()
	if over {
		c.cancel()
	}
	return ctx.Err()
}

type built struct {
	who, date string
	at        time.Time
}

// testAudience is a small subscriber list whose zones may change over time.
type testAudience struct {
	clock   *fakeClock
	names   []string
	zone    func(name string, now time.Time) *time.Location
	nothing func(name, date string) bool
	mu      sync.Mutex
	built   []built
}

func (a *testAudience) Recipients(context.Context) iter.Seq2[Recipient, error] {
	return func(yield func(Recipient, error) bool) {
		for _, n := range a.names {
			if !yield(Recipient{Key: n + "@example.org", Location: a.zone(n, a.clock.Now())}, nil) {
				return
			}
		}
	}
}

func (a *testAudience) EditionID(date string) string { return "daily-" + date }

func (a *testAudience) Job(_ context.Context, r Recipient, date string) (Job, error) {
	name := r.Key[:len(r.Key)-len("@example.org")]
	a.mu.Lock()
	a.built = append(a.built, built{name, date, a.clock.Now().UTC()})
	a.mu.Unlock()
	if a.nothing != nil && a.nothing(name, date) {
		return Job{}, fmt.Errorf("%w: no new story since the last edition", ErrSkip)
	}
	ed := a.EditionID(date)
	return Job{Key: Key{ed, r.Key}, Compose: func() (*gomail.Msg, error) { return testMsg(ed, r.Key) }}, nil
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestSchedulerAcrossDaysAndZones drives Run with a fake clock for two days:
// each subscriber gets one edition per local date at 07:00 local; ravi moves
// from Asia/Kolkata to Europe/London after his first edition and is not
// sent the same date again; neha has nothing new on the first day.
func TestSchedulerAcrossDaysAndZones(t *testing.T) {
	kol, lon, nyc := mustZone(t, "Asia/Kolkata"), mustZone(t, "Europe/London"), mustZone(t, "America/New_York")
	srv := startServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := &fakeClock{t: utc("2026-11-23 18:00"), end: utc("2026-11-25 12:30"), cancel: cancel}
	aud := &testAudience{
		clock: clock,
		names: []string{"amy", "dev", "neha", "ravi", "sara"},
		zone: func(n string, now time.Time) *time.Location {
			switch n {
			case "amy":
				return nyc
			case "dev":
				return nil // the scheduler's default zone
			case "sara":
				return lon
			case "ravi":
				if now.Before(utc("2026-11-24 04:00")) {
					return kol
				}
				return lon
			}
			return kol
		},
		nothing: func(n, date string) bool { return n == "neha" && date == "2026-11-24" },
	}
	j := &MemJournal{}
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 2, Now: clock.Now})
	var passes []Pass
	sch := &Scheduler{Sender: s, Audience: aud, Location: kol, Poll: time.Hour, Now: clock.Now, Sleep: clock.Sleep,
		OnPass: func(p Pass) { passes = append(passes, p) }}
	if err := sch.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled at the end of the fake time", err)
	}
	want := []built{
		{"dev", "2026-11-24", utc("2026-11-24 01:30")},
		{"neha", "2026-11-24", utc("2026-11-24 01:30")},
		{"ravi", "2026-11-24", utc("2026-11-24 01:30")},
		{"sara", "2026-11-24", utc("2026-11-24 07:00")},
		{"amy", "2026-11-24", utc("2026-11-24 12:00")},
		{"dev", "2026-11-25", utc("2026-11-25 01:30")},
		{"neha", "2026-11-25", utc("2026-11-25 01:30")},
		{"ravi", "2026-11-25", utc("2026-11-25 07:00")},
		{"sara", "2026-11-25", utc("2026-11-25 07:00")},
		{"amy", "2026-11-25", utc("2026-11-25 12:00")},
	}
	if !slices.Equal(aud.built, want) {
		t.Errorf("jobs built:\n got %v\nwant %v", aud.built, want)
	}
	for n, c := range map[string]int{"amy": 2, "dev": 2, "neha": 1, "ravi": 2, "sara": 2} {
		if got := srv.countFor(n + "@example.org"); got != c {
			t.Errorf("%s received %d digests, want %d", n, got, c)
		}
	}
	r, ok, _ := j.Get(context.Background(), Key{"daily-2026-11-24", "neha@example.org"})
	if !ok || r.State != StateSkipped || r.Detail == "" {
		t.Errorf("neha's first edition: %+v, want skipped with a reason", r)
	}
	// The scheduler slept until each send time rather than polling every
	// minute: about one pass per distinct send time plus the hourly polls.
	if len(passes) > 45 {
		t.Errorf("%d passes in 42 fake hours; the scheduler is polling too often", len(passes))
	}
}

func TestSchedulerDST(t *testing.T) {
	lon := mustZone(t, "Europe/London")
	for _, tc := range []struct {
		now, next string
		due       bool
	}{
		{"2027-03-27 06:59", "2027-03-27 07:00", false}, // GMT: 07:00 local is 07:00 UTC
		{"2027-03-27 07:00", "2027-03-28 06:00", true},  // the next day is BST: 07:00 local is 06:00 UTC
		{"2027-03-28 05:59", "2027-03-28 06:00", false},
		{"2027-03-28 06:00", "2027-03-29 06:00", true},
		{"2027-10-31 06:30", "2027-10-31 07:00", false}, // back to GMT
	} {
		now := utc(tc.now)
		due := !now.Before(dueTime(now, lon, 7, 0))
		next := nextDue(now, lon, 7, 0)
		if due != tc.due || !next.Equal(utc(tc.next)) {
			t.Errorf("at %s UTC: due %t, next %s; want due %t, next %s UTC", tc.now, due, next.UTC().Format("2006-01-02 15:04"), tc.due, tc.next)
		}
	}
	// A send time in a spring-forward gap (01:30 does not exist in London
	// on 2027-03-28) still happens once, an hour later in UTC terms.
	gap := dueTime(utc("2027-03-28 12:00"), lon, 1, 30)
	if !gap.Equal(utc("2027-03-28 01:30")) && !gap.Equal(utc("2027-03-28 00:30")) {
		t.Errorf("send time in the DST gap = %s", gap.UTC())
	}
}

// TestSchedulerRestart stops a pass half-way (as a crash or a deploy
// would), then a fresh scheduler on the same journal finishes the day, and
// a third pass builds and sends nothing.
func TestSchedulerRestart(t *testing.T) {
	kol := mustZone(t, "Asia/Kolkata")
	srv := startServer(t, withPerMsg(2*time.Millisecond))
	db := t.TempDir() + "/state.db"
	clock := &fakeClock{t: utc("2026-11-24 01:30")}
	names := make([]string, 30)
	for i := range names {
		names[i] = fmt.Sprintf("r%02d", i)
	}
	newSched := func() (*Scheduler, *testAudience) {
		aud := &testAudience{clock: clock, names: names, zone: func(string, time.Time) *time.Location { return kol }}
		s := newSender(t, Config{Client: srv.client(t), Journal: sqliteJournal(t, db), Workers: 3, Now: clock.Now})
		return &Scheduler{Sender: s, Audience: aud, Now: clock.Now}, aud
	}

	ctx, cancel := context.WithCancel(context.Background())
	srv.setOnData(func(n int) {
		if n == 8 {
			cancel()
		}
	})
	first, _ := newSched()
	p, err := first.RunOnce(ctx)
	if !errors.Is(err, context.Canceled) || p.Sent.Sent == 0 || p.Sent.Sent == len(names) {
		t.Fatalf("first pass: %+v, %v; want a partial pass", p.Sent, err)
	}
	srv.setOnData(nil)

	clock.set(utc("2026-11-24 02:00"))
	second, _ := newSched()
	p2, err := second.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.Sent.Sent+p2.Sent.Sent != len(names) {
		t.Errorf("sent %d then %d, want %d in all", p.Sent.Sent, p2.Sent.Sent, len(names))
	}
	for _, n := range names {
		if c := srv.countFor(n + "@example.org"); c != 1 {
			t.Errorf("%s received %d, want 1", n, c)
		}
	}
	clock.set(utc("2026-11-24 09:00"))
	third, aud := newSched()
	p3, err := third.RunOnce(context.Background())
	if err != nil || p3.Due != 0 || len(aud.built) != 0 || p3.Sent.Read != 0 {
		t.Errorf("third pass: %+v, %v, built %d; want nothing due", p3, err, len(aud.built))
	}
	if want := utc("2026-11-25 01:30"); !p3.Next.Equal(want) {
		t.Errorf("next send time = %s, want %s", p3.Next.UTC(), want)
	}
}

func TestSchedulerConfigErrors(t *testing.T) {
	srv := startServer(t)
	s := newSender(t, Config{Client: srv.client(t), Journal: &MemJournal{}})
	aud := &testAudience{clock: &fakeClock{}, zone: func(string, time.Time) *time.Location { return nil }}
	for _, sch := range []*Scheduler{
		{Audience: aud},
		{Sender: s},
		{Sender: s, Audience: aud, SendAt: "7am"},
		{Sender: s, Audience: aud, SendAt: "25:00"},
	} {
		if _, err := sch.RunOnce(context.Background()); err == nil {
			t.Errorf("RunOnce with %+v: want an error", sch)
		}
	}
	if err := (&Scheduler{Sender: s, Audience: aud, SendAt: "x"}).Run(context.Background()); err == nil {
		t.Errorf("Run with a bad SendAt: want an error")
	}
}
