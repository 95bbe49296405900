package digest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// ErrReturnPath is an address that is not a return path ReturnPath made
// with one of the keyring's keys: malformed, altered or forged.
var ErrReturnPath = errors.New("digest: not a signed return path")

// A return path (the envelope sender, SMTP MAIL FROM) that names the
// recipient and the edition lets a bounce that quotes neither still be
// mapped back (VERP). RFC 5321 limits a local part to 64 octets and an
// address may be 254, so the address cannot travel whole; the local part
// is the base's, a '+' (so mail servers deliver it to the base mailbox,
// as Postfix's recipient_delimiter does) and a code of lower-case base32
// letters and digits (servers that fold case keep it intact):
//
//	mac(8) hash(16) date(8) ["." list]
//
// hash is AddressHash's 80 bits of SHA-256 over the address key, looked up
// in the store; date is the edition's YYYYMMDD; list is the edition's list
// name when it is not DefaultList and fits in the 64 octets (it is lower
// case, letters, digits, '-' or '_'), otherwise the date is left out too
// and the return path names no edition. mac is 40 bits of HMAC-SHA256
// under the keyring's signing key over the rest: enough that forging a
// bounce by guessing takes about 2^39 messages.
const (
	verpContext  = "khabar-return-path-v1\x00"
	verpMACLen   = 8  // base32 characters (5 bytes)
	verpHashLen  = 16 // base32 characters (10 bytes)
	verpDateLen  = 8
	maxLocalPart = 64
	// MaxReturnPathPrefix is the longest local part Config.ReturnPath may
	// have: what leaves room for the code and a date.
	MaxReturnPathPrefix = maxLocalPart - 1 - verpMACLen - verpHashLen - verpDateLen
)

var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding) // 5 and 10 bytes: no unused bits

// AddressHash returns the hash of an address that return paths carry:
// 16 lower-case base32 characters of SHA-256 over EmailKey(email). A
// processor of bounces finds the address by hashing the store's.
func AddressHash(email string) string { return AddressHashOfKey(EmailKey(email)) }

// AddressHashOfKey is AddressHash of an address whose key is key.
func AddressHashOfKey(key string) string {
	sum := sha256.Sum256([]byte("khabar-address\x00" + key))
	return b32.EncodeToString(sum[:10])
}

// ReturnPathClaims are what a verified return path says.
type ReturnPathClaims struct {
	// AddressHash is AddressHash of the recipient's address.
	AddressHash string
	// Edition is the Edition.ID the message belonged to; empty when the
	// return path names none (a list name too long to fit).
	Edition string
	// KeyID is the key that signed it.
	KeyID string
}

// checkReturnPathBase checks Config.ReturnPath: a bare address whose
// local part is at most MaxReturnPathPrefix octets of lower-case letters,
// digits, '.', '-' or '_' (no '+'), with an ASCII domain.
func checkReturnPathBase(base string) (local, domain string, err error) {
	a, err := mail.ParseAddress(base)
	if err != nil || a.Address != base {
		return "", "", fmt.Errorf("return path %q is not a bare address", base)
	}
	at := strings.LastIndexByte(base, '@')
	local, domain = base[:at], base[at+1:]
	if len(local) > MaxReturnPathPrefix || !printableASCII(domain) {
		return "", "", fmt.Errorf("return path %q: local part over %d octets or a non-ASCII domain", base, MaxReturnPathPrefix)
	}
	for _, r := range local {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return "", "", fmt.Errorf("return path %q: local part has %q (lower-case letters, digits, '.', '-', '_')", base, r)
		}
	}
	return local, domain, nil
}

// ReturnPath returns the envelope sender for email's copy of ed: base's
// local part, '+', a signed code naming the address and the edition, '@',
// base's domain. The result fits RFC 5321's 64-octet local part.
func (t *Tokens) ReturnPath(base, email string, ed Edition) (string, error) {
	local, domain, err := checkReturnPathBase(base)
	if err != nil {
		return "", fmt.Errorf("digest: %w", err)
	}
	if email == "" || ed.Validate() != nil {
		return "", fmt.Errorf("digest: return path for %q, edition %q", email, ed.ID())
	}
	key, err := t.signingKey()
	if err != nil {
		return "", err
	}
	payload := AddressHash(email) + strings.ReplaceAll(ed.Date, "-", "")
	if list := ed.list(); list != DefaultList {
		if strings.ToLower(list) != list || len(local)+1+verpMACLen+len(payload)+1+len(list) > maxLocalPart {
			payload = payload[:verpHashLen] // no room: no edition
		} else {
			payload += "." + list
		}
	}
	return local + "+" + verpMAC(key.Secret, payload) + payload + "@" + domain, nil
}

func verpMAC(secret []byte, payload string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(verpContext))
	m.Write([]byte(payload))
	return b32.EncodeToString(m.Sum(nil)[:5])
}

// VerifyReturnPath checks an address ReturnPath made (with any base) and
// returns what it names. It compares the MAC in constant time against
// every key not retired beyond Grace; return paths do not expire, since
// bounces arrive late. A case-folded address verifies the same. Errors
// wrap ErrReturnPath.
func (t *Tokens) VerifyReturnPath(addr string) (ReturnPathClaims, error) {
	at := strings.LastIndexByte(addr, '@')
	plus := strings.LastIndexByte(addr[:max(at, 0)], '+')
	if at < 0 || plus < 0 || at-plus-1 > maxLocalPart {
		return ReturnPathClaims{}, fmt.Errorf("%w: %q has no code", ErrReturnPath, addr)
	}
	code := strings.ToLower(addr[plus+1 : at])
	if len(code) < verpMACLen+verpHashLen {
		return ReturnPathClaims{}, fmt.Errorf("%w: code %q too short", ErrReturnPath, code)
	}
	mac, payload := code[:verpMACLen], code[verpMACLen:]
	c := ReturnPathClaims{AddressHash: payload[:verpHashLen]}
	if _, err := b32.DecodeString(mac + c.AddressHash); err != nil {
		return ReturnPathClaims{}, fmt.Errorf("%w: code %q is not base32", ErrReturnPath, code)
	}
	switch rest := payload[verpHashLen:]; {
	case rest == "":
	case len(rest) >= verpDateLen && (len(rest) == verpDateLen || rest[verpDateLen] == '.' && len(rest) > verpDateLen+1):
		d, err := time.Parse("20060102", rest[:verpDateLen])
		if err != nil {
			return ReturnPathClaims{}, fmt.Errorf("%w: date in %q", ErrReturnPath, code)
		}
		ed := Edition{Date: d.Format(time.DateOnly)}
		if len(rest) > verpDateLen {
			ed.List = rest[verpDateLen+1:]
		}
		if ed.Validate() != nil {
			return ReturnPathClaims{}, fmt.Errorf("%w: edition in %q", ErrReturnPath, code)
		}
		c.Edition = ed.ID()
	default:
		return ReturnPathClaims{}, fmt.Errorf("%w: code %q", ErrReturnPath, code)
	}
	now := t.now()
	grace := t.Grace
	if grace <= 0 {
		grace = 30 * 24 * time.Hour
	}
	for _, k := range t.Keys {
		if !k.Retired.IsZero() && now.After(k.Retired.Add(grace)) {
			continue
		}
		if hmac.Equal([]byte(mac), []byte(verpMAC(k.Secret, payload))) {
			c.KeyID = k.ID
			return c, nil
		}
	}
	return ReturnPathClaims{}, fmt.Errorf("%w: signature of %q", ErrReturnPath, code)
}
