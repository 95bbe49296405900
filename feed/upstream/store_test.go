package upstream

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestFileStoreConcurrentSaves(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, err := OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	next := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				st := State{URL: fmt.Sprintf("https://f%d.example/%d", g, i), ETag: fmt.Sprintf(`"%d"`, i), NextPoll: next, Failures: g}
				if err := s.Save(context.Background(), st); err != nil {
					t.Errorf("Save: %v", err)
				}
				if _, err := s.Load(context.Background(), st.URL); err != nil {
					t.Errorf("Load after Save: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	again, err := OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(again.states); n != 200 {
		t.Fatalf("reopened store holds %d states, want 200", n)
	}
	st, err := again.Load(context.Background(), "https://f3.example/24")
	if err != nil || st.ETag != `"24"` || st.Failures != 3 || !st.NextPoll.Equal(next) {
		t.Errorf("reloaded state = %+v, %v", st, err)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".state.json.tmp-*")); len(m) != 0 {
		t.Errorf("temporary files left behind: %v", m)
	}
}

func TestFileStoreErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFileStore(bad); err == nil {
		t.Error("a corrupt state file was accepted")
	}
	s, err := OpenFileStore(filepath.Join(dir, "missing-dir", "state.json"))
	if err != nil {
		t.Fatalf("OpenFileStore of a new file: %v", err)
	}
	if err := s.Save(context.Background(), State{URL: "https://x.example/"}); err == nil {
		t.Error("Save into a missing directory succeeded")
	}
	if _, err := s.Load(context.Background(), "https://x.example/"); err != nil {
		t.Errorf("the state is kept in memory after a failed write: %v", err)
	}
	var m MemoryStore
	if _, err := m.Load(context.Background(), "https://y.example/"); !errors.Is(err, ErrUnknownFeed) {
		t.Errorf("MemoryStore.Load(unknown) = %v, want ErrUnknownFeed", err)
	}
}
