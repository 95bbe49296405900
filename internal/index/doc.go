// Package index is the engine under khabar's Catalog: the data structures
// that make a million-document index fast to update and to read, with no
// knowledge of articles.
//
//   - DocTable maps document IDs to Docs and allocates them;
//   - List keeps the entries of one key newest first, in blocks;
//   - NodeTable interns the keys (a slug under a kind and a parent) as
//     Nodes, each with its List, and looks many up at once in stages
//     (Resolve) so that their cache misses overlap;
//   - Pack puts the strings of one interned value in one allocation.
//
// Documents and owner data are type parameters. None of the types is safe
// for concurrent use: the owner locks.
package index
