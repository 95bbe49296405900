package deliver

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/internal/synth"
)

var ist = time.FixedZone("IST", 5*3600+1800)

// digestSetup opens a SQLite digest store with subscribers and a journal
// in its database, a catalog of a synthetic day and a Builder whose clock
// is fixed at now.
func digestSetup(t testing.TB, subs []*digest.Subscriber, articles int, now time.Time) (TestStore, Journal, *digest.Builder) {
	t.Helper()
	store, j := sqliteStore(t)
	if _, err := store.Import(context.Background(), subs); err != nil {
		t.Fatal(err)
	}
	return store, j, digestBuilder(t, store, store, articles, now)
}

// digestBuilder returns a Builder over a catalog of a synthetic day,
// with the given subscribers and sent log and its clock fixed at now.
func digestBuilder(t testing.TB, subs digest.SubscriberStore, sent digest.SentLog, articles int, now time.Time) *digest.Builder {
	t.Helper()
	cat := khabar.NewCatalog()
	if err := cat.UpsertAll(synth.Generate(synth.Config{Articles: articles, Span: 48 * time.Hour, ContentBytes: -1})); err != nil {
		t.Fatal(err)
	}
	b, err := digest.NewBuilder(digest.Config{
		Source:         cat,
		Subscribers:    subs,
		Sent:           sent,
		From:           "ख़बर <digest@khabar.example>",
		Publisher:      digest.Publisher{Name: "ख़बर", Address: "12, माल रोड\nकानपुर 208001, भारत", URL: "https://khabar.example/"},
		UnsubscribeURL: "https://khabar.example/digest/unsubscribe",
		BrowserURL:     "https://khabar.example/digest",
		Tokens:         &digest.Tokens{Keys: []digest.TokenKey{{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")}}, Now: func() time.Time { return now }},
		Cutoff:         7 * time.Hour,
		Now:            func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testSubscribers(t testing.TB) []*digest.Subscriber {
	lon := mustZone(t, "Europe/London")
	kol := mustZone(t, "Asia/Kolkata")
	return []*digest.Subscriber{
		{Email: "Asha@Example.org", Name: "आशा", Language: "hi", TimeZone: kol},
		{Email: "bilal@example.org", Name: "بلال", Language: "ur", TimeZone: kol},
		{Email: "chris@example.org", Name: "Chris", Language: "en", TimeZone: lon},
		{Email: "deepa@example.org", Name: "दीपा", Language: "hi"},
		{Email: "gone@example.org", Name: "Gone", Language: "hi", Status: digest.StatusUnsubscribed},
		{Email: "bounce@example.org", Name: "Bounce", Language: "hi", Status: digest.StatusBounced},
	}
}

// TestDigestEditionEndToEnd sends a digest edition built from the store to
// the test server, DKIM-signed, with the journal in the store's database,
// then runs it again: nothing more is sent.
func TestDigestEditionEndToEnd(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 7, 0, 0, 0, ist)
	store, j, b := digestSetup(t, testSubscribers(t), 400, now)
	_, ek := testKeys(t)
	srv := startServer(t)
	dk := &DKIM{Domain: b.Domain(), Selector: "k2026", Key: ek}
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 2, DKIM: dk})
	var mu sync.Mutex
	skipped := map[string]string{}
	d := &Digest{Builder: b, Store: store, OnSkip: func(who string, err error) {
		mu.Lock()
		skipped[digest.EmailKey(who)] = err.Error()
		mu.Unlock()
	}}
	ed := digest.Edition{Date: "2026-11-25"}
	counts, err := s.Run(ctx, d.Jobs(ctx, ed))
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"gone@example.org", "bounce@example.org"} {
		if _, ok := skipped[who]; !ok || srv.countFor(who) != 0 {
			t.Errorf("%s: skipped %t, received %d; want skipped, nothing received", who, ok, srv.countFor(who))
		}
	}
	if counts.Sent == 0 || counts.Sent+len(skipped) != 6 || counts.Failed+counts.Unknown != 0 {
		t.Fatalf("counts %+v, skipped %v: want every active subscriber with stories sent", counts, skipped)
	}
	for _, m := range srv.received() {
		for _, v := range verifyDKIM(t, m.Data, ek, dk.Domain, dk.Selector) {
			if v.Err != nil {
				t.Errorf("%s: DKIM: %v", m.To, v.Err)
			}
		}
		for _, re := range []*regexp.Regexp{
			regexp.MustCompile(`\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n`),
			regexp.MustCompile(`\r\nMessage-ID:\s+<daily-2026-11-25\.[0-9a-f]{32}@khabar\.example>\r\n`),
		} {
			if !re.Match(m.Data) {
				t.Errorf("%s: no header matching %s", m.To, re)
			}
		}
		key := Key{ed.ID(), digest.EmailKey(m.To)}
		r, ok, err := j.Get(ctx, key)
		if err != nil || !ok || r.State != StateSent {
			t.Errorf("%s: journal %+v, %v", key, r, err)
		}
		if _, sent, err := store.LastSent(ctx, m.To); err != nil || !sent {
			t.Errorf("%s: store.LastSent = %t, %v; want the send recorded for the next window", m.To, sent, err)
		}
	}

	// Again: the builder skips what was sent, the journal holds, nothing goes out.
	before := srv.total()
	again, err := s.Run(ctx, d.Jobs(ctx, ed))
	if err != nil || again.Sent != 0 || srv.total() != before {
		t.Errorf("second run: %+v, %v, server %d→%d; want nothing sent", again, err, before, srv.total())
	}
}

// TestDigestScheduler uses Digest as the scheduler's Audience: at 07:00 IST
// the Kolkata subscribers get the day's edition, the London one does not
// yet; at 07:00 London time he does.
func TestDigestScheduler(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Date(2026, 11, 25, 7, 0, 0, 0, ist)}
	store, j, b := digestSetup(t, testSubscribers(t), 400, clock.t)
	srv := startServer(t)
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 2, Now: clock.Now})
	sch := &Scheduler{Sender: s, Audience: &Digest{Builder: b, Store: store}, Location: b.Location(), Now: clock.Now}
	p, err := sch.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Recipients != 4 || p.Due != 3 || p.Sent.Sent+p.Sent.Skipped != 3 {
		t.Errorf("07:00 IST pass: %+v; want 4 active recipients, 3 of them in IST", p)
	}
	if srv.countFor("chris@example.org") != 0 {
		t.Errorf("chris (London) was sent at 01:30 his time")
	}
	if want := time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC); !p.Next.Equal(want) {
		t.Errorf("next = %s, want %s", p.Next.UTC(), want)
	}
	clock.set(p.Next)
	p2, err := sch.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p2.Due != 1 || p2.Sent.Sent+p2.Sent.Skipped != 1 {
		t.Errorf("07:00 London pass: %+v; want only chris", p2)
	}
	if p2.Sent.Sent != srv.countFor("chris@example.org") {
		t.Errorf("chris received %d, pass says %d sent", srv.countFor("chris@example.org"), p2.Sent.Sent)
	}
	for _, sub := range testSubscribers(t) {
		if n := srv.countFor(sub.Key()); n > 1 {
			t.Errorf("%s received %d", sub.Email, n)
		}
	}
	c, err := j.Count(ctx, "daily-2026-11-25")
	if err != nil || c[StateSent]+c[StateSkipped] != 4 {
		t.Errorf("journal %v, %v; want the 4 active subscribers settled", c, err)
	}
}

