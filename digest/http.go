package digest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// PageView is what the unsubscribe pages (TemplatePages) are executed with.
type PageView struct {
	// Lang and Dir go on <html>: the page's language and direction.
	Lang, Dir string
	// T are the locale's strings by key.
	T map[string]string
	// Title is the page title.
	Title string
	// Email is the address concerned (confirm and done pages).
	Email string
	// Action is the URL the confirmation form posts to.
	Action string
	// Message explains an error (error page).
	Message string
	// Publisher is shown in the footer.
	Publisher Publisher
	// AddressLines are the publisher's postal address, line by line.
	AddressLines []string
	// Data is the page's own data: package digest/signup's views on its
	// pages; nil on the unsubscribe pages.
	Data any
}

// PageHeaders sets the headers every page of the package's handlers (and
// digest/signup's) carries: not cacheable, no Referer (tokens travel in
// URLs), no sniffing, and a Content-Security-Policy that allows inline
// style and forms posting to the same origin only.
func PageHeaders(hd http.Header) {
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
}

// WritePage renders the page name with pv (localized by Localize) and
// writes it with the status code, Content-Type and Content-Language; a
// HEAD request gets the headers only. When the template fails it answers
// 500 and returns the error.
func (t *Templates) WritePage(w http.ResponseWriter, r *http.Request, code int, name string, pv *PageView) error {
	var buf bytes.Buffer
	if err := t.Page(&buf, name, pv); err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", pv.Lang)
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
	return nil
}

// UnsubscribeHandler serves the unsubscribe link of every digest (the URL
// Config.UnsubscribeURL names, token in the query parameter "t"):
//
//   - GET and HEAD verify the token and show a confirmation page with a
//     button; they never unsubscribe, since mail scanners and link
//     previews follow links.
//   - POST verifies the token and unsubscribes: the RFC 8058 one-click
//     POST (body List-Unsubscribe=One-Click, as application/x-www-form-
//     urlencoded or multipart/form-data) and the confirmation page's
//     button alike. The status change is written to the store before the
//     200 response; a store failure answers 500 so the sender retries.
//
// No cookie is read or set. Forged, altered, expired and wrong-list tokens
// are refused with 400 (410 when merely expired) and change nothing. An
// address the store does not know is answered as unsubscribed, revealing
// nothing; when the store is a Suppressor (as *MemStore and *sqlite.Store are), the unsubscribe
// is recorded for the address anyway, so importing it again cannot undo
// it. Responses are not cacheable and send no Referer (the token is in
// the URL).
//
// Fill in the fields before serving; the handler is then safe for
// concurrent use.
type UnsubscribeHandler struct {
	// Tokens verifies the tokens (required).
	Tokens *Tokens
	// Store records the unsubscribe (required).
	Store SubscriberStore
	// Lists are the lists whose tokens are accepted [DefaultList].
	Lists []string
	// Publisher is shown in the pages' footer.
	Publisher Publisher
	// Templates renders the pages [DefaultTemplates].
	Templates *Templates
	// Language is the pages' language when the subscriber has none ["hi"].
	Language string
	// Logger receives store failures [slog.Default()].
	Logger *slog.Logger
	// Now is the clock of the events recorded in a Lifecycle store
	// [time.Now].
	Now func() time.Time
}

// maxFormBytes bounds a POST body; a one-click body is 26 bytes.
const maxFormBytes = 64 << 10

