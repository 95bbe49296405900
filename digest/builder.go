package digest

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Kolkata and subscribers' zones work without a system zone database

	"github.com/khabar/khabar"
)

// ErrSkipped is wrapped by every *SkipError.
var ErrSkipped = errors.New("digest: skipped")

// ErrZeroBuilder is returned by the methods of a Builder that was not made
// by NewBuilder.
var ErrZeroBuilder = errors.New("digest: zero Builder: make one with NewBuilder")

// SkipReason says why a subscriber gets no message.
type SkipReason int

// The reasons.
const (
	// SkipUnsubscribed: the subscriber unsubscribed.
	SkipUnsubscribed SkipReason = iota + 1
	// SkipBounced: mail to the address bounced.
	SkipBounced
	// SkipNoStories: nothing new in the window.
	SkipNoStories
	// SkipAlreadySent: the subscriber's last sent edition already covers
	// this one's window.
	SkipAlreadySent
	// SkipRemoved: the subscriber was removed from the store after the
	// message was built (Message.Recheck).
	SkipRemoved
	// SkipNoStoryInLanguage: there are new stories, none in the
	// subscriber's language, and Ranking.Languages is LanguageOnly.
	SkipNoStoryInLanguage
	// SkipPaused: the subscriber paused the digest until after the
	// edition (Subscriber.PausedUntil).
	SkipPaused
	// SkipPending: the subscriber has not confirmed their signup.
	SkipPending
	// SkipComplained: the subscriber reported a digest as spam.
	SkipComplained
)

// String returns "unsubscribed", "bounced", "no new story", "already
// sent", "removed", "no new story in their language", "paused",
// "pending" or "complained".
func (r SkipReason) String() string {
	switch r {
	case SkipUnsubscribed:
		return "unsubscribed"
	case SkipBounced:
		return "bounced"
	case SkipNoStories:
		return "no new story"
	case SkipAlreadySent:
		return "already sent"
	case SkipRemoved:
		return "removed"
	case SkipNoStoryInLanguage:
		return "no new story in their language"
	case SkipPaused:
		return "paused"
	case SkipPending:
		return "pending"
	case SkipComplained:
		return "complained"
	}
	return fmt.Sprintf("SkipReason(%d)", int(r))
}

// SkipError says that a subscriber gets no message for an edition, and
// why. It is not a failure: Each reports it and goes on.
type SkipError struct {
	Edition Edition    // the edition built
	Email   string     // the subscriber's address ("" for the web version)
	Reason  SkipReason // why there is no message
}

// Error says whose message was skipped and why.
func (e *SkipError) Error() string {
	return fmt.Sprintf("digest: %s for %s skipped: %s", e.Edition.ID(), e.Email, e.Reason)
}

// Unwrap returns ErrSkipped.
func (e *SkipError) Unwrap() error { return ErrSkipped }

// BuildError is a failure to compose one subscriber's message (a bad time
// zone, a template that fails); Each reports it and goes on with the next
// subscriber.
type BuildError struct {
	Edition Edition // the edition built
	Email   string  // the subscriber's address
	Err     error   // what went wrong
}

// Error says whose message failed and why.
func (e *BuildError) Error() string {
	return fmt.Sprintf("digest: build %s for %s: %v", e.Edition.ID(), e.Email, e.Err)
}

// Unwrap returns the cause.
func (e *BuildError) Unwrap() error { return e.Err }

// Publisher is who sends the digest; its name and postal address are in
// every message's footer (anti-spam law asks for both).
type Publisher struct {
	// Name is the publication's name ("ख़बर").
	Name string
	// Address is the postal address, one line or several.
	Address string
	// URL is the site's home page.
	URL string
	// InLanguage gives the name and address (and URL, if it differs) as
	// written in other languages, by base language ("ur"), for the
	// digests in that language: an Urdu digest's footer in Urdu. Empty
	// fields of an entry fall back to the ones above.
	InLanguage map[string]Publisher
}

