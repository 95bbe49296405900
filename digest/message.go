package digest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/khabar/khabar"
	gomail "github.com/wneessen/go-mail"
)

// Story is one article chosen for a digest.
type Story struct {
	// Article is the catalog's read-only snapshot; do not modify it.
	Article *khabar.Article
	// Score is the ranking score (see Ranking).
	Score float64
	// Because names the follow that chose the story (a category path,
	// "tag/slug" or "author/slug"); empty for top stories.
	Because string

	item *poolItem // the ranked candidate, which caches the story's view
}

// Message is one composed digest: one edition for one subscriber, ready to
// be turned into mail with Msg or written out with WriteTo. A Message is
// not modified by the package after Build returns it; it may be read from
// several goroutines.
type Message struct {
	// Edition is the edition the message belongs to.
	Edition Edition
	// Subscriber is the recipient (the caller's value; not copied).
	Subscriber *Subscriber
	// From is the sender; its domain is the Message-ID's.
	From mail.Address
	// Subject is the rendered subject line, one line of plain text.
	Subject string
	// HTML and Text are the two alternative bodies, UTF-8.
	HTML, Text []byte
	// MessageID is the deterministic Message-ID without angle brackets:
	// Edition.MessageID(Subscriber.Email, From's domain).
	MessageID string
	// Date is the Date header: the Builder's clock when it built the
	// message, in the subscriber's time zone (the Builder's Location when
	// the subscriber has none), so that the header reads in the reader's
	// local time, as the edition's window does.
	Date time.Time
	// Since and Until bound the window of stories, [Since, Until).
	Since, Until time.Time
	// Language is the language the digest is written in; Dir is "ltr" or
	// "rtl".
	Language, Dir string
	// Followed are the stories from the subscriber's follows, best first;
	// Top are the top stories for everyone that follow them.
	Followed, Top []Story
	// Trimmed is how many stories were dropped to keep HTML under the
	// Builder's MaxHTML; zero when none were.
	Trimmed int
	// UnsubscribeURL is the https one-click URL (with its token) in the
	// List-Unsubscribe header and the footer link. UnsubscribeMailto is
	// the optional mailto: URI listed after it, whose subject carries the
	// same token.
	UnsubscribeURL, UnsubscribeMailto string
	// ReturnPath is the envelope sender (SMTP MAIL FROM), signed to name
	// the subscriber and the edition (Config.ReturnPath); empty means
	// From's address. Msg sets it as go-mail's envelope sender, which
	// digest/deliver sends; it is not a header of the message.
	ReturnPath string
	// PreferencesURL is the footer's link to the preferences page, with
	// its token; empty when Config.PreferencesURL is.
	PreferencesURL string
	// BrowserURL is the address of the web version of the edition.
	BrowserURL string
	// ListID is the List-Id header value without angle brackets.
	ListID string
}

// Stories returns the number of stories in the message.
func (m *Message) Stories() int { return len(m.Followed) + len(m.Top) }

// Key returns Edition.RecipientKey for the subscriber: the journal key of
// this message, stable across runs.
func (m *Message) Key() string { return m.Edition.RecipientKey(m.Subscriber.Email) }

// Sent returns the record that says this message was delivered at the
// given time, for SentLog stores (MarkSent).
func (m *Message) Sent(at time.Time) Sent {
	return Sent{Edition: m.Edition.ID(), Email: m.Subscriber.Email, Until: m.Until, At: at}
}

