package upstream

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors. Reach them with errors.Is; the error types below wrap
// them where there is more to say.
var (
	// ErrTruncated means the document ended before it was complete; the
	// items read before the cut are still returned.
	ErrTruncated = errors.New("upstream: document is truncated")
	// ErrMalformed means part of the document is not well-formed XML or
	// JSON; items outside the broken part are still returned.
	ErrMalformed = errors.New("upstream: document is malformed")
	// ErrUnknownFormat means the document is not RSS, Atom or JSON Feed.
	ErrUnknownFormat = errors.New("upstream: not an RSS, Atom or JSON feed")
	// ErrMissingDate means an item has neither a publication nor an update
	// date. The article is returned with a zero Published time: khabar
	// never invents a date.
	ErrMissingDate = errors.New("upstream: item has no date")
	// ErrBadDate means an item's date could not be parsed.
	ErrBadDate = errors.New("upstream: unparseable date")
	// ErrUnknownZone means an item's date names a time zone this package
	// does not know; it is wrapped by *ZoneError. The date is not guessed.
	ErrUnknownZone = errors.New("upstream: unknown time zone")
	// ErrMissingTitle means an item has no title and no text to make one of.
	ErrMissingTitle = errors.New("upstream: item has no title")
	// ErrMissingLink means an item has no usable absolute http(s) link.
	ErrMissingLink = errors.New("upstream: item has no link")
	// ErrDuplicateItem means an item repeats an earlier item of the same
	// document (same dedupe key); only the first is returned.
	ErrDuplicateItem = errors.New("upstream: item repeats an earlier item")
	// ErrDuplicateGUID means items with different links share a GUID in
	// one document (some CMSs give every item the same guid); such items
	// are keyed by GUID and link, so none of them is lost.
	ErrDuplicateGUID = errors.New("upstream: guid shared by items with different links")
	// ErrTooManyRedirects is returned when a fetch is redirected more than
	// MaxRedirects times.
	ErrTooManyRedirects = errors.New("upstream: too many redirects")
	// ErrForbiddenAddress is wrapped by *AddressError.
	ErrForbiddenAddress = errors.New("upstream: address not allowed")
	// ErrBodyTooLarge is wrapped by *TooLargeError.
	ErrBodyTooLarge = errors.New("upstream: response body too large")
	// ErrBadOPML means an OPML document could not be read.
	ErrBadOPML = errors.New("upstream: bad OPML")
	// ErrNoCatalog is reported by a Poller whose Catalog is nil.
	ErrNoCatalog = errors.New("upstream: Poller.Catalog is nil")
	// ErrUnknownFeed is returned by Store.Load for a feed it has no state for.
	ErrUnknownFeed = errors.New("upstream: unknown feed")
)

// ItemError is a problem with one item of a feed. The item's other fields
// and the feed's other items are not affected.
type ItemError struct {
	// FeedURL is the address of the feed.
	FeedURL string
	// Index is the item's position in the document, from 0.
	Index int
	// GUID is the item's id in the feed, when it has one.
	GUID string
	// Field names the article field concerned ("published", "url",
	// "title", "xml", …).
	Field string
	// Err is the cause, often one of the sentinels above.
	Err error
}

