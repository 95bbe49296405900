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
//   - characters XML forbids never reach the output: article text from a
//     khabar.Catalog is clean already (the catalog stores every text field
//     through khabar.CleanText) and is only escaped; articles of a Page
//     built by hand, and feed-level strings, are checked and cleaned
//     first. Titles, summaries and attributes are escaped; HTML bodies
//     (content:encoded, Atom content) are CDATA sections, as WordPress
//     writes them, split around any "]]>" the body contains;
//   - bodies pass through Config.ContentPolicy, by default SafeHTML:
//     script, style, iframe, object, embed, applet, meta, link and the
//     like are dropped, so are event-handler (on…), style and other
//     attributes the W3C validator does not accept, and javascript:,
//     vbscript: and non-image data: URLs; relative href and src are
//     resolved against the article's URL. A quick byte scan returns clean
//     bodies unchanged; only the others are tokenized. The result is
//     cached with the item, so a re-render does not repeat it;
//   - the summary is plain text: Atom writes it as type="text", JSON as
//     summary, and RSS, whose description readers treat as HTML, with its
//     <, > and & escaped for HTML as well as for XML;
//   - titles are plain text too, written escaped. A title whose text holds
//     markup, such as "<b>बजट</b> & आप", is written as that text (readers
//     show the tags as typed); the W3C validator then warns "title should
//     not contain HTML", the one warning this package leaves to the
//     publisher, who chose that title;
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
// articles with full Hindi bodies, both writing into the same reused
// bytes.Buffer; the "ratio" column is khabar time / gorilla time measured
// in the same loop:
//
//   - BenchmarkColdRender: a cold render without the item cache
//     (Renderer.RenderUncached: every item rendered straight into the
//     writer's buffer, nothing kept);
//   - BenchmarkColdRenderCached: the first render of a feed through
//     Renderer.Render, which also fills the empty item cache (the items of
//     one page share one allocation) so that later renders are cheap;
//   - BenchmarkRerender: a re-render after one article changed, which
//     renders that one item and writes the others from the cache.
//
// Run them with go test -run '^$' -bench 'ColdRender|Rerender$' -benchtime
// 500x -count 5 ./feed/. feed/bench/wrk.sh compares the Handler serving a
// cached feed with nginx serving the same gzipped bytes. Figures are in
// the README.
package feed
