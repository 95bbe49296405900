// Package storetest is the conformance suite for khabar's store
// interfaces: a third party's store passes the same tests as the
// in-memory, SQLite and PostgreSQL stores khabar ships.
//
// Call a suite from a test with a function that opens a fresh store:
//
//	func TestArticles(t *testing.T) {
//		storetest.Articles(t, func(t *testing.T) (khabar.ArticleStore, func() khabar.ArticleStore) {
//			s := openMyStore(t)
//			return s, func() khabar.ArticleStore { return reopenMyStore(t) }
//		})
//	}
//
// Articles checks a khabar.ArticleStore, PollState an upstream.Leaser (the
// poll state shared by aggregators). MemoryArticles is an article store in
// memory, for tests of code that uses one.
package storetest