// Error describes the problem.
func (e *ItemError) Error() string {
	var b strings.Builder
	b.WriteString("upstream: ")
	b.WriteString(e.FeedURL)
	b.WriteString(": item ")
	b.WriteString(strconv.Itoa(e.Index))
	if e.GUID != "" {
		b.WriteString(" (")
		b.WriteString(strconv.Quote(e.GUID))
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(e.Field)
	b.WriteString(": ")
	b.WriteString(strings.TrimPrefix(e.Err.Error(), "upstream: "))
	return b.String()
}

// Unwrap returns the cause.
func (e *ItemError) Unwrap() error { return e.Err }

// DateError is an unparseable date string; it wraps ErrBadDate.
type DateError struct {
	// Raw is the date as the feed wrote it; of a date longer than
	// MaxDateBytes, which is not read, its first MaxDateBytes bytes (white
	// space around it trimmed).
	Raw string
	// Len is the length in bytes of a date longer than MaxDateBytes, zero
	// for a date that was read and not understood.
	Len int
}

// Error describes the problem.
func (e *DateError) Error() string {
	if e.Len > 0 {
		return fmt.Sprintf("upstream: date of %d bytes, over MaxDateBytes (%d), not read: %q...", e.Len, MaxDateBytes, e.Raw)
	}
	return fmt.Sprintf("upstream: unparseable date %q", e.Raw)
}

// Unwrap returns ErrBadDate.
func (e *DateError) Unwrap() error { return ErrBadDate }

// ZoneError is a date whose time zone is unknown ("Tue, 24 Nov 2026
// 10:00:00 XYZ"): reading it in UTC, as Go's time package would, could put
// the article hours off. It wraps ErrUnknownZone and ErrBadDate.
type ZoneError struct {
	// Raw is the date as the feed wrote it; Zone is the zone's name in it.
	Raw, Zone string
}

// Error describes the problem.
func (e *ZoneError) Error() string {
	return fmt.Sprintf("upstream: unknown time zone %q in date %q", e.Zone, e.Raw)
}

// Unwrap returns ErrUnknownZone and ErrBadDate.
func (e *ZoneError) Unwrap() []error { return []error{ErrUnknownZone, ErrBadDate} }

// ParseError reports what went wrong reading one feed document. The Feed
// returned alongside it still holds everything that could be read.
type ParseError struct {
	// FeedURL is the address of the feed.
	FeedURL string
	// Err is a document-level problem (ErrTruncated, ErrMalformed,
	// ErrUnknownFormat, a *LimitError for MaxItems, …; more than one
	// are wrapped together) or nil when only items had problems.
	Err error
	// Items lists the problems of single items, in document order, at
	// most Parser.MaxItemErrors of them.
	Items []*ItemError
	// Omitted counts the item problems found beyond those listed.
	Omitted int

	max int // how many Items may hold; see addItem
}

// Error describes the problem.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("upstream: ")
	b.WriteString(e.FeedURL)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "upstream: "))
	}
	if n := len(e.Items) + e.Omitted; n > 0 && len(e.Items) > 0 {
		fmt.Fprintf(&b, " (%d item problem", n)
		if n > 1 {
			b.WriteString("s")
		}
		b.WriteString(", first: ")
		b.WriteString(strings.TrimPrefix(e.Items[0].Error(), "upstream: "+e.FeedURL+": "))
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the document-level error and every item error, so that
// errors.Is(err, ErrTruncated) and errors.As(err, &itemErr) both work.
func (e *ParseError) Unwrap() []error {
	errs := make([]error, 0, len(e.Items)+1)
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	for _, ie := range e.Items {
		errs = append(errs, ie)
	}
	return errs
}

// AddressError is returned when the SSRF guard refuses to connect to an
// address; it wraps ErrForbiddenAddress.
type AddressError struct {
	// Addr is the address that was about to be dialed.
	Addr netip.Addr
	// Reason says what kind of address it is ("loopback", "private", …).
	Reason string
}

// Error describes the problem.
func (e *AddressError) Error() string {
	return fmt.Sprintf("upstream: refusing to connect to %s (%s address); set AllowPrivate to allow it", e.Addr, e.Reason)
}

// Unwrap returns ErrForbiddenAddress.
func (e *AddressError) Unwrap() error { return ErrForbiddenAddress }

// TooLargeError is returned when a response body, after decompression,
// exceeds the fetcher's limit. Nothing of the body is parsed: a silently
// truncated feed would look complete. It wraps ErrBodyTooLarge.
type TooLargeError struct {
	// URL is the address fetched.
	URL string
	// Limit is the limit in bytes.
	Limit int64
}

// Error describes the problem.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("upstream: %s: response body exceeds the limit of %d bytes", e.URL, e.Limit)
}

// Unwrap returns ErrBodyTooLarge.
func (e *TooLargeError) Unwrap() error { return ErrBodyTooLarge }

// HTTPError is a response with a status other than 200 or 304.
type HTTPError struct {
	// URL is the address fetched.
	URL string
	// StatusCode and Status are the response's.
	StatusCode int
	Status     string
	// RetryAfter is the server's Retry-After, when it sent one (429, 503).
	RetryAfter time.Duration
}

// Error describes the problem.
func (e *HTTPError) Error() string {
	s := fmt.Sprintf("upstream: %s: http status %s", e.URL, e.Status)
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// Temporary reports whether trying again later may succeed: 408, 425,
// 429 and 5xx.
func (e *HTTPError) Temporary() bool {
	return e.StatusCode == 408 || e.StatusCode == 425 || e.StatusCode == 429 || e.StatusCode >= 500
}
