// Package storetest is the conformance suite for khabar's store
// interfaces: every implementation (the in-memory ones, package sqlite,
// package postgres, and a store of your own) must pass it. Each function
// takes the test and a function that opens a fresh, empty store for one
// subtest, and runs the behaviour the interfaces promise as subtests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Subscribers(t, func(t *testing.T) storetest.Store { return openMyStore(t) })
//		storetest.Journal(t, func(t *testing.T) deliver.Journal { return openMyJournal(t) })
//	}
//
// Subscribers tests a digest subscriber store and sent log; Lifecycle a
// digest.Lifecycle (consent histories, the pause, the pending and
// complained statuses, the events every status change leaves); Journal tests
// a delivery journal, and its claims when it is a deliver.Claimer;
// SentJournal tests a journal that keeps a store's sent log; Claimers
// races several handles on one shared journal (several connection pools
// on one database) under the claim rules. Articles checks a
// khabar.ArticleStore (its second function reopens the store, to check
// what survives) and PollState an upstream.Leaser (the poll state shared
// by aggregators). MemoryArticles is an article store in memory, for
// tests of code that uses one. Run the suites with -race: they hammer one
// store from many goroutines.
package storetest
