package deliver

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// dkimNow is the clock of t=, as go-msgauth reads it.
var dkimNow = time.Now

// fastSignature returns the DKIM-Signature field (with its CRLF) for msg
// signed for domain (d=, in A-labels: see signature), byte for byte what
// go-msgauth's Signer writes for the same options and
// second, computed in one pass without copying the body: go-msgauth's
// relaxed body canonicalizer, byte by byte through a pipe, cost more than
// the rest of a digest's sending. ok is false when msg is not a non-empty
// header block and a body with CRLF line endings only, for go-msgauth to
// sign.
func (d *DKIM) fastSignature(msg []byte, domain string, headers []string, expires time.Time) (sig string, ok bool, err error) {
	end := bytes.Index(msg, []byte("\r\n\r\n"))
	if end < 0 || bytes.HasPrefix(msg, []byte("\r\n")) { // no header block, or an empty one
		return "", false, nil
	}
	// CRLF line endings only: as many CRs as LFs, and each CR followed by
	// an LF (relaxedBody checks the body's, which are most of them).
	hdr := msg[:end+2]
	if bytes.Count(msg, []byte("\r")) != bytes.Count(msg, []byte("\n")) ||
		bytes.Count(hdr, []byte("\r\n")) != bytes.Count(hdr, []byte("\r")) {
		return "", false, nil
	}
	fields, names := headerFields(string(hdr))
	h := sha256.New()
	if !relaxedBody(h, msg[end+4:]) {
		return "", false, nil
	}

	algo := "rsa-sha256"
	signHash := crypto.SHA256
	if _, isEd := d.Key.Public().(ed25519.PublicKey); isEd {
		algo, signHash = "ed25519-sha256", crypto.Hash(0)
	}
	params := [][2]string{
		{"a", algo},
		{"bh", base64.StdEncoding.EncodeToString(h.Sum(nil))},
		{"c", "relaxed/relaxed"},
		{"d", domain},
		{"h", strings.Join(headers, ":")},
		{"s", d.Selector},
		{"t", strconv.FormatInt(dkimNow().Unix(), 10)},
		{"v", "1"},
	}
	if !expires.IsZero() {
		params = append(params, [2]string{"x", strconv.FormatInt(expires.Unix(), 10)})
	}

	h.Reset()
	canon := make([]byte, 0, 2048) // the signed header fields, canonical
	picked := make(map[string]int, len(headers))
	for _, name := range headers {
		key := strings.ToLower(name)
		at := picked[key]
		for i := len(fields) - 1; i >= 0; i-- {
			if !strings.EqualFold(names[i], key) {
				continue
			}
			if at == 0 {
				picked[key]++
				canon = appendRelaxedHeader(canon, fields[i])
				break
			}
			at--
		}
	}
	canon = appendRelaxedHeader(canon, formatSignature(params, ""))
	h.Write(canon[:len(canon)-2]) // the signature field without its CRLF
	b, err := d.Key.Sign(rand.Reader, h.Sum(nil), signHash)
	if err != nil {
		return "", true, err
	}
	return formatSignature(params, base64.StdEncoding.EncodeToString(b)), true, nil
}

// headerFields returns the fields of a header block (whose lines end in
// CRLF), each with its continuation lines and CRLFs, and each field's name
// without the WSP around it.
func headerFields(block string) (fields, names []string) {
	start := 0
	add := func(end int) {
		f := block[start:end]
		k, _, _ := strings.Cut(f, ":")
		fields, names = append(fields, f), append(names, strings.TrimSpace(k))
		start = end
	}
	for i := 0; i < len(block); i += strings.Index(block[i:], "\r\n") + 2 {
		if i > start && block[i] != ' ' && block[i] != '\t' {
			add(i)
		}
	}
	if start < len(block) {
		add(len(block))
	}
	return fields, names
}

// appendRelaxedHeader appends the canonical form of a header field
// (RFC 6376 3.4.2) to dst: the name lowercased, runs of WSP and line
// breaks in the value one SP, none at either end of it, then CRLF.
func appendRelaxedHeader(dst []byte, kv string) []byte {
	k, v, ok := strings.Cut(kv, ":")
	dst = append(dst, strings.TrimSpace(strings.ToLower(k))...)
	dst = append(dst, ':')
	if ok {
		start, sep := len(dst), false
		for i := 0; i < len(v); i++ {
			switch c := v[i]; c {
			case ' ', '\t', '\n', '\r':
				sep = true
			default:
				if sep && len(dst) > start {
					dst = append(dst, ' ')
				}
				sep = false
				dst = append(dst, c)
			}
		}
	}
	return append(dst, "\r\n"...)
}

