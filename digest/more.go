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
// when the source cannot find related stories.
func (b *Builder) more(m *Message, lang string) []StoryView {
	src, ok := b.cfg.Source.(relatedSource)
	if !ok {
		return nil
	}
	var lead *khabar.Article
	switch {
	case len(m.Followed) > 0:
		lead = m.Followed[0].Article
	case len(m.Top) > 0:
		lead = m.Top[0].Article
	default:
		return nil
	}
	shown := make(map[string]bool, len(m.Followed)+len(m.Top))
	for _, list := range [][]Story{m.Followed, m.Top} {
		for _, s := range list {
			shown[s.Article.ID] = true
		}
	}
	var out []StoryView
	for _, a := range src.Related(lead.ID, moreAsked) {
		l := baseLanguage(a.Language)
		if l == "" {
			l = b.lang
		}
		if shown[a.ID] || l != lang {
			continue
		}
		out = append(out, storyViewOf(a))
		if len(out) == moreShown {
			break
		}
	}
	return out
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
