// Package guard decides whether a captured page is the policy at all. Error
// and outage pages, bot challenges, CAPTCHAs, login walls and extractions
// that collapsed are monitor failures, never new versions; a text that comes
// back to one seen a few captures ago is a revert, not news.
package guard

import (
	"errors"
	"fmt"
	"strings"

	"github.com/policybot/policybot/monitor/diff"
	"github.com/policybot/policybot/monitor/extract"
)

// Reasons a page is refused (Verdict.Reason).
const (
	ReasonErrorPage = "error-page"
	ReasonLoginWall = "login-wall"
	ReasonCaptcha   = "captcha"
	ReasonCollapsed = "collapsed"
	ReasonNoMatch   = "no-match"
	ReasonEmpty     = "empty"
	ReasonBlocked   = "blocked"
)

// Verdict is the guard's answer. Detail says why, for a person.
type Verdict struct {
	OK     bool   `json:"ok"`
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Page is what the monitor captured and extracted.
type Page struct {
	Status      int
	ContentType string
	Title       string
	// Text is the extracted Markdown.
	Text string
	// RawText is the visible text of the whole page, when known.
	RawText string
}

// Thresholds, chosen from the corpus (165 real versions of 41 documents):
// the shortest real version has 1,458 words and the largest drop between
// consecutive real versions keeps 73% of the words, while the broken
// extractions in _edge-cases keep 7 words (heading only, from 8,960) and 20
// words (title and date, from 45,000).
const (
	// MinWords: fewer words than this is never a whole policy.
	MinWords = 50
	// CollapsedWords and CollapsedRatio: a text under CollapsedWords that
	// also lost more than 70% of the last version's words collapsed.
	CollapsedWords = 300
	CollapsedRatio = 0.30
	// VanishedRatio: losing more than 90% of the words is a broken
	// extraction whatever the size; a real rewrite does not do that.
	VanishedRatio = 0.10
	// shortWords: phrase rules only look at texts this short. Real policies
	// mention "sign in", "captcha" or "error"; error pages are short.
	shortWords = 300
	// tinyWords: the weakest phrases ("sign in", "not found") only count on
	// pages this short.
	tinyWords = 120
)

var ok = Verdict{OK: true}

// Inspect says whether p is the document. previous is the last accepted
// version's text, "" if none.
func Inspect(p Page, previous string) Verdict {
	text := strings.TrimSpace(p.Text)
	n := wordCount(text)
	if n < shortWords {
		if v, found := matchPhrases(p, n); found {
			return v
		}
	}
	if p.Status >= 400 {
		return statusVerdict(p.Status)
	}
	if text == "" {
		return Verdict{Reason: ReasonEmpty, Detail: "the extraction is empty"}
	}
	if h, only := headingOnly(text); only {
		return Verdict{Reason: ReasonCollapsed, Detail: fmt.Sprintf("only a heading is left (%q): the page changed shape", clip(h, 80))}
	}
	if prev := wordCount(previous); prev > 0 {
		ratio := float64(n) / float64(prev)
		if (n < CollapsedWords && ratio < CollapsedRatio) || ratio < VanishedRatio {
			return Verdict{Reason: ReasonCollapsed, Detail: fmt.Sprintf("the text shrank to %d words from %d (%.1f%%): the extraction collapsed", n, prev, 100*ratio)}
		}
	}
	if n < MinWords {
		return Verdict{Reason: ReasonCollapsed, Detail: fmt.Sprintf("only %d words: too short to be the policy", n)}
	}
	return ok
}

// ExtractFailure maps an extraction error to a verdict: a selector that
// matched nothing means the page changed shape (no-match), selected content
// without text is empty; other errors are no verdict (OK is false, Reason
// empty) and stay the caller's.
func ExtractFailure(err error) Verdict {
	switch {
	case err == nil:
		return ok
	case errors.Is(err, extract.ErrNoMatch):
		return Verdict{Reason: ReasonNoMatch, Detail: fmt.Sprintf("the page changed shape: %v", err)}
	case errors.Is(err, extract.ErrEmpty):
		return Verdict{Reason: ReasonEmpty, Detail: fmt.Sprintf("the selected content is empty: %v", err)}
	}
	return Verdict{Detail: err.Error()}
}

// IsRevert reports whether a new text (by hash) is one of the recent
// versions (newest first, without the current one): the page flips between
// variants (A→B→A), so the change is recorded as reverted and not
// announced again. The caller chooses how many versions count as recent.
func IsRevert(newHash string, recent []string) bool {
	if newHash == "" {
		return false
	}
	for _, h := range recent {
		if h == newHash {
			return true
		}
	}
	return false
}

func statusVerdict(status int) Verdict {
	switch {
	case status == 401 || status == 407:
		return Verdict{Reason: ReasonLoginWall, Detail: fmt.Sprintf("the site asks to sign in (HTTP %d)", status)}
	case status == 403 || status == 429:
		return Verdict{Reason: ReasonBlocked, Detail: fmt.Sprintf("the site refused the request (HTTP %d)", status)}
	}
	return Verdict{Reason: ReasonErrorPage, Detail: fmt.Sprintf("the site answered with an error (HTTP %d)", status)}
}

// headingOnly reports a text whose blocks are all headings, and the first.
func headingOnly(text string) (string, bool) {
	blocks := diff.Blocks(text)
	for _, b := range blocks {
		if b.Kind != diff.BlockHeading {
			return "", false
		}
	}
	if len(blocks) == 0 {
		return "", false
	}
	return strings.TrimLeft(blocks[0].Text, "# "), true
}

func wordCount(s string) int { return len(strings.Fields(s)) }

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
