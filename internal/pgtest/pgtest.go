// Package pgtest gives tests a PostgreSQL database of their own. The
// server is named by KHABAR_POSTGRES_URL (.ci/postgres.sh starts a
// throwaway one and prints it); without it a test is skipped, except under
// CI=true, where it fails: CI must run every test.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the environment variable that names the test server.
const EnvURL = "KHABAR_POSTGRES_URL"

// URL returns the URL of a fresh, empty schema on the test server, for t
// alone: every connection made with it sees that schema first on its
// search_path. The schema is dropped when t ends. A test that passes the
// URL to child processes shares the schema with them.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must start PostgreSQL (.ci/postgres.sh)", EnvURL)
		}
		t.Skipf("%s is not set; run .ci/postgres.sh to start a throwaway PostgreSQL", EnvURL)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", base, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("pgtest: drop %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