// in returns the publisher as written in lang.
func (p Publisher) in(lang string) Publisher {
	l, ok := p.InLanguage[lang]
	if !ok {
		return p
	}
	if l.Name == "" {
		l.Name = p.Name
	}
	if l.Address == "" {
		l.Address = p.Address
	}
	if l.URL == "" {
		l.URL = p.URL
	}
	l.InLanguage = nil
	return l
}

// Config configures a Builder. Zero fields take the defaults in brackets;
// fields without a default are required.
type Config struct {
	// Source supplies the stories (a *khabar.Catalog).
	Source StorySource
	// Subscribers is the store Each walks; Build does not need it.
	Subscribers SubscriberStore
	// Sent says when each subscriber was last sent an edition, so the
	// window starts there; nil means never [the full Window].
	Sent SentLog
	// From is the sender, "Name <addr@domain>"; the domain is used for
	// Message-IDs.
	From string
	// Publisher goes into the footer; Name and Address are required.
	Publisher Publisher
	// UnsubscribeURL is the https address of the unsubscribe handler; the
	// token is added as the query parameter "t".
	UnsubscribeURL string
	// PreferencesURL is the address of the preferences page (package
	// digest/signup's); the digest's footer links to it with a token
	// (PurposePreferences) in the query parameter "t". Empty means no
	// such link.
	PreferencesURL string
	// UnsubscribeMailto is an optional address for List-Unsubscribe's
	// mailto: URI; its subject is "unsubscribe" and the message's signed
	// unsubscribe token, which proves who asks (a From header can be
	// forged): package digest/feedback reads such requests.
	UnsubscribeMailto string
	// ReturnPath, when set, is the base of each message's envelope sender
	// (Message.ReturnPath), "bounces@khabar.example": its local part
	// (lower-case, at most MaxReturnPathPrefix octets) gets '+' and a code
	// signed with Tokens naming the recipient and the edition, so that a
	// bounce maps back even when it quotes neither (see Tokens.ReturnPath
	// and package digest/feedback). Empty means the envelope sender is
	// From's address.
	ReturnPath string
	// BrowserURL is the address the browser handler is mounted at; an
	// edition's web version is BrowserURL + "/" + date + "?lang=" + lang.
	BrowserURL string
	// Tokens signs the unsubscribe links.
	Tokens *Tokens
	// Ranking scores and counts stories.
	Ranking Ranking
	// Templates renders the messages [the embedded ones].
	Templates *Templates
	// Location is the zone of subscribers without one and of the web
	// version [khabar.DefaultLocation, Asia/Kolkata].
	Location *time.Location
	// Language is the language of subscribers without one and of stories
	// without one ["hi"].
	Language string
	// Window is the longest span of stories a digest covers [24h].
	Window time.Duration
	// Cutoff is when an edition's window ends, counted from the start of
	// its date in the subscriber's zone [24h: the end of the day].
	// A scheduler that sends at 07:00 and wants the 24 hours before sets 7h.
	Cutoff time.Duration
	// MaxHTML is the largest HTML body in bytes; longer digests lose their
	// last stories until they fit (Message.Trimmed) [100,000, under
	// Gmail's clipping at about 102 KB].
	MaxHTML int
	// Now is the clock; it sets messages' Date [time.Now].
	Now func() time.Time
}

// Builder composes digests. It is safe for concurrent use; build one with
// NewBuilder and share it.
type Builder struct {
	cfg      Config
	rank     Ranking
	from     mail.Address
	domain   string
	unsub    *url.URL
	prefs    *url.URL
	browser  *url.URL
	mailto   string // "mailto:" and UnsubscribeMailto, as a URI
	tmpl     *Templates
	lang     string
	cache    poolCache
	versions versioned
	pre      preheaderCache
	frames   frameCache
}

