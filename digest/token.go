package digest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Token errors. Verify wraps exactly one of them.
var (
	// ErrTokenMalformed is a token that is not of the form Sign makes.
	ErrTokenMalformed = errors.New("digest: malformed token")
	// ErrTokenSignature is a token whose signature does not match its
	// content: forged or altered.
	ErrTokenSignature = errors.New("digest: bad token signature")
	// ErrTokenExpired is a genuine token past its expiry.
	ErrTokenExpired = errors.New("digest: token expired")
	// ErrTokenKey is a token signed with a key that is unknown or retired
	// beyond its grace period.
	ErrTokenKey = errors.New("digest: token key not accepted")
)

// TokenKey is one HMAC-SHA256 key of a Tokens keyring.
type TokenKey struct {
	// ID names the key inside tokens: 1 to 16 letters, digits, '-' or '_'.
	ID string
	// Secret is the HMAC key; at least 32 bytes.
	Secret []byte
	// Retired, when set, is when the key stopped signing: tokens it signed
	// are accepted until Retired plus the keyring's Grace.
	Retired time.Time
}

// Tokens signs and verifies the signed links of the list (unsubscribe,
// confirmation, preferences; see SignFor): HMAC-SHA256 over the
// subscriber's address, the list and an expiry, with a key ID so keys can
// be rotated. To rotate, put a new key first and set Retired on the old
// one: new tokens use the new key, old ones keep working for Grace.
//
// A Tokens is safe for concurrent use once built; do not change its
// fields while it is in use.
type Tokens struct {
	// Keys are the keys; the first one that is not retired signs.
	Keys []TokenKey
	// TTL is how long a token stays valid; zero means 90 days, long enough
	// for an old digest's link to work.
	TTL time.Duration
	// Grace is how long a retired key's tokens are still accepted; zero
	// means 30 days.
	Grace time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Claims are what a token says.
type Claims struct {
	Email   string    // the subscriber's address, as EmailKey gives it
	List    string    // the list the token unsubscribes from
	Expires time.Time // when the token stops working, in UTC
	KeyID   string    // the key that signed it
}

// Token purposes: a token signed for one purpose does not verify for
// another (the purpose is part of what the MAC covers), so an unsubscribe
// link cannot confirm a signup or open someone's preferences.
const (
	// PurposeUnsubscribe is the unsubscribe link's (Sign and Verify);
	// the token's List is the list.
	PurposeUnsubscribe = "unsubscribe"
	// PurposeConfirm is a signup's confirmation link; List holds the
	// signup request's Event.Ref.
	PurposeConfirm = "confirm"
	// PurposePreferences is the preferences page's link; List is the
	// list.
	PurposePreferences = "preferences"
	// PurposeForm is a signup form's anti-forgery token; List is the
	// list the form subscribes to.
	PurposeForm = "form"
)

// tokenContext is what the MAC covers before the payload; the
// unsubscribe purpose's is the one tokens always had, so links in digests
// already sent keep working.
func tokenContext(purpose string) string { return "khabar-" + purpose + "-v1\x00" }

// NewTokens returns a keyring with one key, checking it.
func NewTokens(id string, secret []byte) (*Tokens, error) {
	t := &Tokens{Keys: []TokenKey{{ID: id, Secret: secret}}}
	return t, t.Check()
}

// Check reports a keyring that cannot sign: no active key, a short secret,
// a bad or repeated key ID.
func (t *Tokens) Check() error {
	seen := map[string]bool{}
	active := false
	for i, k := range t.Keys {
		if !validKeyID(k.ID) {
			return fmt.Errorf("digest: token key %d: ID %q (1–16 letters, digits, '-' or '_')", i, k.ID)
		}
		if seen[k.ID] {
			return fmt.Errorf("digest: token key %d: ID %q used twice", i, k.ID)
		}
		seen[k.ID] = true
		if len(k.Secret) < 32 {
			return fmt.Errorf("digest: token key %q: secret of %d bytes, want at least 32", k.ID, len(k.Secret))
		}
		if k.Retired.IsZero() {
			active = true
		}
	}
	if !active {
		return errors.New("digest: token keyring has no active key")
	}
	return nil
}

func validKeyID(id string) bool {
	return len(id) >= 1 && len(id) <= 16 && validListName(id)
}

func (t *Tokens) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// Sign returns a token for the address and list, valid for TTL from now.
// It is URL-safe: letters, digits, '-', '_' and '.'.
func (t *Tokens) Sign(email, list string) (string, error) {
	return t.SignUntil(email, list, t.expiry())
}

// expiry is when a token signed now expires: TTL from now.
func (t *Tokens) expiry() time.Time {
	ttl := t.TTL
	if ttl <= 0 {
		ttl = 90 * 24 * time.Hour
	}
	return t.now().Add(ttl)
}

// SignUntil returns a token for the address and list that expires at the
// given time (to the second).
func (t *Tokens) SignUntil(email, list string, expires time.Time) (string, error) {
	return t.SignFor(PurposeUnsubscribe, email, list, expires)
}

// signingKey returns the key that signs: the first one not retired.
func (t *Tokens) signingKey() (*TokenKey, error) {
	for i := range t.Keys {
		if t.Keys[i].Retired.IsZero() {
			return &t.Keys[i], nil
		}
	}
	return nil, errors.New("digest: token keyring has no active key")
}

// SignFor returns a token for one purpose (PurposeConfirm, …): only
// VerifyFor with the same purpose accepts it. list is the token's List
// claim: letters, digits, '-' and '_', at most 64.
func (t *Tokens) SignFor(purpose, email, list string, expires time.Time) (string, error) {
	if !validListName(purpose) {
		return "", fmt.Errorf("digest: sign token: purpose %q", purpose)
	}
	key, err := t.signingKey()
	if err != nil {
		return "", err
	}
	if email == "" || !validListName(list) {
		return "", fmt.Errorf("digest: sign token: address %q, list %q", email, list)
	}
	payload := key.ID + "." + b64.EncodeToString([]byte(EmailKey(email))) + "." + list + "." +
		strconv.FormatInt(expires.Unix(), 36)
	return payload + "." + b64.EncodeToString(tokenMAC(key.Secret, purpose, payload)), nil
}

// b64 decodes strictly: a token whose last character differs only in the
// bits base64 leaves unused is a different token, and is refused.
var b64 = base64.RawURLEncoding.Strict()

func tokenMAC(secret []byte, purpose, payload string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(tokenContext(purpose)))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// Verify checks a token and returns its claims. The signature is compared
// in constant time before any claim is trusted. A retired key's tokens are
// accepted until Retired plus Grace; an expired token is refused even when
// its signature is good. It accepts unsubscribe tokens only (Sign's).
func (t *Tokens) Verify(token string) (Claims, error) {
	return t.VerifyFor(PurposeUnsubscribe, token)
}

// VerifyFor checks a token signed by SignFor for purpose, as Verify does;
// a token signed for another purpose fails with ErrTokenSignature.
func (t *Tokens) VerifyFor(purpose, token string) (Claims, error) {
	if len(token) > 1024 {
		return Claims{}, fmt.Errorf("%w: %d bytes", ErrTokenMalformed, len(token))
	}
	parts := strings.Split(token, ".")
	if len(parts) != 5 {
		return Claims{}, fmt.Errorf("%w: %d fields, want 5", ErrTokenMalformed, len(parts))
	}
	kid, emailB64, list, expB36, macB64 := parts[0], parts[1], parts[2], parts[3], parts[4]
	mac, err := b64.DecodeString(macB64)
	if err != nil || len(mac) != sha256.Size {
		return Claims{}, fmt.Errorf("%w: signature field", ErrTokenMalformed)
	}
	var key *TokenKey
	for i := range t.Keys {
		if t.Keys[i].ID == kid {
			key = &t.Keys[i]
			break
		}
	}
	if key == nil {
		return Claims{}, fmt.Errorf("%w: unknown key %q", ErrTokenKey, kid)
	}
	payload := token[:len(token)-len(macB64)-1]
	if !hmac.Equal(mac, tokenMAC(key.Secret, purpose, payload)) {
		return Claims{}, ErrTokenSignature
	}
	now := t.now()
	if !key.Retired.IsZero() {
		grace := t.Grace
		if grace <= 0 {
			grace = 30 * 24 * time.Hour
		}
		if now.After(key.Retired.Add(grace)) {
			return Claims{}, fmt.Errorf("%w: key %q retired on %s", ErrTokenKey, kid, key.Retired.UTC().Format(time.DateOnly))
		}
	}
	email, err := b64.DecodeString(emailB64)
	if err != nil || len(email) == 0 {
		return Claims{}, fmt.Errorf("%w: address field", ErrTokenMalformed)
	}
	exp, err := strconv.ParseInt(expB36, 36, 64)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: expiry field", ErrTokenMalformed)
	}
	c := Claims{Email: string(email), List: list, Expires: time.Unix(exp, 0).UTC(), KeyID: kid}
	if !now.Before(c.Expires) {
		return c, fmt.Errorf("%w on %s", ErrTokenExpired, c.Expires.UTC().Format(time.RFC3339))
	}
	return c, nil
}
