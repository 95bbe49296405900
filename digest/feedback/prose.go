package feedback

import (
	"net/mail"
	"regexp"
	"strings"
)

// The prose layouts of large mail servers and providers that send no
// RFC 3464 report, recognized by a phrase of their text.
var proseFormats = []struct{ format, phrase string }{
	{"qmail", "this is the qmail-send program"},
	{"yahoo", "sorry, we were unable to deliver your message"},
	{"exim", "this message was created automatically by mail delivery software"},
	{"sendmail", "the following addresses had permanent fatal errors"},
	{"sendmail", "transcript of session follows"},
	{"exchange", "delivery has failed to these recipients or groups"},
	{"exchange", "your message couldn't be delivered"},
}

// bounceSubjects start the subjects of bounces, lower case.
var bounceSubjects = []string{
	"undelivered mail returned to sender", "mail delivery failed", "undeliverable:", "undeliverable mail",
	"returned mail:", "failure notice", "delivery status notification", "mail delivery failure",
	"delivery failure", "warning: message", "message delayed", "delayed mail", "mail system error",
}

// proseFormat returns the layout of a bounce written as prose, "text" for
// one recognized only by its sender or subject, or "" when the message
// is not a bounce.
func proseFormat(rep *Report, h mail.Header, w *walker) string {
	text := strings.ToLower(strings.Join(w.text, "\n"))
	for _, f := range proseFormats {
		if strings.Contains(text, f.phrase) {
			return f.format
		}
	}
	if h.Get("X-Failed-Recipients") != "" {
		return "exim"
	}
	local, _, _ := strings.Cut(strings.ToLower(rep.From), "@")
	if local == "mailer-daemon" || local == "postmaster" {
		return "text"
	}
	subj := strings.ToLower(rep.Subject)
	for _, s := range bounceSubjects {
		if strings.HasPrefix(subj, s) {
			return "text"
		}
	}
	return ""
}

// originalMarkers start the copy of the returned message in a prose
// bounce; text after them is not read (it is our own message).
var originalMarkers = []string{
	"--- below this line is a copy of the message", "------ this is a copy of the message",
	"----- original message -----", "original message headers:", "----- unsent message below -----",
	"------ original message", "--- original message", "received: from",
}

var addrRE = regexp.MustCompile(`<?([A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)>?`)

// Statements of permanence and of delay in prose bounces, lower case.
var (
	permanentPhrases = []string{"this is a permanent error", "permanent fatal error", "permanent failure",
		"i've given up", "delivery has failed", "could not be delivered", "couldn't be delivered", "unable to deliver"}
	temporaryPhrases = []string{"this is a temporary error", "temporary failure", "has been delayed",
		"delivery is delayed", "still trying", "will continue to try", "will retry", "not yet been delivered"}
)

// classifyProse reads a bounce written as prose: the recipients are the
// X-Failed-Recipients header's or the addresses in the text before the
// copy of the message (not the report's sender, nor any return path or
// address of the returned message); each one's status is the first
// enhanced code or reply code after it, else the text's statement of
// permanence or delay, else it is not classified.
func classifyProse(rep *Report, h mail.Header, w *walker, format string) {
	rep.Format = format
	text := strings.Join(w.text, "\n")
	lower := asciiLower(text)
	cut := len(text)
	for _, m := range originalMarkers {
		if i := strings.Index(lower, m); i >= 0 && i < cut {
			cut = i
		}
	}
	text, lower = text[:cut], lower[:cut]
	general := ""
	for _, p := range temporaryPhrases {
		if strings.Contains(lower, p) {
			general = "4.0.0"
		}
	}
	for _, p := range permanentPhrases {
		if general == "" && strings.Contains(lower, p) {
			general = "5.0.0"
		}
	}
	skip := map[string]bool{strings.ToLower(rep.From): true, strings.ToLower(rep.Original.From): true}
	for _, a := range rep.ReturnPaths {
		skip[strings.ToLower(a)] = true
	}
	var found []string
	if v := h.Get("X-Failed-Recipients"); v != "" {
		for a := range strings.SplitSeq(v, ",") {
			if len(found) == maxRecipients {
				break
			}
			if a = address(a); a != "" {
				found = append(found, a)
			}
		}
	}
	fromHeader := len(found) > 0
	locs := addrRE.FindAllStringSubmatchIndex(text, 50)
	for _, loc := range locs {
		a := text[loc[2]:loc[3]]
		local, _, _ := strings.Cut(strings.ToLower(a), "@")
		line := lower[strings.LastIndexByte(lower[:loc[0]], '\n')+1 : loc[0]]
		if skip[strings.ToLower(a)] || local == "mailer-daemon" || local == "postmaster" ||
			strings.Contains(line, "message-id") || fromHeader || containsFold(found, a) {
			continue
		}
		found = append(found, a)
	}
	for _, a := range found {
		r := Recipient{Email: a}
		para := paragraphAfter(text, lower, a, locs)
		r.Status = statusOf(para)
		if r.Status == "" {
			r.Status = general
		}
		r.Diagnostic = diagnosticLine(para, r.Status)
		r.Kind = kindOf(r.Status)
		if general == "4.0.0" && r.Kind == HardBounce && !strings.Contains(strings.ToLower(para), "permanent") {
			// A delay notice quoting the last 5xx of one attempt is still a delay.
			r.Kind = SoftBounce
		}
		if r.Kind == "" {
			continue
		}
		rep.Recipients = append(rep.Recipients, r)
	}
	switch {
	case len(rep.Recipients) > 0:
		rep.Reason = "bounce text (" + format + ")"
	case len(found) > 0:
		rep.Kind, rep.Reason = Unknown, "bounce text ("+format+") without a status code or a statement that the failure is permanent or temporary"
	case general != "":
		rep.Kind, rep.Reason = kindOf(general), "bounce text ("+format+") naming no recipient"
	default:
		rep.Kind, rep.Reason = Unknown, "bounce text ("+format+") naming no recipient and no status"
	}
}