// NewBuilder checks cfg and returns a Builder. Every problem is reported at
// once.
func NewBuilder(cfg Config) (*Builder, error) {
	b := &Builder{cfg: cfg, rank: cfg.Ranking.withDefaults()}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if cfg.Source == nil {
		bad("no Source")
	}
	if v, ok := cfg.Source.(versioned); ok {
		b.versions = v
	}
	if a, err := mail.ParseAddress(cfg.From); err != nil {
		bad("From %q: %v", cfg.From, err)
	} else if a.Address, err = asciiDomain(a.Address); err != nil {
		bad("From %q: domain: %v", cfg.From, err)
	} else {
		// The domain in punycode: Message-IDs, List-Id and the From field
		// of a message sent without SMTPUTF8 take no other (RFC 5322
		// 3.6.4, RFC 2919, RFC 6532 3).
		b.from = *a
		b.domain = strings.ToLower(a.Address[strings.LastIndexByte(a.Address, '@')+1:])
	}
	if strings.TrimSpace(cfg.Publisher.Name) == "" || strings.TrimSpace(cfg.Publisher.Address) == "" {
		bad("Publisher needs a Name and a postal Address")
	}
	if u, err := url.Parse(cfg.UnsubscribeURL); err != nil || !oneClickURL(u) {
		bad("UnsubscribeURL %q is not an https URL (RFC 8058 one-click needs one; http is accepted on a loopback host)", cfg.UnsubscribeURL)
	} else {
		b.unsub = u
	}
	if u, err := url.Parse(cfg.BrowserURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		bad("BrowserURL %q is not an http(s) URL", cfg.BrowserURL)
	} else {
		u.Path = strings.TrimSuffix(u.Path, "/")
		u.RawPath = ""
		b.browser = u
	}
	if cfg.PreferencesURL != "" {
		if u, err := url.Parse(cfg.PreferencesURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("PreferencesURL %q is not an http(s) URL", cfg.PreferencesURL)
		} else {
			b.prefs = u
		}
	}
	if cfg.UnsubscribeMailto != "" {
		if a, err := mail.ParseAddress(cfg.UnsubscribeMailto); err != nil {
			bad("UnsubscribeMailto %q: %v", cfg.UnsubscribeMailto, err)
		} else if u, err := mailtoURI(a.Address); err != nil {
			bad("UnsubscribeMailto %q: domain: %v", cfg.UnsubscribeMailto, err)
		} else {
			b.mailto = u
		}
	}
	if cfg.ReturnPath != "" {
		if _, _, err := checkReturnPathBase(cfg.ReturnPath); err != nil {
			bad("ReturnPath: %v", err)
		}
	}
	if cfg.Tokens == nil {
		bad("no Tokens")
	} else if err := cfg.Tokens.Check(); err != nil {
		errs = append(errs, err)
	}
	b.tmpl = cfg.Templates
	if b.tmpl == nil {
		t, err := DefaultTemplates()
		if err != nil {
			errs = append(errs, err)
		}
		b.tmpl = t
	}
	if b.cfg.Location == nil {
		b.cfg.Location = khabar.DefaultLocation()
	}
	b.lang = baseLanguage(cfg.Language)
	if b.lang == "" {
		b.lang = "hi"
	}
	if b.cfg.Window <= 0 {
		b.cfg.Window = 24 * time.Hour
	}
	if b.cfg.Cutoff < 0 {
		bad("negative Cutoff %v", b.cfg.Cutoff)
	}
	if b.cfg.MaxHTML <= 0 {
		b.cfg.MaxHTML = 100_000
	}
	if b.cfg.Now == nil {
		b.cfg.Now = time.Now
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("digest: config: %w", errors.Join(errs...))
	}
	return b, nil
}

// Domain returns the From address's domain, which Message-IDs use.
func (b *Builder) Domain() string { return b.domain }

// Location returns the default time zone.
func (b *Builder) Location() *time.Location { return b.cfg.Location }

// Now returns the time of the Builder's clock (Config.Now): the instant
// at which Build decides whether a subscriber receives (Subscriber.Withheld).
func (b *Builder) Now() time.Time { return b.cfg.Now() }

