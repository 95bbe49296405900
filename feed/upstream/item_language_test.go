package upstream

import "testing"

// TestItemLanguage: an item's own language wins over the feed's. JSON
// Feed 1.1 (items): "language (optional, string) is the language for this
// item ... The value can be different than the primary language for the
// feed when a specific item is written in a different language than other
// items in the feed." RFC 4287 section 2: xml:lang "indicates the natural
// language for the element and its descendants", so an entry with
// xml:lang="en" in a feed with xml:lang="hi" is English. An RSS item's
// dc:language says the same. Items that say nothing (or something that is
// no BCP 47 tag) have the feed's language.
func TestItemLanguage(t *testing.T) {
	for _, tc := range []struct{ name, doc, ct, want string }{
		{"json", `{"version":"https://jsonfeed.org/version/1.1","title":"T","language":"hi","items":[
{"id":"1","url":"https://s.example/1","title":"English","content_text":"x","language":"en","date_published":"2024-06-10T09:41:01Z"}]}`, "application/feed+json", "en"},
		{"json, none", `{"version":"https://jsonfeed.org/version/1.1","title":"T","language":"hi","items":[
{"id":"1","url":"https://s.example/1","title":"Hindi","content_text":"x","date_published":"2024-06-10T09:41:01Z"}]}`, "application/feed+json", "hi"},
		{"json, not a tag", `{"version":"https://jsonfeed.org/version/1.1","title":"T","language":"hi","items":[
{"id":"1","url":"https://s.example/1","title":"Hindi","content_text":"x","language":"not a language","date_published":"2024-06-10T09:41:01Z"}]}`, "application/feed+json", "hi"},
		{"atom", `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="hi"><title>T</title><id>urn:t</id><updated>2024-06-10T09:41:01Z</updated>
<entry xml:lang="en"><title>English story</title><id>urn:e1</id><link href="https://s.example/1"/><updated>2024-06-10T09:41:01Z</updated><content type="text">Hello</content></entry></feed>`, "application/atom+xml", "en"},
		{"atom, en-GB", `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="hi"><title>T</title><id>urn:t</id><updated>2024-06-10T09:41:01Z</updated>
<entry xml:lang='en-gb'><title>English story</title><id>urn:e1</id><link href="https://s.example/1"/><updated>2024-06-10T09:41:01Z</updated><content type="text">Hello</content></entry></feed>`, "application/atom+xml", "en-GB"},
		{"atom, none", `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="hi"><title>T</title><id>urn:t</id><updated>2024-06-10T09:41:01Z</updated>
<entry><title>Hindi story</title><id>urn:e1</id><link href="https://s.example/1"/><updated>2024-06-10T09:41:01Z</updated><content type="text" xml:lang="en">Hello</content></entry></feed>`, "application/atom+xml", "hi"},
		// XML 1.0 section 2.12: xml:lang="" says no language is known
		// for the entry; it does not inherit the feed's. feedparser
		// reports none for it.
		{"atom, empty", `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="hi"><title>T</title><id>urn:t</id><updated>2024-06-10T09:41:01Z</updated>
<entry xml:lang=""><title>E</title><id>urn:e1</id><link href="https://s.example/1"/><updated>2024-06-10T09:41:01Z</updated><content type="text">Hello</content></entry></feed>`, "application/atom+xml", ""},
		{"atom, empty in single quotes", `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="hi"><title>T</title><id>urn:t</id><updated>2024-06-10T09:41:01Z</updated>
<entry id="e" xml:lang = '' ><title>E</title><id>urn:e1</id><link href="https://s.example/1"/><updated>2024-06-10T09:41:01Z</updated><content type="text">Hello</content></entry></feed>`, "application/atom+xml", ""},
		{"atom, empty, content in English", `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="hi"><title>T</title><id>urn:t</id><updated>2024-06-10T09:41:01Z</updated>
<entry xml:lang=""><title>E</title><id>urn:e1</id><link href="https://s.example/1"/><updated>2024-06-10T09:41:01Z</updated><content type="text" xml:lang="en">Hello</content></entry></feed>`, "application/atom+xml", ""},
		{"atom, not a tag", `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="hi"><title>T</title><id>urn:t</id><updated>2024-06-10T09:41:01Z</updated>
<entry xml:lang="not a language"><title>E</title><id>urn:e1</id><link href="https://s.example/1"/><updated>2024-06-10T09:41:01Z</updated><content type="text">Hello</content></entry></feed>`, "application/atom+xml", "hi"},
		{"rss dc:language", `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title><link>https://s.example/</link><description>d</description><language>hi</language>
<item><title>Urdu story</title><link>https://s.example/1</link><dc:language>ur</dc:language><pubDate>Mon, 10 Jun 2024 09:41:01 +0530</pubDate></item></channel></rss>`, "application/rss+xml", "ur"},
	} {
		var p Parser
		f, err := p.Parse([]byte(tc.doc), "https://s.example/feed", tc.ct)
		if f == nil || len(f.Articles) != 1 {
			t.Fatalf("%s: feed %v, err %v", tc.name, f, err)
		}
		if got := f.Articles[0].Language; got != tc.want {
			t.Errorf("%s: Language = %q, want %q (the item's own language, else the feed's)", tc.name, got, tc.want)
		}
	}
}