// Recheck asks the store, just before the message is sent, whether the
// subscriber still receives it: a message built earlier does not see an
// unsubscribe, a bounce, a complaint, a pause or a removal that happened
// since. It returns nil when the subscriber receives an edition at the
// message's Date (Subscriber.Withheld), a *SkipError (SkipUnsubscribed,
// SkipBounced, SkipComplained, SkipPending, SkipPaused or SkipRemoved)
// when the message must not be sent, and other errors as the store gives
// them. It reads the whole record (one primary-key lookup in the SQL
// stores), since a pause is not in the status.
func (m *Message) Recheck(ctx context.Context, store SubscriberStore) error {
	sub, err := store.Subscriber(ctx, m.Subscriber.Email)
	skip := func(r SkipReason) error { return &SkipError{Edition: m.Edition, Email: m.Subscriber.Email, Reason: r} }
	switch {
	case errors.Is(err, ErrUnknownSubscriber):
		return skip(SkipRemoved)
	case err != nil:
		return err
	}
	if r := sub.Withheld(m.Date); r != 0 {
		return skip(r)
	}
	return nil
}

// Boundary returns the MIME boundary Msg uses: derived from MessageID, so
// the same message always has the same bytes. It is made of characters
// that base64 never produces ('-'), so it cannot occur in a body part.
func (m *Message) Boundary() string { return boundaryOf(m.MessageID) }

func boundaryOf(messageID string) string {
	sum := sha256.Sum256([]byte("boundary\x00" + messageID))
	return "khabar-" + hex.EncodeToString(sum[:12])
}

// Msg builds the go-mail message: the envelope sender (ReturnPath, when
// set), From, To (with the subscriber's name),
// Subject, Date, Message-ID, List-Id, List-Unsubscribe and
// List-Unsubscribe-Post (RFC 8058), Precedence: bulk, Content-Language,
// and a multipart/alternative body of the text and HTML parts, both
// base64-encoded UTF-8. The result is a fresh *mail.Msg each time, which
// reads HTML and Text when it is written (change neither meanwhile): a
// deliverer writes it out, signs those bytes (deliver.DKIM, not go-mail's
// Msg.SetDKIM, whose folding breaks long signatures) and sends them.
func (m *Message) Msg() (*gomail.Msg, error) {
	msg, err := newMsg(m.Boundary(), m.From, mail.Address{Name: m.Subscriber.Name, Address: m.Subscriber.Email}, m.Subject, m.Date, m.MessageID)
	if err != nil {
		return nil, fmt.Errorf("digest: message %s: %w", m.MessageID, err)
	}
	if m.ReturnPath != "" {
		if err := msg.EnvelopeFrom(m.ReturnPath); err != nil {
			return nil, fmt.Errorf("digest: message %s: return path %q: %w", m.MessageID, m.ReturnPath, err)
		}
	}
	// go-mail writes "preformatted" headers (SetGenHeaderPreformatted,
	// SetListUnsubscribeOneClick) in map order, which changes from run to
	// run; these values are ASCII, so the generic headers, written sorted
	// and folded at spaces, carry them unchanged and keep the bytes stable.
	if m.ListID != "" {
		msg.SetGenHeader(gomail.Header("List-Id"), "<"+m.ListID+">")
	}
	unsub, err := m.listUnsubscribe()
	if err != nil {
		return nil, err
	}
	msg.SetGenHeader(gomail.HeaderListUnsubscribe, unsub)
	msg.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	msg.SetBulk()
	setBodies(msg, m.Language, m.Text, m.HTML)
	return msg, nil
}

// listUnsubscribe returns the List-Unsubscribe field's value, or an
// error when UnsubscribeURL is not a one-click URL.
func (m *Message) listUnsubscribe() (string, error) {
	if u, err := url.Parse(m.UnsubscribeURL); err != nil || !oneClickURL(u) {
		return "", fmt.Errorf("digest: message %s: unsubscribe URL %q: %w", m.MessageID, m.UnsubscribeURL, gomail.ErrNoHTTPSUnsubURL)
	}
	// go-mail folds generic fields at spaces to 76 columns, and the only
	// space here is the one after the comma (a URL has none, RFC 3986):
	// the field is folded between the two items, never inside a URL, and
	// a URL too long for a line stays whole on its own line (RFC 5322's
	// limit is 998).
	unsub := "<" + m.UnsubscribeURL + ">"
	if m.UnsubscribeMailto != "" {
		unsub += ", <" + m.UnsubscribeMailto + ">"
	}
	return unsub, nil
}