// TestDigestMarksBounces: a 550 5.1.1 (no such user) marks the subscriber
// bounced, so the next edition skips them; a 554 5.7.1 (refused as spam)
// fails the delivery but leaves the subscriber active.
func TestDigestMarksBounces(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 7, 0, 0, 0, ist)
	store, j, b := digestSetup(t, testSubscribers(t), 400, now)
	srv := startServer(t, withFaults(func(rcpt string, _ int) fault {
		switch digest.EmailKey(rcpt) {
		case "asha@example.org":
			return faultRcpt550
		case "deepa@example.org":
			return faultData550
		}
		return faultNone
	}))
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 2})
	d := &Digest{Builder: b, Store: store, MarkBounced: true}
	c, err := s.Run(ctx, d.Jobs(ctx, digest.Edition{Date: "2026-11-25"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Failed != 2 {
		t.Fatalf("counts %+v, want the two refused deliveries failed", c)
	}
	for email, want := range map[string]digest.Status{"asha@example.org": digest.StatusBounced, "deepa@example.org": digest.StatusActive} {
		sub, err := store.Subscriber(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if got := sub.Status; got != want && !(want == digest.StatusActive && got == "") {
			t.Errorf("%s: status %q, want %q", email, got, want)
		}
	}
	var skipped []string
	d.OnSkip = func(email string, err error) { skipped = append(skipped, digest.EmailKey(email)) }
	if _, err := s.Run(ctx, d.Jobs(ctx, digest.Edition{Date: "2026-11-26"})); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(skipped, "asha@example.org") {
		t.Errorf("next edition skipped %v; want the bounced address among them", skipped)
	}
}

// countingSentLog is a digest.SentLogBatch that counts its reads, and
// fails LastSentAll when failBatch is set.
type countingSentLog struct {
	*digest.MemStore
	one, all  atomic.Int64
	failBatch bool
}

func (c *countingSentLog) LastSent(ctx context.Context, email string) (time.Time, bool, error) {
	c.one.Add(1)
	return c.MemStore.LastSent(ctx, email)
}

func (c *countingSentLog) LastSentAll(ctx context.Context, emails []string) (map[string]time.Time, error) {
	c.all.Add(1)
	if c.failBatch {
		return nil, errors.New("batch read failed")
	}
	return c.MemStore.LastSentAll(ctx, emails)
}

// TestDigestJobsReadSentLogByPage checks that the Sender's path (Jobs,
// then Compose in the build stage) reads a SentLogBatch once a page of
// subscribers, not once a subscriber, with the same outcomes: those
// already sent the edition are skipped, the others sent. When the batch
// read fails, each build asks LastSent itself.
func TestDigestJobsReadSentLogByPage(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 7, 0, 0, 0, ist)
	kol := mustZone(t, "Asia/Kolkata")
	ed := digest.Edition{Date: "2026-11-25"}
	const n = 300
	srv := startServer(t)
	for _, fail := range []bool{false, true} {
		store := &digest.MemStore{}
		var subs []*digest.Subscriber
		for i := range n {
			subs = append(subs, &digest.Subscriber{Email: fmt.Sprintf("r%03d@example.org", i), Language: "hi", TimeZone: kol})
		}
		if _, err := store.Import(ctx, subs); err != nil {
			t.Fatal(err)
		}
		log := &countingSentLog{MemStore: store, failBatch: fail}
		b := digestBuilder(t, store, log, 400, now)
		_, until := b.Window(ed, kol)
		for i, s := range subs {
			if i%3 == 0 { // this edition already went out
				if err := store.MarkSent(ctx, digest.Sent{Edition: ed.ID(), Email: s.Email, Until: until, At: until}); err != nil {
					t.Fatal(err)
				}
			}
		}
		s := newSender(t, Config{Client: srv.client(t), Journal: &MemJournal{}, Workers: 2})
		counts, err := s.Run(ctx, (&Digest{Builder: b, Store: store}).Jobs(ctx, ed))
		if err != nil {
			t.Fatal(err)
		}
		if counts.Sent != n*2/3 || counts.Skipped != n/3 || counts.Failed+counts.Unknown != 0 {
			t.Errorf("failing batch %v: counts %+v; want %d sent, %d skipped", fail, counts, n*2/3, n/3)
		}
		wantOne := int64(0)
		if fail {
			wantOne = n
		}
		if pages := int64((n + 127) / 128); log.all.Load() != pages || log.one.Load() != wantOne {
			t.Errorf("failing batch %v: %d LastSentAll and %d LastSent, want %d and %d",
				fail, log.all.Load(), log.one.Load(), pages, wantOne)
		}
	}
}

// TestDigestJobsComposeRaw checks that a Digest job's message composed
// without go-mail (the build stage's path) is the one its Compose gives
// through go-mail: the same Message-ID, envelope, signed bytes and Result.
func TestDigestJobsComposeRaw(t *testing.T) {
	defer func(now func() time.Time) { dkimNow = now }(dkimNow)
	dkimNow = func() time.Time { return time.Date(2026, 11, 25, 7, 0, 0, 0, ist) }
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 7, 0, 0, 0, ist)
	subs := append(testSubscribers(t),
		&digest.Subscriber{Email: "राम@example.org", Name: "राम प्रसाद", Language: "hi"},
		&digest.Subscriber{Email: "user@bücher.example", Name: "Ünal", Language: "en"},
	)
	store, _, b := digestSetup(t, subs, 400, now)
	_, ek := testKeys(t)
	r := &run{s: &Sender{cfg: Config{DKIM: &DKIM{Domain: b.Domain(), Selector: "k", Key: ek}}}}
	n := 0
	for job, err := range (&Digest{Builder: b, Store: store}).Jobs(ctx, digest.Edition{Date: "2026-11-25"}) {
		if err != nil {
			t.Fatal(err)
		}
		if job.composeRaw == nil {
			t.Fatal("a Digest job without composeRaw")
		}
		got, gotRes, gotOK := r.prepare(job)
		viaGoMail := job
		viaGoMail.composeRaw = nil
		want, wantRes, wantOK := r.prepare(viaGoMail)
		if gotOK != wantOK || gotRes != wantRes || got.id != want.id || got.from != want.from || got.to != want.to || !slices.Equal(got.raw, want.raw) {
			t.Errorf("%s: composed without go-mail: %t %+v %q %q %q (%d bytes); with it: %t %+v %q %q %q (%d bytes)", job.Key.Recipient,
				gotOK, gotRes, got.id, got.from, got.to, len(got.raw), wantOK, wantRes, want.id, want.from, want.to, len(want.raw))
		}
		n++
	}
	if n != 6 {
		t.Errorf("%d jobs, want 6", n)
	}
}
