package guard

import (
	"fmt"
	"strings"
	"unicode"
)

// rule is a phrase that gives a page away. Strong phrases count on any
// short page (and in the whole page's visible text); weak ones only in the
// title or on tiny pages, because real policies use them too ("sign in to
// your account settings", "if an error occurs").
type rule struct {
	reason string
	phrase string
}

// Rules are tried in order: the most specific reason first (a Cloudflare
// challenge often arrives as an HTTP 503 "error").
var strongRules = rules(
	ReasonCaptcha, []string{
		"recaptcha", "hcaptcha", "captcha", "are you a robot", "i'm not a robot", "i am not a robot", "not a robot",
		"verify you are human", "verify that you are human", "confirm you are human", "prove you are human",
		"prove you're human", "human verification", "press and hold", "press & hold",
	},
	ReasonBlocked, []string{
		"attention required", "just a moment", "checking your browser", "checking if the site connection is secure",
		"enable javascript and cookies to continue", "access denied", "access to this page has been denied",
		"you have been blocked", "you don't have permission to access", "request blocked", "request could not be satisfied",
		"too many requests", "unusual traffic", "pardon our interruption", "ddos protection by", "performance & security by cloudflare",
		"cloudflare ray id", "403 forbidden", "error 1020",
	},
	ReasonLoginWall, []string{
		"sign in to continue", "log in to continue", "login to continue", "sign in to view", "log in to view",
		"please sign in", "please log in", "please login", "you must be logged in", "you need to sign in",
		"you need to log in", "sign in to your account", "log in to your account", "your session has expired",
	},
	ReasonErrorPage, []string{
		"we're all mixed up", "refresh this page", "page not found", "404 not found", "error 404", "404 error",
		"internal server error", "500 internal", "bad gateway", "service unavailable", "temporarily unavailable",
		"gateway timeout", "something went wrong", "an error occurred", "an error has occurred", "under maintenance",
		"down for maintenance", "page you requested", "page you were looking for", "page you are looking for",
		"page doesn't exist", "page does not exist", "could not be found", "can't be found", "cannot be found",
		"no longer available", "try again later",
	},
)

var weakRules = rules(
	ReasonLoginWall, []string{"sign in", "log in", "login", "sign up", "signin"},
	ReasonErrorPage, []string{"not found", "error", "oops", "404", "500", "502", "503", "unavailable", "go back"},
)

func rules(groups ...any) []rule {
	var out []rule
	for k := 0; k+1 < len(groups); k += 2 {
		for _, p := range groups[k+1].([]string) {
			out = append(out, rule{groups[k].(string), p})
		}
	}
	return out
}

// matchPhrases looks for the marks of a page that is not the policy in a
// short page (n words of extracted text).
func matchPhrases(p Page, n int) (Verdict, bool) {
	title := fold(p.Title)
	text := fold(p.Text)
	raw := fold(p.RawText)
	for _, r := range strongRules {
		for _, where := range []struct{ name, s string }{{"title", title}, {"text", text}, {"page", raw}} {
			if containsWord(where.s, r.phrase) {
				return found(r, where.name, p.Status), true
			}
		}
	}
	for _, r := range weakRules {
		if containsWord(title, r.phrase) {
			return found(r, "title", p.Status), true
		}
		if n < tinyWords && containsWord(text, r.phrase) {
			return found(r, "text", p.Status), true
		}
	}
	return Verdict{}, false
}

func found(r rule, where string, status int) Verdict {
	what := map[string]string{
		ReasonCaptcha:   "a CAPTCHA page",
		ReasonBlocked:   "a bot challenge or block page",
		ReasonLoginWall: "a login wall",
		ReasonErrorPage: "an error page",
	}[r.reason]
	d := fmt.Sprintf("the page is %s, not the policy (%s says %q)", what, where, r.phrase)
	if status != 0 && status != 200 {
		d += fmt.Sprintf(", HTTP %d", status)
	}
	return Verdict{Reason: r.reason, Detail: d}
}

// fold lowercases s, straightens apostrophes and collapses spacing so that
// phrases match however the page typesets them.
func fold(s string) string {
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("’", "'", "‘", "'", "ʼ", "'", "\u00a0", " ").Replace(strings.ToLower(s))
	return strings.Join(strings.Fields(s), " ")
}

// containsWord reports whether phrase occurs in s between word boundaries.
func containsWord(s, phrase string) bool {
	for i := 0; ; {
		k := strings.Index(s[i:], phrase)
		if k < 0 {
			return false
		}
		start, end := i+k, i+k+len(phrase)
		if boundary(s, start-1) && boundary(s, end) {
			return true
		}
		i = start + 1
	}
}

func boundary(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return true
	}
	c := rune(s[i])
	return c < 0x80 && !unicode.IsLetter(c) && !unicode.IsDigit(c)
}
