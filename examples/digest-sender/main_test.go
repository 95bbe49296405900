package main

import (
	"bytes"
	"context"
	"errors"
	"net/mail"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/sqlite"
)

func testOptions(t *testing.T) options {
	dir := t.TempDir()
	return options{
		data:        "../../testdata/articles.jsonl",
		subscribers: "../../testdata/subscribers.csv",
		out:         filepath.Join(dir, "out"),
		state:       filepath.Join(dir, "state.db"),
		from:        "ख़बर <digest@khabar.example>",
		site:        "https://khabar.example",
	}
}

func TestRunWritesFiles(t *testing.T) {
	o := testOptions(t)
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), o, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "edition: daily-2026-11-24") {
		t.Errorf("the edition is not the newest article's day:\n%s", out)
	}
	for _, want := range []string{"SUBSCRIBER", "written", "skipped  unsubscribed", "skipped  bounced", "29 written", "5 skipped, 0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	emls, _ := filepath.Glob(filepath.Join(o.out, "*.eml"))
	htmls, _ := filepath.Glob(filepath.Join(o.out, "*.html"))
	if len(emls) != 29 || len(htmls) != 29 {
		t.Fatalf("%d .eml and %d .html files, want 29 each", len(emls), len(htmls))
	}
	for _, never := range []string{"sameer.joshi@example.com", "kiran.bedi@example.net", "old.reader@example.invalid"} {
		if _, err := os.Stat(filepath.Join(o.out, never+".eml")); err == nil {
			t.Errorf("%s (unsubscribed or bounced) got a message", never)
		}
	}
	f, err := os.Open(filepath.Join(o.out, "asha.verma@example.com.eml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || !strings.HasPrefix(msg.Header.Get("Message-Id"), "<daily-2026-11-24.") {
		t.Errorf("headers: %v", msg.Header)
	}

	// A second run reads the same list (every address is stored already,
	// so none is imported again) and writes the same set of files.
	stdout.Reset()
	if err := run(context.Background(), o, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "34 read (0 new, 0 updated, 34 already stored") || !strings.Contains(stdout.String(), "29 written") {
		t.Errorf("second run:\n%s", stdout.String())
	}
}

func TestRunDateAndErrors(t *testing.T) {
	o := testOptions(t)
	o.date = "2026-11-20"
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), o, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "edition: daily-2026-11-20") {
		t.Errorf("-date ignored:\n%s", stdout.String())
	}
	o.date = "2026-13-01"
	if err := run(context.Background(), o, &stdout, &stderr); err == nil {
		t.Error("a bad -date was accepted")
	}
	o = testOptions(t)
	o.data = "missing.jsonl"
	if err := run(context.Background(), o, &stdout, &stderr); err == nil {
		t.Error("a missing -data file was accepted")
	}
}

// TestDeliverIsSwappable checks that the send step is one function: a
// deliver that fails for one address reports that row as failed and
// carries on with the others.
func TestDeliverIsSwappable(t *testing.T) {
	ctx := context.Background()
	o := testOptions(t)
	var stdout, stderr bytes.Buffer
	if err := run(ctx, o, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	cat := khabar.NewCatalog()
	f, err := os.Open(o.data)
	if err != nil {
		t.Fatal(err)
	}
	cat.ReadJSONL(f)
	f.Close()
	store, err := sqlite.OpenStore(o.state)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	secret, err := store.Secret(ctx, "unsubscribe-key-1", 32)
	if err != nil {
		t.Fatal(err)
	}
	b, err := newBuilder(o, cat, store, secret)
	if err != nil {
		t.Fatal(err)
	}
	var delivered []string
	deliver := func(_ context.Context, m *digest.Message) (string, error) {
		if m.Subscriber.Email == "asha.verma@example.com" {
			return "", errors.New("451 try again later")
		}
		delivered = append(delivered, m.Subscriber.Email)
		return "sent", nil
	}
	rows, err := buildAll(ctx, b, digest.Edition{Date: "2026-11-24"}, deliver, 1)
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, r := range rows {
		if r.result == "failed" {
			failed++
			if r.email != "asha.verma@example.com" || r.detail != "451 try again later" {
				t.Errorf("row %+v", r)
			}
		}
	}
	if failed != 1 || len(delivered) != 28 || len(rows) != 34 {
		t.Errorf("%d failed, %d delivered, %d rows; want 1, 28, 34", failed, len(delivered), len(rows))
	}
	if _, err := newBuilder(o, nil, store, secret); err == nil {
		t.Error("newBuilder accepted a nil catalog")
	}

	// writeFiles on 4 workers: the same rows, in the same order, and the
	// same files as on one (with the clock fixed).
	at := time.Now()
	o.now = func() time.Time { return at }
	if b, err = newBuilder(o, cat, store, secret); err != nil {
		t.Fatal(err)
	}
	var files [2]map[string]string
	var summary [2][]row
	for i, workers := range []int{1, 4} {
		dir := t.TempDir()
		if summary[i], err = buildAll(ctx, b, digest.Edition{Date: "2026-11-24"}, writeFiles(dir), workers); err != nil {
			t.Fatal(err)
		}
		files[i] = readDir(t, dir)
	}
	if !reflect.DeepEqual(summary[0], summary[1]) || !reflect.DeepEqual(files[0], files[1]) || len(files[0]) != 2*29 {
		t.Errorf("writeFiles on 1 and 4 workers: %d and %d rows, %d and %d files; want the same rows and 58 files",
			len(summary[0]), len(summary[1]), len(files[0]), len(files[1]))
	}
}

// readDir returns the contents of the files in dir by name.
func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}
