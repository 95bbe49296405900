package htmlvalidate

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps the failures Check reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

const page = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>t</title></head>
<body>
<main>
%s
</main>
</body>
</html>
`

// TestCheck: Check reports what html-validate finds, by page and rule,
// including the two checks web.cjs adds (<style> in <main>, <time>
// without datetime), and email.cjs lets HTML email's table attributes
// through where web.cjs does not.
func TestCheck(t *testing.T) {
	table := `<table role="presentation" width="600" cellpadding="0" cellspacing="0"><tr><td valign="top" style="padding:0">x</td></tr></table>`
	r := &recorder{TB: t}
	Check(r,
		Page{Name: "bad", Kind: Web, HTML: fmt.Appendf(nil, page, `<p id="a">x</p><p id="a"><img src="x.png"></p>`)},
		Page{Name: "added", Kind: Web, HTML: fmt.Appendf(nil, page, `<style>p{}</style><p><time>2026-11-24 18:30 IST</time></p>`)},
		Page{Name: "table-web", Kind: Web, HTML: fmt.Appendf(nil, page, table)},
		Page{Name: "table-email", Kind: Email, HTML: fmt.Appendf(nil, page, table)},
		Page{Name: "good", Kind: Web, HTML: fmt.Appendf(nil, page, `<form method="post" action="/"><label><input type="checkbox" name="f" value="1"> a</label><label><input type="checkbox" name="f" value="2"> b</label><button type="submit">ok</button></form>`)},
	)
	all := strings.Join(r.errs, "\n")
	for _, want := range []string{"bad (web) 6:23: Duplicate ID \"a\" [no-dup-id]", "bad (web) 6:27: <img> is missing required \"alt\" attribute [wcag/h37]", "table-web (web)", "[no-deprecated-attr]",
		"added (web) 6:2: <style> element is not permitted as content under <main> [element-permitted-content]",
		"added (web) 6:23: <time> is missing required \"datetime\" attribute [element-required-attributes]"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q among the failures:\n%s", want, all)
		}
	}
	for _, not := range []string{"table-email", "good"} {
		if strings.Contains(all, not) {
			t.Errorf("%s failed:\n%s", not, all)
		}
	}
}