// Window returns the window [since, until) of an edition for a subscriber
// in the given zone (the Builder's when nil), before LastSent shortens it.
func (b *Builder) Window(ed Edition, loc *time.Location) (since, until time.Time) {
	if loc == nil {
		loc = b.cfg.Location
	}
	if b.cfg.Cutoff == 0 {
		until = ed.Next().Start(loc) // midnight, also on a day of 23 or 25 hours
	} else {
		until = ed.Start(loc).Add(b.cfg.Cutoff)
	}
	return until.Add(-b.cfg.Window), until
}

func (b *Builder) pool(since, until time.Time, lang string, local *poolCache) *pool {
	k := poolKey{since.UnixNano(), until.UnixNano(), lang}
	build := func() *pool { return buildPool(b.cfg.Source, &b.rank, since, until, lang, b.lang) }
	if b.versions != nil {
		return b.cache.get(k, b.versions.Version(), build)
	}
	if local != nil {
		return local.get(k, 0, build)
	}
	return build()
}

// Build composes the edition for one subscriber. A subscriber who gets no
// message gives a *SkipError (errors.Is(err, ErrSkipped)); other errors
// are *BuildError.
func (b *Builder) Build(ctx context.Context, ed Edition, sub *Subscriber) (*Message, error) {
	return b.build(ctx, ed, sub, nil, nil)
}

// lastSent is a subscriber's LastSent, read before the build (Each reads
// a page of subscribers' at once from a SentLogBatch).
type lastSent struct {
	until time.Time
	ok    bool
}

// build is Build with the pool cache local (Each's, when the Source has
// no versions) and the subscriber's LastSent when it was read already.
func (b *Builder) build(ctx context.Context, ed Edition, sub *Subscriber, local *poolCache, sent *lastSent) (*Message, error) {
	if b == nil || b.tmpl == nil {
		return nil, ErrZeroBuilder
	}
	if err := ed.Validate(); err != nil {
		return nil, err
	}
	skip := func(r SkipReason) error { return &SkipError{Edition: ed, Email: sub.Email, Reason: r} }
	fail := func(err error) error { return &BuildError{Edition: ed, Email: sub.Email, Err: err} }
	if r := sub.Withheld(b.cfg.Now()); r != 0 {
		return nil, skip(r)
	}
	if err := checkEmail(sub.Email); err != nil {
		return nil, fail(fmt.Errorf("address %q: %w", sub.Email, err))
	}
	since, until := b.Window(ed, sub.TimeZone)
	if sent == nil && b.cfg.Sent != nil {
		last, ok, err := b.cfg.Sent.LastSent(ctx, sub.Email)
		if err != nil {
			return nil, fail(err)
		}
		sent = &lastSent{last, ok}
	}
	if sent != nil {
		if last := sent.until; sent.ok {
			if !last.Before(until) {
				return nil, skip(SkipAlreadySent)
			}
			if last.After(since) {
				since = last
			}
		}
	}
	lang := baseLanguage(sub.Language)
	if lang == "" {
		lang = b.lang
	}
	p := b.pool(since, until, lang, local)
	followed, top := p.selectStories(&b.rank, sub.Follows)
	if len(followed)+len(top) == 0 {
		if p.excluded > 0 {
			return nil, skip(SkipNoStoryInLanguage)
		}
		return nil, skip(SkipNoStories)
	}
	m := &Message{
		Edition:    ed,
		Subscriber: sub,
		From:       b.from,
		MessageID:  ed.MessageID(sub.Email, b.domain),
		Date:       b.cfg.Now().In(until.Location()), // the reader's zone, as the window's
		Since:      since,
		Until:      until,
		Language:   lang,
		Followed:   followed,
		Top:        top,
		BrowserURL: b.browserURL(ed, lang),
		ListID:     ed.ListName() + "." + b.domain,
	}
	token, err := b.cfg.Tokens.Sign(sub.Email, ed.ListName())
	if err != nil {
		return nil, fail(err)
	}
	m.UnsubscribeURL = withToken(b.unsub, token)
	if b.prefs != nil {
		token, err := b.cfg.Tokens.SignFor(PurposePreferences, sub.Email, ed.ListName(), b.cfg.Tokens.expiry())
		if err != nil {
			return nil, fail(err)
		}
		m.PreferencesURL = withToken(b.prefs, token)
	}
	if b.mailto != "" {
		m.UnsubscribeMailto = b.mailto + "?subject=unsubscribe%20" + token
	}
	if b.cfg.ReturnPath != "" {
		if m.ReturnPath, err = b.cfg.Tokens.ReturnPath(b.cfg.ReturnPath, sub.Email, ed); err != nil {
			return nil, fail(err)
		}
	}
	if err := b.render(m, true); err != nil {
		return nil, fail(err)
	}
	return m, nil
}

