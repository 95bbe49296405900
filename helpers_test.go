package khabar

import (
	"fmt"
	"time"
)

var ist = time.FixedZone("IST", 5*3600+1800)

var (
	catUP      = &Category{Name: "उत्तर प्रदेश", Slug: "उत्तर-प्रदेश"}
	catKanpur  = Category{Name: "कानपुर", Slug: "कानपुर", Parent: catUP}
	catLucknow = Category{Name: "लखनऊ", Slug: "लखनऊ", Parent: catUP}
	catLatest  = Category{Name: "ताज़ा ख़बरें", Slug: "latest-news"}
)

// art returns a valid article published h hours after a fixed moment.
func art(id string, h int, cats ...Category) *Article {
	return &Article{
		ID:         id,
		Title:      "ख़बर " + id,
		URL:        "https://khabar.example/" + id + "/",
		Published:  time.Date(2026, 11, 20, 6, 0, 0, 0, ist).Add(time.Duration(h) * time.Hour),
		Categories: cats,
		Authors:    []Author{{Name: "सुनीता वर्मा", Slug: "sunita-verma"}},
		Tags:       []Tag{{Name: "Ramesh Tiwari"}, {Name: "बारिश"}},
		Language:   "hi",
	}
}

func ids(as []*Article) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func numbered(prefix string, i int) string { return fmt.Sprintf("%s%03d", prefix, i) }
