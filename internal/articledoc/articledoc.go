// Package articledoc is what the article stores (storetest's memory
// store, sqlite, postgres) share: the stored form of an article, which is
// its JSON Lines form, and the checks Put makes before writing.
package articledoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/khabar/khabar"
)

// Encode returns a's JSON as khabar.WriteJSONL writes it, without the
// newline.
func Encode(a *khabar.Article) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a); err != nil {
		return nil, fmt.Errorf("encode article %q: %w", a.ID, err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Decode parses a stored article.
func Decode(id string, doc []byte) (*khabar.Article, error) {
	a := new(khabar.Article)
	if err := json.Unmarshal(doc, a); err != nil {
		return nil, fmt.Errorf("decode article %q: %w", id, err)
	}
	return a, nil
}

// Doc is an article ready to store.
type Doc struct {
	A    *khabar.Article
	JSON []byte
}

// Prepare validates and encodes as for Put: invalid articles are left out
// and their errors joined (a nil article is an error too); of two with one
// ID, the last one is kept, in the place of the first.
func Prepare(as []*khabar.Article) ([]Doc, error) {
	var errs []error
	out := make([]Doc, 0, len(as))
	at := make(map[string]int, len(as))
	for _, a := range as {
		if a == nil {
			errs = append(errs, errNil)
			continue
		}
		if err := a.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		doc, err := Encode(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if i, ok := at[a.ID]; ok {
			out[i] = Doc{a, doc}
			continue
		}
		at[a.ID] = len(out)
		out = append(out, Doc{a, doc})
	}
	return out, errors.Join(errs...)
}

var errNil = errors.New("nil article")

// UniqueIDs returns ids without repeats and empty IDs, in order.
func UniqueIDs(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
