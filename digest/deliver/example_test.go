package deliver_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/khabar/khabar/digest/deliver"
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
