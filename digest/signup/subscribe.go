package signup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/khabar/khabar/digest"
)

// Subscribe returns the handler of the signup form: GET shows it (with
// ?email= filled in), POST records the request and mails the
// confirmation link.
func (s *Signup) Subscribe() http.Handler { return http.HandlerFunc(s.serveSubscribe) }

func (s *Signup) serveSubscribe(w http.ResponseWriter, r *http.Request) {
	t, ok := s.begin(w, r)
	if !ok {
		return
	}
	if r.Method != http.MethodPost {
		lang := s.language(t, r, "")
		v := &View{Email: r.URL.Query().Get("email")}
		if len(v.Email) > maxEmail {
			v.Email = ""
		}
		s.form(w, r, http.StatusOK, t, lang, v, digest.Choices{Language: lang}, "")
		return
	}
	if _, ok := token(w, r); !ok {
		lang := s.language(t, r, "")
		s.form(w, r, http.StatusBadRequest, t, lang, &View{Field: "form"}, digest.Choices{Language: lang}, "")
		return
	}
	f := r.PostForm
	lang := s.language(t, r, f.Get("language"))
	v := &View{Email: strings.TrimSpace(f.Get("email"))}
	c, cerr := s.readChoices(f, t)
	if _, err := s.Tokens.VerifyFor(digest.PurposeForm, f.Get("t")); err != nil {
		v.Field = "t"
		s.form(w, r, http.StatusBadRequest, t, lang, v, c, "error_form_expired")
		return
	}
	email, err := digest.CanonicalAddress(v.Email)
	if len(v.Email) > maxEmail || err != nil {
		v.Field = "email"
		s.form(w, r, http.StatusBadRequest, t, lang, v, c, "")
		return
	}
	v.Email = email // the spelling its mailbox is kept under
	var fe *FieldError
	if errors.As(cerr, &fe) {
		v.Field = fe.Field
		s.form(w, r, http.StatusBadRequest, t, lang, v, c, "")
		return
	}
	sent := func() {
		s.page(w, r, http.StatusOK, "subscribe_sent", lang, digest.PageView{Email: v.Email}, "sent_title")
	}
	if f.Get(HoneypotField) != "" {
		sent() // a bot: answered as anyone, nothing recorded
		return
	}
	now := s.now()
	ip := digest.ClientIP(r)
	if !s.ipLim.allow(ipKey(ip), now) {
		s.fail(w, r, http.StatusTooManyRequests, lang, "error_too_many", false)
		return
	}
	key := digest.EmailKey(v.Email)
	if !s.addrLim.allow(key, now) {
		sent() // the same answer: the limit says nothing about the address
		return
	}
	// One request for an address at a time: another one arriving while
	// its confirmation is being mailed (a double click) is answered as
	// sent, as one within ResendInterval of it would be.
	if !s.begun(key) {
		sent()
		return
	}
	defer s.ended(key)
	if c.Language == "" {
		c.Language = lang
	}
	ctx := context.WithoutCancel(r.Context())
	ref := newRef()
	// The message goes out before the request is recorded, so that a
	// message that could not be sent does not hold the address's next
	// request back for ResendInterval; a request recorded after its
	// message is only a link that works a few milliseconds later.
	mailIt, err := s.due(ctx, v.Email, now)
	if err == nil && mailIt {
		if err = s.mail(ctx, v.Email, ref, c, now); err == nil {
			_, err = s.request(ctx, v.Email, ip, ref, c, now)
		}
	}
	if err != nil {
		s.logger().Error("signup: subscribe", "email", v.Email, "err", err)
		s.fail(w, r, http.StatusInternalServerError, lang, "error_server", false)
		return
	}
	sent()
}

// form shows the signup form with v's values and c's choices; msgKey, when
// set, is the locale's message at the top.
func (s *Signup) form(w http.ResponseWriter, r *http.Request, code int, t *digest.Templates, lang string, v *View, c digest.Choices, msgKey string) {
	tok, err := s.Tokens.SignFor(digest.PurposeForm, "form", s.list(), s.now().Add(or(s.FormTTL, 6*time.Hour)))
	if err != nil {
		s.logger().Error("signup: sign form token", "err", err)
		s.fail(w, r, http.StatusInternalServerError, lang, "error_server", false)
		return
	}
	v.Action = s.subscribePath() + "?" + url.Values{"lang": {lang}}.Encode()
	v.Token = tok
	v.Honeypot = HoneypotField
	s.fill(v, c, t)
	s.page(w, r, code, "subscribe", lang, digest.PageView{Message: msgKey, Data: v}, "subscribe_title")
}

