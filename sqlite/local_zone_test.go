package sqlite

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
)

// TestLocalZoneRowUnsubscribe (found by a review of 2726df9).
//
// A row whose time_zone is "Local" — what Import stored for a subscriber
// with time.Local before 2726df9 (and what ReadCSV read for "Local") —
// still loads (subrow.Decode uses digest.LoadLocation, which gives
// time.Local), but every Lifecycle.Change on it re-encodes the subscriber
// through Subscriber.Stored, which now refuses time.Local. So the RFC 8058
// one-click unsubscribe POST answers 500 and the address stays active
// (likewise the preferences page's unsubscribe and the feedback
// Processor's bounces and complaints, which all go through Change).
func TestLocalZoneRowUnsubscribe(t *testing.T) {
	s, _, exec := legacyStore(t)
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Import(ctx, []*digest.Subscriber{{Email: "asha@example.com"}}); err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE subscribers SET time_zone = 'Local' WHERE key = ?`, digest.EmailKey("asha@example.com"))
	if _, err := s.Subscriber(ctx, "asha@example.com"); err != nil {
		t.Fatalf("the row no longer loads: %v", err)
	}

	tokens := &digest.Tokens{Keys: []digest.TokenKey{{ID: "k1", Secret: []byte("an example secret of 32 bytes...")}}}
	tok, err := tokens.Sign("asha@example.com", digest.DefaultList)
	if err != nil {
		t.Fatal(err)
	}
	h := &digest.UnsubscribeHandler{Store: s, Tokens: tokens, Now: time.Now}
	req := httptest.NewRequest(http.MethodPost, "/digest/unsubscribe?t="+url.QueryEscape(tok),
		strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	sub, err := s.Subscriber(ctx, "asha@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || sub.Status != digest.StatusUnsubscribed {
		t.Errorf("one-click unsubscribe of a subscriber stored with time_zone \"Local\": HTTP %d, status %q; want 200 and %q",
			rec.Code, sub.Status, digest.StatusUnsubscribed)
	}
}
