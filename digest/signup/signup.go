package signup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/digest"
)

// Catalog offers the sections a subscriber may follow. *khabar.Catalog
// implements it.
type Catalog interface {
	Categories() []khabar.CategoryCount
	Tags() []khabar.TagCount
	Authors() []khabar.AuthorCount
}

var _ Catalog = (*khabar.Catalog)(nil)

// Mailer sends one message. deliver.SMTPMailer sends it over SMTP with
// DKIM; deliver.FileMailer writes it to a folder.
type Mailer interface {
	Send(ctx context.Context, n *digest.Notice) error
}

// Signup holds what the subscribe, confirm and preferences handlers
// share. Zero fields take the defaults in brackets; fields without one are
// required. Set the fields before serving and do not change them after.
type Signup struct {
	// Store keeps subscribers and their histories (required).
	Store digest.Lifecycle
	// Tokens signs the confirmation and preferences links and the forms'
	// tokens (required): the digests' keyring, so the preferences links in
	// digests verify here.
	Tokens *digest.Tokens
	// Mailer sends the confirmation messages (required).
	Mailer Mailer
	// From is the confirmation's sender, "Name <addr@domain>" (required);
	// its domain is the Message-IDs'.
	From string
	// Publisher is shown in the pages' and the message's footer.
	Publisher digest.Publisher
	// Catalog offers sections to follow; nil offers none. A follow value
	// it does not offer is refused (400 naming the field), never stored.
	Catalog Catalog
	// SiteURL is the site's address ("https://khabar.example"); the links
	// in messages are SiteURL + SubscribePath, ConfirmPath and
	// PreferencesPath (required).
	SiteURL string
	// SubscribePath, ConfirmPath and PreferencesPath are where the
	// handlers are mounted ["/subscribe", "/confirm", "/preferences"].
	SubscribePath, ConfirmPath, PreferencesPath string
	// Form names the form in the consent history (Event.Source)
	// [SubscribePath].
	Form string
	// Wording is the version of the consent text the form shows, as the
	// publisher names it ("2026-01"); recorded with every request.
	Wording string
	// List is the list subscribed to [digest.DefaultList].
	List string
	// Templates renders pages and messages [digest.DefaultTemplates].
	Templates *digest.Templates
	// Language is the pages' language when neither ?lang= nor
	// Accept-Language names one the templates have ["hi"].
	Language string
	// TimeZones are the zones offered (IANA names); the first is the
	// default [DefaultTimeZones].
	TimeZones []string
	// ConfirmTTL is how long a confirmation link works [48h].
	ConfirmTTL time.Duration
	// FormTTL is how long a form may stay open before it is sent [6h].
	FormTTL time.Duration
	// ResendInterval is the least time between two confirmation messages
	// to one address, read from its history [10 minutes].
	ResendInterval time.Duration
	// PerIP is how many signups one client address (an IPv6 /64) may
	// send per LimitWindow [20]; PerAddress how many for one email
	// address [5].
	PerIP, PerAddress int
	// LimitWindow is the rate limits' window [1h].
	LimitWindow time.Duration
	// MaxPause is the longest pause the preferences page offers, in days
	// [30].
	MaxPause int
	// Now is the clock [time.Now].
	Now func() time.Time
	// Logger receives store and mail failures [slog.Default()].
	Logger *slog.Logger

	once    sync.Once
	ipLim   *limiter
	addrLim *limiter

	flightMu sync.Mutex
	inFlight map[string]bool // the keys of addresses a request is mailing
}

// PurgeUnconfirmed forgets, with their histories, the addresses whose
// signup requests all went unconfirmed until their links expired
// (ConfirmTTL ago), and returns how many: a stranger's address, typed into
// the form by someone else, is kept no longer than its link works. It
// needs a Store that is a digest.PendingPurger (khabar's stores are). Run
// it daily; examples/site does.
func (s *Signup) PurgeUnconfirmed(ctx context.Context) (int, error) {
	p, ok := s.Store.(digest.PendingPurger)
	if !ok {
		return 0, fmt.Errorf("signup: the store %T cannot purge unconfirmed signups (not a digest.PendingPurger)", s.Store)
	}
	return p.PurgePending(ctx, s.now().Add(-or(s.ConfirmTTL, 48*time.Hour)))
}

// DefaultTimeZones are the zones offered when Signup.TimeZones is empty.
var DefaultTimeZones = []string{
	"Asia/Kolkata", "Asia/Karachi", "Asia/Dhaka", "Asia/Kathmandu", "Asia/Dubai", "Asia/Riyadh",
	"Asia/Singapore", "Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago",
	"America/Los_Angeles", "America/Toronto", "Australia/Sydney", "UTC",
}

// Errors of a misconfigured Signup, logged and answered with 500.
var ErrConfig = errors.New("signup: Signup needs Store, Tokens, Mailer, From and SiteURL")

