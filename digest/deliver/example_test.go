package deliver_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/deliver"
	"github.com/khabar/khabar/sqlite"
	"github.com/wneessen/go-mail"
)

func ExampleDKIM_Sign() {
	raw := []byte("From: Khabar <digest@khabar.example>\r\nTo: reader@example.org\r\nSubject: test\r\n\r\nनमस्ते\r\n")
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	d := &deliver.DKIM{Domain: "khabar.example", Selector: "2026", Key: key}
	signed, err := d.Sign(raw)
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(string(signed), "DKIM-Signature: "), bytes.HasSuffix(signed, raw))
	// Output: true true
}

func ExampleMemJournal() {
	ctx := context.Background()
	var j deliver.MemJournal
	k := deliver.Key{Edition: "2026-11-24", Recipient: "reader@example.org"}
	r, _ := j.Open(ctx, k, testTime)
	fmt.Println(r.State)
	_ = j.Transition(ctx, k, deliver.StatePending, deliver.StateSending, deliver.Update{Attempt: true, At: testTime})
	_ = j.Transition(ctx, k, deliver.StateSending, deliver.StateSent, deliver.Update{Detail: "250 ok", At: testTime})
	// A second sender trying the same message loses the compare-and-swap.
	err := j.Transition(ctx, k, deliver.StatePending, deliver.StateSending, deliver.Update{At: testTime})
	fmt.Println(err)
	r, _, _ = j.Get(ctx, k)
	fmt.Println(r.State, r.Attempts, r.Detail)
	// Output:
	// pending
	// deliver: journal 2026-11-24/reader@example.org: cannot move pending to sending, record is sent
	// sent 1 250 ok
}

var testTime = time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC)

// This example wires the sender to the digest's store: the journal lives in
// the store's SQLite file, messages are DKIM-signed with the From domain,
// four SMTP sessions send at most 20 messages a second, and a progress line
// is printed as it goes. (It needs a digest.Builder and an SMTP server, so it
// is not run as a test.)
func ExampleSender() {
	ctx := context.Background()
	store, err := sqlite.OpenStore("khabar-state.db")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	var builder *digest.Builder // digest.NewBuilder(digest.Config{...})

	client, err := mail.NewClient("smtp.example.net", mail.WithPort(587),
		mail.WithTLSPolicy(mail.TLSMandatory), mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
		mail.WithUsername("digest"), mail.WithPassword(os.Getenv("SMTP_PASS")))
	if err != nil {
		log.Fatal(err)
	}
	pemKey, err := os.ReadFile("dkim-ed25519.pem")
	if err != nil {
		log.Fatal(err)
	}
	key, err := deliver.LoadDKIMKey(pemKey)
	if err != nil {
		log.Fatal(err)
	}
	journal, err := sqlite.NewJournal(ctx, store.DB())
	if err != nil {
		log.Fatal(err)
	}
	sender, err := deliver.NewSender(deliver.Config{
		Client:  client,
		Journal: journal,
		Workers: 4,
		Rate:    20,
		DKIM:    &deliver.DKIM{Domain: builder.Domain(), Selector: "2026", Key: key},
		Progress: func(p deliver.Progress) {
			fmt.Printf("\r%d sent, %d failed, %d unknown", p.Sent, p.Failed, p.Unknown)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	d := &deliver.Digest{Builder: builder, Store: store}

	// One edition now; run it again after a crash and it picks up.
	counts, err := sender.Run(ctx, d.Jobs(ctx, digest.Edition{Date: "2026-11-24"}))
	fmt.Println()
	fmt.Printf("%+v %v\n", counts, err)

	// Or every day at 07:00 in each subscriber's zone.
	sch := &deliver.Scheduler{Sender: sender, Audience: d, Location: builder.Location()}
	log.Fatal(sch.Run(ctx))
}
