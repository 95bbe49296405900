package digest

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// inherentSpamRules are the SpamAssassin rules a composed, unsent digest
// hits through no fault of its own, with why.
var inherentSpamRules = map[string]string{
	"NO_RECEIVED":        "the message has not been through any server yet",
	"NO_RELAYS":          "the message has not been through any server yet",
	"HTML_MESSAGE":       "informational: there is an HTML part",
	"MAILING_LIST_MULTI": "negative score: List-Id, List-Unsubscribe and Precedence: bulk mark a real list",
	// A news digest leads with photographs; SpamAssassin weighs these
	// 0.001, and the text part carries every story anyway.
	"HTML_IMAGE_RATIO_02": "image-led newsletter",
	"HTML_IMAGE_RATIO_04": "image-led newsletter",
	"HTML_IMAGE_RATIO_06": "image-led newsletter",
	"HTML_IMAGE_RATIO_08": "image-led newsletter",
}

// spamRuleLine matches a rule line of SpamAssassin's report table:
// " 0.7 HTML_FONT_LOW_CONTRAST BODY: HTML font color ...".
var spamRuleLine = regexp.MustCompile(`(?m)^\s*(-?\d+(?:\.\d+)?)\s+([A-Z][A-Z0-9_]+)\s`)

// spamTotal matches the report's score line:
// "Content analysis details:   (-1.0 points, 5.0 required)".
var spamTotal = regexp.MustCompile(`Content analysis details:\s+\((-?\d+(?:\.\d+)?) points`)

// TestSpamAssassin scores the golden messages with SpamAssassin's local
// rules (-L: no DNS or network tests) and fails on any scoring rule hit
// that is not inherent to an unsent test message, or a total above 0.5, so that a template change which
// looks like spam (hidden low-contrast text, missing headers, parts that
// disagree, malformed dates, QP lines too long, ...) is caught here rather
// than in a subscriber's junk folder.
func TestSpamAssassin(t *testing.T) {
	sa, err := exec.LookPath("spamassassin")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("spamassassin is required in CI (.ci/install.sh installs it)")
		}
		t.Skip("spamassassin not installed")
	}
	home := t.TempDir()
	for _, sub := range goldenSubscribers {
		t.Run(sub.Language, func(t *testing.T) {
			t.Parallel()
			_, eml := buildGolden(t, sub)
			cmd := exec.Command(sa, "-L", "-t")
			// A private HOME: SpamAssassin writes user_prefs there.
			cmd.Env = append(os.Environ(), "HOME="+home)
			cmd.Stdin = bytes.NewReader(eml)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("spamassassin: %v\n%s", err, stderr.String())
			}
			report := string(out)
			i := strings.Index(report, "Content analysis details:")
			if i < 0 {
				t.Fatalf("no report in spamassassin output:\n%s", report)
			}
			report = report[i:]
			sm := spamTotal.FindStringSubmatch(report)
			if sm == nil {
				t.Fatalf("no total in the report:\n%s", report)
			}
			total, err := strconv.ParseFloat(sm[1], 64)
			if err != nil {
				t.Fatalf("total %q: %v", sm[1], err)
			}
			// The table runs from the dashed rule to the next blank line.
			if j := strings.Index(report, "\n---- "); j >= 0 {
				report = report[j+1:]
			}
			if j := strings.Index(report, "\n\n"); j >= 0 {
				report = report[:j]
			}
			var hits []string
			for _, m := range spamRuleLine.FindAllStringSubmatch(report, -1) {
				hits = append(hits, m[2])
				pts, err := strconv.ParseFloat(m[1], 64)
				if err != nil {
					t.Fatalf("points %q: %v", m[1], err)
				}
				// Rules that weigh nothing (LOTS_OF_MONEY for a story
				// about crores of rupees) judge the news, not the mail.
				if _, ok := inherentSpamRules[m[2]]; !ok && pts >= 0.05 {
					t.Errorf("rule %s hit (%s points)", m[2], m[1])
				}
			}
			if len(hits) == 0 {
				t.Fatalf("no rule lines in the report:\n%s", report)
			}
			if total > 0.5 {
				t.Errorf("score %.3f, want at most 0.5", total)
			}
			t.Logf("score %.3f: %s", total, strings.Join(hits, " "))
		})
	}
}