func (s *Signup) init() {
	s.once.Do(func() {
		w := or(s.LimitWindow, time.Hour)
		s.ipLim = newLimiter(orInt(s.PerIP, 20), w, 10000)
		s.addrLim = newLimiter(orInt(s.PerAddress, 5), w, 10000)
	})
}

func (s *Signup) check() error {
	if s.Store == nil || s.Tokens == nil || s.Mailer == nil || s.From == "" || s.SiteURL == "" {
		return ErrConfig
	}
	a, err := mail.ParseAddress(s.From)
	if err != nil {
		return errors.Join(ErrConfig, err)
	}
	if _, err := digest.ASCIIAddress(a.Address); err != nil {
		return errors.Join(ErrConfig, fmt.Errorf("signup: From %q: domain: %w", s.From, err))
	}
	return nil
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func orInt(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

func orStr(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

func (s *Signup) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Signup) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Signup) list() string { return orStr(s.List, digest.DefaultList) }

func (s *Signup) subscribePath() string   { return orStr(s.SubscribePath, "/subscribe") }
func (s *Signup) confirmPath() string     { return orStr(s.ConfirmPath, "/confirm") }
func (s *Signup) preferencesPath() string { return orStr(s.PreferencesPath, "/preferences") }

// link returns the absolute URL of path with the query q.
func (s *Signup) link(path string, q url.Values) string {
	u := strings.TrimSuffix(s.SiteURL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

func (s *Signup) templates() (*digest.Templates, error) {
	if s.Templates != nil {
		return s.Templates, nil
	}
	return digest.DefaultTemplates()
}

func (s *Signup) zones() []string {
	if len(s.TimeZones) > 0 {
		return s.TimeZones
	}
	return DefaultTimeZones
}

// language picks the page's language: ?lang=, then Accept-Language, then
// prefer (a subscriber's), then Signup.Language, among those the
// templates have.
func (s *Signup) language(t *digest.Templates, r *http.Request, prefer string) string {
	if l := base(r.URL.Query().Get("lang")); t.HasLanguage(l) {
		return l
	}
	if l := base(prefer); t.HasLanguage(l) {
		return l
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(q) == "q=0" {
			continue
		}
		if l := base(tag); t.HasLanguage(l) {
			return l
		}
	}
	return orStr(base(s.Language), "hi")
}

// base returns the lower-cased primary subtag of a language tag.
func base(tag string) string {
	tag, _, _ = strings.Cut(strings.TrimSpace(tag), "-")
	if len(tag) > 8 {
		return ""
	}
	return strings.ToLower(tag)
}

// page localizes pv into lang and writes the page.
func (s *Signup) page(w http.ResponseWriter, r *http.Request, code int, name, lang string, pv digest.PageView, titleKey string) {
	t, err := s.templates()
	if err != nil {
		s.logger().Error("signup: templates", "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	pv.Publisher = s.Publisher
	t.Localize(&pv, lang, s.Language)
	pv.Title = pv.T[titleKey]
	if pv.Message != "" {
		if m, ok := pv.T[pv.Message]; ok {
			pv.Message = m
		}
	}
	if err := t.WritePage(w, r, code, name, &pv); err != nil {
		s.logger().Error("signup: render page", "page", name, "err", err)
	}
}

// fail answers with the error page: msgKey is the locale's message, and
// the page offers to ask again (a new form) when ask is set.
func (s *Signup) fail(w http.ResponseWriter, r *http.Request, code int, lang, msgKey string, ask bool) {
	v := &View{}
	if ask {
		v.SubscribeURL = s.subscribePath() + "?" + url.Values{"lang": {lang}}.Encode()
	}
	s.page(w, r, code, "signup_error", lang, digest.PageView{Message: msgKey, Data: v}, "error_title")
}

// begin sets the pages' headers and answers 405 for a method other than
// GET, HEAD and POST and 500 for a Signup missing a field; ok is false
// when it has answered.
func (s *Signup) begin(w http.ResponseWriter, r *http.Request) (t *digest.Templates, ok bool) {
	digest.PageHeaders(w.Header())
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return nil, false
	}
	t, err := s.templates()
	if err == nil {
		err = s.check()
	}
	if err != nil {
		s.logger().Error("signup: "+r.URL.Path, "err", err)
		s.fail(w, r, http.StatusInternalServerError, s.Language, "error_server", false)
		return nil, false
	}
	s.init()
	return t, true
}

// token returns the request's token: the form's field "t" on a POST whose
// form parses, else the query's; ok is false when a POST's form does not
// parse (too large or malformed).
func token(w http.ResponseWriter, r *http.Request) (tok string, ok bool) {
	tok = r.URL.Query().Get("t")
	if r.Method != http.MethodPost {
		return tok, true
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return "", false
	}
	if v := r.PostForm.Get("t"); v != "" {
		tok = v
	}
	return tok, true
}
