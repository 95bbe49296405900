package deliver

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
	gomail "github.com/wneessen/go-mail"
)

// How a Run uses its journal and the sent log: what is recorded when,
// and what a failing journal does to a run.

// countingLog is a sent log that counts MarkSent calls.
type countingLog struct {
	TestStore
	mu sync.Mutex
	n  int
}

func (l *countingLog) MarkSent(ctx context.Context, r digest.Sent) error {
	l.mu.Lock()
	l.n++
	l.mu.Unlock()
	return l.TestStore.MarkSent(ctx, r)
}

// TestSentLog records each send in a sent log: in the journal's own commit
// when the journal keeps that log (on the store's database), else right
// after. A failing sent log never stops the message being recorded as
// sent, and a failed entry is not committed.
func TestSentLog(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		open   func(t *testing.T) (TestStore, Journal)
		atomic bool
	}{
		"mem": {func(*testing.T) (TestStore, Journal) { return &digest.MemStore{}, &MemJournal{} }, false},
		"sqlite": {func(t *testing.T) (TestStore, Journal) { // the journal in its own file: not the store's log
			store, _ := sqliteStore(t)
			return store, sqliteJournal(t, "")
		}, false},
		"sqlite-shared": {func(t *testing.T) (TestStore, Journal) { return sqliteStore(t) }, true},
	} {
		t.Run(name, func(t *testing.T) {
			store, j := tc.open(t)
			srv := startServer(t)
			var results []Result
			s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 1, Progress: func(p Progress) { results = append(results, p.Last) }})
			var log SentMarker = store
			counted := &countingLog{TestStore: store}
			if !tc.atomic {
				log = counted
			}
			sj, ok := j.(SentJournal)
			if keeps := ok && sj.KeepsLog(log); keeps != tc.atomic {
				t.Fatalf("%T keeps the sent log %T: %t, want %t", j, log, keeps, tc.atomic)
			}
			at := time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)
			job := func(to string, until time.Time) Job {
				return Job{Key: Key{"e", to}, Compose: func() (*gomail.Msg, error) { return testMsg("e", to) },
					Sent: &SentRecord{Log: log, Entry: func(sentAt time.Time) digest.Sent {
						return digest.Sent{Edition: "e", Email: to, Until: until, At: sentAt}
					}}}
			}
			// A zero Until makes the sent log refuse the entry.
			jobs := []Job{job("ok@example.org", at), job("logfails@example.org", time.Time{})}
			c, err := s.Run(ctx, func(yield func(Job, error) bool) {
				for _, jb := range jobs {
					if !yield(jb, nil) {
						return
					}
				}
			})
			if err != nil || c.Sent != 2 {
				t.Fatalf("Run = %+v, %v; want both sent", c, err)
			}
			for _, r := range results {
				fails := r.Key.Recipient == "logfails@example.org"
				if r.State != StateSent || fails != strings.Contains(r.Detail, "until are required") {
					t.Errorf("%s: %+v", r.Key.Recipient, r)
				}
				rec, _, _ := j.Get(ctx, r.Key)
				if rec.State != StateSent {
					t.Errorf("%s: journal %s, want sent even if the sent log failed", r.Key.Recipient, rec.State)
				}
				until, logged, err := store.LastSent(ctx, r.Key.Recipient)
				if err != nil || logged == fails || logged && !until.Equal(at) {
					t.Errorf("%s: in the sent log: %t (until %v), %v; want %t", r.Key.Recipient, logged, until, err, !fails)
				}
			}
			if want := map[bool]int{true: 0, false: 2}[tc.atomic]; counted.n != want {
				t.Errorf("MarkSent called %d times, want %d (atomic %t)", counted.n, want, tc.atomic)
			}
		})
	}
}

// failingJournal fails every transition into one state.
type failingJournal struct {
	Journal
	failTo State
}

func (f *failingJournal) Transition(ctx context.Context, k Key, from, to State, u Update) error {
	if to == f.failTo {
		return errors.New("disk full")
	}
	return f.Journal.Transition(ctx, k, from, to, u)
}

func TestJournalFailureStopsRun(t *testing.T) {
	srv := startServer(t)
	j := &failingJournal{Journal: &MemJournal{}, failTo: StateSent}
	s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 2})
	c, err := s.Run(context.Background(), jobsFor("e", 20))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Run error = %v, want the journal's", err)
	}
	if c.Sent != 0 || c.Read == 20 && srv.total() == 20 {
		t.Errorf("counts %+v, server %d: the run should stop at the first journal failure", c, srv.total())
	}
	// What was sent is left in "sending": the next run reports it unknown
	// instead of sending it again.
	j.failTo = ""
	again, err := s.Run(context.Background(), jobsFor("e", 20))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		r, _, _ := j.Get(context.Background(), Key{"e", rcptAddr(i)})
		got := srv.countFor(rcptAddr(i))
		if got > 1 || (got == 1) != (r.State == StateSent || r.State == StateUnknown) {
			t.Errorf("%s: %d received, state %s", rcptAddr(i), got, r.State)
		}
	}
	if again.Unknown == 0 {
		t.Errorf("second run %+v: the messages sent without a recorded outcome should be unknown", again)
	}
}