// ServeHTTP serves the confirmation page (GET, HEAD) and unsubscribes
// (POST).
func (h *UnsubscribeHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	PageHeaders(hd)
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		hd.Set("Allow", "GET, HEAD, POST")
		h.page(w, r, http.StatusMethodNotAllowed, "error", PageView{}, "error_invalid")
		return
	}
	if h.Tokens == nil || h.Store == nil {
		h.logger().Error("digest: UnsubscribeHandler needs Tokens and Store")
		h.page(w, r, http.StatusInternalServerError, "error", PageView{}, "error_server")
		return
	}
	token := r.URL.Query().Get("t")
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		ct := r.Header.Get("Content-Type")
		var err error
		if strings.HasPrefix(strings.ToLower(ct), "multipart/") {
			err = r.ParseMultipartForm(maxFormBytes)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			h.page(w, r, http.StatusBadRequest, "error", PageView{}, "error_invalid")
			return
		}
		if token == "" {
			token = r.PostForm.Get("t")
		}
	}
	claims, err := h.Tokens.Verify(token)
	if err == nil && !slices.Contains(h.lists(), claims.List) {
		err = ErrTokenSignature
	}
	if err != nil {
		if errors.Is(err, ErrTokenExpired) {
			h.page(w, r, http.StatusGone, "error", PageView{}, "error_expired")
			return
		}
		h.page(w, r, http.StatusBadRequest, "error", PageView{}, "error_invalid")
		return
	}
	pv := PageView{Email: claims.Email}
	lang := ""
	if sub, err := h.Store.Subscriber(r.Context(), claims.Email); err == nil {
		lang = sub.Language
	}
	if r.Method != http.MethodPost {
		pv.Action = "?" + url.Values{"t": {token}}.Encode()
		h.pageLang(w, r, http.StatusOK, "confirm", pv, "confirm_title", lang)
		return
	}
	// Write the change through even if the client goes away meanwhile.
	ctx := context.WithoutCancel(r.Context())
	if lc, ok := h.Store.(Lifecycle); ok {
		err = h.record(ctx, lc, r, claims.Email)
	} else {
		err = h.Store.SetStatus(ctx, claims.Email, StatusUnsubscribed)
	}
	if sup, ok := h.Store.(Suppressor); ok && errors.Is(err, ErrUnknownSubscriber) {
		// Removed since the mail was sent: remember the unsubscribe, so
		// that importing the address again does not undo it.
		err = sup.Suppress(ctx, claims.Email, StatusUnsubscribed)
	}
	if err != nil && !errors.Is(err, ErrUnknownSubscriber) {
		h.logger().Error("digest: unsubscribe failed", "email", claims.Email, "err", err)
		h.pageLang(w, r, http.StatusInternalServerError, "error", PageView{}, "error_server", lang)
		return
	}
	h.pageLang(w, r, http.StatusOK, "done", pv, "done_title", lang)
}

// record unsubscribes through a Lifecycle store, appending an
// EventUnsubscribed: Source "link" for the confirmation page's button
// (its form says via=link), "list-unsubscribe" for a mail client's RFC
// 8058 one-click POST. An address the store does not hold is added as
// unsubscribed; an address already unsubscribed changes nothing.
func (h *UnsubscribeHandler) record(ctx context.Context, lc Lifecycle, r *http.Request, email string) error {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	ev := Event{Kind: EventUnsubscribed, At: now(), Source: "list-unsubscribe", IP: ClientIP(r)}
	if r.PostForm.Get("via") == "link" {
		ev.Source = "link"
	}
	_, err := lc.Change(ctx, email, ev, Unsubscribe(email))
	return err
}

// Unsubscribe returns the ChangeFunc of an unsubscribe from the address:
// the record becomes unsubscribed, an address the store does not hold is
// added as unsubscribed (so importing it again cannot undo it), and an
// address already unsubscribed changes nothing (ErrNoChange).
func Unsubscribe(email string) ChangeFunc {
	return func(cur *Subscriber, _ []Event) (*Subscriber, error) {
		if cur == nil {
			return &Subscriber{Email: email, Status: StatusUnsubscribed}, nil
		}
		if cur.Status == StatusUnsubscribed {
			return nil, ErrNoChange
		}
		cur.Status = StatusUnsubscribed
		return cur, nil
	}
}

// ClientIP returns the address of the request's peer (RemoteAddr without
// its port), or "" when it is not an IP address. Headers such as
// X-Forwarded-For are not read: behind a proxy, set RemoteAddr from the
// header the proxy sets, in a handler in front.
func ClientIP(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err == nil {
		return ap.Addr().Unmap().String()
	}
	if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		return a.Unmap().String()
	}
	return ""
}

func (h *UnsubscribeHandler) lists() []string {
	if len(h.Lists) == 0 {
		return []string{DefaultList}
	}
	return h.Lists
}

