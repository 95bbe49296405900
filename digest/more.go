package digest

import (
	"fmt"

	"github.com/khabar/khabar"
)

// relatedSource is implemented by sources that find stories like a given
// one (*khabar.Catalog): the digest then shows "more like this" under its
// lead story.
type relatedSource interface {
	Related(id string, n int) []*khabar.Article
}

var _ relatedSource = (*khabar.Catalog)(nil)

// The "more like this" links under the lead story: up to moreShown of the
// lead's moreAsked most related stories, skipping those the digest shows
// already and those in another language.
const (
	moreShown = 2
	moreAsked = 12
)

// more returns the "more like this" stories of m's lead story (the first
// followed story, else the first top story) in the language lang, or nil
// when the source cannot find related stories. A pooled lead keeps its
// candidates, so that the subscribers who share it ask the source once.
func (b *Builder) more(m *Message, lang string) ([]StoryView, error) {
	src, ok := b.cfg.Source.(relatedSource)
	if !ok {
		return nil, nil
	}
	var lead Story
	switch {
	case len(m.Followed) > 0:
		lead = m.Followed[0]
	case len(m.Top) > 0:
		lead = m.Top[0]
	default:
		return nil, nil
	}
	var cands []StoryView
	if p := lead.item.cachedRelated(); p != nil {
		cands = *p
	} else {
		var err error
		if cands, err = b.relatedViews(src, lead.Article, lang); err != nil {
			return nil, err
		}
		lead.item.cacheRelated(&cands)
	}
	var out []StoryView
	for _, v := range cands {
		if !shownIn(m, v.id) {
			out = append(out, v)
			if len(out) == moreShown {
				break
			}
		}
	}
	return out, nil
}

// cachedRelated returns the "more like this" candidates kept on it, nil
// when none are (or it is nil: a story not from a pool).
func (it *poolItem) cachedRelated() *[]StoryView {
	if it == nil {
		return nil
	}
	return it.related.Load()
}

// cacheRelated keeps the candidates on it, if it is not nil.
func (it *poolItem) cacheRelated(p *[]StoryView) {
	if it != nil {
		it.related.Store(p)
	}
}

// relatedViews returns the views of the up to moreAsked stories like a in
// the language lang, their links rendered by the "more-link" templates.
func (b *Builder) relatedViews(src relatedSource, a *khabar.Article, lang string) ([]StoryView, error) {
	var out []StoryView
	for _, r := range src.Related(a.ID, moreAsked) {
		l := baseLanguage(r.Language)
		if l == "" {
			l = b.lang
		}
		if l != lang {
			continue
		}
		v := StoryView{Title: capBytes(khabar.Truncate(oneLine(r.Title), 160), maxTitleBytes), URL: khabar.URI(r.URL), Lang: l, Dir: "ltr", id: r.ID}
		if v.Title == "" {
			v.Title = v.URL
		}
		if rtlLanguage(l) {
			v.Dir = "rtl"
		}
		if err := b.tmpl.renderFragment(&v, "more-link"); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// shownIn reports whether m shows the story with the given ID.
func shownIn(m *Message, id string) bool {
	for _, list := range [][]Story{m.Followed, m.Top} {
		for _, s := range list {
			if s.Article.ID == id {
				return true
			}
		}
	}
	return false
}

// viewsLabel is a story's view counter as the strings t of the language
// lang write it ("1.4 हज़ार बार पढ़ी गई"), "" when it has none.
func viewsLabel(a *khabar.Article, lang string, t map[string]string) string {
	f := t["views"]
	if a.Metrics.Views <= 0 || f == "" {
		return ""
	}
	return fmt.Sprintf(f, khabar.FormatCount(a.Metrics.Views, lang))
}
