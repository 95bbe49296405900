// Package sqlite is the embedded default storage: the digest's subscribers,
// their consent histories and sent log (Store, a digest.Lifecycle and
// digest.SentLog) and the
// delivery journal (Journal, a deliver.Journal), in one SQLite file
// through modernc.org/sqlite (pure Go, no cgo).
//
// To start, open the file and put the journal in the same database, so
// that a send and its sent-log entry are committed together:
//
//	store, err := sqlite.OpenStore("khabar-state.db")
//	...
//	journal, err := sqlite.NewJournal(ctx, store.DB())
//	...
//	sender, err := deliver.NewSender(deliver.Config{Client: c, Journal: journal})
//	d := &deliver.Digest{Builder: b, Store: store}
//
// The database runs in WAL mode with synchronous=FULL, busy_timeout 10 s and
// BEGIN IMMEDIATE for writes. The journal commits the writes of concurrent
// workers together (group commit) so that they share fsyncs. Store and
// Journal are safe for concurrent use, also from several processes on one
// file.
//
// Articles (a khabar.ArticleStore, which a khabar.Follower feeds a catalog
// from) and PollState (an upstream.Leaser, the aggregators' poll state)
// live in a file of their own or the same one: OpenArticles,
// OpenPollState.
package sqlite
