package feedback

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
)

// testNow is the processors' clock: a day after the fixtures' bounces.
var testNow = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// testTokens is the keyring the fixtures' tokens and return paths were
// signed with.
func testTokens() *digest.Tokens {
	return &digest.Tokens{Keys: []digest.TokenKey{{ID: "t1", Secret: []byte("feedback-test-secret-0123456789ab")}},
		Now: func() time.Time { return testNow }}
}

var testSubscribers = []string{"asha@example.com", "ravi@example.net", "kabir@example.org", "fatima@example.co.in",
	"dev@example.net", "neha@example.com", "priya@example.com", "meera@example.in", "anil@example.net"}

func newTestProcessor(t *testing.T) (*Processor, *digest.MemStore) {
	t.Helper()
	store := &digest.MemStore{}
	for _, e := range testSubscribers {
		if err := store.Put(context.Background(), &digest.Subscriber{Email: e, Status: digest.StatusActive}); err != nil {
			t.Fatal(err)
		}
	}
	return &Processor{Store: store, Tokens: testTokens(), Now: func() time.Time { return testNow }}, store
}

func processFile(t *testing.T, p *Processor, name string) Result {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "messages", name+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := p.Process(context.Background(), f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

func status(t *testing.T, store *digest.MemStore, email string) digest.Status {
	t.Helper()
	s, err := store.Status(context.Background(), email)
	if err != nil {
		t.Fatalf("%s: %v", email, err)
	}
	return s
}

// noReturnPath are the fixtures without a signed return path: applied
// with TrustRecipients only.
var noReturnPath = map[string]bool{"dsn-multi": true, "sendmail": true, "ses-bounce": true, "ses-complaint": true}

// TestProcessFixtures applies every fixture to a fresh store and checks
// the addresses it changes; then applies them all again and checks that
// nothing changes.
func TestProcessFixtures(t *testing.T) {
	cases := []struct {
		file string
		want map[string]digest.Status // addresses whose status changes
		did  string                   // in the first action's Did
	}{
		{"postfix-dsn", map[string]digest.Status{"kabir@example.org": digest.StatusBounced}, "marked bounced"},
		{"dsn-multi", map[string]digest.Status{"dev@example.net": digest.StatusBounced}, "marked bounced"},
		{"exim", map[string]digest.Status{"fatima@example.co.in": digest.StatusBounced}, "marked bounced"},
		{"sendmail", map[string]digest.Status{"rohan@example.edu": digest.StatusBounced}, "not in the store"},
		{"qmail", map[string]digest.Status{"neha@example.com": digest.StatusBounced}, "marked bounced"},
		{"outlook-ndr", map[string]digest.Status{"dev@example.net": digest.StatusBounced}, "marked bounced"},
		{"gmail-hard", map[string]digest.Status{"ravi@example.net": digest.StatusBounced}, "marked bounced"},
		{"gmail-delay", nil, "soft bounce 1 of 3 within 14 days"},
		// Yahoo redacts the recipient; the return path names fatima.
		{"yahoo-arf", map[string]digest.Status{"fatima@example.co.in": digest.StatusComplained}, "marked complained"},
		{"ses-bounce", nil, "soft bounce 1 of 3"},
		{"ses-complaint", map[string]digest.Status{"priya@example.com": digest.StatusComplained}, "marked complained"},
		{"mailto-unsub", map[string]digest.Status{"asha@example.com": digest.StatusUnsubscribed}, "marked unsubscribed"},
		{"mailto-expired", map[string]digest.Status{"meera@example.in": digest.StatusUnsubscribed}, "marked unsubscribed"},
		{"verp-only", map[string]digest.Status{"ravi@example.net": digest.StatusBounced}, "marked bounced"},
		{"ooo-autosubmitted", nil, ""},
		{"outlook-autoreply", nil, ""},
		{"mailto-notoken", nil, ""},
		{"dsn-delivered", nil, ""},
		{"stray", nil, ""},
		{"arf-not-spam", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			p, store := newTestProcessor(t)
			if noReturnPath[c.file] {
				// Without TrustRecipients, the recipients are named
				// only: nothing changes, and the actions say why.
				res := processFile(t, p, c.file)
				for _, a := range res.Actions {
					if a.Changed || !strings.Contains(a.Did, "not credible") {
						t.Errorf("untrusted: %+v", a)
					}
				}
				for _, e := range testSubscribers {
					if h, _ := store.History(context.Background(), e); len(h) != 0 {
						t.Errorf("untrusted: %s: %+v", e, h)
					}
				}
				p, store = newTestProcessor(t)
				p.TrustRecipients = true
			}
			res := processFile(t, p, c.file)
			for _, e := range append(testSubscribers, "rohan@example.edu") {
				want := digest.StatusActive
				if w, ok := c.want[e]; ok {
					want = w
				} else if e == "rohan@example.edu" {
					continue
				}
				if got := status(t, store, e); got != want {
					t.Errorf("%s: %s; want %s (actions %+v)", e, got, want, res.Actions)
				}
			}
			if c.did == "" {
				if res.Report.Kind != Unknown || len(res.Actions) != 0 {
					t.Errorf("kind %s, actions %+v; want unknown, no action", res.Report.Kind, res.Actions)
				}
				return
			}
			if len(res.Actions) == 0 || !strings.Contains(res.Actions[0].Did, c.did) || !res.Actions[0].Changed {
				t.Fatalf("actions %+v; want the first to say %q", res.Actions, c.did)
			}
			again := processFile(t, p, c.file)
			for _, a := range again.Actions {
				if a.Changed || a.Did != "already processed" {
					t.Errorf("second run: %+v; want already processed", a)
				}
			}
		})
	}
}

// TestVERPMapsBack checks that the edition and the subscriber come from
// the return path when the bounce names neither, and that a return path
// for an address the store does not hold, or signed with another key,
// maps nothing.
func TestVERPMapsBack(t *testing.T) {
	p, store := newTestProcessor(t)
	res := processFile(t, p, "verp-only")
	if len(res.Actions) != 1 || res.Actions[0].Email != "ravi@example.net" || res.Actions[0].Edition != "daily-2026-11-24" {
		t.Fatalf("actions %+v", res.Actions)
	}
	h, _ := store.History(context.Background(), "ravi@example.net")
	if len(h) != 1 || h[0].Kind != digest.EventBounced || h[0].Ref != "verp-only-1@gw.example.net" || h[0].Source != "bounce-text" || h[0].Edition != "daily-2026-11-24" {
		t.Errorf("history %+v", h)
	}
	// Another keyring: the return path is not trusted.
	p2, store2 := newTestProcessor(t)
	p2.Tokens = &digest.Tokens{Keys: []digest.TokenKey{{ID: "x", Secret: []byte("another-secret-0123456789abcdefgh")}}}
	res = processFile(t, p2, "verp-only")
	if len(res.Actions) != 1 || res.Actions[0].Email != "" || !strings.Contains(res.Actions[0].Did, "no recipient") || status(t, store2, "ravi@example.net") != digest.StatusActive {
		t.Errorf("unverified return path: %+v", res.Actions)
	}
	// A forwarded address bounces: the return path names the subscriber.
	p3, store3 := newTestProcessor(t)
	msg := strings.ReplaceAll(readFixture(t, "gmail-hard"), "ravi@example.net", "ravi.forward@elsewhere.example")
	if _, err := p3.Process(context.Background(), strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	if status(t, store3, "ravi@example.net") != digest.StatusBounced {
		t.Error("the subscriber behind a forwarding address is not bounced")
	}
	if _, err := store3.Subscriber(context.Background(), "ravi.forward@elsewhere.example"); !errors.Is(err, digest.ErrUnknownSubscriber) {
		t.Errorf("forwarding address stored: %v", err)
	}
}

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "messages", name+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// softBounce returns a delay notice for ravi, with its own Message-ID and
// Date, about the edition of at's date, mapped through its return path.
func softBounce(t *testing.T, id int, at time.Time) string {
	t.Helper()
	rp, err := testTokens().ReturnPath("bounces@khabar.example", "ravi@example.net", digest.EditionOf(at, nil))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`From: MAILER-DAEMON@mx.example.net
To: `+rp+`
Subject: Delivery Status Notification (Delay)
Message-ID: <soft-%d@mx.example.net>
Date: %s
Content-Type: multipart/report; report-type=delivery-status; boundary=b

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; ravi@example.net
Action: delayed
Status: 4.2.1
--b--
`, id, at.Format(time.RFC1123Z))
}

func TestSoftBouncesWithinWindow(t *testing.T) {
	ctx := context.Background()
	p, store := newTestProcessor(t)
	day := 24 * time.Hour
	steps := []struct {
		at   time.Time
		want digest.Status
		did  string
	}{
		{testNow.Add(-40 * day), digest.StatusActive, "soft bounce 1 of 3"},
		{testNow.Add(-12 * day), digest.StatusActive, "soft bounce 1 of 3"}, // the first is 28 days older: outside 14
		{testNow.Add(-6 * day), digest.StatusActive, "soft bounce 2 of 3"},
		{testNow.Add(-1 * day), digest.StatusBounced, "3 soft bounces within 14 days: marked bounced"},
	}
	for i, s := range steps {
		res, err := p.Process(ctx, strings.NewReader(softBounce(t, i, s.at)))
		if err != nil {
			t.Fatal(err)
		}
		if got := status(t, store, "ravi@example.net"); got != s.want || len(res.Actions) != 1 || !strings.Contains(res.Actions[0].Did, s.did) {
			t.Errorf("step %d: %s, %+v; want %s, %q", i, got, res.Actions, s.want, s.did)
		}
	}
	h, _ := store.History(ctx, "ravi@example.net")
	if len(h) != 4 || h[3].Kind != digest.EventBounced || !strings.Contains(h[3].Detail, "3 temporary failures within 14 days") {
		t.Errorf("history %+v", h)
	}
	// Again: nothing changes, not even the bounced one's count.
	for i, s := range steps {
		res, _ := p.Process(ctx, strings.NewReader(softBounce(t, i, s.at)))
		if res.Actions[0].Changed {
			t.Errorf("step %d again: %+v", i, res.Actions)
		}
	}
	if h2, _ := store.History(ctx, "ravi@example.net"); len(h2) != len(h) {
		t.Errorf("history grew from %d to %d", len(h), len(h2))
	}
	// A mail server's notices about one edition (delayed 4 hours, delayed
	// a day, or one sent again under another Message-ID) are one soft
	// bounce: SoftBounces counts editions.
	p3, store3 := newTestProcessor(t)
	for i := range 5 {
		if _, err := p3.Process(ctx, strings.NewReader(softBounce(t, 10+i, testNow.Add(-day)))); err != nil {
			t.Fatal(err)
		}
	}
	if got := status(t, store3, "ravi@example.net"); got != digest.StatusActive {
		t.Errorf("five notices about one edition: %s, want active", got)
	}
	// Configured: 2 within 3 days.
	p2, store2 := newTestProcessor(t)
	p2.SoftBounces, p2.SoftWindow = 2, 3*day
	for i, at := range []time.Time{testNow.Add(-5 * day), testNow.Add(-1 * day), testNow} {
		p2.Process(ctx, strings.NewReader(softBounce(t, i, at)))
	}
	if status(t, store2, "ravi@example.net") != digest.StatusBounced {
		t.Error("2 within 3 days did not bounce")
	}
}

// TestComplaintSuppresses checks that a complaint suppresses whatever
// the status, and that a bounce leaves an unsubscribed address as it is.
func TestComplaintSuppresses(t *testing.T) {
	ctx := context.Background()
	p, store := newTestProcessor(t)
	p.TrustRecipients = true // ses-complaint has no return path
	store.SetStatus(ctx, "priya@example.com", digest.StatusUnsubscribed)
	res := processFile(t, p, "ses-complaint")
	if status(t, store, "priya@example.com") != digest.StatusComplained || res.Actions[0].Did != "marked complained" {
		t.Errorf("complaint of an unsubscribed address: %+v", res.Actions)
	}
	store.SetStatus(ctx, "kabir@example.org", digest.StatusUnsubscribed)
	res = processFile(t, p, "postfix-dsn")
	if status(t, store, "kabir@example.org") != digest.StatusUnsubscribed || res.Actions[0].Did != "recorded; stays unsubscribed" {
		t.Errorf("bounce of an unsubscribed address: %+v", res.Actions)
	}
}

// TestUnknownUntouched checks that reports of kind Unknown, and a mailto
// request whose token is forged, leave the store as it was.
func TestUnknownUntouched(t *testing.T) {
	ctx := context.Background()
	p, store := newTestProcessor(t)
	forged := strings.Replace(readFixture(t, "mailto-unsub"), "qX20a", "qX20b", 1)
	res, err := p.Process(ctx, strings.NewReader(forged))
	if err != nil || len(res.Actions) != 1 || !strings.Contains(res.Actions[0].Did, "token refused") {
		t.Errorf("forged token: %+v, %v", res.Actions, err)
	}
	for _, name := range []string{"ooo-autosubmitted", "mailto-notoken", "stray"} {
		processFile(t, p, name)
	}
	// A genuine token of a list the processor does not take.
	p.Lists = []string{"weekly"}
	res, err = p.Process(ctx, strings.NewReader(readFixture(t, "mailto-unsub")))
	if err != nil || len(res.Actions) != 1 || !strings.Contains(res.Actions[0].Did, `list "daily"`) {
		t.Errorf("token of another list: %+v, %v", res.Actions, err)
	}
	for _, e := range testSubscribers {
		if h, _ := store.History(ctx, e); len(h) != 0 || status(t, store, e) != digest.StatusActive {
			t.Errorf("%s changed: %+v", e, h)
		}
	}
}

func TestProcessDir(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, d := range []string{"new", "cur", "tmp"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
	}
	os.WriteFile(filepath.Join(dir, "new", "1795999930.M1P1.host"), []byte(readFixture(t, "postfix-dsn")), 0o644)
	os.WriteFile(filepath.Join(dir, "cur", "1795999931.M2P1.host:2,S"), []byte(readFixture(t, "ses-complaint")), 0o644)
	os.WriteFile(filepath.Join(dir, "cur", "1795999932.M3P1.host:2,S"), nil, 0o644) // empty: an error, the rest go on
	os.WriteFile(filepath.Join(dir, "tmp", "ignored"), []byte(readFixture(t, "gmail-hard")), 0o644)
	p, store := newTestProcessor(t)
	p.TrustRecipients = true // ses-complaint has no return path
	res, err := p.ProcessDir(ctx, dir)
	if err != nil || len(res) != 3 {
		t.Fatalf("%d results, %v", len(res), err)
	}
	if !errors.Is(res[2].Err, ErrMalformed) || res[2].File == "" {
		t.Errorf("empty file: %+v", res[2])
	}
	if status(t, store, "kabir@example.org") != digest.StatusBounced || status(t, store, "priya@example.com") != digest.StatusComplained || status(t, store, "ravi@example.net") != digest.StatusActive {
		t.Error("Maildir not applied as expected")
	}
	// A folder of .eml files.
	p2, store2 := newTestProcessor(t)
	res, err = p2.ProcessDir(ctx, filepath.Join("testdata", "messages"))
	if err != nil || len(res) != len(parseCases) {
		t.Fatalf("%d results, %v", len(res), err)
	}
	if status(t, store2, "asha@example.com") != digest.StatusUnsubscribed {
		t.Error("folder of .eml files not applied")
	}
	if _, err := p2.ProcessDir(ctx, filepath.Join(dir, "missing")); err == nil {
		t.Error("missing folder: no error")
	}
	if _, err := (&Processor{}).Process(ctx, strings.NewReader("")); !errors.Is(err, ErrNoStore) {
		t.Errorf("no store: %v", err)
	}
}

// TestForgedReports: anyone can mail the bounce address. A bounce or an
// abuse report that names a subscriber without a signed return path for
// that subscriber changes nothing, and one carrying the sender's own
// return path changes the sender's address only.
func TestForgedReports(t *testing.T) {
	ctx := context.Background()
	dsn := func(to, rcpt string) string {
		return "From: MAILER-DAEMON@evil.example\nTo: " + to + "\nSubject: Undelivered Mail Returned to Sender\n" +
			"Message-ID: <forged-" + rcpt + "@evil.example>\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n" +
			"Content-Type: message/delivery-status\n\nReporting-MTA: dns; evil.example\n\n" +
			"Final-Recipient: rfc822; " + rcpt + "\nAction: failed\nStatus: 5.1.1\n--b--\n"
	}
	arf := "From: abuse@evil.example\nTo: bounces@khabar.example\nSubject: complaint\nMessage-ID: <forged-arf@evil.example>\n" +
		"Content-Type: multipart/report; report-type=feedback-report; boundary=b\n\n--b\nContent-Type: text/plain\n\nspam\n--b\n" +
		"Content-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: x/1\nVersion: 1\nOriginal-Rcpt-To: asha@example.com\n--b\n" +
		"Content-Type: text/rfc822-headers\n\nFrom: digest@khabar.example\nTo: asha@example.com\nSubject: digest\n--b--\n"
	ravi := "bounces+lptamgvdkvdgyb6k6wwffrwe20261124@khabar.example" // ravi's own, signed
	forged := "bounces+aaaaaaaalptamgvdkvdgyb6k6wwffrwe20261124@khabar.example"
	for _, c := range []struct {
		name, msg string
		changed   string // the one address that may change
	}{
		{"dsn to the base address", dsn("bounces@khabar.example", "asha@example.com"), ""},
		{"dsn naming an address not in the store", dsn("bounces@khabar.example", "stranger@example.org"), ""},
		{"dsn with a forged return path", dsn(forged, "asha@example.com"), ""},
		{"dsn with the sender's own return path", dsn(ravi, "asha@example.com"), "ravi@example.net"},
		{"arf", arf, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, store := newTestProcessor(t)
			res, err := p.Process(ctx, strings.NewReader(c.msg))
			if err != nil || res.Report.Kind == Unknown {
				t.Fatalf("%+v, %v", res.Report, err)
			}
			for _, e := range append(testSubscribers, "stranger@example.org") {
				h, _ := store.History(ctx, e)
				if e != c.changed && len(h) != 0 {
					t.Errorf("%s changed: %+v (actions %+v)", e, h, res.Actions)
				}
				if e == c.changed && (len(h) != 1 || status(t, store, e) != digest.StatusBounced) {
					t.Errorf("%s: %+v", e, h)
				}
			}
			if c.changed == "" && (len(res.Actions) == 0 || !strings.Contains(res.Actions[0].Did, "nothing")) {
				t.Errorf("actions %+v", res.Actions)
			}
		})
	}
}
