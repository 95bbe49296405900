package feed

import "fmt"

// Format is a feed format.
type Format uint8

// The formats a feed is rendered in.
const (
	RSS  Format = iota // RSS 2.0
	Atom               // Atom 1.0 (RFC 4287)
	JSON               // JSON Feed 1.1
)

// Formats lists every Format, in the order feeds are offered.
var Formats = [...]Format{RSS, Atom, JSON}

// String returns "rss", "atom" or "json".
func (f Format) String() string {
	switch f {
	case RSS:
		return "rss"
	case Atom:
		return "atom"
	case JSON:
		return "json"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// Name returns the human name: "RSS", "Atom" or "JSON Feed".
func (f Format) Name() string {
	switch f {
	case RSS:
		return "RSS"
	case Atom:
		return "Atom"
	case JSON:
		return "JSON Feed"
	}
	return f.String()
}

// MediaType returns the format's media type without parameters, as used in
// autodiscovery links.
func (f Format) MediaType() string {
	switch f {
	case Atom:
		return "application/atom+xml"
	case JSON:
		return "application/feed+json"
	}
	return "application/rss+xml"
}

// ContentType returns the HTTP Content-Type, with the charset.
func (f Format) ContentType() string { return f.MediaType() + "; charset=utf-8" }

// Valid reports whether f is RSS, Atom or JSON.
func (f Format) Valid() bool { return f <= JSON }

// check returns an error wrapping ErrFormat when f is not Valid.
func (f Format) check() error {
	if !f.Valid() {
		return fmt.Errorf("%w: %d", ErrFormat, uint8(f))
	}
	return nil
}

// suffix is the format's path after ".../feed/".
func (f Format) suffix() string {
	switch f {
	case Atom:
		return "atom/"
	case JSON:
		return "json/"
	}
	return ""
}
