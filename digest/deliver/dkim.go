package deliver

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	gomail "github.com/wneessen/go-mail"

	"github.com/khabar/khabar/digest"
)

// DefaultSignedHeaders is the header list a DKIM signature covers when
// DKIM.Headers is nil: the headers the digest's deliverability depends on
// (From, To, Subject, Date, Message-ID, List-Id, the RFC 8058 one-click
// unsubscribe pair) plus the MIME headers, so that a relay cannot swap the
// body's type.
var DefaultSignedHeaders = []string{
	"From", "To", "Subject", "Date", "Message-ID",
	"List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
	"MIME-Version", "Content-Type",
}

// DefaultOversignedHeaders is the list DKIM.Oversign stands for when nil:
// the fields a reader sees first, which must not gain a second instance
// after signing.
var DefaultOversignedHeaders = []string{"From", "Subject"}

// ErrDKIMConfig is returned by (*DKIM).Sign and NewSender when the signer
// lacks its domain, selector or key, has a key of an unsupported type or an
// RSA key under 1024 bits, or a header list without From.
var ErrDKIMConfig = errors.New("deliver: invalid DKIM configuration")

// DKIM signs outgoing messages with DomainKeys Identified Mail (RFC 6376),
// using RSA-SHA256 or Ed25519-SHA256 (RFC 8463) depending on Key.
//
// Why not go-mail's built-in signer (mail.NewDKIMSigner / Msg.SetDKIM)? In
// go-mail v0.8.1 it hard-wraps the DKIM-Signature header at 76 columns
// anywhere, including inside the h= tag. It signs the unfolded value, but a
// relaxed-canonicalization verifier unfolds "CRLF SP" to a space, so a
// header list long enough to be wrapped mid-name ("...:MI\r\n ME-Version")
// no longer matches what was signed and the signature fails. The seven
// headers the digest must cover happen to fit (h= is 75 characters); add
// MIME-Version and Content-Type, as DefaultSignedHeaders does, or oversign,
// and it breaks (TestGoMailDKIMFolding records both). So the sender lets
// go-mail write the message with Msg.WriteTo (a digest's is written by
// digest.Message.AppendTo, the same bytes), signs those exact bytes with
// github.com/emersion/go-msgauth/dkim, which folds only between tags (a long
// h= list then makes a line longer than 78 characters, allowed up to RFC
// 5322's hard limit of 998), prepends the signature and sends the resulting
// bytes unchanged, on every attempt.
//
// A DKIM value is safe for concurrent use once configured; do not change its
// fields while messages are being signed.
type DKIM struct {
	// Domain is the signing domain (d=). The digest sender uses the From
	// domain.
	Domain string
	// Selector is the DNS selector (s=): the public key is published at
	// <Selector>._domainkey.<Domain>.
	Selector string
	// Key is an *rsa.PrivateKey (2048 bits or more recommended) or an
	// ed25519.PrivateKey.
	Key crypto.Signer
	// Headers lists the header fields to sign; nil means
	// DefaultSignedHeaders. It must include From.
	Headers []string
	// Oversign lists header fields that are named in the signature's h=
	// tag once more than they occur in the message (RFC 6376 8.15): the
	// extra entry signs their absence, so a second From or Subject added
	// after signing, above or below the first, breaks the signature. nil
	// means DefaultOversignedHeaders; an empty non-nil slice turns
	// oversigning off. A field named here need not be in Headers.
	Oversign []string
	// Relaxed header and body canonicalization is used; there is no option
	// for simple canonicalization, which breaks on the first relay that
	// re-folds a header.

	// Expiry, when positive, adds x= that many seconds after signing.
	Expiry time.Duration
	// Now is the clock for t= and x=; nil means time.Now. go-msgauth reads
	// its own clock for t=, so Now only affects x=.
	Now func() time.Time
}

// LoadDKIMKey parses a PEM-encoded private key ("RSA PRIVATE KEY" in PKCS #1
// or "PRIVATE KEY" in PKCS #8, RSA or Ed25519) for DKIM.Key.
func LoadDKIMKey(pemBytes []byte) (crypto.Signer, error) {
	k, err := gomail.PrivKeyFromPEM(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("deliver: DKIM key: %w", err)
	}
	return k, nil
}