// paragraphAfter returns the text after the first mention of addr up to
// the next address found or 400 bytes, whichever is first; lower is
// asciiLower(text).
func paragraphAfter(text, lower, addr string, locs [][]int) string {
	i := strings.Index(lower, asciiLower(addr))
	if i < 0 {
		return ""
	}
	start := i + len(addr)
	end := min(len(text), start+400)
	for _, loc := range locs {
		if loc[0] > start && loc[0] < end && !strings.EqualFold(text[loc[2]:loc[3]], addr) {
			end = loc[0]
		}
	}
	return text[start:end]
}

// diagnosticLine returns the line of para that holds status (or the SMTP
// reply code it came from), else its first line with words, shortened.
func diagnosticLine(para, status string) string {
	first := ""
	for line := range strings.SplitSeq(para, "\n") {
		line = strings.TrimSpace(strings.TrimLeft(line, " \t>)]:,"))
		if line == "" {
			continue
		}
		if first == "" {
			first = line
		}
		if status != "" && (strings.Contains(line, status) || statusOf(line) == status) {
			return oneLine(line, 300)
		}
	}
	return oneLine(first, 300)
}

// asciiLower lower-cases A to Z only, so that offsets into the result are
// offsets into s (strings.ToLower may change a text's length: invalid
// UTF-8 becomes U+FFFD, some capitals lower to longer letters). The
// phrases and addresses searched for are ASCII.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// autoReply says why a message is an automatic reply (RFC 3834's
// Auto-Submitted, the vendors' X-Autoreply and kin, an out-of-office
// subject), or "".
func autoReply(rep *Report, h mail.Header) string {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return "Auto-Submitted: " + v
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"} {
		if h.Get(k) != "" {
			return k
		}
	}
	if p := strings.ToLower(h.Get("Precedence")); p == "auto_reply" {
		return "Precedence: " + p
	}
	subj := strings.ToLower(rep.Subject)
	for _, s := range []string{"out of office", "out of the office", "automatic reply", "auto-reply", "autoreply", "auto:", "away from"} {
		if strings.Contains(subj, s) {
			return "subject " + `"` + oneLine(rep.Subject, 80) + `"`
		}
	}
	return ""
}

// tokenRE matches a digest unsubscribe token (digest.Tokens.Sign): key
// ID, address, list, expiry, signature.
var tokenRE = regexp.MustCompile(`\b[A-Za-z0-9_-]{1,16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{1,64}\.[0-9a-z]{1,13}\.[A-Za-z0-9_-]{43}\b`)

// classifyMailto reads a request sent to the List-Unsubscribe mailto:
// URI: a subject starting with "unsubscribe" (after any "Re:" or "Fwd:"),
// carrying the signed token the URI put there (or the body, for clients
// that move it). Without a token the request is Unknown: a From header
// alone can be forged.
func classifyMailto(rep *Report, w *walker) bool {
	subj := strings.TrimSpace(rep.Subject)
	for {
		l := strings.ToLower(subj)
		if p := prefixOf(l, "re:", "fwd:", "fw:", "aw:"); p != "" {
			subj = strings.TrimSpace(subj[len(p):])
			continue
		}
		break
	}
	if !strings.HasPrefix(strings.ToLower(subj), "unsubscribe") {
		return false
	}
	rep.Format = "mailto"
	rep.Token = tokenRE.FindString(subj)
	if rep.Token == "" && len(w.text) > 0 {
		rep.Token = tokenRE.FindString(w.text[0])
	}
	if rep.Token == "" {
		rep.Kind, rep.Reason = Unknown, "unsubscribe request without a signed token (a From header alone can be forged)"
		return true
	}
	rep.Kind, rep.Reason = Unsubscribe, "mailto: unsubscribe request with a token"
	return true
}

func prefixOf(s string, prefixes ...string) string {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return p
		}
	}
	return ""
}
