// Package feed renders a khabar.Catalog as RSS 2.0, Atom 1.0 and JSON Feed
// 1.1 feeds, and serves them over HTTP the way feed readers expect.
//
// There is one feed per khabar.Key: the whole site, each category (its
// descendants included), each tag and each author. A Renderer turns a page
// of such a feed into bytes; a Handler serves them under WordPress's URL
// scheme (/feed/, /feed/atom/, /feed/json/, /category/{path}/feed/,
// /tag/{slug}/feed/, /author/{slug}/feed/) with conditional GET, gzip,
// RFC 5005 paging links, WebSub hub links and publish pings, and a cache
// that keeps rendered bytes until a catalog change touches that feed.
//
// # Output rules
//
// Every feed is written by hand rather than through encoding/xml or
// encoding/json, for speed and to control details that matter to the W3C
// feed validator and to feed readers:
//
//   - text passes through khabar.CleanText (or a fast check that it would
//     change nothing), so characters XML forbids never reach the output;
//     titles, summaries and attributes are escaped; HTML bodies
//     (content:encoded, Atom content) are CDATA sections, as WordPress
//     writes them, split around any "]]>" the body contains;
//   - links are URIs (khabar.URI): non-ASCII paths and hosts are
//     percent-encoded or punycoded;
//   - dates are RFC 822 (with a four-digit year and a numeric zone) in RSS
//     and RFC 3339 in Atom and JSON, in Config.Location;
//   - every item has a stable id derived from Article.ID and the site's host
//     (a tag: URI, see Renderer.GUID), the same in all three formats;
//   - RSS uses dc:creator for authors (RSS's own author element requires an
//     email address), one category element per category and tag with a
//     domain naming the taxonomy, content:encoded for the body, and
//     atom:link for self, hub and paging links;
//   - an image becomes media:content and media:thumbnail, and an enclosure
//     only when its length and type are known: the validator rejects an
//     enclosure without a positive length, and a wrong one would mislead
//     podcast-style clients;
//   - Atom always carries a feed-level author, so entries without a byline
//     stay valid;
//   - an empty feed is valid in all three formats (JSON keeps "items": []).
//
// The same catalog state always gives byte-identical output.
//
// # Concurrency
//
// Renderer and Handler are safe for concurrent use. A Renderer caches each
// article's rendered item per format and reuses it until the catalog hands
// out a different snapshot of that article, so re-rendering a feed after
// one change costs one item plus copying the rest; a Handler also keeps
// each item deflated, so the gzip body of a changed feed is put together
// from pieces too. Config.CacheBytes bounds what both keep.
//
// # Performance
//
// The benchmarks compare this package with gorilla/feeds on the same 50
// articles with full Hindi bodies (go test -bench . ./feed/, ratios in the
// "ratio" column), and feed/bench/wrk.sh compares the Handler serving a
// cached feed with nginx serving the same gzipped bytes.
package feed
