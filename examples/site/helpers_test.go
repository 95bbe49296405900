package main

import (
	"bytes"
	"context"
	"encoding/base64"
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
	"sync"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/examples/internal/corpus"
	"github.com/khabar/khabar/examples/internal/storeflag"
)

// testSite is the site running in the test's process on a free port, with
// its store (db) and outgoing messages (out) in a temporary directory.
type testSite struct {
	url, dir, db, out, data string
	log                     *siteLog
}

// startSite runs the site until t ends.
func startSite(t *testing.T) *testSite {
	t.Helper()
	dir := t.TempDir()
	s := &testSite{dir: dir, db: filepath.Join(dir, "state.db"), out: filepath.Join(dir, "out"),
		log: &siteLog{wrote: make(chan string, 16)}}
	if _, _, closeFn, err := storeflag.OpenSubscribers(context.Background(), s.db); err != nil {
		t.Fatalf("the SQLite store: %v", err)
	} else {
		closeFn()
	}
	var err error
	if s.data, err = corpus.Find(corpus.Default, true); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	siteURL := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-state", s.db, "-out", s.out, "-data", s.data}, s.log, func(u string) { siteURL <- u })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("site: %v", err)
		}
		if t.Failed() {
			t.Logf("the site's log:\n%s", s.log.String())
		}
	})
	select {
	case s.url = <-siteURL:
	case err := <-done:
		done <- err // for the cleanup
		t.Fatal(err)
	}
	return s
}

// siteLog keeps what the site prints and passes on the paths of the .eml
// files it says it wrote.
type siteLog struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	line  []byte
	wrote chan string
}

var wroteRE = regexp.MustCompile(`^wrote (\S+\.eml)$`)

func (l *siteLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	l.line = append(l.line, p...)
	for {
		i := bytes.IndexByte(l.line, '\n')
		if i < 0 {
			return len(p), nil
		}
		if m := wroteRE.FindSubmatch(l.line[:i]); m != nil {
			select {
			case l.wrote <- string(m[1]):
			default: // nobody reads them: the buffer is full
			}
		}
		l.line = l.line[i+1:]
	}
}

func (l *siteLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// nextMessage returns the path of the next message the site writes.
func (s *testSite) nextMessage(t *testing.T) string {
	t.Helper()
	select {
	case p := <-s.log.wrote:
		return p
	case <-time.After(time.Minute):
		t.Fatal("the site wrote no .eml")
		return ""
	}
}

// lifecycle opens the site's store for the duration of fn.
func (s *testSite) lifecycle(t *testing.T, fn func(lc digest.Lifecycle)) {
	t.Helper()
	lc, _, closeFn, err := storeflag.OpenSubscribers(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	fn(lc)
}

// subscriber returns the store's record of email.
func (s *testSite) subscriber(t *testing.T, email string) *digest.Subscriber {
	t.Helper()
	var sub *digest.Subscriber
	s.lifecycle(t, func(lc digest.Lifecycle) {
		var err error
		if sub, err = lc.Subscriber(context.Background(), email); err != nil {
			t.Fatal(err)
		}
	})
	return sub
}

// history returns the store's consent history of email.
func (s *testSite) history(t *testing.T, email string) []digest.Event {
	t.Helper()
	var hist []digest.Event
	s.lifecycle(t, func(lc digest.Lifecycle) {
		var err error
		if hist, err = lc.History(context.Background(), email); err != nil {
			t.Fatal(err)
		}
	})
	return hist
}

// sendDigests runs go run ./examples/digest-sender on the site's store,
// with links to the site, checks that it wrote email's digest and
// returns that message's path.
func (s *testSite) sendDigests(t *testing.T, email, lang string) string {
	t.Helper()
	out := filepath.Join(s.dir, "digests")
	cmd := exec.Command("go", "run", "../digest-sender", "-state", s.db, "-out", out, "-site", s.url, "-subscribers", "", "-data", s.data)
	res, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("digest-sender: %v\n%s", err, res)
	}
	if !regexp.MustCompile(regexp.QuoteMeta(email) + `\s+` + lang + `\s+written`).Match(res) {
		t.Fatalf("digest-sender did not write %s's digest in %s:\n%s", email, lang, res)
	}
	return filepath.Join(out, email+".eml")
}

// textPart returns the decoded text/plain part of the multipart .eml
// file at path, and the message's header.
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
		if !strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			continue
		}
		var r io.Reader = p // quoted-printable is decoded by NextPart
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			r = base64.NewDecoder(base64.StdEncoding, p)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return string(b), m.Header
	}
}

// link returns the first link in text that starts with prefix.
func link(t *testing.T, text, prefix string) string {
	t.Helper()
	for _, w := range strings.Fields(text) {
		if strings.HasPrefix(w, prefix) {
			return w
		}
	}
	t.Fatalf("no link to %s in\n%s", prefix, text)
	return ""
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

var tokenRE = regexp.MustCompile(`name="t" value="([^"]+)"`)
