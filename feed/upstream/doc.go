// Package upstream brings other sites' feeds into khabar: it fetches them
// politely and safely, parses them with gofeed, and normalizes every item
// into a khabar.Article. To start, give a Poller a Catalog, Add
// Subscriptions (ReadOPML reads a feed list) and call Run; or call
// Parser.Parse on a document you already have.
//
// # Fetching
//
// A Fetcher makes conditional GET requests (ETag, Last-Modified), asks for
// gzip and refuses a body over its limit after decompression (a
// *TooLargeError, never a silently cut feed). Its SSRF guard checks the
// address actually dialed: loopback, private, CGNAT, link-local,
// unique-local, multicast and unspecified addresses are refused with an
// *AddressError unless AllowPrivate is set. Fetcher.Update schedules the next poll from
// Retry-After, Cache-Control, Expires, the RSS ttl and sy:updatePeriod, or
// an exponential backoff with jitter after errors.
//
// # Parsing
//
// Parser.Parse (or ParseResult, for a Fetch result: relative links then
// resolve against Content-Location or the address after redirects, unless
// xml:base says otherwise; RSS and JSON Feed item content resolves
// against the item's link first) decodes
// the document to UTF-8 (byte order mark, UTF-16/32, HTTP charset, XML
// declaration, else windows-1252); reads an XML document's tags once for
// what gofeed does not report (xml:base in RSS items, Atom text constructs,
// RSS bodies, item boundaries); hands it to gofeed (RSS 0.9x–2.0 and 1.0,
// Atom 0.3/1.0, JSON Feed 1.0/1.1); and translates each item: dates in
// every zone form, relative URLs, tracking parameters, images, authors,
// categories (sections) apart from tags (JSON Feed tags, iTunes and media
// RSS keywords), plain-text titles, HTML sanitized with an allow-list that
// keeps iframes only from IFrameHosts. XML over 4 MiB is parsed a
// megabyte of items at a time. DOCTYPE entities are never expanded.
//
// Nothing is invented: an item without a date (or whose zone is unknown:
// a *ZoneError) keeps a zero Published time and is reported as an
// *ItemError (a Poller leaves it out unless UndatedFirstSeen dates it). A
// document that breaks part-way yields the items around the break, with
// a *ParseError. Every article gets a stable ID (ArticleID) from the feed
// URL and the item's dedupe key (DedupeKey: GUID, else canonical link,
// else a hash of title and content). A repeated item is returned once
// (ErrDuplicateItem); items with different links sharing a GUID are all
// kept (ErrDuplicateGUID), and a Poller keeps their IDs from poll to poll
// by the articles its Catalog holds (see DedupeKey).
//
// # Limits
//
// What one feed can make this package hold is bounded. Over a limit, what
// fits is kept and a *LimitError (wrapping ErrLimit) names the limit:
//
//   - Fetcher: MaxBodyBytes (15 MiB), MaxRedirects (5), ConnectTimeout
//     (10 s), Timeout (30 s); zero means the default. Fixed: a response
//     header of at most 64 KiB; an ETag or Last-Modified over 1 KiB is not
//     kept (State would hold it and every request send it back).
//   - Parser: MaxItems (DefaultMaxItems, 10,000 items, the rest cut before
//     gofeed reads them) and MaxItemErrors (DefaultMaxItemErrors, 1,000
//     listed, the rest counted in ParseError.Omitted); zero means the default.
//   - Per item, fixed: khabar's MaxAuthors (50), MaxCategories (50) and
//     MaxTags (100), the first ones kept; MaxTitleRunes (1,000, cut),
//     MaxContentBytes (1 MiB, cut), MaxURLBytes (4,096, not used),
//     MaxDateBytes (256, not read: a *DateError); MaxItemElements (5,000
//     elements in one item: the item is left out).
//   - XML documents, fixed: MaxElements (100,000 elements: the rest is cut).
//     Items are counted in any letter case (gofeed reads <Item> as an
//     item), and a DOCTYPE is read as encoding/xml reads it, so that no
//     internal subset hides the document from these limits.
//   - ReadOPML: MaxOPMLDepth (32) levels of nested outlines; Poller:
//     Concurrency (8) feeds at once, PerHost (2) per host.
//
// # Polling
//
// A Poller polls many feeds with a global and a per-host concurrency limit,
// keeps per-feed state in a Store (FileStore: a JSON file written
// atomically) and upserts the articles into a khabar.Catalog. Parser,
// Fetcher, Poller and FileStore are safe for concurrent use.
package upstream
