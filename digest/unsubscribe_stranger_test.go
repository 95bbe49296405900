package digest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestUnsubscribeHandlerStranger: what a stranger without asha's
// token can send to the one-click URL changes nothing.
func TestUnsubscribeHandlerStranger(t *testing.T) {
	ctx := context.Background()
	store := &MemStore{}
	store.Import(ctx, []*Subscriber{{Email: "asha@example.com"}, {Email: "ravi@example.net"}})
	tk := testTokens()
	h := &UnsubscribeHandler{Tokens: tk, Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ravi, _ := tk.Sign("ravi@example.net", "daily")
	weekly, _ := tk.Sign("asha@example.com", "weekly")
	expired, _ := tk.SignUntil("asha@example.com", "daily", fixedNow.Add(-time.Hour))
	prefs, _ := tk.SignFor(PurposePreferences, "asha@example.com", "daily", fixedNow.Add(time.Hour))
	swapped := strings.Replace(ravi, b64.EncodeToString([]byte("ravi@example.net")), b64.EncodeToString([]byte("asha@example.com")), 1)
	do := func(method, tok, body string) int {
		req := httptest.NewRequest(method, "/unsubscribe?t="+url.QueryEscape(tok), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	for _, c := range []struct {
		name, method, tok, body string
		want                    int
	}{
		{"another list", "POST", weekly, "List-Unsubscribe=One-Click", 400},
		{"expired", "POST", expired, "List-Unsubscribe=One-Click", 410},
		{"preferences token", "POST", prefs, "List-Unsubscribe=One-Click", 400},
		{"address swapped in ravi's token", "POST", swapped, "List-Unsubscribe=One-Click", 400},
		{"GET with a good token", "GET", ravi, "", 200},
		{"PUT", "PUT", ravi, "", 405},
		{"form t ignored when query t is bad", "POST", "x", "t=" + ravi, 400},
	} {
		if got := do(c.method, c.tok, c.body); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	for _, e := range []string{"asha@example.com", "ravi@example.net"} {
		if st, _ := store.Status(ctx, e); st != StatusActive {
			t.Errorf("%s: %s", e, st)
		}
	}
	// ravi's own token unsubscribes ravi only.
	if got := do("POST", ravi, "List-Unsubscribe=One-Click"); got != 200 {
		t.Fatal(got)
	}
	if st, _ := store.Status(ctx, "asha@example.com"); st != StatusActive {
		t.Errorf("asha: %s", st)
	}
}
