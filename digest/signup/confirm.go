package signup

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/khabar/khabar/digest"
)

// errNoRequest is a confirmation whose request is not in the history.
var errNoRequest = errors.New("signup: no such signup request")

// errWithdrawn is a confirmation of a request that a later request
// superseded, or that an unsubscribe, bounce or complaint withdrew.
var errWithdrawn = errors.New("signup: signup request superseded or withdrawn")

// Confirm returns the handler of the confirmation link (token in the
// query parameter "t"): GET and HEAD show a page with a button and change
// nothing, since mail scanners follow links; the button's POST makes the
// subscriber active with the request's choices and records an
// EventConfirmed. Confirming twice is harmless. Only an address's latest
// request confirms, and only while nothing withdrew it: a link from
// before an unsubscribe, a bounce or a complaint, or from before a newer
// request, is answered as expired, so only a fresh confirmed request
// makes such an address active again. Expired and forged links get a
// page that says so and offers a new form.
func (s *Signup) Confirm() http.Handler { return http.HandlerFunc(s.serveConfirm) }

func (s *Signup) serveConfirm(w http.ResponseWriter, r *http.Request) {
	t, ok := s.begin(w, r)
	if !ok {
		return
	}
	lang := s.language(t, r, "")
	token, ok := token(w, r)
	if !ok {
		s.fail(w, r, http.StatusBadRequest, lang, "error_signup_invalid", true)
		return
	}
	claims, err := s.Tokens.VerifyFor(digest.PurposeConfirm, token)
	switch {
	case errors.Is(err, digest.ErrTokenExpired):
		s.fail(w, r, http.StatusGone, lang, "error_signup_expired", true)
		return
	case err != nil:
		s.fail(w, r, http.StatusBadRequest, lang, "error_signup_invalid", true)
		return
	}
	pv := digest.PageView{Email: claims.Email}
	if r.Method != http.MethodPost {
		pv.Data = &View{Action: s.confirmPath() + "?" + url.Values{"lang": {lang}}.Encode(), Token: token}
		s.page(w, r, http.StatusOK, "signup_confirm", lang, pv, "signup_confirm_title")
		return
	}
	ctx := context.WithoutCancel(r.Context())
	if err := s.confirm(ctx, claims.Email, claims.List, digest.ClientIP(r)); err != nil {
		if errors.Is(err, errWithdrawn) {
			s.fail(w, r, http.StatusGone, lang, "error_signup_expired", true)
			return
		}
		if errors.Is(err, errNoRequest) {
			s.fail(w, r, http.StatusBadRequest, lang, "error_signup_invalid", true)
			return
		}
		s.logger().Error("signup: confirm", "email", claims.Email, "err", err)
		s.fail(w, r, http.StatusInternalServerError, lang, "error_server", false)
		return
	}
	prefs, err := s.preferencesToken(claims.Email)
	if err == nil {
		pv.Data = &View{PreferencesURL: s.preferencesPath() + "?" + url.Values{"t": {prefs}}.Encode()}
	}
	s.page(w, r, http.StatusOK, "signup_confirmed", lang, pv, "confirmed_title")
}

// confirm applies request ref's choices to the address, makes it active
// and ends any pause, recording an EventConfirmed with the request's
// wording. A request already confirmed changes nothing; one not the
// latest, or withdrawn since (requestOf), is refused.
func (s *Signup) confirm(ctx context.Context, email, ref, ip string) error {
	hist, err := s.Store.History(ctx, email)
	if err != nil {
		return err
	}
	if digest.HasEvent(hist, digest.EventConfirmed, ref) {
		if _, err := requestOf(hist, ref); err != nil {
			return err // confirmed, then withdrawn: the link is spent
		}
		return nil
	}
	req, err := requestOf(hist, ref)
	if err != nil {
		return err
	}
	ev := digest.Event{Kind: digest.EventConfirmed, At: s.now(), Source: s.confirmPath(), IP: ip, Wording: req.Wording, Ref: ref}
	_, err = s.Store.Change(ctx, email, ev, func(cur *digest.Subscriber, hist []digest.Event) (*digest.Subscriber, error) {
		if _, err := requestOf(hist, ref); err != nil { // again, atomically
			return nil, err
		}
		if cur == nil {
			cur = &digest.Subscriber{Email: email}
		}
		next := cur
		if req.Choices != nil {
			var err error
			if next, err = req.Choices.Apply(cur); err != nil {
				return nil, err
			}
		}
		next.Status = digest.StatusActive
		next.PausedUntil = time.Time{}
		return next, nil
	})
	return err
}

// requestOf returns request ref from the history: errNoRequest when it
// is not there, errWithdrawn when a later request, unsubscribe, bounce or
// complaint follows it.
func requestOf(hist []digest.Event, ref string) (*digest.Event, error) {
	i := slices.IndexFunc(hist, func(e digest.Event) bool { return e.Kind == digest.EventRequested && e.Ref == ref })
	if i < 0 {
		return nil, errNoRequest
	}
	for _, e := range hist[i+1:] {
		switch e.Kind {
		case digest.EventRequested, digest.EventUnsubscribed, digest.EventBounced, digest.EventComplained:
			return nil, errWithdrawn
		}
	}
	return &hist[i], nil
}

// preferencesToken signs a preferences link for the address.
func (s *Signup) preferencesToken(email string) (string, error) {
	return s.Tokens.SignFor(digest.PurposePreferences, email, s.list(), s.now().Add(or(s.Tokens.TTL, 90*24*time.Hour)))
}
