package digest

import (
	"bytes"
	"hash/maphash"
	"reflect"
	"slices"
	"unsafe"
)

// The story parts of a frame (partStories) read, besides the shared
// fields, only what follows from the stories a message shows: memoFields.
// Subscribers who follow the same things get the same stories, so a
// Builder keeps each such part's bytes by the values it read (a
// storyKey, checked field by field on a hit: a hash only finds the
// entry) and writes them again for the next message that shows the same.

// viewMask is a set of the View's fields, a bit each.
type viewMask uint64

// viewWhole stands for the View as a whole, or something deps cannot
// follow: a part that reads it is personal.
const viewWhole viewMask = 1 << 63

// viewBits numbers the View's fields.
var viewBits = func() map[string]viewMask {
	t := reflect.TypeFor[View]()
	if t.NumField() >= 63 {
		panic("digest: View has too many fields for a viewMask")
	}
	m := make(map[string]viewMask, t.NumField())
	for i := range t.NumField() {
		m[t.Field(i).Name] = 1 << i
	}
	return m
}()

// viewField returns the bit of the View's field name, or viewWhole when
// it has no such field (a method, or a template's mistake).
func viewField(name string) viewMask {
	if b, ok := viewBits[name]; ok {
		return b
	}
	return viewWhole
}

func maskOf(names ...string) viewMask {
	var m viewMask
	for _, n := range names {
		m |= viewField(n)
	}
	return m
}

// memoFields are the fields of View that follow from the stories a
// message shows and from the shared fields.
var memoFields = []string{"Followed", "Top", "Lead", "Trimmed", "OtherLanguages", "Preheader", "Subject"}

var (
	sharedMask = func() viewMask {
		var m viewMask
		for name := range sharedFields {
			m |= viewField(name)
		}
		return m
	}()
	memoMask = maskOf(memoFields...)

	bitFollowed, bitTop, bitLead = viewField("Followed"), viewField("Top"), viewField("Lead")
	bitPreheader, bitSubject     = viewField("Preheader"), viewField("Subject")
)

// storyKey finds a story part in its frameEntry: the part, and a hash of
// the memoFields it reads.
type storyKey struct {
	part int
	hash uint64
}

// storyPart is a story part's bytes and the values it was rendered with.
type storyPart struct {
	in  storyInputs
	out []byte
}

// storyInputs are the values of the memoFields in reads, copied.
type storyInputs struct {
	reads              viewMask
	followed, top      []StoryView
	lead               *StoryView
	trimmed            int
	otherLanguages     bool
	preheader, subject string
}

// storyCacheMax bounds the bytes a Builder keeps of story parts (their
// output and copies of the views they read); past it the cache (shared
// parts included) starts again.
const storyCacheMax = 4 << 20

var storySeed = maphash.MakeSeed()

// stories writes the story part i of e's frame executed with v to w,
// from c when a message with the same stories rendered it.
func (c *frameCache) stories(w *bytes.Buffer, e *frameEntry, i int, v *View) error {
	p := &e.f.parts[i]
	key := storyKey{part: i, hash: hashInputs(v, p.reads)}
	if s, ok := e.stories.Load(key); ok && s.(*storyPart).in.same(v) {
		w.Write(s.(*storyPart).out)
		return nil
	}
	start := w.Len()
	if err := e.f.exec(w, p.name, v); err != nil {
		return err
	}
	s := &storyPart{in: inputsOf(v, p.reads), out: bytes.Clone(w.Bytes()[start:])}
	limit := c.storyMax
	if limit == 0 {
		limit = storyCacheMax
	}
	if c.storyBytes.Add(int64(len(s.out)+s.in.size())) > limit {
		c.clear() // e leaves the cache; the next message starts a new one
	}
	e.stories.Store(key, s)
	return nil
}

