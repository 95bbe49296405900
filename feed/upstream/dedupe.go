package upstream

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"

	"github.com/khabar/khabar"
)

// The dedupe stage: every article gets an ID from its feed and its item's
// dedupe key, and an item that repeats an earlier one of its document is
// dropped.

// DedupeKey returns the key that identifies an item within its feed: its
// GUID, else its canonical link (tracking parameters removed, scheme and
// host in lower case, the default port and the fragment dropped), else a
// hash of its title and content.
//
// Within one document, an item that repeats an earlier item's key is
// dropped (reported as ErrDuplicateItem), and items with different links
// that share a GUID (reported as ErrDuplicateGUID) are keyed by GUID and
// canonical link instead, so that a feed giving every item the same guid
// loses none of them.
//
// A GUID can be shared on one poll and not on another: a CMS that writes
// one guid on every item serves it alone when its feed holds one item.
// So that such an item keeps its ID (ArticleID) from poll to poll, a
// Poller, which knows the articles in its Catalog, keys an item with a
// GUID by the first that applies:
//
//  1. the GUID alone, when the article stored under it has the item's
//     canonical link: the item already stored under its GUID keeps it,
//     whichever other items share the GUID now;
//  2. GUID and canonical link, when an article is stored under that key:
//     an item once keyed so keeps it, even when alone with its GUID;
//  3. the GUID alone, when no other item of the document has it: every
//     item of an ordinary feed (unique GUIDs), a new one or one whose
//     link changed;
//  4. GUID and canonical link.
//
// Parse, which knows no stored articles, applies rules 3 and 4 alone. A
// new item served alone with a GUID stored under another link takes the
// GUID-alone ID (rule 3), updating that article: nothing tells it from an
// item whose link changed.
func DedupeKey(guid, link, title, content string) string {
	switch {
	case strings.TrimSpace(guid) != "":
		return "guid:" + strings.TrimSpace(guid)
	case link != "":
		return "link:" + canonicalLink(link)
	}
	h := sha256.New()
	h.Write([]byte(title))
	h.Write([]byte{0})
	h.Write([]byte(content))
	return "hash:" + hex.EncodeToString(h.Sum(nil))
}

// guidLinkKey is the dedupe key of an item whose GUID is shared by items
// with other links in the same document: the GUID and the canonical link.
func guidLinkKey(guid, link string) string {
	return "guid:" + strings.TrimSpace(guid) + "\nlink:" + canonicalLink(link)
}

// canonicalLink returns the form of an item link used to recognise the
// same item again: tracking parameters removed, scheme and host in lower
// case, the default port and the fragment dropped. A link that does not
// parse is returned trimmed.
func canonicalLink(link string) string {
	link = strings.TrimSpace(StripTracking(strings.TrimSpace(link)))
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return link
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if p := u.Port(); (p == "80" && u.Scheme == "http") || (p == "443" && u.Scheme == "https") {
		u.Host = u.Hostname()
		if strings.Contains(u.Host, ":") {
			u.Host = "[" + u.Host + "]"
		}
	}
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}

// ArticleID returns the stable article ID of an item of the feed at
// feedURL with the given dedupe key: the same item polled again gets the
// same ID, so it updates its article instead of adding one (items that
// share a GUID included, when a Poller polls them: see DedupeKey).
func ArticleID(feedURL, key string) string {
	h := sha256.New()
	h.Write([]byte(feedURL))
	h.Write([]byte{'\n'})
	h.Write([]byte(key))
	return "up-" + hex.EncodeToString(h.Sum(nil)[:16])
}

func articleID(feedURL, guid, link, title, content string) string {
	return ArticleID(feedURL, DedupeKey(guid, link, title, content))
}

// storedLink reports whether an article is stored under id, and its
// link.
type storedLink func(id string) (link string, ok bool)

// docDedupe finds repeated items within one document.
type docDedupe struct {
	known storedLink // the articles already stored; nil when unknown
	ids   map[string]bool
	guids map[string]*guidGroup
}

// guidGroup is the items seen with one GUID.
type guidGroup struct {
	first *khabar.Article // the first item with the GUID
	split bool            // the GUID has been seen with different links
}

// guidID returns the ID of an item of the feed at feedURL with the given
// GUID and link; shared says other items of the document have the GUID
// with other links. See DedupeKey for the rules.
func (d *docDedupe) guidID(feedURL, guid, link string, shared bool) string {
	alone := ArticleID(feedURL, "guid:"+guid)
	if d.known == nil && !shared {
		return alone
	}
	withLink := ArticleID(feedURL, guidLinkKey(guid, link))
	if d.known != nil {
		if stored, ok := d.known(alone); ok && canonicalLink(stored) == canonicalLink(link) {
			return alone
		}
		if _, ok := d.known(withLink); ok {
			return withLink
		}
	}
	if shared {
		return withLink
	}
	return alone
}

// keep reports whether a, the item at index, is new in its document. It
// gives items with a GUID their IDs (guidID), re-keying the first item
// with a GUID when the GUID turns out to be shared by different links.
func (d *docDedupe) keep(a *khabar.Article, index int, perr *ParseError) bool {
	if d.ids == nil {
		d.ids, d.guids = map[string]bool{}, map[string]*guidGroup{}
	}
	guid := ""
	if a.Source != nil {
		guid = strings.TrimSpace(a.Source.GUID)
	}
	report := func(err error) {
		perr.addItem(&ItemError{FeedURL: perr.FeedURL, Index: index, GUID: guid, Field: "guid", Err: err})
	}
	if guid != "" {
		g := d.guids[guid]
		switch {
		case g == nil:
			d.guids[guid] = &guidGroup{first: a}
			a.ID = d.guidID(perr.FeedURL, guid, a.URL, false)
		case !g.split && canonicalLink(g.first.URL) == canonicalLink(a.URL):
			report(ErrDuplicateItem)
			return false
		default:
			if !g.split {
				g.split = true
				delete(d.ids, g.first.ID)
				g.first.ID = d.guidID(perr.FeedURL, guid, g.first.URL, true)
				d.ids[g.first.ID] = true
			}
			a.ID = d.guidID(perr.FeedURL, guid, a.URL, true)
			if d.ids[a.ID] {
				report(ErrDuplicateItem)
				return false
			}
			report(ErrDuplicateGUID)
		}
	}
	if d.ids[a.ID] {
		report(ErrDuplicateItem)
		return false
	}
	d.ids[a.ID] = true
	return true
}
