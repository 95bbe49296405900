// Package khabar is the domain model of a news site: articles with their
// authors, hierarchical categories, tags, images and counters, and a
// Catalog that indexes them for the queries feeds, digests and article
// pages make: Newest for the lists and the "latest" sidebar, Related for
// "related posts", Adjacent for the previous and next story. FormatCount
// writes counters as Hindi, English and Urdu readers expect ("4.2 लाख").
//
// The subpackages build on it:
//
//   - feed renders RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the site and
//     each category, tag and author, and serves them over HTTP;
//   - feed/upstream fetches and parses other sites' feeds into Articles;
//   - digest selects, renders and sends a daily email of the top stories.
//
// The root package does no I/O beyond reading and writing JSON Lines
// through io.Reader and io.Writer, and reading an ArticleStore: a
// Follower loads a Catalog from one at start and keeps it in step with
// the store's changes (packages sqlite and postgres implement it). Text helpers shared by the subpackages
// live here too: Slugify and EscapeSlug for WordPress-style Unicode slugs,
// URI for turning IRIs into URLs, CleanText for XML-safe text, PlainText
// for the text of an HTML fragment, and Truncate and Excerpt, which cut by
// grapheme cluster so that Devanagari conjuncts, vowel signs and emoji
// sequences are never split.
//
// # Limits
//
// Validate, and so the Catalog and ReadJSONL, refuses an article with
// more than MaxAuthors (50) authors, MaxCategories (50) categories or
// MaxTags (100) tags, a category tree deeper than 16 levels, or a
// publish date outside the years 1900–2200; ReadJSONL skips a line longer
// than MaxLineBytes (64 MiB). They are fixed: a publisher's real articles
// stay far inside them.
package khabar
