package upstream

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html/charset"
)

// Subscription is one upstream feed to poll.
type Subscription struct {
	// URL is the feed's address (OPML xmlUrl).
	URL string
	// Title is the name the list gives it (OPML text or title).
	Title string
	// SiteURL is the site's home page (OPML htmlUrl); may be empty.
	SiteURL string
	// Category is the folder the feed is filed under, outer folders first
	// and joined by "/" ("News/India"); may be empty. A feed holds one:
	// ReadOPML takes it from the outlines the feed is nested in, else the
	// first path of its OPML 2.0 category attribute.
	Category string
}

type opmlDoc struct {
	XMLName xml.Name    `xml:"opml"`
	Version string      `xml:"version,attr"`
	Title   string      `xml:"head>title"`
	Created string      `xml:"head>dateCreated,omitempty"`
	Body    []opmlEntry `xml:"body>outline"`
}

type opmlEntry struct {
	Text     string      `xml:"text,attr"`
	Title    string      `xml:"title,attr,omitempty"`
	Type     string      `xml:"type,attr,omitempty"`
	XMLURL   string      `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string      `xml:"htmlUrl,attr,omitempty"`
	Category string      `xml:"category,attr,omitempty"`
	Children []opmlEntry `xml:"outline"`
}

// OPMLError lists the outlines ReadOPML skipped; it wraps ErrBadOPML.
type OPMLError struct {
	// Problems holds one line per skipped outline.
	Problems []string
}

// Error describes the problem.
func (e *OPMLError) Error() string {
	return "upstream: bad OPML: " + strings.Join(e.Problems, "; ")
}

// Unwrap returns ErrBadOPML.
func (e *OPMLError) Unwrap() error { return ErrBadOPML }

// MaxOPMLDepth is how deeply ReadOPML follows nested outlines. Feed
// readers nest folders one or two deep; outlines deeper than this are
// skipped and reported, so that a hostile list nested thousands deep costs
// no more than a flat one.
const MaxOPMLDepth = 32

// ReadOPML reads a feed list in OPML 1.0 or 2.0. Outlines with an xmlUrl
// are feeds (nested folders become Category; a feed outside folders gets
// the first path of its category attribute, see opmlCategory); a feed
// listed twice is kept once. xmlUrl values that are relative are resolved against base when it
// is not nil. Outlines whose xmlUrl is not an http(s) URL, and outlines
// nested deeper than MaxOPMLDepth, are skipped and reported in an
// *OPMLError returned with the good subscriptions.
func ReadOPML(r io.Reader, base *url.URL) ([]Subscription, error) {
	d := xml.NewDecoder(r)
	d.CharsetReader = charset.NewReaderLabel
	var doc opmlDoc
	if err := d.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadOPML, err)
	}
	var subs []Subscription
	var problems []string
	seen := map[string]bool{}
	tooDeep := 0
	// folder is the path of folder names down to the outlines being read;
	// one slice, pushed and popped, shared by every level.
	var folder []string
	var walk func(es []opmlEntry, depth int)
	walk = func(es []opmlEntry, depth int) {
		if depth > MaxOPMLDepth {
			tooDeep += countOutlines(es)
			return
		}
		for _, e := range es {
			name := strings.TrimSpace(e.Text)
			if name == "" {
				name = strings.TrimSpace(e.Title)
			}
			if e.XMLURL == "" {
				folder = append(folder, name)
				walk(e.Children, depth+1)
				folder = folder[:len(folder)-1]
				continue
			}
			u := resolve(e.XMLURL, base)
			if absHTTP(u) == nil {
				problems = append(problems, fmt.Sprintf("outline %q: xmlUrl %q is not an http(s) URL", name, e.XMLURL))
				continue
			}
			if seen[u] {
				continue
			}
			seen[u] = true
			cat := strings.Trim(strings.Join(folder, "/"), "/")
			if cat == "" {
				cat = opmlCategory(e.Category)
			}
			subs = append(subs, Subscription{
				URL:      u,
				Title:    name,
				SiteURL:  resolve(e.HTMLURL, base),
				Category: cat,
			})
			walk(e.Children, depth+1)
		}
	}
	walk(doc.Body, 1)
	if tooDeep > 0 {
		problems = append(problems, fmt.Sprintf("%d outlines nested deeper than MaxOPMLDepth (%d) skipped", tooDeep, MaxOPMLDepth))
	}
	if len(problems) > 0 {
		return subs, &OPMLError{Problems: problems}
	}
	return subs, nil
}

// opmlCategory returns the first path of an OPML 2.0 category attribute
// ("a string of comma-separated slash-delimited category strings":
// "/Harvard/Berkman,/Politics" names two, the first is
// "Harvard/Berkman"), its names trimmed and empty ones dropped, since a
// Subscription holds one Category. It returns "" when no path names
// anything.
func opmlCategory(attr string) string {
	for path := range strings.SplitSeq(attr, ",") {
		var names []string
		for name := range strings.SplitSeq(path, "/") {
			if name = strings.TrimSpace(name); name != "" {
				names = append(names, name)
			}
		}
		if len(names) > 0 {
			return strings.Join(names, "/")
		}
	}
	return ""
}

// countOutlines counts es and every outline below them, without recursion.
func countOutlines(es []opmlEntry) int {
	n := 0
	stack := [][]opmlEntry{es}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n += len(top)
		for _, e := range top {
			if len(e.Children) > 0 {
				stack = append(stack, e.Children)
			}
		}
	}
	return n
}

// WriteOPML writes subs as an OPML 2.0 document titled title, one folder
// outline per Category. now is written as the dateCreated; the zero time
// leaves it out (for reproducible output).
func WriteOPML(w io.Writer, title string, subs []Subscription, now time.Time) error {
	doc := opmlDoc{Version: "2.0", Title: title}
	if !now.IsZero() {
		doc.Created = now.UTC().Format(time.RFC1123Z)
	}
	folders := map[string]int{}
	for _, s := range subs {
		e := opmlEntry{Text: s.Title, Title: s.Title, Type: "rss", XMLURL: s.URL, HTMLURL: s.SiteURL}
		if e.Text == "" {
			e.Text = s.URL
			e.Title = ""
		}
		if s.Category == "" {
			doc.Body = append(doc.Body, e)
			continue
		}
		i, ok := folders[s.Category]
		if !ok {
			i = len(doc.Body)
			folders[s.Category] = i
			doc.Body = append(doc.Body, opmlEntry{Text: s.Category})
		}
		doc.Body[i].Children = append(doc.Body[i].Children, e)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("upstream: write OPML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
