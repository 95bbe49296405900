package digest

import (
	"bytes"
	"context"
	"testing"
	"testing/fstest"
)

// TestFrameMatchesWhole renders messages with templates whose personal
// fields sit in a title, attributes, a script and a called template, and
// checks that the parts of the frames write the bytes the whole templates
// write.
func TestFrameMatchesWhole(t *testing.T) {
	fsys := fstest.MapFS{
		TemplateHTML: {Data: []byte(`{{define "story"}}<b>{{.Title}}</b>{{end}}
{{- define "foot"}}<p title="{{.Email}}">{{.Lang}}</p>{{end -}}
<!DOCTYPE html>
<html lang="{{.Lang}}" dir="{{.Dir}}"><head><title>{{.Subject}} · {{.Publisher.Name}}</title>
<style>p{color:red}</style></head>
<body data-x="{{.Date}}
{{.Name}}"><a href="{{.UnsubscribeURL}}">{{.T.unsubscribe}}</a>
<script>var who = {{.Email}};
var lang = {{.Lang}};
</script>
{{range .Top}}{{.HTML}}{{end}}
<!-- a comment {{.Lang}} -->
{{$.Publisher.Name}} {{template "foot" .}} {{template "foot" $}}
<p>{{with .Publisher}}{{.Name}}{{end}}</p>{{if .Personal}}<i>{{.Email}}</i> {{.Lang}}{{else}}<b>{{.Lang}}</b>{{end}}
<p title="{{if .Personal}}{{.Name}} {{.Date}}{{end}}">{{if $.Personal}}<a href="{{.UnsubscribeURL}}">{{.Date}}</a>{{end}}</p>
</body></html>
`)},
		TemplateText: {Data: []byte(`{{define "story"}}{{.Title}}{{end}}{{.Publisher.Name}}
{{wrap 20 (print .T.hello " " .Name)}}
{{range .AddressLines}}{{.}}
{{end}}{{range .Top}}{{.Text}}
{{end}}{{.UnsubscribeURL}}
{{if .Personal}}{{.Name}} {{.Date}}{{else}}{{.Lang}}{{end}}
{{.Date}}
`)},
	}
	framed, err := ParseTemplates(fsys)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := ParseTemplates(fsys)
	if err != nil {
		t.Fatal(err)
	}
	whole.htmlFrame, whole.textFrame, whole.subjectFrame = nil, nil, nil
	if framed.htmlFrame == nil || framed.textFrame == nil {
		t.Fatal("the templates were not split")
	}
	if framed.htmlFrame.personal == nil || framed.textFrame.personal == nil {
		t.Fatal("no frames for Personal")
	}
	shared, all := 0, 0
	for _, f := range []*frame{framed.htmlFrame, framed.htmlFrame.personal, framed.textFrame, framed.textFrame.personal} {
		for _, p := range f.parts {
			all++
			if p.kind == partShared {
				shared++
			}
		}
	}
	if shared < 8 {
		t.Errorf("%d shared parts in %d", shared, all)
	}
	a := newTestBuilder(t, func(c *Config) { c.Templates = framed })
	b := newTestBuilder(t, func(c *Config) { c.Templates = whole })
	ctx := context.Background()
	for _, sub := range []*Subscriber{
		{Email: "a@example.com", Name: `<Ann & "Bob">`},
		{Email: "b@example.com", Name: "राम", Language: "en"},
		{Email: "c@example.com", Name: "علی", Language: "ur"},
		{Email: "d@example.com"},
	} {
		ma, err := a.Build(ctx, testEdition, sub)
		if err != nil {
			t.Fatal(err)
		}
		mb, err := b.Build(ctx, testEdition, sub)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ma.HTML, mb.HTML) || !bytes.Equal(ma.Text, mb.Text) {
			t.Errorf("%s: framed and whole differ:\n%s\n----\n%s\n====\n%s\n----\n%s", sub.Email, ma.HTML, mb.HTML, ma.Text, mb.Text)
		}
	}
	wa, err := a.General(testEdition, "hi")
	if err != nil {
		t.Fatal(err)
	}
	wb, err := b.General(testEdition, "hi")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wa.HTML, wb.HTML) {
		t.Errorf("web version: framed and whole differ:\n%s\n----\n%s", wa.HTML, wb.HTML)
	}
}

// TestFrameBranchVariable checks that an "if .Personal" whose branch
// declares a variable of a name declared before it is not replaced by the
// branch: at the top level the declaration would outlive the branch and
// change what follows.
func TestFrameBranchVariable(t *testing.T) {
	fsys := fstest.MapFS{
		TemplateHTML: {Data: []byte(`{{define "story"}}<b>{{.Title}}</b>{{end}}{{$x := .Lang}}<p>{{if .Personal}}{{$x := .Name}}[{{$x}}]{{end}}({{$x}})</p>{{.Email}}`)},
		TemplateText: {Data: []byte(`{{define "story"}}{{.Title}}{{end}}{{$x := .Lang}}{{if .Personal}}{{$x := .Name}}[{{$x}}]{{end}}({{$x}}){{.Email}}`)},
	}
	framed, err := ParseTemplates(fsys)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := ParseTemplates(fsys)
	if err != nil {
		t.Fatal(err)
	}
	whole.htmlFrame, whole.textFrame, whole.subjectFrame = nil, nil, nil
	a := newTestBuilder(t, func(c *Config) { c.Templates = framed })
	b := newTestBuilder(t, func(c *Config) { c.Templates = whole })
	sub := &Subscriber{Email: "a@example.com", Name: "Ann"}
	ma, err := a.Build(context.Background(), testEdition, sub)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := b.Build(context.Background(), testEdition, sub)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ma.HTML, mb.HTML) || !bytes.Equal(ma.Text, mb.Text) {
		t.Errorf("framed and whole differ:\n%s\n----\n%s\n====\n%s\n----\n%s", ma.HTML, mb.HTML, ma.Text, mb.Text)
	}
}
