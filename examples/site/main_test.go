package main

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"encoding/base64"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/examples/internal/corpus"
	"github.com/khabar/khabar/examples/internal/storeflag"
)

// textPart returns the text/plain part of the .eml file at path.
func textPart(t *testing.T, path string) (string, mail.Header) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("%s: no text part: %v", path, err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
			if err != nil {
				t.Fatal(err)
			}
			return string(b), m.Header
		}
	}
}

func get(t *testing.T, u string) string {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d\n%s", u, res.StatusCode, b)
	}
	return string(b)
}

func post(t *testing.T, u string, v url.Values) string {
	t.Helper()
	res, err := http.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("POST %s: %d\n%s", u, res.StatusCode, b)
	}
	return string(b)
}

var (
	tokenRE = regexp.MustCompile(`name="t" value="([^"]+)"`)
	wroteRE = regexp.MustCompile(`wrote (\S+\.eml)`)
)

func status(t *testing.T, db, email string) digest.Status {
	t.Helper()
	lc, _, closeFn, err := storeflag.OpenSubscribers(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	s, err := lc.Subscriber(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return s.Status
}

// TestFlow subscribes through the form, confirms through the .eml's link,
// has digest-sender send the subscriber a digest, follows its preferences
// link, and unsubscribes with its one-click link.
func TestFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go run ./examples/digest-sender")
	}
	dir := t.TempDir()
	db, out := filepath.Join(dir, "state.db"), filepath.Join(dir, "out")
	if _, _, closeFn, err := storeflag.OpenSubscribers(context.Background(), db); err != nil {
		t.Fatalf("the SQLite store: %v", err)
	} else {
		closeFn()
	}
	data, err := corpus.Find(corpus.Default, true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logr, logw := io.Pipe()
	siteURL := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-state", db, "-out", out, "-data", data}, logw, func(s string) { siteURL <- s })
		logw.Close()
	}()
	logs := make(chan string, 100)
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := logr.Read(b)
			if n > 0 {
				logs <- string(b[:n])
			}
			if err != nil {
				close(logs)
				return
			}
		}
	}()
	var site string
	select {
	case site = <-siteURL:
	case err := <-done:
		t.Fatal(err)
	}
	const email = "newcomer@example.com"

	form := get(t, site+"/subscribe?lang=en")
	body := post(t, site+"/subscribe?lang=en", url.Values{"t": {tokenRE.FindStringSubmatch(form)[1]}, "email": {email},
		"name": {"Newcomer"}, "language": {"en"}, "tz": {"Asia/Kolkata"}})
	if !strings.Contains(body, `id="sent"`) {
		t.Fatalf("after POST /subscribe:\n%s", body)
	}
	var eml string
	for eml == "" {
		select {
		case l := <-logs:
			if m := wroteRE.FindStringSubmatch(l); m != nil {
				eml = m[1]
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no .eml written")
		}
	}
	text, hdr := textPart(t, eml)
	if to := hdr.Get("To"); !strings.Contains(to, email) {
		t.Errorf("confirmation To: %q", to)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(site) + `/confirm\?\S+`).FindString(text)
	if link == "" {
		t.Fatalf("no link to %s/confirm in\n%s", site, text)
	}
	page := get(t, link)
	if status(t, db, email) != digest.StatusPending {
		t.Fatal("not pending after GET of the link")
	}
	post(t, site+"/confirm", url.Values{"t": {tokenRE.FindStringSubmatch(page)[1]}})
	if st := status(t, db, email); st != digest.StatusActive {
		t.Fatalf("status after confirming: %s", st)
	}

	// digest-sender finds the subscriber.
	dout := filepath.Join(dir, "digests")
	cmd := exec.Command("go", "run", "../digest-sender", "-state", db, "-out", dout, "-site", site, "-subscribers", "", "-data", data)
	res, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("digest-sender: %v\n%s", err, res)
	}
	if !regexp.MustCompile(regexp.QuoteMeta(email) + `\s+en\s+written`).Match(res) {
		t.Fatalf("digest-sender did not write %s's digest:\n%s", email, res)
	}
	dtext, dhdr := textPart(t, filepath.Join(dout, email+".eml"))
	prefs := regexp.MustCompile(regexp.QuoteMeta(site) + `/preferences\?\S+`).FindString(dtext)
	if prefs == "" {
		t.Fatalf("no preferences link to %s in the digest:\n%s", site, dtext)
	}
	page = get(t, prefs)
	res2, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).PostForm(site+"/preferences",
		url.Values{"t": {tokenRE.FindStringSubmatch(page)[1]}, "action": {"save"}, "language": {"ur"}, "tz": {"Asia/Kolkata"}, "pause": {"0"}})
	if err != nil || res2.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST preferences: %v %v", res2, err)
	}
	res2.Body.Close()
	if !strings.Contains(get(t, site+res2.Header.Get("Location")), `dir="rtl"`) {
		t.Error("the preferences page is not in Urdu after choosing it")
	}

	// One-click unsubscribe, as a mail client does it.
	unsub := strings.Trim(strings.Split(dhdr.Get("List-Unsubscribe"), ",")[0], "<> ")
	r, err := http.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe %s: %v %v", unsub, r, err)
	}
	r.Body.Close()
	if st := status(t, db, email); st != digest.StatusUnsubscribed {
		t.Errorf("status after unsubscribing: %s", st)
	}
	lc, _, closeFn, _ := storeflag.OpenSubscribers(context.Background(), db)
	hist, _ := lc.History(context.Background(), email)
	closeFn()
	var kinds []string
	for _, e := range hist {
		kinds = append(kinds, string(e.Kind)+"/"+e.Source)
	}
	if got := strings.Join(kinds, " "); got != "requested//subscribe confirmed//confirm preferences/preferences unsubscribed/list-unsubscribe" {
		t.Errorf("history: %s", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}