// withToken returns u with the query parameter t set to token.
func withToken(u *url.URL, token string) string {
	c := *u
	q := c.Query()
	q.Set("t", token)
	c.RawQuery = q.Encode()
	return c.String()
}

func (b *Builder) browserURL(ed Edition, lang string) string {
	u := *b.browser
	u.Path += "/" + ed.Date
	q := url.Values{"lang": {lang}}
	if ed.List != "" && ed.List != DefaultList {
		q.Set("list", ed.List)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// WebVersion is the web version of an edition: the general digest, the
// same for everyone, with no personal data in it.
type WebVersion struct {
	Edition  Edition // the edition shown
	Language string  // the language it is written in
	Title    string  // the page title (the rendered subject line)
	HTML     []byte  // the whole page
	Stories  int     // how many stories it shows
	// Version is the source's version when the page was rendered (zero
	// for a source without versions).
	Version uint64
}

// General renders the web version of an edition in a language: the top
// stories of the edition's day in the Builder's zone, no followed section,
// no greeting and no unsubscribe link. An edition with no stories gives a
// *SkipError with SkipNoStories.
func (b *Builder) General(ed Edition, lang string) (*WebVersion, error) {
	if b == nil || b.tmpl == nil {
		return nil, ErrZeroBuilder
	}
	if err := ed.Validate(); err != nil {
		return nil, err
	}
	lang = baseLanguage(lang)
	if lang == "" {
		lang = b.lang
	}
	var version uint64
	if b.versions != nil {
		version = b.versions.Version()
	}
	since, until := b.Window(ed, nil)
	p := b.pool(since, until, lang, nil)
	_, top := p.selectStories(&b.rank, Follows{})
	if len(top) == 0 {
		return nil, &SkipError{Edition: ed, Reason: SkipNoStories}
	}
	m := &Message{
		Edition:    ed,
		Subscriber: &Subscriber{},
		From:       b.from,
		Date:       b.cfg.Now().In(until.Location()),
		Since:      since,
		Until:      until,
		Language:   lang,
		Top:        top,
		BrowserURL: b.browserURL(ed, lang),
	}
	if err := b.render(m, false); err != nil {
		return nil, fmt.Errorf("digest: render web version of %s: %w", ed.ID(), err)
	}
	return &WebVersion{Edition: ed, Language: lang, Title: m.Subject, HTML: m.HTML, Stories: m.Stories(), Version: version}, nil
}

// categoryLabel returns the label of the category a story is shown
// under, the same for every subscriber: a function of the story alone.
// It is the most specific of the story's categories, the deepest, and of
// equally deep ones the last listed, because newsroom systems list the
// site-wide lists a story is also filed under ("ताज़ा ख़बरें", latest
// news) before its own section: a cricket story filed under ताज़ा ख़बरें
// and खेल is labeled खेल, a Kanpur story उत्तर प्रदेश › कानपुर.
func categoryLabel(a *khabar.Article) string {
	var best *khabar.Category
	depth := 0
	for i := range a.Categories {
		c := &a.Categories[i]
		if d := len(c.Path()); d >= depth {
			best, depth = c, d
		}
	}
	if best == nil {
		return ""
	}
	return oneLine(best.Label()) // a name may hold line breaks: the text part must not
}