// begun marks a signup request for the address with the given key as in
// progress and reports true, or reports false when one already is.
func (s *Signup) begun(key string) bool {
	s.flightMu.Lock()
	defer s.flightMu.Unlock()
	if s.inFlight[key] {
		return false
	}
	if s.inFlight == nil {
		s.inFlight = map[string]bool{}
	}
	s.inFlight[key] = true
	return true
}

// ended marks the request begun for key as done.
func (s *Signup) ended(key string) {
	s.flightMu.Lock()
	delete(s.inFlight, key)
	s.flightMu.Unlock()
}

// newRef returns a new signup request's ID: 128 random bits in hex.
func newRef() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// due reports whether a confirmation message may go to the address at
// now: not when a request was recorded within ResendInterval.
func (s *Signup) due(ctx context.Context, email string, now time.Time) (bool, error) {
	hist, err := s.Store.History(ctx, email)
	if err != nil {
		return false, err
	}
	return !s.recent(hist, now), nil
}

// recent reports whether hist holds a request within ResendInterval of now.
func (s *Signup) recent(hist []digest.Event, now time.Time) bool {
	interval := or(s.ResendInterval, 10*time.Minute)
	for _, e := range hist {
		if e.Kind == digest.EventRequested && now.Sub(e.At) < interval {
			return true
		}
	}
	return false
}

// request records the signup request whose message went out, unless a
// request was recorded within ResendInterval meanwhile (a concurrent
// signup of the same address; then nothing is recorded and false is
// returned). A new address is stored as pending with the choices; a known
// one keeps its record and status until it confirms.
func (s *Signup) request(ctx context.Context, email, ip, ref string, c digest.Choices, now time.Time) (bool, error) {
	ev := digest.Event{Kind: digest.EventRequested, At: now, Source: orStr(s.Form, s.subscribePath()),
		IP: ip, Wording: s.Wording, Ref: ref, Choices: &c}
	return s.Store.Change(ctx, email, ev, func(cur *digest.Subscriber, hist []digest.Event) (*digest.Subscriber, error) {
		if s.recent(hist, now) {
			return nil, digest.ErrNoChange
		}
		if cur != nil {
			return nil, nil
		}
		sub, err := c.Apply(&digest.Subscriber{Email: email})
		if err != nil {
			return nil, err
		}
		sub.Status = digest.StatusPending
		return sub, nil
	})
}

// mail sends the confirmation message of request ref.
func (s *Signup) mail(ctx context.Context, email, ref string, c digest.Choices, now time.Time) error {
	n, err := s.Confirmation(email, ref, c, now)
	if err != nil {
		return err
	}
	return s.Mailer.Send(ctx, n)
}

// Confirmation returns the confirmation message of the signup request ref
// (Event.Ref) for the address with choices c, at now: its link expires
// ConfirmTTL later.
func (s *Signup) Confirmation(email, ref string, c digest.Choices, now time.Time) (*digest.Notice, error) {
	t, err := s.templates()
	if err != nil {
		return nil, err
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return nil, fmt.Errorf("signup: From %q: %w", s.From, err)
	}
	// The domain in punycode, for the Message-ID below and the From field.
	if from.Address, err = digest.ASCIIAddress(from.Address); err != nil {
		return nil, fmt.Errorf("signup: From %q: domain: %w", s.From, err)
	}
	exp := now.Add(or(s.ConfirmTTL, 48*time.Hour))
	tok, err := s.Tokens.SignFor(digest.PurposeConfirm, email, ref, exp)
	if err != nil {
		return nil, err
	}
	loc, err := digest.LoadLocation(orStr(c.TimeZone, s.zones()[0]))
	if err != nil {
		loc = time.UTC
	}
	pv := digest.PageView{Email: email, Publisher: s.Publisher}
	t.Localize(&pv, c.Language, s.Language)
	v := &View{
		ConfirmURL: s.link(s.confirmPath(), url.Values{"t": {tok}, "lang": {pv.Lang}}),
		Expires:    exp.In(loc).Format("2006-01-02 15:04 MST"),
	}
	pv.Data = v
	pv.Title = fmt.Sprintf(pv.T["mail_subject"], pv.Publisher.Name)
	text, html, err := t.SignupMail(&pv)
	if err != nil {
		return nil, err
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	// The address alone: the name is the unconfirmed form's, which would
	// put a stranger's words in front of any inbox, signed as the site.
	return &digest.Notice{
		From: *from, To: mail.Address{Address: email},
		Subject: pv.Title, Text: text, HTML: html,
		MessageID: ref + ".confirm@" + strings.ToLower(domain),
		Date:      now, Language: pv.Lang,
	}, nil
}
