package digest

import (
	"context"
	"strings"
	"testing"

	"github.com/khabar/khabar"
)

// findOnly is a StorySource that cannot find related stories.
type findOnly struct{ c *khabar.Catalog }

func (f findOnly) Find(q khabar.Query) []*khabar.Article { return f.c.Find(q) }

func TestMoreLikeThis(t *testing.T) {
	sub := goldenSubscribers[0]
	const label = "इससे जुड़ी ख़बरें"
	build := func(mod func(*Config)) *Message {
		t.Helper()
		m, err := newTestBuilder(t, mod).Build(context.Background(), testEdition, sub)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	full := build(nil)
	if !strings.Contains(string(full.HTML), label) || !strings.Contains(string(full.Text), label) {
		t.Fatal("no \"more like this\" under the lead story")
	}
	if strings.Count(string(full.HTML), "https://khabar.example/sports/practice/") != 1 {
		t.Error("the related story is not linked once")
	}

	// A source without Related: no section.
	plain := build(func(c *Config) { c.Source = findOnly{c.Source.(*khabar.Catalog)} })
	if strings.Contains(string(plain.HTML), label) || strings.Contains(string(plain.Text), label) {
		t.Error("\"more like this\" from a source that cannot find related stories")
	}

	// Short of room, the section goes before any story does.
	tight := build(func(c *Config) { c.MaxHTML = len(full.HTML) - 1 })
	if strings.Contains(string(tight.HTML), label) {
		t.Error("\"more like this\" kept in a message over MaxHTML")
	}
	if tight.Trimmed != 0 || tight.Stories() != full.Stories() {
		t.Errorf("%d stories, %d trimmed; want %d, 0", tight.Stories(), tight.Trimmed, full.Stories())
	}
}
