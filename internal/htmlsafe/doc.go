// Package htmlsafe is khabar's one HTML sanitizer: a single pass of a
// byte scanner that reads tags, text and comments as HTML5's tokenizer
// does and writes what a policy keeps, with two named policies on the
// same engine. Names, values and text are read in place, decoded only
// where they hold a character reference, and runs of the body that a
// policy keeps as they are are copied whole.
//
// Outgoing is what feeds send (feed.SafeHTML): the W3C feed validator's
// acceptable elements and attributes, dangerous elements dropped with
// their content, URLs resolved against the article's address, text kept
// as written. The engine's skip-ahead reads what the rules keep as it is
// (and tags they only trim) without tokenizing, so most stored bodies are
// proved to need none of it in one scan and are returned unchanged.
//
// Incoming is what feed/upstream keeps of HTML from other sites: a user-
// generated-content allow-list, every link marked rel="noopener
// noreferrer", players only from allowed iframe hosts, lazy images
// un-lazied, elements left open closed as an HTML parser would close them,
// and the first image reported.
//
// Every URL either policy keeps goes through the policy's one URL rule:
// javascript:, vbscript: and data: (except data: images where Outgoing
// allows them) never survive.
//
//	out := htmlsafe.Outgoing.Sanitize(body, articleURL)
//	out, img := htmlsafe.NewIncoming(nil).SanitizeFragment(body, base)
//
// Policies are immutable and safe for concurrent use.
package htmlsafe