// oneClickURL reports whether u may be a List-Unsubscribe one-click URL:
// https (RFC 8058), or http on a loopback host, so that a site run on a
// developer's machine (examples/site) gets working links.
func oneClickURL(u *url.URL) bool {
	if u.Host == "" {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	if u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.IsLoopback()
}

// newMsg starts a message the way every message of the package starts:
// From, To (with the recipient's name), Subject, Date and Message-ID,
// base64 UTF-8 parts under the given boundary.
func newMsg(boundary string, from, to mail.Address, subject string, date time.Time, id string) (*gomail.Msg, error) {
	msg := gomail.NewMsg(
		gomail.WithEncoding(gomail.EncodingB64),
		gomail.WithCharset(gomail.CharsetUTF8),
		gomail.WithBoundary(boundary),
		gomail.WithNoDefaultUserAgent(),
	)
	// The From address with its domain in punycode, as the To one below
	// (the Builder's is already).
	fa, err := asciiDomain(from.Address)
	if err != nil {
		return nil, fmt.Errorf("sender address %q: %w", from.Address, err)
	}
	from.Address = fa
	msg.FromMailAddress(&from)
	// net/mail (which go-mail uses for address headers) Q-encodes a
	// display name in 75-character words split between code points: a
	// Hindi name of more than seven letters breaks inside a letter, and
	// Python's email package (policy.default) then shows a space inside
	// the name. The To field is written here instead, in B-encoded words
	// that hold a name of up to 15 Devanagari letters whole and otherwise
	// break after a space; the envelope recipient is kept as Bcc, which
	// go-mail never writes out, so GetRecipients still names exactly the
	// recipient.
	//
	// The address goes out with its domain in punycode; a non-ASCII local
	// part stays UTF-8 (RFC 6532), for servers that offer SMTPUTF8.
	addr, toField, err := recipient(to)
	if err != nil {
		return nil, err
	}
	msg.BccMailAddress(&mail.Address{Address: addr})
	if NeedsSMTPUTF8(addr) {
		// go-mail would encode the UTF-8 address into encoded words; the
		// name in toField is encoded already.
		msg.SetGenHeaderPreformatted(gomail.Header("To"), toField)
	} else {
		msg.SetGenHeader(gomail.Header("To"), toField)
	}
	msg.SetGenHeader(gomail.HeaderSubject, encodeSubject(subject))
	msg.SetDateWithValue(date)
	msg.SetMessageIDWithValue(id)
	return msg, nil
}

// recipient returns the address a message to goes to (its domain in
// punycode) and the value of its To field.
func recipient(to mail.Address) (addr, field string, err error) {
	// The Builder refuses such an address (checkEmail); a Message made by
	// hand could otherwise carry a line break into the preformatted To
	// field of an SMTPUTF8 address.
	if i := strings.IndexFunc(to.Address, func(r rune) bool { return r < 0x20 || r == 0x7f }); i >= 0 {
		return "", "", fmt.Errorf("address %q: control character at byte %d", to.Address, i)
	}
	addr, err = asciiDomain(to.Address)
	if err != nil {
		return "", "", fmt.Errorf("address %q: %w", to.Address, err)
	}
	return addr, formatAddress(mail.Address{Name: oneLine(to.Name), Address: addr}), nil
}

// setBodies adds Content-Language and the text and HTML alternatives.
// go-mail reads text and html when it writes the message (each in one
// Write, as its SetBodyString does), without copying them first.
func setBodies(msg *gomail.Msg, lang string, text, html []byte) {
	if lang != "" {
		msg.SetGenHeader(gomail.HeaderContentLang, lang)
	}
	msg.SetBodyWriter(gomail.TypeTextPlain, bodyWriter(text))
	msg.AddAlternativeWriter(gomail.TypeTextHTML, bodyWriter(html))
}

// bodyWriter returns a go-mail body function that writes b.
func bodyWriter(b []byte) func(io.Writer) (int64, error) {
	return func(w io.Writer) (int64, error) {
		n, err := w.Write(b)
		return int64(n), err
	}
}

// WriteTo writes the message as an RFC 5322 .eml file: what Msg produces,
// without DKIM.
func (m *Message) WriteTo(w io.Writer) (int64, error) { return m.writeRaw(w) }

// formatAddress writes an address for a header: the name as net/mail
// quotes it when it is printable ASCII, else as RFC 2047 B words of at
// most 45 bytes of UTF-8 (75 characters), each ending after a space
// when one is near, never inside a grapheme cluster.
func formatAddress(a mail.Address) string {
	if !printableASCII(a.Address) {
		// net/mail would write the whole address as one encoded word,
		// which no parser reads back as an address: write the name as
		// for an ASCII address, then the address as it is (RFC 6532).
		const stand = "x@x.invalid"
		s := formatAddress(mail.Address{Name: a.Name, Address: stand})
		return strings.TrimSuffix(s, "<"+stand+">") + "<" + a.Address + ">"
	}
	if len(a.Name) > maxNameBytes && printableASCII(a.Name) {
		// No one's name; quoted on one line it could pass RFC 5322's 998
		// octets (an encoded name is folded between its words).
		a.Name = ""
	}
	if a.Name == "" || printableASCII(a.Name) {
		return a.String()
	}
	return strings.Join(encodeWords(a.Name, 45, true), " ") + " <" + a.Address + ">"
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// encodeSubject returns s as RFC 2047 encoded-words of at most 36 bytes of
// UTF-8 each (60 characters), split between grapheme clusters, or s itself
// when it is printable ASCII.
//
// go-mail folds a header before its first word when that word is longer
// than what fits on the first line, leaving "Subject:" alone on a line;
// after unfolding, the subject then starts with a space (Python's email
// package shows it). Its own encoder writes 75-character words, which
// always fold there. Short words keep the first one on the Subject line;
// go-mail leaves the already-encoded ASCII value alone and folds between
// the words.
func encodeSubject(s string) string {
	if printableASCII(s) && !strings.Contains(s, "=?") {
		// A subject holding "=?" is encoded too: written as it is, a title
		// shaped like an encoded-word would be shown decoded, as text the
		// story does not hold.
		return s
	}
	return strings.Join(encodeWords(s, 36, false), " ")
}

// encodeWords splits s into RFC 2047 B encoded-words of at most maxBytes
// bytes of UTF-8 each, between grapheme clusters. With atSpace, a word
// that would overflow ends after the last space in it, when there is one
// in its second half: in a display name, decoders that wrongly keep the
// white space between encoded-words then show it between two words of
// the name, not inside one.
func encodeWords(s string, maxBytes int, atSpace bool) []string {
	var words []string
	var chunk []byte
	flush := func(n int) {
		if n > 0 {
			words = append(words, "=?UTF-8?b?"+base64.StdEncoding.EncodeToString(chunk[:n])+"?=")
			chunk = append(chunk[:0], chunk[n:]...)
		}
	}
	for c := range khabar.Graphemes(s) {
		if len(chunk)+len(c) > maxBytes {
			n := len(chunk)
			if atSpace {
				if i := bytes.LastIndexByte(chunk, ' '); i >= len(chunk)/2 {
					n = i + 1
				}
			}
			flush(n)
		}
		if len(chunk)+len(c) > maxBytes {
			flush(len(chunk))
		}
		for len(c) > maxBytes { // a cluster longer than a word: split between runes
			n := 0
			for _, r := range c {
				if n+utf8.RuneLen(r) > maxBytes {
					break
				}
				n += utf8.RuneLen(r)
			}
			chunk = append(chunk, c[:n]...)
			flush(len(chunk))
			c = c[n:]
		}
		chunk = append(chunk, c...)
	}
	flush(len(chunk))
	return words
}
