package storetest_test

import (
	"testing"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/storetest"
)

func TestMemoryArticles(t *testing.T) {
	storetest.Articles(t, func(t *testing.T) (khabar.ArticleStore, func() khabar.ArticleStore) {
		s := &storetest.MemoryArticles{}
		return s, func() khabar.ArticleStore { return s }
	})
}
