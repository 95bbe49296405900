package upstream

import (
	"testing"
)

// review4Head is an Atom feed's head (language "hi", base the document's).
const review4Head = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xmlns:x="http://x.example/" xml:lang="hi">
<title>F</title><id>urn:f</id><updated>2024-01-02T03:04:05Z</updated><link href="http://site.example/"/>
`

// review4Entry is an entry without xml:lang or xml:base, whose image is
// relative.
const review4Entry = `<entry><id>urn:2</id><title>Two</title><updated>2024-01-02T03:04:05Z</updated><link href="http://site.example/2"/><media:thumbnail url="t2.jpg"/></entry>
</feed>`

func review4Parse(t *testing.T, doc string) *Feed {
	t.Helper()
	var p Parser
	f, err := p.ParseResult(&Result{Body: []byte(doc), URL: "http://doc.example/feeds/feed.xml"}, "http://doc.example/feeds/feed.xml")
	if f == nil {
		t.Fatal(err)
	}
	return f
}

// review4CheckPlain: the article at URL http://site.example/2 has the
// feed's language and its image resolved against the document.
func review4CheckPlain(t *testing.T, f *Feed) {
	t.Helper()
	for _, a := range f.Articles {
		if a.URL != "http://site.example/2" {
			continue
		}
		if a.Language != "hi" {
			t.Errorf("entry 2: language %q, want the feed's \"hi\" (it writes no xml:lang)", a.Language)
		}
		if a.Image == nil || a.Image.URL != "http://doc.example/feeds/t2.jpg" {
			t.Errorf("entry 2: image %+v, want http://doc.example/feeds/t2.jpg (no xml:base in its scope)", a.Image)
		}
		return
	}
	t.Fatalf("no article http://site.example/2 among %d", len(f.Articles))
}

// TestEntryInFeedLevelWrapper (regression of 8dbcdc3): gofeed's
// entries are the feed's own children; an <entry> inside any other child
// of the feed (an extension element, or an unknown Atom-namespace one,
// which gofeed skips whole) is none. 8dbcdc3 replaced the element-depth
// test by a count of open entries, so such an entry is recorded again and
// every later entry reads the record of the one before it. (Passes at
// 8dbcdc3^.)
func TestEntryInFeedLevelWrapper(t *testing.T) {
	first := `<entry><id>urn:1</id><title>One</title><updated>2024-01-02T03:04:05Z</updated><link href="http://site.example/1"/></entry>
`
	nested := `<entry xml:base="http://other.example/x/" xml:lang="en"><id>urn:n</id><title>N</title></entry>`
	for _, tc := range []struct{ name, wrap string }{
		{"extension element", `<x:wrap>` + nested + `</x:wrap>`},
		{"unknown Atom element", `<wrap>` + nested + `</wrap>`},
		{"wrapper redeclaring the default namespace", `<wrap xmlns="http://x.example/">` + nested + `</wrap>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := review4Parse(t, review4Head+first+tc.wrap+"\n"+review4Entry)
			if len(f.Articles) != 2 {
				t.Fatalf("%d articles, want 2", len(f.Articles))
			}
			review4CheckPlain(t, f)
		})
	}
}

// TestEntryEmptyDefaultNamespace (regression of 8dbcdc3):
// foreignDefaultNS takes xmlns="" for a foreign vocabulary, but gofeed
// reads an element in no namespace as Atom (nativeNamespaces holds ""):
// the entry is one of gofeed's, the pre-scan skips it, and it and every
// later entry read the record of the entry after them. (Passes at
// 8dbcdc3^.)
func TestEntryEmptyDefaultNamespace(t *testing.T) {
	doc := review4Head + `<entry xmlns="" xml:lang="en" xml:base="http://other.example/x/"><id>urn:1</id><title>One</title><updated>2024-01-02T03:04:05Z</updated><link href="http://site.example/1"/></entry>
` + review4Entry
	f := review4Parse(t, doc)
	if len(f.Articles) != 2 {
		t.Fatalf("%d articles, want 2", len(f.Articles))
	}
	if a := f.Articles[0]; a.URL != "http://site.example/1" || a.Language != "en" {
		t.Errorf("entry 1 (%s): language %q, want its xml:lang \"en\"", a.URL, a.Language)
	}
	review4CheckPlain(t, f)
}

// TestUnclosedElementBaseEnds (left by 8dbcdc3): an element left
// open inside an entry (<link href="…"> without "/>"), which gofeed's
// lenient decoder closes at </entry>, still leaves the pre-scan's bases
// stack one frame deep: </entry> pops the link's frame, the entry's own
// xml:base stays in scope, and every later entry is resolved against it.
// gofeed itself resolves entry 2 against the feed (its <id> comes out
// http://doc.example/..., not http://one.example/d/...).
func TestUnclosedElementBaseEnds(t *testing.T) {
	doc := review4Head + `<entry xml:base="http://one.example/d/"><id>urn:1</id><title>One</title><updated>2024-01-02T03:04:05Z</updated><link href="http://site.example/1"></entry>
` + review4Entry
	f := review4Parse(t, doc)
	if len(f.Articles) != 2 {
		t.Fatalf("%d articles, want 2", len(f.Articles))
	}
	review4CheckPlain(t, f)
}

// TestPrefixedEntries (pre-existing, not from 8dbcdc3): gofeed
// takes an entry by its namespace and, case-folded, by its local name;
// the pre-scan only by a prefix spelled "atom" and the exact name
// "entry". An entry written <a:entry> (a bound to Atom) or <Entry> is one
// of gofeed's and gets no record, and later entries read the wrong one.
func TestPrefixedEntries(t *testing.T) {
	for _, tc := range []struct{ name, entry string }{
		{"a:entry", `<a:entry xmlns:a="http://www.w3.org/2005/Atom" xml:lang="en" xml:base="http://other.example/x/"><a:id>urn:1</a:id><a:title>One</a:title><a:link href="http://site.example/1"/></a:entry>`},
		{"Entry", `<Entry xml:lang="en" xml:base="http://other.example/x/"><id>urn:1</id><title>One</title><link href="http://site.example/1"/></Entry>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := review4Parse(t, review4Head+tc.entry+"\n"+review4Entry)
			if len(f.Articles) != 2 {
				t.Fatalf("%d articles, want 2", len(f.Articles))
			}
			if a := f.Articles[0]; a.Language != "en" {
				t.Errorf("entry 1 (%s): language %q, want its xml:lang \"en\"", a.URL, a.Language)
			}
			review4CheckPlain(t, f)
		})
	}
}