// TestItemLanguageEmptyNotContentLanguage: an entry's xml:lang="" is not
// overridden by the HTTP Content-Language either, the language of last
// resort of a feed that names none; its neighbours, which say nothing,
// take it.
func TestItemLanguageEmptyNotContentLanguage(t *testing.T) {
	doc := `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id><updated>2024-06-10T09:41:01Z</updated>
<entry xml:lang=""><title>E</title><id>urn:e1</id><link href="https://s.example/1"/><updated>2024-06-10T09:41:01Z</updated><content type="text">Hello</content></entry>
<entry><title>F</title><id>urn:e2</id><link href="https://s.example/2"/><updated>2024-06-10T09:41:01Z</updated><content type="text">नमस्ते</content></entry></feed>`
	res := &Result{URL: "https://s.example/feed", ContentLanguage: "hi, en", ContentType: "application/atom+xml", Body: []byte(doc)}
	f, err := (&Parser{}).ParseResult(res, "https://s.example/feed")
	if f == nil || len(f.Articles) != 2 {
		t.Fatalf("feed %v, err %v", f, err)
	}
	if f.Language != "hi" {
		t.Errorf("feed Language = %q, want the Content-Language's %q", f.Language, "hi")
	}
	if got := f.Articles[0].Language; got != "" {
		t.Errorf("entry with xml:lang=\"\": Language = %q, want \"\"", got)
	}
	if got := f.Articles[1].Language; got != "hi" {
		t.Errorf("entry without xml:lang: Language = %q, want the feed's %q", got, "hi")
	}
}

// TestItemLanguageChunked: entries keep their own language when a large
// document is parsed a chunk at a time.
func TestItemLanguageChunked(t *testing.T) {
	defer func(th, b int) { chunkThreshold, chunkBytes = th, b }(chunkThreshold, chunkBytes)
	chunkThreshold, chunkBytes = 0, 200
	doc := `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="hi"><title>T</title><id>urn:t</id><updated>2024-06-10T09:41:01Z</updated>`
	// "-" writes no xml:lang, "" an empty one.
	langs := []string{"en", "-", "ur", "", "-", "en", ""}
	for i, l := range langs {
		attr := ""
		if l != "-" {
			attr = ` xml:lang="` + l + `"`
		}
		doc += `<entry` + attr + `><title>s` + string(rune('a'+i)) + `</title><id>urn:e` + string(rune('a'+i)) + `</id><link href="https://s.example/` + string(rune('a'+i)) + `"/><updated>2024-06-10T09:41:01Z</updated><content type="text">Hello there, a body of some length</content></entry>`
	}
	doc += `</feed>`
	var p Parser
	f, err := p.Parse([]byte(doc), "https://s.example/feed", "application/atom+xml")
	if f == nil || len(f.Articles) != len(langs) {
		t.Fatalf("feed %v, err %v", f, err)
	}
	for i, a := range f.Articles {
		want := langs[i]
		if want == "-" {
			want = "hi"
		}
		if a.Language != want {
			t.Errorf("entry %d: Language = %q, want %q", i, a.Language, want)
		}
	}
}
