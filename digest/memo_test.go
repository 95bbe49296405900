package digest

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"testing"
)

// TestSameStoryCoversEveryField changes each field of a StoryView (and of
// its images) in turn and checks that sameStory sees the change: a field
// added to StoryView without a comparison would let a story part cached
// for one story be written for another.
func TestSameStoryCoversEveryField(t *testing.T) {
	base := func() StoryView {
		v := StoryView{Title: "t", URL: "u", Image: &ImageView{URL: "i", Width: 1}, Thumb: &ImageView{URL: "j"}}
		v.More = []StoryView{{Title: "m"}}
		return v
	}
	a := base()
	if b := base(); !sameStory(&a, &b) {
		t.Fatal("equal views differ")
	}
	change := func(f reflect.Value) {
		switch f.Kind() {
		case reflect.String:
			f.SetString(f.String() + "x")
		case reflect.Int:
			f.SetInt(f.Int() + 1)
		case reflect.Pointer:
			f.Set(reflect.Zero(f.Type()))
		case reflect.Slice:
			f.Set(reflect.Append(f, f.Index(0)))
		default:
			t.Fatalf("no change for a %s", f.Kind())
		}
	}
	walk := func(name string, n int, field func(v *StoryView, i int) reflect.Value) {
		for i := range n {
			b := base()
			f := field(&b, i)
			if !f.CanSet() {
				continue // unexported: templates cannot read it
			}
			if f.Kind() == reflect.Struct {
				for j := range f.NumField() {
					c := base()
					change(field(&c, i).Field(j))
					if sameStory(&a, &c) {
						t.Errorf("%s field %d.%d changed, sameStory says same", name, i, j)
					}
				}
				continue
			}
			change(f)
			if sameStory(&a, &b) {
				t.Errorf("%s field %s changed, sameStory says same", name, reflect.TypeFor[StoryView]().Field(i).Name)
			}
		}
	}
	walk("StoryView", reflect.TypeFor[StoryView]().NumField(), func(v *StoryView, i int) reflect.Value {
		return reflect.ValueOf(v).Elem().Field(i)
	})
	walk("ImageView", reflect.TypeFor[ImageView]().NumField(), func(v *StoryView, i int) reflect.Value {
		return reflect.ValueOf(v.Image).Elem().Field(i)
	})
}

// TestStoryPartsShared builds the digest for subscribers who get the same
// stories under different names and addresses, and for others, and
// checks that every message has the bytes of the whole templates and that
// the story parts were rendered once for each choice of stories.
func TestStoryPartsShared(t *testing.T) {
	t.Run("cached", func(t *testing.T) { testStoryParts(t, 0) })
	// a cache that is cleared at every new story part still writes the
	// same bytes
	t.Run("cleared", func(t *testing.T) { testStoryParts(t, 1) })
}

func testStoryParts(t *testing.T, limit int64) {
	framed := newTestBuilder(t, nil)
	framed.frames.storyMax = limit
	whole, err := ParseTemplates(nil)
	if err != nil {
		t.Fatal(err)
	}
	whole.htmlFrame, whole.textFrame, whole.subjectFrame = nil, nil, nil
	plain := newTestBuilder(t, func(c *Config) { c.Templates = whole })
	if framed.tmpl.subjectFrame == nil {
		t.Fatal("the subject template was not split")
	}
	var storyParts int
	for _, f := range []*frame{framed.tmpl.htmlFrame.personal, framed.tmpl.textFrame.personal, framed.tmpl.subjectFrame} {
		for _, p := range f.parts {
			if p.kind == partStories {
				storyParts++
			}
		}
	}
	if storyParts < 3 {
		t.Fatalf("%d story parts", storyParts)
	}
	follows := []Follows{{}, {Categories: []string{"उत्तर-प्रदेश/कानपुर"}}, {Categories: []string{"उत्तर-प्रदेश"}}}
	ctx := context.Background()
	for i := range 12 {
		sub := &Subscriber{Email: fmt.Sprintf("s%d@example.com", i), Name: fmt.Sprintf("<Reader & %d>", i), Follows: follows[i%len(follows)]}
		if i >= 9 {
			sub.Language = "en"
		}
		got, err := framed.Build(ctx, testEdition, sub)
		if err != nil {
			t.Fatal(err)
		}
		want, err := plain.Build(ctx, testEdition, sub)
		if err != nil {
			t.Fatal(err)
		}
		if got.Subject != want.Subject || !bytes.Equal(got.HTML, want.HTML) || !bytes.Equal(got.Text, want.Text) {
			t.Errorf("%s: memoized and whole differ:\n%s\n----\n%s\n====\n%s\n----\n%s", sub.Email, got.HTML, want.HTML, got.Text, want.Text)
		}
	}
	n := 0
	framed.frames.m.Range(func(_, e any) bool {
		e.(*frameEntry).stories.Range(func(any, any) bool { n++; return true })
		return true
	})
	if limit > 0 {
		if n > 1 {
			t.Errorf("%d story parts kept under a limit of %d bytes", n, limit)
		}
		return
	}
	// three choices in Hindi, at most three in English; a part may be
	// rendered twice when the HTML had to drop stories (MaxHTML)
	if n == 0 || n > 2*storyParts*(len(follows)+3) {
		t.Errorf("%d story parts cached for 12 messages with at most 6 choices of stories (%d parts each)", n, storyParts)
	}
	if n >= 12*storyParts {
		t.Errorf("story parts not shared: %d cached", n)
	}
}