// DomainOf returns the domain part of an address such as
// "Khabar <digest@news.example>", lowercased, an internationalized one in
// punycode (what DKIM's d= and DNS take), or an error if the address does
// not parse.
func DomainOf(address string) (string, error) {
	a, err := mail.ParseAddress(address)
	if err != nil {
		return "", fmt.Errorf("deliver: address %q: %w", address, err)
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at < 0 || at == len(a.Address)-1 {
		return "", fmt.Errorf("deliver: address %q has no domain", address)
	}
	return asciiHost(a.Address[at+1:])
}

// asciiHost returns the domain d lower-cased, an internationalized one in
// punycode (IDNA 2008, as DNS and DKIM's d= need it).
func asciiHost(d string) (string, error) {
	if !strings.ContainsFunc(d, func(r rune) bool { return r >= 0x80 }) {
		return strings.ToLower(d), nil
	}
	addr, err := digest.ASCIIAddress("x@" + d)
	if err != nil {
		return "", err
	}
	return strings.ToLower(addr[2:]), nil
}

func (d *DKIM) headers() []string {
	if d.Headers == nil {
		return DefaultSignedHeaders
	}
	return d.Headers
}

// signedHeaders returns the h= list for msg: the configured headers, then
// each oversigned field as many more times as it takes to name it once
// more than msg's header block has it.
func (d *DKIM) signedHeaders(msg []byte) []string {
	over := d.Oversign
	if over == nil {
		over = DefaultOversignedHeaders
	}
	hs := d.headers()
	if len(over) == 0 {
		return hs
	}
	hs = append(make([]string, 0, len(hs)+len(over)), hs...)
	counts := headerCounts(msg, over)
	for i, name := range over {
		listed := 0
		for _, h := range hs {
			if strings.EqualFold(h, name) {
				listed++
			}
		}
		for range counts[i] + 1 - listed {
			hs = append(hs, name)
		}
	}
	return hs
}

// headerCounts counts, for each of names, the fields of msg's header block
// with that name (case-insensitively).
func headerCounts(msg []byte, names []string) []int {
	counts := make([]int, len(names))
	for len(msg) > 0 {
		line := msg
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			line, msg = msg[:i], msg[i+1:]
		} else {
			msg = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break // end of the header block
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation of a folded field
		}
		name, _, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		name = bytes.TrimRight(name, " \t")
		for i, n := range names {
			if len(name) == len(n) && strings.EqualFold(string(name), n) {
				counts[i]++
			}
		}
	}
	return counts
}

func (d *DKIM) check() error {
	if d.Domain == "" || d.Selector == "" || d.Key == nil {
		return fmt.Errorf("%w: domain %q, selector %q, key set %t", ErrDKIMConfig, d.Domain, d.Selector, d.Key != nil)
	}
	switch k := d.Key.Public().(type) {
	case *rsa.PublicKey:
		// RFC 8301 3.2: verifiers must reject keys under 1024 bits.
		if k.N.BitLen() < 1024 {
			return fmt.Errorf("%w: RSA key of %d bits, want at least 1024 (2048 recommended)", ErrDKIMConfig, k.N.BitLen())
		}
	case ed25519.PublicKey:
	default:
		return fmt.Errorf("%w: unsupported key type %T", ErrDKIMConfig, d.Key)
	}
	for _, h := range d.headers() {
		if strings.EqualFold(h, "From") {
			return nil
		}
	}
	return fmt.Errorf("%w: header list %v does not include From", ErrDKIMConfig, d.headers())
}

// Sign returns msg with a DKIM-Signature header field prepended. msg must be a
// complete RFC 5322 message with CRLF line endings (as Msg.WriteTo writes);
// it is not modified, and the returned bytes after the signature field are
// identical to msg.
func (d *DKIM) Sign(msg []byte) ([]byte, error) {
	sig, err := d.signature(msg)
	if err != nil {
		return nil, err
	}
	// bytes.Join does not zero the buffer it fills.
	return bytes.Join([][]byte{[]byte(sig), msg}, nil), nil
}

// signature returns the DKIM-Signature field (with its CRLF) that Sign
// prepends to msg.
func (d *DKIM) signature(msg []byte) (string, error) {
	if err := d.check(); err != nil {
		return "", err
	}
	// RFC 6376 3.5: an internationalized d= is written in A-labels.
	domain, err := asciiHost(d.Domain)
	if err != nil {
		return "", fmt.Errorf("%w: domain %q: %v", ErrDKIMConfig, d.Domain, err)
	}
	opts := &dkim.SignOptions{
		Domain:                 domain,
		Selector:               d.Selector,
		Signer:                 d.Key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             d.signedHeaders(msg),
	}
	if d.Expiry > 0 {
		now := time.Now
		if d.Now != nil {
			now = d.Now
		}
		opts.Expiration = now().Add(d.Expiry)
	}
	sig, ok, err := d.fastSignature(msg, opts.Domain, opts.HeaderKeys, opts.Expiration)
	if err != nil {
		return "", fmt.Errorf("deliver: DKIM signing: %w", err)
	}
	if !ok {
		return d.slowSignature(msg, opts)
	}
	return sig, nil
}

// slowSignature returns the DKIM-Signature field go-msgauth's Signer
// writes for msg.
func (d *DKIM) slowSignature(msg []byte, opts *dkim.SignOptions) (string, error) {
	s, err := dkim.NewSigner(opts)
	if err != nil {
		return "", fmt.Errorf("deliver: DKIM: %w", err)
	}
	if _, err := s.Write(msg); err != nil {
		_ = s.Close()
		return "", fmt.Errorf("deliver: DKIM signing: %w", err)
	}
	if err := s.Close(); err != nil {
		return "", fmt.Errorf("deliver: DKIM signing: %w", err)
	}
	return s.Signature(), nil
}

// PublicKeyRecord returns the DNS TXT record value to publish at
// <Selector>._domainkey.<Domain> for d.Key, e.g. "v=DKIM1; k=ed25519; p=...".
func (d *DKIM) PublicKeyRecord() (string, error) {
	if d.Key == nil {
		return "", fmt.Errorf("%w: no key", ErrDKIMConfig)
	}
	return publicKeyRecord(d.Key.Public())
}

func publicKeyRecord(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return "", fmt.Errorf("deliver: DKIM public key: %w", err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k), nil
	default:
		return "", fmt.Errorf("%w: unsupported key type %T", ErrDKIMConfig, pub)
	}
}
