package deliver

import (
	"context"
	"strings"
	"testing"

	gomail "github.com/wneessen/go-mail"
)

// TestSMTPUTF8PerRecipient: an address with a non-ASCII local part goes
// out only to a server that offers SMTPUTF8; to one that does not, that
// recipient alone is failed with the reason, and the others are sent.
// Before, RCPT TO went out as raw UTF-8 without the extension.
func TestSMTPUTF8PerRecipient(t *testing.T) {
	const edition = "daily-2026-11-24"
	rcpts := []string{"राम@example.org", "ascii@example.org"}
	for _, offered := range []bool{true, false} {
		name := "offered"
		var opts []serverOption
		if !offered {
			name = "not offered"
			opts = append(opts, withoutSMTPUTF8())
		}
		t.Run(name, func(t *testing.T) {
			srv := startServer(t, opts...)
			j := &MemJournal{}
			s := newSender(t, Config{Client: srv.client(t), Journal: j, Workers: 1})
			jobs := func(yield func(Job, error) bool) {
				for _, to := range rcpts {
					job := Job{Key: Key{Edition: edition, Recipient: to}, Compose: func() (*gomail.Msg, error) { return testMsg(edition, to) }}
					if !yield(job, nil) {
						return
					}
				}
			}
			counts, err := s.Run(context.Background(), jobs)
			if err != nil {
				t.Fatal(err)
			}
			recs := recordsByRecipient(t, j, edition)
			if got := recs["ascii@example.org"].State; got != StateSent {
				t.Errorf("ascii recipient: %s", got)
			}
			utf := recs["राम@example.org"]
			if offered {
				if utf.State != StateSent || srv.total() != 2 || counts.Sent != 2 {
					t.Errorf("with SMTPUTF8: %s, %d received, counts %+v", utf.State, srv.total(), counts)
				}
				return
			}
			if utf.State != StateFailed || !strings.Contains(utf.Detail, "SMTPUTF8") {
				t.Errorf("without SMTPUTF8: %s %q, want failed naming SMTPUTF8", utf.State, utf.Detail)
			}
			if srv.total() != 1 || counts.Sent != 1 || counts.Failed != 1 {
				t.Errorf("without SMTPUTF8: %d received, counts %+v; want the ascii one only", srv.total(), counts)
			}
		})
	}
}