func (h *UnsubscribeHandler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

func (h *UnsubscribeHandler) page(w http.ResponseWriter, r *http.Request, code int, name string, pv PageView, key string) {
	h.pageLang(w, r, code, name, pv, key, "")
}

func (h *UnsubscribeHandler) pageLang(w http.ResponseWriter, r *http.Request, code int, name string, pv PageView, key, lang string) {
	t := h.Templates
	if t == nil {
		var err error
		if t, err = DefaultTemplates(); err != nil {
			http.Error(w, "digest: templates: "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	if lang == "" {
		lang = r.URL.Query().Get("lang")
	}
	fallback := h.Language
	if baseLanguage(fallback) == "" {
		fallback = "hi"
	}
	pv.Publisher = h.Publisher
	t.Localize(&pv, lang, fallback)
	if name == "error" {
		pv.Title = pv.T["error_title"]
		pv.Message = pv.T[key]
	} else {
		pv.Title = pv.T[key]
	}
	if err := t.WritePage(w, r, code, name, &pv); err != nil {
		h.logger().Error("digest: render unsubscribe page", "page", name, "err", err)
	}
}

// BrowserHandler serves the web version of editions: GET {prefix}/{date}
// with optional query parameters lang (hi, en, ur, …) and list. The page
// is Builder.General's: the top stories of the date, the same for
// everyone, with no personal data. Pages are cached until the source
// changes, carry an ETag and answer If-None-Match with 304. A date with no
// stories, a malformed date or an unknown language gives 404.
//
// Mount it under the path of Config.BrowserURL, with http.StripPrefix or
// a pattern ending in "/": only the last path segment is read. It is safe
// for concurrent use.
type BrowserHandler struct {
	b     *Builder
	mu    sync.Mutex
	pages map[browserKey]*WebVersion
}

type browserKey struct {
	ed   Edition
	lang string
}

// NewBrowserHandler returns a handler serving b's web versions.
func NewBrowserHandler(b *Builder) *BrowserHandler {
	return &BrowserHandler{b: b, pages: map[browserKey]*WebVersion{}}
}

// ServeHTTP serves the web version named by the last path segment.
func (h *BrowserHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.b == nil || h.b.tmpl == nil {
		http.Error(w, ErrZeroBuilder.Error(), http.StatusInternalServerError)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	ed := Edition{Date: path.Base(r.URL.Path), List: q.Get("list")}
	if ed.List == DefaultList {
		ed.List = ""
	}
	if err := ed.Validate(); err != nil {
		http.NotFound(w, r)
		return
	}
	lang := baseLanguage(q.Get("lang"))
	if lang == "" {
		lang = h.b.lang
	}
	if h.b.tmpl.locales[lang] == nil {
		http.NotFound(w, r)
		return
	}
	p, err := h.page(ed, lang)
	if err != nil {
		if errors.Is(err, ErrSkipped) {
			http.NotFound(w, r)
			return
		}
		slog.Default().Error("digest: web version", "edition", ed.ID(), "lang", lang, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	sum := sha256.Sum256(p.HTML)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	hd := w.Header()
	hd.Set("ETag", etag)
	hd.Set("Cache-Control", "public, max-age=300")
	hd.Set("Content-Language", p.Language)
	hd.Set("X-Content-Type-Options", "nosniff")
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatch(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", "text/html; charset=utf-8")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(p.HTML)
}

func etagMatch(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == etag || v == "*" {
			return true
		}
	}
	return false
}

// page returns the cached page, rendering it when missing or stale.
func (h *BrowserHandler) page(ed Edition, lang string) (*WebVersion, error) {
	k := browserKey{ed, lang}
	var version uint64
	if h.b.versions != nil {
		version = h.b.versions.Version()
	}
	h.mu.Lock()
	p := h.pages[k]
	h.mu.Unlock()
	if p != nil && h.b.versions != nil && p.Version == version {
		return p, nil
	}
	p, err := h.b.General(ed, lang)
	if err != nil {
		return nil, err
	}
	if h.b.versions != nil {
		h.mu.Lock()
		if len(h.pages) >= 512 {
			clear(h.pages)
		}
		h.pages[k] = p
		h.mu.Unlock()
	}
	return p, nil
}
