package upstream

import (
	"net/url"
	"strings"

	"github.com/khabar/khabar/internal/htmlsafe"
)

// resolve returns ref made absolute against the first absolute http(s) base
// of bases. It returns "" when ref is empty or cannot be made an absolute
// http(s) URL. Schemes other than http and https (mailto:, data:,
// javascript:) are returned as they are for the sanitizer to judge.
func resolve(ref string, bases ...*url.URL) string {
	for _, b := range bases {
		if b != nil && (b.Scheme == "http" || b.Scheme == "https") && b.Host != "" {
			return htmlsafe.Resolve(ref, b)
		}
	}
	return htmlsafe.Resolve(ref, nil)
}

// absHTTP parses s when it is an absolute http(s) URL.
func absHTTP(s string) *url.URL { return htmlsafe.AbsHTTP(s) }

// trackingParam reports whether a query parameter only tracks the reader.
func trackingParam(name string) bool {
	n := strings.ToLower(name)
	if strings.HasPrefix(n, "utm_") {
		return true
	}
	switch n {
	case "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
		"mc_cid", "mc_eid", "igshid", "_hsenc", "_hsmi", "mkt_tok":
		return true
	}
	return false
}

// StripTracking removes tracking parameters (utm_*, fbclid, gclid and
// similar click ids) from the query of rawURL, keeping the other
// parameters in their order and spelling. The fragment (from the first
// "#" on, RFC 3986 section 3.5) is never touched, even when it holds a "?"
// as hash-routed pages write it. It returns rawURL unchanged when there
// is nothing to remove or it does not parse.
func StripTracking(rawURL string) string {
	head, frag := rawURL, ""
	if h := strings.IndexByte(rawURL, '#'); h >= 0 {
		head, frag = rawURL[:h], rawURL[h:]
	}
	q := strings.IndexByte(head, '?')
	if q < 0 {
		return rawURL
	}
	rest := head[q+1:]
	var kept []string
	changed := false
	for _, p := range strings.Split(rest, "&") {
		name := p
		if i := strings.IndexByte(p, '='); i >= 0 {
			name = p[:i]
		}
		if un, err := url.QueryUnescape(name); err == nil {
			name = un
		}
		if trackingParam(name) || p == "" {
			changed = true
			continue
		}
		kept = append(kept, p)
	}
	if !changed {
		return rawURL
	}
	out := head[:q]
	if len(kept) > 0 {
		out += "?" + strings.Join(kept, "&")
	}
	return out + frag
}
