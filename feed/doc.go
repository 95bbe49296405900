// Package feed renders a khabar.Catalog as RSS 2.0, Atom 1.0 and JSON Feed
// 1.1 feeds, and serves them over HTTP the way feed readers expect.
//
// There is one feed per khabar.Key: the whole site, each category (its
// descendants included), each tag and each author. To start, make a
// Handler and mount it:
//
//	h, err := feed.NewHandler(catalog, feed.Config{HomeURL: "https://khabar.example/"})
//	...
//	defer h.Close()
//	http.Handle("/", h)
//
// It serves WordPress's URL scheme (/feed/, /feed/atom/, /feed/json/,
// /category/{path}/feed/, /tag/{slug}/feed/, /author/{slug}/feed/) with
// conditional GET, gzip, RFC 5005 paging links, WebSub hub links and
// publish pings, keeping rendered bytes until a catalog change touches
// that feed. It also serves Google News sitemaps (/news-sitemap.xml and
// /category/{slug}/news-sitemap.xml for a top-level category) the same
// way. A Renderer turns one page of a feed into bytes, for callers
// that serve or store feeds themselves; Renderer.Gorilla and FromGorilla convert
// to and from gorilla/feeds for those migrating.
//
// # Output
//
// The writers are hand-written, for speed and for the details that the
// W3C feed validator and feed readers care about. Characters XML forbids
// never reach the output; titles and summaries are plain text, escaped;
// bodies pass through Config.ContentPolicy (SafeContent by default: the
// allow-list sanitizer, which keeps clean bodies as they are) and are
// written as CDATA, as WordPress does; links are URIs (non-ASCII paths
// percent-encoded, hosts punycoded); dates are RFC 822 in RSS and RFC 3339
// in Atom and JSON, in Config.Location; every item has a stable tag: URI
// id, the same in all three formats (Renderer.GUID); categories and tags
// each get their own element, naming their taxonomy; an image becomes
// media:content and media:thumbnail, and an enclosure only when its length
// and type are known; an empty feed is valid in all three formats. The
// same catalog state always gives byte-identical output.
//
// # Concurrency
//
// Renderer and Handler are safe for concurrent use. A Renderer caches each
// article's rendered item per format until the catalog hands out a
// different snapshot of that article, so re-rendering a feed after one
// change costs one item; a Handler also keeps each item deflated.
// Config.CacheBytes bounds what both keep.
package feed
