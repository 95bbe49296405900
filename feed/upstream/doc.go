// Package upstream brings other sites' feeds into khabar: it fetches them
// politely and safely, parses them with gofeed, and normalizes every item
// into a khabar.Article. To start, give a Poller a Catalog, Add
// Subscriptions (ReadOPML reads a feed list) and call Run; or call
// Parser.Parse on a document you already have.
//
// # Fetching
//
// A Fetcher makes conditional GET requests (ETag, Last-Modified), asks for
// gzip, bounds connect and total time, follows at most five redirects and
// refuses bodies larger than its limit after decompression (a
// *TooLargeError, never a silently cut feed). Its SSRF guard checks the
// address actually dialed, so a name or redirect leading to a loopback,
// private, CGNAT, link-local (cloud metadata), unique-local, multicast or
// unspecified address is refused with an *AddressError unless
// AllowPrivate is set. Fetcher.Update schedules the next poll from
// Retry-After, Cache-Control, Expires, the RSS ttl and sy:updatePeriod, or
// an exponential backoff with jitter after errors.
//
// # Parsing
//
// Parser.Parse (or ParseResult, for a Fetch result: relative links then
// resolve against Content-Location or the address after redirects) works
// in stages: it decodes the document to UTF-8 (byte order mark, UTF-16/32
// byte patterns, HTTP charset, XML declaration, else windows-1252); reads
// an XML document's tags once for what gofeed does not report (xml:base in
// RSS items, Atom text constructs with their type and mode, RSS <body> and
// <fullitem>, item boundaries); hands it to gofeed (RSS 0.9x–2.0 and 1.0,
// Atom 0.3/1.0, JSON Feed 1.0/1.1); translates each item field by field —
// dates in every zone form at their real offsets, relative URLs, tracking
// parameters, images, authors and contributors, categories, titles as
// plain text, HTML sanitized with an allow-list (the engine behind
// package feed's SafeContent, with a policy for untrusted HTML) that keeps
// iframes only from IFrameHosts — and drops repeated items. XML documents
// over 4 MiB are parsed a megabyte of items at a time.
//
// Nothing is invented: an item without a date (or whose date names an
// unknown zone: a *ZoneError) keeps a zero Published time and is reported
// as an *ItemError (a Poller leaves it out unless its UndatedFirstSeen
// option dates it). A document that breaks part-way still
// yields the items before (and, for a broken item, after) the break, with
// a *ParseError. DOCTYPE entities are never expanded, so "billion laughs"
// and external-entity documents are harmless.
//
// Every article gets a stable ID (ArticleID) from the feed URL and the
// item's dedupe key (DedupeKey: GUID, else canonical link, else a hash of
// title and content), so polling an item again updates its article. An
// item repeating an earlier one of its document is returned once
// (ErrDuplicateItem); items with different links sharing a GUID are all
// kept, keyed by GUID and link (ErrDuplicateGUID).
//
// # Polling
//
// A Poller polls many feeds with a global and a per-host concurrency
// limit, keeps per-feed state in a Store (FileStore, a JSON file written
// atomically, survives restarts) and upserts the articles into a
// khabar.Catalog. ReadOPML and WriteOPML import and export feed lists.
//
// Parser, Fetcher, Poller and FileStore are safe for concurrent use.
package upstream
