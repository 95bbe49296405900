package khabar

import (
	"errors"
	"testing"
)

// Validate's doc: an article's language must be "a BCP 47 language tag".
// BCP 47 separates subtags with "-"; language.Parse also takes "_" (a
// POSIX locale such as "hi_IN"), which would be stored as it is and end
// up in xml:lang and JSON Feed's language. Refused, whatever the cache of
// good tags holds.
func TestValidateLanguageIsBCP47(t *testing.T) {
	for _, c := range []struct {
		tag string
		ok  bool
	}{
		{"hi", true}, {"hi-IN", true}, {"HI-in", true}, {"ur-Arab-PK", true}, {"en-x-khabar1", true},
		{"hi_IN", false}, {"hi_Deva_IN", false}, {"en-US_POSIX", false}, {"hi IN", false}, {"hi-IN\n", false}, {"हि", false},
	} {
		for range 2 { // the second time through the cache
			a := art("x", 0)
			a.Language = c.tag
			err := a.Validate()
			var ve *ValidationError
			if c.ok && err != nil {
				t.Errorf("Language %q: Validate = %v, want nil", c.tag, err)
			}
			if !c.ok && (!errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Field != "language") {
				t.Errorf("Language %q: Validate = %v, want one problem on language", c.tag, err)
			}
		}
	}
}
