package upstream

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultUserAgent is the User-Agent a Fetcher sends when none is set.
const DefaultUserAgent = "khabar-upstream/1.0 (+https://github.com/khabar/khabar)"

// Defaults of the Fetcher fields whose zero value means "default".
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultTimeout        = 30 * time.Second
	DefaultMaxBodyBytes   = 15 << 20
	DefaultMaxRedirects   = 5
	DefaultInterval       = 30 * time.Minute
	DefaultMinInterval    = 5 * time.Minute
	DefaultMaxInterval    = 24 * time.Hour
	DefaultMaxBackoff     = 12 * time.Hour
)

// Fetcher downloads feeds over HTTP(S) the way a well-behaved aggregator
// should, and schedules when to come back. The zero value is ready to use
// with the defaults named in each field's comment; set fields before the
// first Fetch. A Fetcher is safe for concurrent use.
type Fetcher struct {
	// UserAgent is sent with every request; "" means DefaultUserAgent.
	UserAgent string
	// ConnectTimeout bounds connecting (TCP and TLS); 0 means 10 s.
	ConnectTimeout time.Duration
	// Timeout bounds a whole fetch, body included; 0 means 30 s.
	Timeout time.Duration
	// MaxBodyBytes bounds the body after decompression; 0 means 15 MiB.
	// A larger body fails with *TooLargeError.
	MaxBodyBytes int64
	// MaxRedirects is how many redirects are followed; 0 means 5, a
	// negative value none.
	MaxRedirects int
	// AllowPrivate turns the SSRF guard off: loopback, private, link-local
	// and other non-public addresses may then be fetched.
	AllowPrivate bool
	// AllowNets lists networks the SSRF guard lets through even though
	// they are not public (an intranet feed server, say). Nil means none.
	AllowNets []netip.Prefix
	// Resolver looks up host names for connections; nil means
	// net.DefaultResolver. The SSRF guard judges the address each
	// connection is about to be made to, after resolution, so a resolver
	// that answers with a forbidden address (DNS rebinding) is refused
	// all the same.
	Resolver *net.Resolver

	// DefaultInterval is the time between polls when the feed and server
	// give no hint; 0 means 30 min. MinInterval and MaxInterval (0: 5 min
	// and 24 h) clamp every interval, hints included; MaxBackoff (0: 12 h)
	// caps the backoff after errors (a Retry-After may be longer).
	DefaultInterval time.Duration
	MinInterval     time.Duration
	MaxInterval     time.Duration
	MaxBackoff      time.Duration

	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand returns a number in [0, 1) for backoff jitter; nil means
	// math/rand/v2.
	Rand func() float64

	once   sync.Once
	client *http.Client
}

// Result is the outcome of one successful fetch (200 or 304).
type Result struct {
	// URL is the address the body came from, after redirects.
	URL string
	// StatusCode is 200 or 304.
	StatusCode int
	// NotModified is true for a 304: Body is empty and the feed unchanged.
	NotModified bool
	// Body is the response body, decompressed.
	Body []byte
	// ContentType is the Content-Type header (charset included).
	ContentType string
	// ContentLocation and ContentLanguage are the Content-Location and
	// Content-Language headers, "" when not sent: ParseResult takes the
	// first as the document's base and the second as its language when
	// the document says neither.
	ContentLocation string
	ContentLanguage string
	// ETag and LastModified are the validators the server sent; one
	// longer than 1 KiB is left out (it would be kept in State and sent
	// back with every request).
	ETag         string
	LastModified string
	// Fresh is how long the server says the response stays fresh: its
	// freshness lifetime (Cache-Control max-age, else Expires) less its
	// current age (RFC 9111 section 4.2.3: the Age header a cache in
	// front of the feed sent, or the time since its Date, whichever is
	// longer). Zero when it says nothing, or the response came stale.
	Fresh time.Duration
}