// hashInputs hashes the memoFields in reads of v: enough of each story to
// tell most choices apart (storyInputs.same decides).
func hashInputs(v *View, reads viewMask) uint64 {
	var h maphash.Hash
	h.SetSeed(storySeed)
	story := func(s *StoryView) {
		maphash.WriteComparable(&h, len(s.HTML))
		h.WriteString(s.URL)
		h.WriteString(s.Time)
		h.WriteString(s.Views)
		maphash.WriteComparable(&h, len(s.More))
		for i := range s.More {
			h.WriteString(s.More[i].URL)
		}
	}
	if reads&bitFollowed != 0 {
		maphash.WriteComparable(&h, len(v.Followed))
		for i := range v.Followed {
			story(&v.Followed[i])
		}
	}
	if reads&bitTop != 0 {
		maphash.WriteComparable(&h, len(v.Top))
		for i := range v.Top {
			story(&v.Top[i])
		}
	}
	if reads&bitLead != 0 && v.Lead != nil {
		story(v.Lead)
	}
	maphash.WriteComparable(&h, v.Trimmed)
	maphash.WriteComparable(&h, v.OtherLanguages)
	if reads&bitPreheader != 0 {
		h.WriteString(v.Preheader)
	}
	if reads&bitSubject != 0 {
		h.WriteString(v.Subject)
	}
	return h.Sum64()
}

// inputsOf copies the memoFields in reads of v (the stories' strings are
// shared, not copied).
func inputsOf(v *View, reads viewMask) storyInputs {
	in := storyInputs{reads: reads, trimmed: v.Trimmed, otherLanguages: v.OtherLanguages}
	if reads&bitFollowed != 0 {
		in.followed = cloneStories(v.Followed)
	}
	if reads&bitTop != 0 {
		in.top = cloneStories(v.Top)
	}
	if reads&bitLead != 0 && v.Lead != nil {
		l := cloneStories([]StoryView{*v.Lead})
		in.lead = &l[0]
	}
	if reads&bitPreheader != 0 {
		in.preheader = v.Preheader
	}
	if reads&bitSubject != 0 {
		in.subject = v.Subject
	}
	return in
}

// size is roughly the bytes in holds of its own (the views' strings are
// the stories', shared).
func (in *storyInputs) size() int {
	n := len(in.followed) + len(in.top)
	for _, ss := range [][]StoryView{in.followed, in.top} {
		for i := range ss {
			n += len(ss[i].More)
		}
	}
	if in.lead != nil {
		n += 1 + len(in.lead.More)
	}
	return n * int(unsafe.Sizeof(StoryView{}))
}

// cloneStories copies ss and the More lists in it, so that a later change
// to a message's views (fitHTML drops the lead's More) does not reach a
// cached copy.
func cloneStories(ss []StoryView) []StoryView {
	out := slices.Clone(ss)
	for i := range out {
		out[i].More = slices.Clone(out[i].More)
	}
	return out
}

// same reports whether v holds the values in in, in the fields it read.
// Trimmed and OtherLanguages are compared always (they are cheap).
func (in *storyInputs) same(v *View) bool {
	r := in.reads
	if in.trimmed != v.Trimmed || in.otherLanguages != v.OtherLanguages {
		return false
	}
	if r&bitFollowed != 0 && !sameStories(in.followed, v.Followed) {
		return false
	}
	if r&bitTop != 0 && !sameStories(in.top, v.Top) {
		return false
	}
	if r&bitLead != 0 && !sameStory(in.lead, v.Lead) {
		return false
	}
	return (r&bitPreheader == 0 || in.preheader == v.Preheader) &&
		(r&bitSubject == 0 || in.subject == v.Subject)
}

func sameStories(a, b []StoryView) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameStory(&a[i], &b[i]) {
			return false
		}
	}
	return true
}

// sameStory reports whether a and b show the same to a template: every
// exported field equal (TestSameStoryCoversEveryField checks that none
// is forgotten). Strings shared between messages compare by pointer.
func sameStory(a, b *StoryView) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Title == b.Title && a.URL == b.URL && a.Summary == b.Summary &&
		a.Category == b.Category && a.Author == b.Author && a.Time == b.Time &&
		a.Views == b.Views && sameImage(a.Image, b.Image) && sameImage(a.Thumb, b.Thumb) &&
		a.Lang == b.Lang && a.Dir == b.Dir && a.Reader == b.Reader &&
		a.HTML == b.HTML && a.Text == b.Text && sameStories(a.More, b.More)
}

func sameImage(a, b *ImageView) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
