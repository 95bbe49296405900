package feed

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gorilla/feeds"
	"github.com/khabar/khabar"
)

// Gorilla converts p to a *feeds.Feed, for code that still renders with
// gorilla/feeds. Item bodies (Content) are the ones the Renderer's own
// writers put in the feeds, after Config.ContentPolicy (SafeContent by
// default), taken from its item cache when it holds them. The conversion
// loses what gorilla/feeds cannot hold: every author but the first,
// categories and tags, language, the self, hub and paging links, item
// languages, and image sizes and captions. Ids are the ones this package
// writes, the Atom feed's id and the items' GUIDs (gorilla/feeds would
// otherwise leave RSS without a guid and make up a random Atom id);
// IsPermaLink is "false". It returns nil on a zero Renderer.
func (r *Renderer) Gorilla(p *Page) *feeds.Feed {
	if r == nil || r.s == nil || p == nil {
		return nil
	}
	s := r.s
	fa := r.feedAuthor(p)
	f := &feeds.Feed{
		Title:       khabar.CleanText(p.Title),
		Link:        &feeds.Link{Href: r.PageURL(p.Key)},
		Description: khabar.CleanText(s.Description),
		Author:      &feeds.Author{Name: khabar.CleanText(fa.Name)},
		Updated:     p.Updated.In(s.Location),
		Id:          r.feedID(p.Key),
		Copyright:   khabar.CleanText(s.Copyright),
		Items:       make([]*feeds.Item, 0, len(p.Items)),
	}
	if s.Icon != "" {
		f.Image = &feeds.Image{Url: khabar.URI(s.Icon), Title: f.Title, Link: f.Link.Href}
	}
	for i, a := range p.Items {
		it := &feeds.Item{
			Title:       strings.TrimSpace(khabar.CleanText(a.Title)),
			Link:        &feeds.Link{Href: khabar.URI(a.URL)},
			Description: khabar.CleanText(summary(a)),
			Id:          r.GUID(a),
			IsPermaLink: "false",
			Created:     a.Published.In(s.Location),
			Content:     r.filteredBody(a, p.clean(i)),
		}
		if a.Updated.After(a.Published) {
			it.Updated = a.Updated.In(s.Location)
		}
		if len(a.Authors) > 0 {
			it.Author = &feeds.Author{Name: khabar.CleanText(a.Authors[0].Name)}
		}
		if im := a.Image; im != nil {
			if typ := imageType(im); typ != "" && im.Length > 0 {
				it.Enclosure = &feeds.Enclosure{Url: khabar.URI(im.URL), Type: typ, Length: fmt.Sprint(im.Length)}
			}
		}
		if a.Source != nil {
			it.Source = &feeds.Link{Href: khabar.URI(a.Source.FeedURL)}
		}
		f.Items = append(f.Items, it)
	}
	return f
}

// ItemError reports an item of a *feeds.Feed that FromGorilla could not
// turn into a valid article.
type ItemError struct {
	Index int    // position in Feed.Items
	ID    string // the item's Id, or its link
	Err   error  // a *khabar.ValidationError, or ErrNilItem
}

// Error says which item was skipped and why.
func (e *ItemError) Error() string {
	return fmt.Sprintf("feed: gorilla item %d (%q): %v", e.Index, e.ID, e.Err)
}

// Unwrap returns the reason the item was skipped.
func (e *ItemError) Unwrap() error { return e.Err }

// ErrNilItem is wrapped for a nil entry in Feed.Items (FromGorilla) or
// in Page.Items (Renderer.Write).
var ErrNilItem = errors.New("feed: nil item")

// FromGorilla converts the items of a *feeds.Feed to articles, for sites
// moving from gorilla/feeds to a khabar.Catalog. Item Id becomes the ID
// (the link when Id is empty); Description is read as the summary (its
// markup removed) and Content as the body; Created is the publication date
// (Updated when Created is zero) and a later Updated the update date; an
// image/* enclosure becomes the image. Items that do not make a valid
// article are skipped: the error joins one *ItemError per skipped item
// and the valid articles are still returned.
func FromGorilla(f *feeds.Feed) ([]*khabar.Article, error) {
	if f == nil {
		return nil, nil
	}
	out := make([]*khabar.Article, 0, len(f.Items))
	var errs []error
	for i, it := range f.Items {
		if it == nil {
			errs = append(errs, &ItemError{Index: i, Err: ErrNilItem})
			continue
		}
		a := &khabar.Article{
			ID:          strings.TrimSpace(it.Id),
			Title:       strings.TrimSpace(it.Title),
			Summary:     khabar.PlainText(it.Description),
			ContentHTML: it.Content,
			Published:   it.Created,
		}
		if it.Link != nil {
			a.URL = it.Link.Href
		}
		if a.ID == "" {
			a.ID = a.URL
		}
		if a.Published.IsZero() {
			a.Published = it.Updated
		}
		if it.Updated.After(a.Published) {
			a.Updated = it.Updated
		}
		if it.Author != nil && strings.TrimSpace(it.Author.Name) != "" {
			a.Authors = []khabar.Author{{Name: strings.TrimSpace(it.Author.Name), Email: it.Author.Email}}
		}
		if e := it.Enclosure; e != nil && strings.HasPrefix(e.Type, "image/") {
			im := &khabar.Image{URL: e.Url, Type: e.Type}
			if _, err := fmt.Sscan(e.Length, &im.Length); err != nil || im.Length < 0 {
				im.Length = 0 // unknown
			}
			a.Image = im
		}
		if err := a.Validate(); err != nil {
			errs = append(errs, &ItemError{Index: i, ID: a.ID, Err: err})
			continue
		}
		out = append(out, a)
	}
	return out, errors.Join(errs...)
}
