package digest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	now := fixedNow
	clock := func() time.Time { return now }
	oldKey := TokenKey{ID: "old", Secret: []byte(strings.Repeat("o", 32))}
	tk := &Tokens{Keys: []TokenKey{oldKey}, Now: clock}
	tokOld, err := tk.Sign("Asha@Example.com", "daily")
	if err != nil {
		t.Fatal(err)
	}
	c, err := tk.Verify(tokOld)
	if err != nil {
		t.Fatal(err)
	}
	if c.Email != "asha@example.com" || c.List != "daily" || c.KeyID != "old" || !c.Expires.Equal(now.Add(90*24*time.Hour).Truncate(time.Second)) {
		t.Errorf("claims = %+v", c)
	}

	// Rotate: a new key signs, the old one is retired now.
	rotated := &Tokens{Keys: []TokenKey{{ID: "new", Secret: []byte(strings.Repeat("n", 32))}, {ID: "old", Secret: oldKey.Secret, Retired: now}},
		Grace: 7 * 24 * time.Hour, Now: clock}
	tokNew, err := rotated.Sign("asha@example.com", "daily")
	if err != nil || !strings.HasPrefix(tokNew, "new.") {
		t.Fatalf("Sign after rotation = %q, %v", tokNew, err)
	}
	expired, _ := rotated.SignUntil("asha@example.com", "daily", now.Add(-time.Second))

	tests := []struct {
		name    string
		tokens  *Tokens
		token   string
		at      time.Time
		wantErr error
	}{
		{"new key", rotated, tokNew, now, nil},
		{"old key within grace", rotated, tokOld, now.Add(6 * 24 * time.Hour), nil},
		{"old key after grace", rotated, tokOld, now.Add(8 * 24 * time.Hour), ErrTokenKey},
		{"unknown key", tk, tokNew, now, ErrTokenKey},
		{"expired", rotated, expired, now, ErrTokenExpired},
		{"expired at the very second", tk, tokOld, c.Expires, ErrTokenExpired},
		{"altered address", rotated, alter(tokNew, 1, b64.EncodeToString([]byte("evil@example.com"))), now, ErrTokenSignature},
		{"altered list", rotated, alter(tokNew, 2, "weekly"), now, ErrTokenSignature},
		{"altered expiry", rotated, alter(tokNew, 3, "zzzzzzz"), now, ErrTokenSignature},
		{"forged signature", rotated, alter(tokNew, 4, b64.EncodeToString(make([]byte, 32))), now, ErrTokenSignature},
		{"truncated signature", rotated, tokNew[:len(tokNew)-2], now, ErrTokenMalformed},
		{"empty", rotated, "", now, ErrTokenMalformed},
		{"too few fields", rotated, "new.abc.daily", now, ErrTokenMalformed},
		{"huge", rotated, strings.Repeat("a", 5000), now, ErrTokenMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = tt.at
			defer func() { now = fixedNow }()
			_, err := tt.tokens.Verify(tt.token)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Verify = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// alter replaces field i of a token.
func alter(token string, i int, v string) string {
	f := strings.Split(token, ".")
	f[i] = v
	return strings.Join(f, ".")
}

func TestTokensCheck(t *testing.T) {
	good := []byte(strings.Repeat("x", 32))
	tests := []struct {
		name string
		keys []TokenKey
	}{
		{"no keys", nil},
		{"short secret", []TokenKey{{ID: "a", Secret: []byte("short")}}},
		{"bad id", []TokenKey{{ID: "a.b", Secret: good}}},
		{"duplicate id", []TokenKey{{ID: "a", Secret: good}, {ID: "a", Secret: good}}},
		{"all retired", []TokenKey{{ID: "a", Secret: good, Retired: fixedNow}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := (&Tokens{Keys: tt.keys}).Check(); err == nil {
				t.Error("Check accepted it")
			}
		})
	}
	if _, err := NewTokens("k", good); err != nil {
		t.Errorf("NewTokens: %v", err)
	}
}

func FuzzVerify(f *testing.F) {
	tk := testTokens()
	good, _ := tk.Sign("asha@example.com", "daily")
	for _, s := range []string{good, "", "k1....", "k1.YQ.daily.1.AAAA", good + "x", strings.ToUpper(good)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := tk.Verify(token)
		if err == nil {
			// Only a token Sign made verifies: re-signing the claims must
			// give back the same token.
			again, serr := tk.SignUntil(c.Email, c.List, c.Expires)
			if serr != nil || again != token {
				t.Fatalf("Verify accepted %q, which Sign would write as %q", token, again)
			}
		}
	})
}

// TestTokensRefuseEveryAlteration changes each character of a token to
// every other character of the token alphabet (and a few outside it) and
// expects Verify to refuse each one: no two spellings of a token verify.
func TestTokensRefuseEveryAlteration(t *testing.T) {
	now := time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)
	tokens := &Tokens{
		Keys: []TokenKey{{ID: "k1", Secret: []byte("an example secret of 32 bytes...")}},
		Now:  func() time.Time { return now },
	}
	for _, email := range []string{"asha@example.com", "a@b.in", "ravi.kumar+digest@khabar.example"} {
		token, err := tokens.Sign(email, "daily")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tokens.Verify(token); err != nil {
			t.Fatalf("the unaltered token: %v", err)
		}
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "
		accepted := 0
		for i := range len(token) {
			for _, c := range []byte(alphabet) {
				if c == token[i] {
					continue
				}
				altered := token[:i] + string(c) + token[i+1:]
				if _, err := tokens.Verify(altered); err == nil {
					accepted++
					if accepted <= 5 {
						t.Errorf("%s: altered at %d (%q → %q) still verifies: %s", email, i, token[i], c, altered)
					}
				}
			}
		}
		if accepted > 0 {
			t.Errorf("%s: %d alterations verified, want none", email, accepted)
		}
	}
}
