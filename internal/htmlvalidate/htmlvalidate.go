// Package htmlvalidate checks the HTML that tests render with
// html-validate, an HTML5 validator that shares no code with Go's
// html/template: the npm package, which .ci/install.sh installs into
// .ci/node, run by node. Web pages are checked with web.cjs (its
// recommended and document presets, less a few style rules, each with its
// reason), HTML email with email.cjs (web.cjs, less the rules that email's
// table layout breaks on purpose).
//
// A test without node or html-validate is skipped, unless the environment
// has CI=true, where .ci/install.sh must have installed them.
package htmlvalidate

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Kind is the rule set a page is checked with.
type Kind string

const (
	// Web is a page a browser opens: web.cjs.
	Web Kind = "web"
	// Email is the HTML body of a message (or its web version, the same
	// page): email.cjs.
	Email Kind = "email"
)

// Page is one rendered page.
type Page struct {
	// Name names the page in failures, such as "subscribe-ur"; it must be
	// unique among the pages checked together.
	Name string
	Kind Kind
	HTML []byte
}

// Check validates pages, in one html-validate run per Kind, and fails t
// once per problem, naming the page, the line and column, the rule and the
// validator's message.
func Check(t testing.TB, pages ...Page) {
	t.Helper()
	dir := here()
	root := filepath.Join(dir, "..", "..")
	bin := filepath.Join(root, ".ci", "node", "node_modules", "html-validate", "bin", "html-validate.mjs")
	if _, err := os.Stat(bin); err != nil {
		needTool(t, "html-validate (npm, in .ci/node)", err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		needTool(t, "node", err)
	}
	tmp := t.TempDir()
	byKind := map[Kind][]string{}
	names := map[string]string{}
	for _, p := range pages {
		if p.Kind != Web && p.Kind != Email {
			t.Fatalf("htmlvalidate: page %s has kind %q", p.Name, p.Kind)
		}
		path := filepath.Join(tmp, p.Name+".html")
		if _, dup := names[path]; dup {
			t.Fatalf("htmlvalidate: two pages named %s", p.Name)
		}
		if err := os.WriteFile(path, p.HTML, 0o644); err != nil {
			t.Fatal(err)
		}
		names[path] = p.Name
		byKind[p.Kind] = append(byKind[p.Kind], path)
	}
	for _, kind := range []Kind{Web, Email} {
		files := byKind[kind]
		if len(files) == 0 {
			continue
		}
		// The report goes to a file: node exits before a pipe takes more
		// than its first 64 KiB.
		report := filepath.Join(tmp, string(kind)+"-report.json")
		args := append([]string{bin, "--config", filepath.Join(dir, string(kind)+".cjs"), "--formatter", "json=" + report}, files...)
		combined, err := exec.Command("node", args...).CombinedOutput()
		// html-validate exits 1 when it found problems.
		if _, ok := err.(*exec.ExitError); err != nil && !ok {
			t.Fatalf("html-validate: %v\n%s", err, combined)
		}
		out, rerr := os.ReadFile(report)
		if rerr != nil {
			t.Fatalf("html-validate wrote no report (%v): %v\n%s", err, rerr, combined)
		}
		var results []struct {
			FilePath string `json:"filePath"`
			Messages []struct {
				RuleID   string `json:"ruleId"`
				Severity int    `json:"severity"`
				Message  string `json:"message"`
				Line     int    `json:"line"`
				Column   int    `json:"column"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(out, &results); err != nil {
			t.Fatalf("html-validate's report: %v\n%.2000s\n%s", err, out, combined)
		}
		for _, r := range results {
			name := names[r.FilePath]
			if name == "" {
				name = r.FilePath
			}
			for _, m := range r.Messages {
				t.Errorf("%s (%s) %d:%d: %s [%s]", name, kind, m.Line, m.Column, m.Message, m.RuleID)
			}
		}
	}
}

// here is this package's folder, which holds the configurations: this
// file's, or under -trimpath, found from the working folder (a package's)
// up to the module's go.mod.
func here() string {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		return filepath.Dir(file)
	}
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "internal", "htmlvalidate")
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// needTool skips t when an outside program is missing, unless CI is set,
// where .ci/install.sh must have installed it.
func needTool(t testing.TB, what string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing (.ci/install.sh installs it): %v", what, err)
	}
	t.Skipf("%s is missing (run .ci/install.sh): %v", what, err)
}
