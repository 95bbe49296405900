package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/feedback"
	"github.com/khabar/khabar/sqlite"
)

// bounceFolder runs the sender, then writes a folder of returned mail for
// two of its messages: a bounce that names no recipient, only the signed
// return path it was sent to, and a mailto: unsubscribe with the token
// the List-Unsubscribe URI carries; plus an auto-reply and an empty file.
// It returns the options, the folder and the store's subscribers.
func bounceFolder(t *testing.T) (options, string, []*digest.Subscriber) {
	t.Helper()
	ctx := context.Background()
	o := testOptions(t)
	var stdout, stderr bytes.Buffer
	if err := run(ctx, o, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	cat := khabar.NewCatalog()
	f, _ := os.Open(o.data)
	cat.ReadJSONL(f)
	f.Close()
	store, err := sqlite.OpenStore(o.state)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	secret, _ := store.Secret(ctx, "unsubscribe-key-1", 32)
	b, err := newBuilder(o, cat, store, secret)
	if err != nil {
		t.Fatal(err)
	}
	ed := digest.Edition{Date: "2026-11-24"}
	build := func(email string) *digest.Message {
		sub, err := store.Subscriber(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		m, err := b.Build(ctx, ed, sub)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	bounced, unsub := build("asha.verma@example.com"), build("priya.nair@example.com")
	if !strings.HasPrefix(bounced.ReturnPath, "bounces+") || !strings.HasSuffix(bounced.ReturnPath, "@khabar.example") {
		t.Fatalf("return path %q", bounced.ReturnPath)
	}
	mailto, err := url.Parse(unsub.UnsubscribeMailto)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "returned")
	os.Mkdir(dir, 0o755)
	files := map[string]string{
		"1-bounce.eml": "From: MAILER-DAEMON@gw.example.net\nTo: " + bounced.ReturnPath + "\nSubject: Mail delivery failed\n" +
			"Message-ID: <b1@gw.example.net>\n\nA message could not be delivered. This is a permanent error.\n",
		"2-unsubscribe.eml": "From: priya.nair@example.com\nTo: " + mailto.Opaque + "\nSubject: " + mailto.Query().Get("subject") +
			"\nMessage-ID: <u1@mail.example.com>\n\n",
		"3-ooo.eml":   "From: someone@example.com\nTo: digest@khabar.example\nSubject: Out of office\nAuto-Submitted: auto-replied\n\naway\n",
		"4-empty.eml": "",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var subs []*digest.Subscriber
	store.EachSubscriber(ctx, func(s *digest.Subscriber) error { subs = append(subs, s); return nil })
	return o, dir, subs
}

// TestBounces processes the folder against the sender's subscribers and
// key (in a MemStore: any digest.Lifecycle) and checks the table and the
// store; a second run changes nothing.
func TestBounces(t *testing.T) {
	ctx := context.Background()
	o, dir, subs := bounceFolder(t)
	store := &digest.MemStore{}
	for _, s := range subs {
		store.Put(ctx, s)
	}
	st, err := sqlite.OpenStore(o.state)
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := st.Secret(ctx, "unsubscribe-key-1", 32)
	st.Close()
	var out bytes.Buffer
	if err := processBounces(ctx, testProcessor(store, secret), dir, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"ADDRESS", "KIND", "ACTION", "FILE",
		"asha.verma@example.com  hard bounce  marked bounced",
		"priya.nair@example.com  unsubscribe  marked unsubscribed",
		"unknown      nothing: auto-reply (Auto-Submitted: auto-replied), not a bounce  3-ooo.eml",
		"unreadable   feedback: not a mail message",
		"4 messages, 2 changes, 1 failed",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for email, want := range map[string]digest.Status{"asha.verma@example.com": digest.StatusBounced, "priya.nair@example.com": digest.StatusUnsubscribed} {
		if got, _ := store.Status(ctx, email); got != want {
			t.Errorf("%s: %s; want %s", email, got, want)
		}
	}
	out.Reset()
	processBounces(ctx, testProcessor(store, secret), dir, &out)
	if !strings.Contains(out.String(), "already processed") || !strings.Contains(out.String(), "4 messages, 0 changes") {
		t.Errorf("second run:\n%s", out.String())
	}
}

// TestRunBounces runs -bounces on the sender's own -state store.
func TestRunBounces(t *testing.T) {
	o, dir, _ := bounceFolder(t)
	st, err := sqlite.OpenStore(o.state)
	if err != nil {
		t.Fatal(err)
	}
	_, ok := any(st).(digest.Lifecycle)
	st.Close()
	if !ok {
		t.Fatal("sqlite.Store does not keep consent histories (digest.Lifecycle)")
	}
	o.bounces = dir
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), o, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "marked bounced") || !strings.Contains(stdout.String(), "marked unsubscribed") {
		t.Errorf("output:\n%s", stdout.String())
	}
}

// TestTrustRecipients: a bounce without a signed return path changes
// nothing unless -trust-recipients is given.
func TestTrustRecipients(t *testing.T) {
	o, _, _ := bounceFolder(t)
	o.bounces = filepath.Join("..", "..", "digest", "feedback", "testdata", "messages")
	for _, trust := range []bool{false, true} {
		o.trustRecipients = trust
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), o, &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		out := stdout.String()
		if got := strings.Contains(out, "kabir@example.org             hard bounce  suppressed as bounced"); got != trust {
			t.Errorf("-trust-recipients=%v: postfix-dsn.eml applied = %v:\n%s", trust, got, out)
		}
		if !trust && !strings.Contains(out, " 0 changes") {
			t.Errorf("without -trust-recipients something changed:\n%s", out)
		}
	}
}

// testProcessor is the processor -bounces builds, over store.
func testProcessor(store digest.Lifecycle, secret []byte) *feedback.Processor {
	return &feedback.Processor{Store: store, Tokens: &digest.Tokens{Keys: []digest.TokenKey{{ID: "k1", Secret: secret}}}}
}
