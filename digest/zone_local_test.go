package digest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
)

// ExampleTokens prints claims.Expires.Format(time.DateOnly) with
// "// Output: ... 2027-02-23". Verify builds Claims.Expires with time.Unix, in
// the machine's time.Local, so the documented output holds only where the local
// zone is east of UTC-7: under TZ=America/Los_Angeles `go test -run ExampleTokens`
// fails with 2027-02-22. (The digest package otherwise reads dates in
// Config.Location, Asia/Kolkata by default, never in time.Local.)
func TestClaimsExpiresInUTC(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skip(err)
	}
	saved := time.Local
	time.Local = la
	defer func() { time.Local = saved }()

	now := time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)
	tokens := &digest.Tokens{
		Keys: []digest.TokenKey{{ID: "k1", Secret: []byte("an example secret of 32 bytes...")}},
		Now:  func() time.Time { return now },
	}
	token, _ := tokens.Sign("asha@example.com", "daily")
	claims, err := tokens.Verify(token)
	if err != nil {
		t.Fatal(err)
	}
	if got := claims.Expires.Format(time.DateOnly); got != "2027-02-23" {
		t.Fatalf("ExampleTokens' documented output is 2027-02-23; with time.Local = %v it prints %s (Claims.Expires is in %v)", la, got, claims.Expires.Location())
	}
}

// Subscriber.Stored: "A time zone without an IANA name (a fixed zone such as
// "IST" or +05:30) is refused with an error wrapping ErrInvalidSubscriber:
// stores keep zones by name." time.Local has no IANA name ("Local"), yet it is
// accepted and kept as "Local" (WriteCSV writes it, ReadCSV reads it back), so
// each process that loads the subscriber reads their dates in its own machine's
// zone: a list imported on an IST laptop is sent by a UTC server 5h30 later.
func TestStoredRefusesLocalZone(t *testing.T) {
	s, err := (&digest.Subscriber{Email: "asha@example.com", TimeZone: time.Local}).Stored()
	if err == nil {
		t.Fatalf("Stored accepted time.Local and keeps it as %q, a name that means a different zone on every machine", s.TimeZone.String())
	}
	if !errors.Is(err, digest.ErrInvalidSubscriber) {
		t.Fatalf("err = %v, want ErrInvalidSubscriber", err)
	}
}

// ReadCSV: "time_zone (an IANA name such as Asia/Kolkata)". "Local" is not an
// IANA name, but ReadCSV reads it as the reading machine's time.Local.
func TestReadCSVRefusesLocal(t *testing.T) {
	subs, err := digest.ReadCSV(strings.NewReader("email,time_zone\nasha@example.com,Local\n"))
	if err == nil {
		t.Fatalf("ReadCSV accepted time_zone \"Local\" as %v", subs[0].TimeZone)
	}
}

func TestChoicesRefuseLocal(t *testing.T) {
	_, err := digest.Choices{TimeZone: "Local"}.Apply(&digest.Subscriber{Email: "asha@example.com"})
	if !errors.Is(err, digest.ErrInvalidSubscriber) {
		t.Errorf("Apply with time zone Local: %v, want ErrInvalidSubscriber", err)
	}
}
