package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar/examples/internal/corpus"
	"github.com/khabar/khabar/internal/pgtest"
)

// TestReplicasFollowOneStore runs two feed-server processes on one
// PostgreSQL database and imports an article through a third: both must
// serve it within 2 s, with the same bytes, ETag and Last-Modified.
func TestReplicasFollowOneStore(t *testing.T) {
	url := pgtest.URL(t)
	if testing.Short() {
		t.Skip("builds and runs the command")
	}
	bin := filepath.Join(t.TempDir(), "feed-server")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data, err := corpus.Find(defaultData, true)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-db", url, "-import", data).CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	home := "https://news.example.in/"
	a := startReplica(t, bin, "-db", url, "-data", "", "-home", home)
	b := startReplica(t, bin, "-db", url, "-data", "", "-home", home)
	paths := []string{"feed/", "feed/atom/", "feed/json/", "category/उत्तर-प्रदेश/feed/", "tag/no-such-tag/feed/"}
	same(t, a, b, paths)

	// A new article, the newest, imported by a third process.
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.jsonl")
	line := `{"id":"replica-1","title":"दोनों सर्वरों पर एक साथ","url":"https://news.example.in/replica-1/","published":"2026-12-01T09:00:00+05:30","categories":[{"name":"उत्तर प्रदेश","slug":"उत्तर-प्रदेश"}]}` + "\n"
	if err := os.WriteFile(fresh, []byte(line+"{not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", url, "-import", fresh)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	imported := time.Now()
	if err == nil || !strings.Contains(stderr.String(), "line 2") {
		t.Errorf("import with a bad line: err %v, stderr %q; want exit status 1 naming line 2", err, stderr.String())
	}
	for _, base := range []string{a, b} {
		for {
			body, _ := get(t, base+"feed/")
			if bytes.Contains(body, []byte("replica-1")) {
				break
			}
			if time.Since(imported) > 2*time.Second {
				t.Fatalf("%s does not serve the imported article 2 s after the import", base)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("served by both %v after the import", time.Since(imported).Round(time.Millisecond))
	same(t, a, b, paths)
}

// same compares the replicas' responses (identity encoding) on paths.
func same(t *testing.T, a, b string, paths []string) {
	t.Helper()
	for _, p := range paths {
		ba, ha := get(t, a+p)
		bb, hb := get(t, b+p)
		for _, k := range []string{"Status", "Etag", "Last-Modified"} {
			if ha.Get(k) != hb.Get(k) {
				t.Errorf("%s: %s %q on one replica, %q on the other", p, k, ha.Get(k), hb.Get(k))
			}
		}
		if !bytes.Equal(ba, bb) {
			t.Errorf("%s: the replicas' bodies differ", p)
		}
	}
}

func get(t *testing.T, u string) ([]byte, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Header.Set("Status", fmt.Sprint(resp.StatusCode))
	return body, resp.Header
}

// startReplica starts the command and returns the URL it listens on; it
// is interrupted when t ends.
func startReplica(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := regexp.MustCompile(`at (http://\S+/)`).FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("replica did not start")
	case <-ctx.Done():
	}
	return ""
}
