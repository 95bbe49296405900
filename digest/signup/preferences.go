package signup

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"time"

	"github.com/khabar/khabar/digest"
)

// Preferences returns the handler of the preferences page, reached
// through the signed link (token in "t") of every digest and of the
// confirmation page: GET and HEAD show the current choices, in the
// subscriber's language, and change nothing; POST with the token saves
// follows, language, time zone and name (EventPreferences), pauses for N
// days (EventPaused), or, with action=unsubscribe, unsubscribes
// (EventUnsubscribed, Source "preferences"). A save redirects (303) to the
// page, which then says it is saved.
func (s *Signup) Preferences() http.Handler { return http.HandlerFunc(s.servePreferences) }

func (s *Signup) servePreferences(w http.ResponseWriter, r *http.Request) {
	t, ok := s.begin(w, r)
	if !ok {
		return
	}
	token, ok := token(w, r)
	if !ok {
		s.fail(w, r, http.StatusBadRequest, s.language(t, r, ""), "error_invalid", false)
		return
	}
	claims, err := s.Tokens.VerifyFor(digest.PurposePreferences, token)
	if err == nil && claims.List != s.list() {
		err = digest.ErrTokenSignature
	}
	var sub *digest.Subscriber
	if err == nil {
		sub, err = s.Store.Subscriber(r.Context(), claims.Email)
	}
	switch {
	case errors.Is(err, digest.ErrTokenExpired):
		s.fail(w, r, http.StatusGone, s.language(t, r, ""), "error_expired", false)
		return
	case errors.Is(err, digest.ErrUnknownSubscriber) || errors.Is(err, digest.ErrTokenMalformed) ||
		errors.Is(err, digest.ErrTokenSignature) || errors.Is(err, digest.ErrTokenKey):
		s.fail(w, r, http.StatusBadRequest, s.language(t, r, ""), "error_invalid", false)
		return
	case err != nil:
		s.logger().Error("signup: preferences", "email", claims.Email, "err", err)
		s.fail(w, r, http.StatusInternalServerError, s.language(t, r, ""), "error_server", false)
		return
	}
	lang := s.language(t, r, sub.Language)
	if r.Method != http.MethodPost {
		v := &View{Saved: r.URL.Query().Get("saved") == "1"}
		s.preferencesPage(w, r, http.StatusOK, t, lang, token, sub, digest.ChoicesOf(sub), v)
		return
	}
	ctx := context.WithoutCancel(r.Context())
	ip := digest.ClientIP(r)
	if r.PostForm.Get("action") == "unsubscribe" {
		if err := s.unsubscribe(ctx, claims.Email, ip); err != nil {
			s.logger().Error("signup: unsubscribe", "email", claims.Email, "err", err)
			s.fail(w, r, http.StatusInternalServerError, lang, "error_server", false)
			return
		}
		s.page(w, r, http.StatusOK, "done", lang, digest.PageView{Email: claims.Email}, "done_title")
		return
	}
	c, err := s.readChoices(r.PostForm, t)
	days, perr := strconv.Atoi(r.PostForm.Get("pause"))
	if err == nil && (perr != nil || days < 0 || days > orInt(s.MaxPause, 30)) {
		err = fieldErr("pause", "not a number of days from 0 to %d", orInt(s.MaxPause, 30))
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		s.preferencesPage(w, r, http.StatusBadRequest, t, lang, token, sub, c, &View{Field: fe.Field})
		return
	}
	if err := s.save(ctx, claims.Email, ip, c, days); err != nil {
		s.logger().Error("signup: preferences", "email", claims.Email, "err", err)
		s.fail(w, r, http.StatusInternalServerError, lang, "error_server", false)
		return
	}
	q := url.Values{"t": {token}, "saved": {"1"}}
	if c.Language != "" {
		q.Set("lang", c.Language)
	}
	http.Redirect(w, r, s.preferencesPath()+"?"+q.Encode(), http.StatusSeeOther)
}

func (s *Signup) preferencesPage(w http.ResponseWriter, r *http.Request, code int, t *digest.Templates, lang, token string, sub *digest.Subscriber, c digest.Choices, v *View) {
	v.Action = s.preferencesPath()
	v.Token = token
	v.Active = sub.Active()
	v.Pauses = pauses(orInt(s.MaxPause, 30))
	v.SubscribeURL = s.subscribePath() + "?" + url.Values{"email": {sub.Email}, "lang": {lang}}.Encode()
	if now := s.now(); sub.PausedUntil.After(now) {
		loc := sub.TimeZone
		if loc == nil {
			loc, _ = digest.LoadLocation(s.zones()[0])
		}
		v.PausedUntil = sub.PausedUntil.In(loc).Format(time.DateOnly)
	}
	s.fill(v, c, t)
	s.page(w, r, code, "preferences", lang, digest.PageView{Email: sub.Email, Data: v}, "preferences_title")
}

// save records new choices (when they differ) and a pause of days (when
// positive).
func (s *Signup) save(ctx context.Context, email, ip string, c digest.Choices, days int) error {
	now := s.now()
	ev := digest.Event{Kind: digest.EventPreferences, At: now, Source: "preferences", IP: ip, Choices: &c}
	_, err := s.Store.Change(ctx, email, ev, func(cur *digest.Subscriber, _ []digest.Event) (*digest.Subscriber, error) {
		if cur == nil {
			return nil, digest.ErrUnknownSubscriber
		}
		if reflect.DeepEqual(digest.ChoicesOf(cur), c) {
			return nil, digest.ErrNoChange
		}
		return c.Apply(cur)
	})
	if err != nil || days == 0 {
		return err
	}
	until := now.Add(time.Duration(days) * 24 * time.Hour).UTC().Truncate(time.Second)
	ev = digest.Event{Kind: digest.EventPaused, At: now, Source: "preferences", IP: ip, Detail: until.Format(time.RFC3339)}
	_, err = s.Store.Change(ctx, email, ev, func(cur *digest.Subscriber, _ []digest.Event) (*digest.Subscriber, error) {
		if cur == nil {
			return nil, digest.ErrUnknownSubscriber
		}
		cur.PausedUntil = until
		return cur, nil
	})
	return err
}

// unsubscribe records an EventUnsubscribed from the preferences page.
func (s *Signup) unsubscribe(ctx context.Context, email, ip string) error {
	ev := digest.Event{Kind: digest.EventUnsubscribed, At: s.now(), Source: "preferences", IP: ip}
	_, err := s.Store.Change(ctx, email, ev, digest.Unsubscribe(email))
	return err
}
