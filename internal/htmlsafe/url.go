package htmlsafe

import (
	"net/url"
	"strings"

	"github.com/khabar/khabar/internal/xmltext"
)

// The one URL rule: every URL-bearing attribute either policy keeps
// (urlAttrs) passes through checkURL, which keeps a value only when its
// scheme is one the policy allows, and resolves or drops relative
// references. The policies differ in how they read a value (Outgoing as a
// browser reads it, Incoming as a strict URL parser does), in the schemes
// they allow and in whether relative references survive, never in which
// attributes are checked.

// urlAttrs are the attributes that hold a URL (srcset a list of them),
// whatever the element.
var urlAttrs = setOf(`href src srcset poster cite longdesc lowsrc dynsrc action background
data formaction xlink:href codebase icon manifest ping`)

// BaseURL parses base (an IRI, as khabar.URI takes it) when it is an
// absolute http(s) URL, and returns nil otherwise.
func BaseURL(base string) *url.URL {
	u, err := url.Parse(xmltext.URI(base))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil
	}
	return u
}

// checkURL returns the value to write for the URL attribute key of elem,
// and false when the attribute must go.
func (s *state) checkURL(elem, key, val string) (string, bool) {
	if s.p.in != nil {
		return incomingURL(val)
	}
	images := key == "srcset" || key == "src" && (elem == "img" || elem == "source")
	if key != "srcset" {
		return s.outgoingURL(val, images)
	}
	n := len(s.scratch)
	b, ok := s.appendSrcset(s.scratch, val)
	s.scratch = b
	return view(b[n:]), ok
}

// appendSrcset appends the srcset value val as Outgoing writes it: each
// candidate's URL through outgoingURL, candidates whose URL goes dropped,
// the rest joined with ", ". It reports whether any candidate is left.
func (s *state) appendSrcset(b []byte, val string) ([]byte, bool) {
	kept := false
	for c := range strings.SplitSeq(val, ",") {
		c = strings.TrimSpace(c)
		u, desc, _ := strings.Cut(c, " ")
		if u == "" {
			continue
		}
		if u, ok := s.outgoingURL(u, true); ok {
			if kept {
				b = append(b, ", "...)
			}
			b = append(b, u...)
			if desc = strings.TrimSpace(desc); desc != "" {
				b = append(b, ' ')
				b = append(b, desc...)
			}
			kept = true
		}
	}
	return b, kept
}

// outgoingURL reads v as a browser does: leading and trailing controls and
// spaces and every tab and line break inside are ignored. It keeps http,
// https, mailto, tel and ftp, data: images when images is true, and
// relative references resolved against the base in URI form.
func (s *state) outgoingURL(v string, images bool) (string, bool) {
	if absQuiet(v) {
		return v, true
	}
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	if strings.ContainsAny(v, "\t\n\r") {
		v = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(v)
	}
	if scheme, ok := urlScheme(v); ok {
		switch strings.ToLower(scheme) {
		case "http", "https", "mailto", "tel", "ftp":
			return v, true
		case "data":
			if images && safeDataImage(v[len(scheme)+1:]) {
				return v, true
			}
		}
		return "", false
	}
	base := s.baseURL()
	if base == nil {
		return "", false
	}
	ref, err := url.Parse(xmltext.URI(v))
	if err != nil {
		return "", false
	}
	return base.ResolveReference(ref).String(), true
}

// absQuiet reports whether v is an http(s) URL that outgoingURL keeps as
// it is: no space or control anywhere.
func absQuiet(v string) bool {
	if !httpPrefix(v) {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] == 0x7f {
			return false
		}
	}
	return true
}

// httpPrefix reports whether v starts with "https://" or "http://".
func httpPrefix(v string) bool {
	return strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://")
}

// incomingURL reads v strictly: a value with white space inside or that
// net/url cannot parse goes, and so does any scheme but http, https and
// mailto, and any relative reference (the rewrite step has already made
// every reference it could absolute). The value is written as net/url
// writes it back.
func incomingURL(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if strings.ContainsAny(v, " \t\n") {
		return "", false
	}
	u, err := url.Parse(v)
	if err != nil {
		return "", false
	}
	switch u.Scheme {
	case "http", "https", "mailto":
		return u.String(), true
	}
	return "", false
}

// urlScheme returns the scheme of v, if it has one (RFC 3986: a letter,
// then letters, digits, "+", "-" or ".", then ":").
func urlScheme(v string) (string, bool) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.':
			if i == 0 {
				return "", false
			}
		case c == ':':
			return v[:i], i > 0
		default:
			return "", false
		}
	}
	return "", false
}

func safeDataImage(rest string) bool {
	mt, _, _ := strings.Cut(rest, ",")
	mt, _, _ = strings.Cut(mt, ";")
	switch strings.ToLower(strings.TrimSpace(mt)) {
	case "image/png", "image/gif", "image/jpeg", "image/webp", "image/avif":
		return true
	}
	return false
}

// Resolve returns ref made absolute against base, as feed/upstream
// resolves the references of the pages it reads. It returns "" when ref is
// empty or cannot be made an absolute http(s) URL (base nil or not
// absolute http(s), for a relative ref). Schemes other than http and https
// (mailto:, data:, javascript:) are returned as they are, for the URL rule
// to judge.
func Resolve(ref string, base *url.URL) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		// An IRI with spaces or other stray characters: try it escaped.
		if u, err = url.Parse(strings.ReplaceAll(ref, " ", "%20")); err != nil {
			return ""
		}
	}
	if u.Scheme != "" {
		if u.Scheme == "http" || u.Scheme == "https" {
			if u.Host == "" {
				return ""
			}
		}
		return u.String()
	}
	if base != nil && (base.Scheme == "http" || base.Scheme == "https") && base.Host != "" {
		return base.ResolveReference(u).String()
	}
	return ""
}

// AbsHTTP parses s when it is an absolute http(s) URL, and returns nil
// otherwise.
func AbsHTTP(s string) *url.URL {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil
	}
	return u
}