// State is what a poller keeps per feed between polls.
type State struct {
	// URL is the feed's address.
	URL string `json:"url"`
	// ETag and LastModified are the validators of the last 200 response.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// NextPoll is when the feed is due again.
	NextPoll time.Time `json:"next_poll,omitzero"`
	// LastPoll is when it was last polled; LastSuccess when a poll last
	// succeeded.
	LastPoll    time.Time `json:"last_poll,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	// LastError is the last poll's error, "" after a success.
	LastError string `json:"last_error,omitempty"`
	// Failures counts consecutive failed polls.
	Failures int `json:"failures,omitempty"`
	// FeedInterval is the polling interval the document itself asked for
	// (RSS ttl, sy:updatePeriod) when it was last read in full; it keeps
	// applying while the server answers 304.
	FeedInterval time.Duration `json:"feed_interval,omitempty"`
}

func (f *Fetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func orDur(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (f *Fetcher) maxBody() int64 {
	if f.MaxBodyBytes > 0 {
		return f.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

func (f *Fetcher) maxRedirects() int {
	switch {
	case f.MaxRedirects < 0:
		return 0
	case f.MaxRedirects == 0:
		return DefaultMaxRedirects
	}
	return f.MaxRedirects
}

func (f *Fetcher) init() {
	connect := orDur(f.ConnectTimeout, DefaultConnectTimeout)
	d := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second, Resolver: f.Resolver}
	if !f.AllowPrivate {
		nets := slices.Clone(f.AllowNets)
		d.Control = func(network, address string, c syscall.RawConn) error {
			return guardControl(nets, address)
		}
	}
	tr := &http.Transport{
		// No proxy from the environment: a proxy would dial for us and
		// defeat the address check.
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   connect,
		ResponseHeaderTimeout: orDur(f.Timeout, DefaultTimeout),
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
		// A feed's response needs a few headers; the default allows 10 MB.
		MaxResponseHeaderBytes: maxHeaderBytes,
	}
	max := f.maxRedirects()
	f.client = &http.Client{
		Transport: tr,
		Timeout:   orDur(f.Timeout, DefaultTimeout),
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > max {
				return fmt.Errorf("%w (more than %d)", ErrTooManyRedirects, max)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("upstream: redirect to unsupported scheme %q", req.URL.Scheme)
			}
			return nil
		},
	}
}

// Fetch GETs feedURL, conditionally when st (which may be nil) holds
// validators from an earlier response. A 304 gives a Result with
// NotModified set; any status other than 200 and 304 an *HTTPError.
// The body is decompressed (Content-Encoding gzip, and a body that is
// itself a gzip file) and refused with a *TooLargeError past
// MaxBodyBytes. Fetch does not change st: pass the outcome to Update.
func (f *Fetcher) Fetch(ctx context.Context, feedURL string, st *State) (*Result, error) {
	f.once.Do(f.init)
	u, err := url.Parse(feedURL)
	if err != nil {
		return nil, fmt.Errorf("upstream: bad feed URL %q: %w", feedURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("upstream: feed URL %q: scheme must be http or https", feedURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, feedURL, nil)
	if err != nil {
		return nil, fmt.Errorf("upstream: %w", err)
	}
	ua := f.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5")
	if st != nil {
		if st.ETag != "" {
			req.Header.Set("If-None-Match", st.ETag)
		}
		if st.LastModified != "" {
			req.Header.Set("If-Modified-Since", st.LastModified)
		}
	}
	requested := f.now()
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("upstream: fetch %s: %w", feedURL, err)
	}
	defer resp.Body.Close()
	res := &Result{
		URL:             resp.Request.URL.String(),
		StatusCode:      resp.StatusCode,
		ContentType:     resp.Header.Get("Content-Type"),
		ContentLocation: resp.Header.Get("Content-Location"),
		ContentLanguage: resp.Header.Get("Content-Language"),
		ETag:            validator(resp.Header.Get("ETag")),
		LastModified:    validator(resp.Header.Get("Last-Modified")),
	}
	now := f.now()
	if lifetime := freshness(resp.Header, now); lifetime > 0 {
		res.Fresh = max(lifetime-currentAge(resp.Header, requested, now), 0)
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		res.NotModified = true
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return res, nil
	case resp.StatusCode != http.StatusOK:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, &HTTPError{
			URL:        feedURL,
			StatusCode: resp.StatusCode,
			Status:     resp.Status,
			RetryAfter: retryAfter(resp.Header.Get("Retry-After"), now),
		}
	}
	limit := f.maxBody()
	if resp.ContentLength > limit {
		return nil, &TooLargeError{URL: feedURL, Limit: limit}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("upstream: read %s: %w", feedURL, err)
	}
	if int64(len(body)) > limit {
		return nil, &TooLargeError{URL: feedURL, Limit: limit}
	}
	if len(body) > 2 && body[0] == 0x1f && body[1] == 0x8b && body[2] == 8 {
		// A gzip file served as is (a pre-compressed feed.xml.gz without
		// Content-Encoding, or compressed twice): no feed starts with
		// these bytes, so unpack it, within the same limit.
		if body, err = gunzip(body, limit); err != nil {
			if errors.Is(err, ErrBodyTooLarge) {
				return nil, &TooLargeError{URL: feedURL, Limit: limit}
			}
			return nil, fmt.Errorf("upstream: read %s: gzip body: %w", feedURL, err)
		}
	}
	res.Body = body
	return res, nil
}

// retryAfter reads a Retry-After value: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(math.MaxInt64/int64(time.Second)))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// freshness reads Cache-Control max-age, else Expires (relative to the
// response's Date, else now).
func freshness(h http.Header, now time.Time) time.Duration {
	for _, cc := range h.Values("Cache-Control") {
		for _, d := range strings.Split(cc, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(name) {
			case "no-cache", "no-store":
				return 0
			case "max-age":
				n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
				if err == nil && n > 0 {
					return time.Duration(min(n, int64(365*24*3600))) * time.Second
				}
				return 0
			}
		}
	}
	if e := h.Get("Expires"); e != "" {
		exp, err := http.ParseTime(e)
		if err != nil {
			return 0
		}
		ref := now
		if d, err := http.ParseTime(h.Get("Date")); err == nil {
			ref = d
		}
		if exp.After(ref) {
			return exp.Sub(ref)
		}
	}
	return 0
}

// currentAge is a response's current age as RFC 9111 section 4.2.3
// computes it when the response has just been received (no resident
// time): the longer of its apparent age (received minus Date, never
// below zero) and its Age header plus the time the request took. Age and
// Date count whole seconds, so the age is truncated to the second.
func currentAge(h http.Header, requested, received time.Time) time.Duration {
	var age time.Duration
	if d, err := http.ParseTime(h.Get("Date")); err == nil && received.After(d) {
		age = received.Sub(d)
	}
	if v := strings.TrimSpace(h.Get("Age")); v != "" {
		// delta-seconds (RFC 9111 section 1.2.2): digits only; past
		// 2^31 it is read as 2^31.
		if n, err := strconv.ParseUint(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
			n = min(n, 1<<31)
			delay := max(received.Sub(requested), 0)
			age = max(age, time.Duration(n)*time.Second+delay)
		}
	}
	return age.Truncate(time.Second)
}

// Update records in st the outcome of a poll — the Result and the parsed
// Feed of a successful one (feed may be nil, for a 304 or an unparseable
// body), or its error — and sets st.NextPoll.
//
// After a success the interval is the longest of the server's freshness
// (Cache-Control, Expires), the RSS ttl and the sy:updatePeriod (kept in
// st.FeedInterval, so that they still apply after a 304), or
// DefaultInterval when there is none, clamped to [MinInterval,
// MaxInterval]. After an error it is an exponential backoff with jitter
// from MinInterval up to MaxBackoff, and never shorter than a Retry-After.
func (f *Fetcher) Update(st *State, res *Result, feed *Feed, err error) {
	now := f.now()
	st.LastPoll = now
	minI := orDur(f.MinInterval, DefaultMinInterval)
	maxI := max(orDur(f.MaxInterval, DefaultMaxInterval), minI)
	if err != nil {
		st.Failures++
		st.LastError = err.Error()
		st.NextPoll = now.Add(f.backoff(st.Failures, err))
		return
	}
	st.Failures = 0
	st.LastError = ""
	st.LastSuccess = now
	if res != nil && !res.NotModified {
		st.ETag, st.LastModified = res.ETag, res.LastModified
	} else if res != nil && res.NotModified {
		if res.ETag != "" {
			st.ETag = res.ETag
		}
		if res.LastModified != "" {
			st.LastModified = res.LastModified
		}
	}
	interval := time.Duration(0)
	if res != nil {
		interval = max(interval, res.Fresh)
	}
	if feed != nil {
		st.FeedInterval = max(feed.TTL, feed.UpdatePeriod)
	}
	if feed != nil || (res != nil && res.NotModified) {
		interval = max(interval, st.FeedInterval)
	}
	if interval == 0 {
		interval = orDur(f.DefaultInterval, DefaultInterval)
	}
	st.NextPoll = now.Add(min(max(interval, minI), maxI))
}

// backoff returns the wait after the n-th consecutive failure: MinInterval
// doubled n-1 times, capped at MaxBackoff, with "equal jitter" (between
// half and all of it), and at least the server's Retry-After.
func (f *Fetcher) backoff(n int, err error) time.Duration {
	base := orDur(f.MinInterval, DefaultMinInterval)
	ceiling := max(orDur(f.MaxBackoff, DefaultMaxBackoff), base)
	d := ceiling
	if n-1 < 40 {
		d = min(base<<(n-1), ceiling)
		if d <= 0 {
			d = ceiling
		}
	}
	r := rand.Float64
	if f.Rand != nil {
		r = f.Rand
	}
	d = d/2 + time.Duration(r()*float64(d/2))
	var he *HTTPError
	if errors.As(err, &he) && he.RetryAfter > d {
		d = min(he.RetryAfter, 7*24*time.Hour)
	}
	return d
}

// gunzip decompresses a gzip body of at most limit bytes once unpacked.
func gunzip(data []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > limit {
		return nil, ErrBodyTooLarge
	}
	return out, nil
}

// maxHeaderBytes bounds a response's header (Transport.MaxResponseHeaderBytes).
const maxHeaderBytes = 64 << 10

// validator returns v, or "" when it is longer than a validator needs to
// be (ETags are quoted hashes or versions, Last-Modified a date).
func validator(v string) string {
	if len(v) > 1<<10 {
		return ""
	}
	return v
}