// relaxedBody writes the relaxed canonical form (RFC 6376 3.4.4) of body
// to w: runs of WSP become one SP, WSP at the end of a line goes, empty
// lines at the end go, and a non-empty body ends with CRLF. body has CRLF
// line endings; ok is false if it has a CR not followed by LF (what was
// written to w is then meaningless). Line breaks are held back until
// something other than a line break follows.
//
// Most of a digest's body is base64 lines, which the canonical form leaves
// as they are, so nothing here looks at each byte: it jumps from one SP,
// HTAB or CR to the next with bytes.IndexByte and hands w the longest
// stretches of body that pass unchanged (a single SP between words and a
// held-back CRLF included), so that a body without WSP at the ends of its
// lines is hashed in a handful of writes straight from the input.
func relaxedBody(w io.Writer, body []byte) (ok bool) {
	r := bodyRun{w: w, body: body}
	pending := 0 // CRLFs held back
	pendAt := 0  // where they start in body, when they are all adjacent
	pendAdjacent := false
	wspAt, oneSP := -1, false // the WSP run before the next word
	written := false
	nextSP, nextTab, nextCR := indexFrom(body, 0, ' '), indexFrom(body, 0, '\t'), indexFrom(body, 0, '\r')
	for i := 0; i < len(body); {
		j := min(nextSP, nextTab, nextCR)
		if j > i { // a word: body[i:j]
			if pending > 0 {
				if pendAdjacent {
					r.emit(pendAt, pendAt+2*pending)
				} else {
					r.flush()
					for ; pending > 0; pending-- {
						_, _ = w.Write(crlf)
					}
				}
				pending = 0
			}
			switch {
			case wspAt < 0:
				r.emit(i, j)
			case oneSP:
				r.emit(wspAt, j)
			default:
				r.flush()
				_, _ = w.Write(space)
				r.emit(i, j)
			}
			wspAt = -1
			written = true
		}
		if j == len(body) {
			break
		}
		switch body[j] {
		case '\r':
			if j+1 == len(body) || body[j+1] != '\n' {
				return false
			}
			wspAt = -1
			if pending == 0 {
				pendAt, pendAdjacent = j, true
			} else if pendAt+2*pending != j {
				pendAdjacent = false
			}
			pending++
			i = j + 2
			nextCR = indexFrom(body, i, '\r')
		case ' ':
			if wspAt < 0 {
				wspAt, oneSP = j, true
			} else {
				oneSP = false
			}
			i = j + 1
			nextSP = indexFrom(body, i, ' ')
		default: // HTAB
			if wspAt < 0 {
				wspAt = j
			}
			oneSP = false
			i = j + 1
			nextTab = indexFrom(body, i, '\t')
		}
	}
	if written {
		if pending > 0 && pendAdjacent {
			r.emit(pendAt, pendAt+2)
		} else {
			r.flush()
			_, _ = w.Write(crlf)
		}
	}
	r.flush()
	return true
}

var (
	crlf  = []byte("\r\n")
	space = []byte(" ")
)

// indexFrom returns the index of the first c in b at or after i, or
// len(b).
func indexFrom(b []byte, i int, c byte) int {
	if i >= len(b) {
		return len(b)
	}
	if k := bytes.IndexByte(b[i:], c); k >= 0 {
		return i + k
	}
	return len(b)
}

// bodyRun collects adjacent stretches of body that pass to the canonical
// form unchanged, to write them to w as one.
type bodyRun struct {
	w        io.Writer
	body     []byte
	from, to int // body[from:to] is not written yet
}

// emit adds body[from:to], which is to be written next.
func (r *bodyRun) emit(from, to int) {
	if from != r.to {
		r.flush()
		r.from = from
	}
	r.to = to
}

// flush writes what emit collected.
func (r *bodyRun) flush() {
	if r.to > r.from {
		_, _ = r.w.Write(r.body[r.from:r.to])
	}
	r.from, r.to = -1, -1
}

// formatSignature writes the DKIM-Signature field as go-msgauth does:
// tags sorted by name and folded before one that would pass 75 columns,
// then b= on lines of its own, 75 characters each.
func formatSignature(params [][2]string, b string) string {
	params = slices.Clone(params)
	slices.SortFunc(params, func(x, y [2]string) int { return strings.Compare(x[0], y[0]) })
	var s strings.Builder
	s.WriteString("DKIM-Signature:")
	line := ""
	for _, p := range params {
		if 3+len(line)+len(p[1])+len(p[0]) > 75 {
			s.WriteString(line + "\r\n")
			line = ""
		}
		line += " " + p[0] + "=" + p[1] + ";"
	}
	s.WriteString(line)
	s.WriteString("\r\n")
	bf := " b=" + b
	for first := true; len(bf) > 0 || first; first = false {
		if !first {
			s.WriteString("\r\n ")
		}
		n := min(75, len(bf))
		s.WriteString(bf[:n])
		bf = bf[n:]
	}
	s.WriteString("\r\n")
	return s.String()
}
